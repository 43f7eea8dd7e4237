/// Typed access to one stage's options from the recipe, collecting every problem (with its YAML
/// line) instead of stopping at the first, and reporting options nobody read as unknown.
///
/// ```swift
/// var o = options
/// let maxRatio = o.double("max_ratio", default: 2.0, range: 1...)
/// let problems = o.finish()
/// ```
public struct StageOptions: Sendable {
    /// The stage name as written in the recipe.
    public let stage: String
    /// Recipe file (for diagnostics).
    public let file: String?
    /// Line of the stage in the recipe.
    public let line: Int
    private let entries: [(key: String, keyLine: Int, value: ConfigNode)]
    private var used: Set<String> = []
    /// Problems found so far.
    public private(set) var problems: [Diagnostic] = []

    /// Options from a YAML mapping node (or none).
    public init(stage: String, node: ConfigNode?, file: String? = nil, line: Int = 0) {
        self.stage = stage
        self.file = file
        self.line = node?.line ?? line
        if let node, let m = node.mapEntries {
            entries = m
        } else {
            entries = []
            if let node, node.value != .null {
                problems.append(Diagnostic(.error, "options of stage '\(stage)' must be a mapping, found \(node.typeName)",
                                           file: file, line: node.line, column: node.column))
            }
        }
    }

    /// Options from plain key/value pairs (for code and tests).
    public init(stage: String, _ values: [String: String]) {
        self.stage = stage
        file = nil
        line = 0
        entries = values.sorted { $0.key < $1.key }.map { ($0.key, 0, ConfigNode(.scalar($0.value))) }
    }

    /// True when the option is present.
    public func has(_ key: String) -> Bool { entries.contains { $0.key == key } }

    /// The raw node of an option (marks it used).
    public mutating func node(_ key: String) -> ConfigNode? {
        guard let e = entries.first(where: { $0.key == key }) else { return nil }
        used.insert(key)
        return e.value
    }

    /// Records a problem with an option.
    public mutating func problem(_ key: String?, _ message: String) {
        let l = key.flatMap { k in entries.first { $0.key == k }?.value.line } ?? line
        problems.append(Diagnostic(.error, "stage '\(stage)': \(message)", file: file, line: l))
    }

    /// A string option.
    public mutating func string(_ key: String, default def: String) -> String {
        string(key) ?? def
    }

    /// An optional string option.
    public mutating func string(_ key: String) -> String? {
        guard let n = node(key) else { return nil }
        guard let s = n.scalar else { problem(key, "option '\(key)' must be a string, found \(n.typeName)"); return nil }
        return s
    }

    /// A string option restricted to `choices`.
    public mutating func choice(_ key: String, _ choices: [String], default def: String) -> String {
        let v = string(key, default: def)
        if !choices.contains(v) {
            problem(key, "option '\(key)' must be one of \(choices.joined(separator: ", ")), found '\(v)'")
            return def
        }
        return v
    }

    /// An integer option, optionally bounded.
    public mutating func int(_ key: String, default def: Int, range: ClosedRange<Int>? = nil) -> Int {
        guard let n = node(key) else { return def }
        guard let s = n.scalar, let v = Int(s.replacingUnderscores()) else {
            problem(key, "option '\(key)' must be an integer, found \(n.scalar.map { "'\($0)'" } ?? n.typeName)")
            return def
        }
        if let range, !range.contains(v) {
            problem(key, "option '\(key)' must be in \(range.lowerBound)...\(range.upperBound), found \(v)")
            return def
        }
        return v
    }

    /// A number option, optionally bounded.
    public mutating func double(_ key: String, default def: Double, range: ClosedRange<Double>? = nil) -> Double {
        guard let n = node(key) else { return def }
        guard let s = n.scalar, let v = Double(s.replacingUnderscores()), v.isFinite else {
            problem(key, "option '\(key)' must be a number, found \(n.scalar.map { "'\($0)'" } ?? n.typeName)")
            return def
        }
        if let range, !range.contains(v) {
            problem(key, "option '\(key)' must be in \(range.lowerBound)...\(range.upperBound), found \(v)")
            return def
        }
        return v
    }

    /// A boolean option (`true`/`false`, `yes`/`no`, `on`/`off`).
    public mutating func bool(_ key: String, default def: Bool) -> Bool {
        guard let n = node(key) else { return def }
        switch n.scalar?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            problem(key, "option '\(key)' must be true or false, found \(n.scalar.map { "'\($0)'" } ?? n.typeName)")
            return def
        }
    }

    /// A list of strings (a single scalar is accepted as a one-element list).
    public mutating func stringList(_ key: String, default def: [String]) -> [String] {
        guard let n = node(key) else { return def }
        if let s = n.scalar { return [s] }
        guard let items = n.listItems else {
            problem(key, "option '\(key)' must be a list of strings, found \(n.typeName)")
            return def
        }
        var out: [String] = []
        for item in items {
            guard let s = item.scalar else {
                problem(key, "option '\(key)' must be a list of strings, found a \(item.typeName) item")
                return def
            }
            out.append(s)
        }
        return out
    }

    /// Ends reading: returns every problem, including one per option that was never read.
    public mutating func finish() -> [Diagnostic] {
        for e in entries where !used.contains(e.key) {
            let known = ""
            problems.append(Diagnostic(.error, "stage '\(stage)': unknown option '\(e.key)'\(known)", file: file,
                                       line: e.keyLine))
        }
        return problems
    }

    /// The options' JSON form (for manifests).
    public var json: JSONValue {
        .object(JSONObject(entries.map { JSONObject.Entry(key: $0.key, value: $0.value.json) }))
    }
}

extension String {
    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
