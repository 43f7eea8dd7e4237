/// A recipe value with its position in the YAML file: the parsed shape of stage options.
public struct ConfigNode: Sendable, Hashable {
    /// The value's shape.
    public indirect enum Value: Sendable, Hashable {
        /// A scalar as written (YAML scalars are typed when read, by the option that reads them).
        case scalar(String)
        /// A YAML null (`~`, `null` or empty).
        case null
        /// A sequence.
        case list([ConfigNode])
        /// A mapping, keys in order.
        case map([(key: String, keyLine: Int, value: ConfigNode)])

        public static func == (a: Value, b: Value) -> Bool {
            switch (a, b) {
            case (.scalar(let x), .scalar(let y)): return x == y
            case (.null, .null): return true
            case (.list(let x), .list(let y)): return x == y
            case (.map(let x), .map(let y)):
                return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
            default: return false
            }
        }

        public func hash(into h: inout Hasher) {
            switch self {
            case .scalar(let s): h.combine(0); h.combine(s)
            case .null: h.combine(1)
            case .list(let l): h.combine(2); h.combine(l)
            case .map(let m): h.combine(3); for e in m { h.combine(e.key); h.combine(e.value) }
            }
        }
    }

    /// The value.
    public var value: Value
    /// 1-based line in the recipe (0 when unknown).
    public var line: Int
    /// 1-based column in the recipe (0 when unknown).
    public var column: Int

    /// Creates a node.
    public init(_ value: Value, line: Int = 0, column: Int = 0) {
        self.value = value
        self.line = line
        self.column = column
    }

    /// The scalar text, if a scalar.
    public var scalar: String? { if case .scalar(let s) = value { return s } else { return nil } }
    /// The map entries, if a map.
    public var mapEntries: [(key: String, keyLine: Int, value: ConfigNode)]? {
        if case .map(let m) = value { return m } else { return nil }
    }
    /// The list items, if a list.
    public var listItems: [ConfigNode]? {
        if case .list(let l) = value { return l } else { return nil }
    }
    /// A map member by key.
    public subscript(key: String) -> ConfigNode? { mapEntries?.first { $0.key == key }?.value }

    /// A name for the node's YAML type, for error messages.
    public var typeName: String {
        switch value {
        case .scalar: "scalar"
        case .null: "null"
        case .list: "list"
        case .map: "mapping"
        }
    }

    /// The value as JSON (scalars typed as YAML 1.2 core schema would: int, float, bool, null, string).
    public var json: JSONValue {
        switch value {
        case .null: return .null
        case .scalar(let s):
            if s == "true" || s == "True" { return .bool(true) }
            if s == "false" || s == "False" { return .bool(false) }
            if Int(s) != nil { return .number(s) }
            if let d = Double(s), d.isFinite, s.contains(where: { $0.isNumber }) { return .double(d) }
            return .string(s)
        case .list(let l): return .array(l.map(\.json))
        case .map(let m): return .object(JSONObject(m.map { JSONObject.Entry(key: $0.key, value: $0.value.json) }))
        }
    }
}
