/// The type of a column Jupiter writes: what pyarrow would infer from the same JSON values
/// (`pa.Table.from_pylist`), every level nullable.
public indirect enum ParquetColumnType: Sendable, Hashable, CustomStringConvertible {
    /// UTF-8 text (BYTE_ARRAY, STRING).
    case string
    /// 64-bit integers.
    case int64
    /// Doubles.
    case double
    /// Booleans.
    case boolean
    /// Only nulls seen (written as a string column of nulls).
    case null
    /// Values of different JSON types in one place, written as their JSON text (logical type JSON).
    case json
    /// A list (3-level `LIST`: `list.element`).
    case list(ParquetColumnType)
    /// A struct with fields in order.
    case structure([ParquetField])

    /// pyarrow's spelling: `list<element: struct<role: string, content: string>>`.
    public var description: String {
        switch self {
        case .string: "string"
        case .int64: "int64"
        case .double: "double"
        case .boolean: "bool"
        case .null: "null"
        case .json: "json"
        case .list(let e): "list<element: \(e)>"
        case .structure(let f): "struct<" + f.map { "\($0.name): \($0.type)" }.joined(separator: ", ") + ">"
        }
    }

    /// The type of one JSON value.
    public static func of(_ value: JSONValue) -> ParquetColumnType {
        switch value {
        case .null: return .null
        case .bool: return .boolean
        case .number(let n): return Int64(n) != nil ? .int64 : .double
        case .string: return .string
        case .array(let items):
            var element = ParquetColumnType.null
            for item in items { element = element.merged(with: .of(item)) }
            return .list(element)
        case .object(let o):
            var fields: [ParquetField] = []
            var index: [String: Int] = [:]
            for e in o.entries {
                let t = ParquetColumnType.of(e.value)
                if let i = index[e.key] {
                    fields[i].type = fields[i].type.merged(with: t)
                } else {
                    index[e.key] = fields.count
                    fields.append(ParquetField(name: e.key, type: t))
                }
            }
            return .structure(fields)
        }
    }

    /// The type holding values of both types: null gives way to anything, integers widen to
    /// doubles, lists merge their elements, structs take the union of their fields (in order of
    /// first appearance); anything else becomes ``json``.
    public func merged(with other: ParquetColumnType) -> ParquetColumnType {
        switch (self, other) {
        case (.null, _): return other
        case (_, .null): return self
        case (.int64, .double), (.double, .int64): return .double
        case (.list(let a), .list(let b)): return .list(a.merged(with: b))
        case (.structure(let a), .structure(let b)):
            var fields = a
            for f in b {
                if let i = fields.firstIndex(where: { $0.name == f.name }) {
                    fields[i].type = fields[i].type.merged(with: f.type)
                } else {
                    fields.append(f)
                }
            }
            return .structure(fields)
        default: return self == other ? self : .json
        }
    }

    /// The schema of rows (JSON objects): the merged type of every row's fields.
    public static func schema(of rows: [JSONValue]) -> [ParquetField] {
        var merged = ParquetColumnType.structure([])
        for row in rows { merged = merged.merged(with: .of(row)) }
        if case .structure(let fields) = merged { return fields }
        return []
    }
}

/// A named column or struct field.
public struct ParquetField: Sendable, Hashable {
    /// The name.
    public var name: String
    /// The type.
    public var type: ParquetColumnType
    /// Creates a field.
    public init(name: String, type: ParquetColumnType) {
        self.name = name
        self.type = type
    }
}
