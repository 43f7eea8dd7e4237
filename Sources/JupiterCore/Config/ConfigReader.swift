/// The one reader of recipe configuration: the top level, `output:`, `mix:`, `models:` entries and
/// every stage's options are read through it, so a value means the same everywhere (`true`, `yes`
/// and `on` are all true; `2_000` is 2000; `2M` is an amount) and every problem is a
/// ``Diagnostic`` with its YAML line, collected instead of stopping at the first.
///
/// ```swift
/// var o = ConfigReader(node, context: "stage 'pair-filter'", file: recipe.file)
/// let maxRatio = o.double("max_ratio", default: 2.0, range: 1...)
/// let problems = o.finish()     // + one "unknown option" per key never read, with a suggestion
/// ```
///
/// Messages carry the context once (`stage 'langid': option 'min_prob' must be …`); the file and
/// line are the diagnostic's own fields, never repeated in the message.
public struct ConfigReader: Sendable {
    /// What is being read, for messages (`stage 'langid'`, `model 'base'`, `mix`; empty for the
    /// recipe's top level).
    public let context: String
    /// The word for a key in messages: `option` for stages, `key` elsewhere.
    public let keyWord: String
    /// Recipe file (for diagnostics).
    public let file: String?
    /// Line of the mapping (or of what it belongs to).
    public let line: Int
    private let entries: [(key: String, keyLine: Int, value: ConfigNode)]
    private var used: Set<String> = []
    /// Every key asked for, present or not (the known keys, for suggestions).
    private var asked: [String] = []
    /// Problems found so far.
    public private(set) var problems: [Diagnostic] = []

    /// A reader over a YAML mapping node (nil or null: an empty mapping).
    public init(_ node: ConfigNode?, context: String, keyWord: String = "key", file: String? = nil, line: Int = 0) {
        self.context = context
        self.keyWord = keyWord
        self.file = file
        self.line = node.map { $0.line == 0 ? line : $0.line } ?? line
        if let node, let m = node.mapEntries {
            entries = m
        } else {
            entries = []
            if let node, node.value != .null {
                problems.append(
                    Diagnostic(
                        .error, "\(context.isEmpty ? "recipe" : context): must be a mapping, found \(node.typeName)",
                        file: file, line: node.line == 0 ? line : node.line, column: node.column))
            }
        }
    }

    /// The keys present, in order.
    public var keys: [String] { entries.map(\.key) }

    /// True when the key is present.
    public mutating func has(_ key: String) -> Bool {
        if !asked.contains(key) { asked.append(key) }
        return entries.contains { $0.key == key }
    }

    /// The line of a key's value (the mapping's line when absent).
    public func line(of key: String) -> Int {
        entries.first { $0.key == key }.map { $0.value.line == 0 ? $0.keyLine : $0.value.line } ?? line
    }

    /// The raw node of a key (marks it read).
    public mutating func node(_ key: String) -> ConfigNode? {
        if !asked.contains(key) { asked.append(key) }
        guard let e = entries.first(where: { $0.key == key }) else { return nil }
        used.insert(key)
        return e.value
    }

    /// Records an error about a key (or the whole mapping when `key` is nil).
    public mutating func problem(_ key: String?, _ message: String) {
        problems.append(Diagnostic(.error, prefix + message, file: file, line: key.map { line(of: $0) } ?? line))
    }

    /// Records a warning about a key (or the whole mapping when `key` is nil).
    public mutating func warning(_ key: String?, _ message: String) {
        problems.append(Diagnostic(.warning, prefix + message, file: file, line: key.map { line(of: $0) } ?? line))
    }

    private var prefix: String { context.isEmpty ? "" : context + ": " }

    /// Adds diagnostics found elsewhere (e.g. by a nested reader).
    public mutating func append(_ diagnostics: [Diagnostic]) { problems += diagnostics }

    private mutating func typeProblem(_ key: String, _ expected: String, _ n: ConfigNode) {
        problem(key, "\(keyWord) '\(key)' must be \(expected), found \(n.scalar.map { "'\($0)'" } ?? n.typeName)")
    }

    /// An optional string.
    public mutating func string(_ key: String) -> String? {
        guard let n = node(key) else { return nil }
        guard let s = n.scalar else { typeProblem(key, "a string", n); return nil }
        return s
    }

    /// A string with a default.
    public mutating func string(_ key: String, default def: String) -> String { string(key) ?? def }

    /// A non-empty string (nil and a problem when empty).
    public mutating func nonEmptyString(_ key: String) -> String? {
        guard let s = string(key) else { return nil }
        if s.isEmpty { problem(key, "\(keyWord) '\(key)' must not be empty"); return nil }
        return s
    }

    /// A string restricted to `choices`.
    public mutating func choice(_ key: String, _ choices: [String], default def: String) -> String {
        choice(key, choices) ?? def
    }

    /// An optional string restricted to `choices`.
    public mutating func choice(_ key: String, _ choices: [String]) -> String? {
        guard let v = string(key) else { return nil }
        guard choices.contains(v) else {
            problem(
                key,
                "\(keyWord) '\(key)' must be one of \(choices.joined(separator: ", ")), found '\(v)'"
                    + Suggestion.didYouMean(v, among: choices))
            return nil
        }
        return v
    }

    /// An optional integer (underscores allowed), optionally bounded.
    public mutating func int(_ key: String, range: ClosedRange<Int>? = nil) -> Int? {
        guard let n = node(key) else { return nil }
        guard let s = n.scalar, let v = Int(s.replacingUnderscores()) else {
            typeProblem(key, "an integer", n)
            return nil
        }
        if let range, !range.contains(v) {
            problem(key, "\(keyWord) '\(key)' must be in \(range.lowerBound)...\(range.upperBound), found \(v)")
            return nil
        }
        return v
    }

    /// An integer with a default.
    public mutating func int(_ key: String, default def: Int, range: ClosedRange<Int>? = nil) -> Int {
        int(key, range: range) ?? def
    }

    /// An optional finite number, optionally bounded.
    public mutating func double(_ key: String, range: ClosedRange<Double>? = nil) -> Double? {
        guard let n = node(key) else { return nil }
        guard let s = n.scalar, let v = Double(s.replacingUnderscores()), v.isFinite else {
            typeProblem(key, "a number", n)
            return nil
        }
        if let range, !range.contains(v) {
            problem(key, "\(keyWord) '\(key)' must be in \(range.lowerBound)...\(range.upperBound), found \(v)")
            return nil
        }
        return v
    }

    /// A number with a default.
    public mutating func double(_ key: String, default def: Double, range: ClosedRange<Double>? = nil) -> Double {
        double(key, range: range) ?? def
    }

    /// The boolean spellings every reader accepts.
    public static func boolValue(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on": true
        case "false", "no", "off": false
        default: nil
        }
    }

    /// An optional boolean (`true`/`false`, `yes`/`no`, `on`/`off`).
    public mutating func bool(_ key: String) -> Bool? {
        guard let n = node(key) else { return nil }
        guard let v = n.scalar.flatMap(Self.boolValue) else { typeProblem(key, "true or false", n); return nil }
        return v
    }

    /// A boolean with a default.
    public mutating func bool(_ key: String, default def: Bool) -> Bool { bool(key) ?? def }

    /// A list of strings (a single scalar is accepted as a one-element list).
    public mutating func stringList(_ key: String) -> [String]? {
        guard let n = node(key) else { return nil }
        if let s = n.scalar { return [s] }
        guard let items = n.listItems else {
            typeProblem(key, "a list of strings", n)
            return nil
        }
        var out: [String] = []
        for item in items {
            guard let s = item.scalar else {
                problem(key, "\(keyWord) '\(key)' must be a list of strings, found a \(item.typeName) item")
                return nil
            }
            out.append(s)
        }
        return out
    }

    /// A list of strings with a default.
    public mutating func stringList(_ key: String, default def: [String]) -> [String] { stringList(key) ?? def }

    /// `2000000`, `2_000_000`, `2,000,000`, `2M`, `1.5B`, `500k` → a positive integer.
    public static func amount(_ s: String) -> Int? {
        var t = s.replacingOccurrences(of: "_", with: "").replacingOccurrences(of: ",", with: "")
        var scale = 1.0
        if let last = t.last, let m = ["k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6, "b": 1e9, "B": 1e9][last] {
            scale = m
            t.removeLast()
        }
        guard let v = Double(t), v.isFinite, v > 0, v * scale < 9e18 else { return nil }
        let r = (v * scale).rounded()
        return r >= 1 ? Int(r) : nil
    }

    /// An optional positive amount (`2M`, `500k`, `2_000_000`).
    public mutating func amount(_ key: String) -> Int? {
        guard let n = node(key) else { return nil }
        guard let v = n.scalar.flatMap(Self.amount) else {
            typeProblem(key, "a positive amount such as 2000000, 2_000_000 or 2M", n)
            return nil
        }
        return v
    }

    /// A nested mapping as its own reader (context `"<context>: <key>"`, or `key` at the top); nil when absent. Its
    /// problems must be appended back with ``append(_:)`` after its own ``finish(also:)``.
    public mutating func mapping(_ key: String) -> ConfigReader? {
        guard let n = node(key) else { return nil }
        return ConfigReader(n, context: prefix + key, keyWord: keyWord, file: file, line: line(of: key))
    }

    /// Ends reading: returns every problem, including one per key never read (with the closest
    /// known key as a suggestion). `also` names keys that are valid although this reader did not
    /// read them (read elsewhere).
    public mutating func finish(also: [String] = []) -> [Diagnostic] {
        let known = asked + also
        for e in entries where !used.contains(e.key) && !also.contains(e.key) {
            problems.append(
                Diagnostic(
                    .error,
                    "\(prefix)unknown \(keyWord) '\(e.key)'"
                        + Suggestion.didYouMean(e.key, among: known), file: file, line: e.keyLine))
        }
        return problems
    }

    /// The mapping as JSON (for manifests).
    public var json: JSONValue {
        .object(JSONObject(entries.map { JSONObject.Entry(key: $0.key, value: $0.value.json) }))
    }
}

/// A stage's options: a ``ConfigReader`` whose keys are called options.
public typealias StageOptions = ConfigReader

extension ConfigReader {
    /// A stage's options from a YAML mapping node (or none).
    public init(stage: String, node: ConfigNode?, file: String? = nil, line: Int = 0) {
        self.init(node, context: "stage '\(stage)'", keyWord: "option", file: file, line: line)
    }

    /// A stage's options from plain key/value pairs (for code and tests).
    public init(stage: String, _ values: [String: String]) {
        let node = ConfigNode(.map(values.sorted { $0.key < $1.key }.map { ($0.key, 0, ConfigNode(.scalar($0.value))) }))
        self.init(node, context: "stage '\(stage)'", keyWord: "option")
    }
}

/// "Did you mean …?" for misspelt names (keys, stage names, model names).
public enum Suggestion {
    /// The closest of `candidates` to `word` within a small edit distance, or nil.
    public static func closest(_ word: String, among candidates: [String]) -> String? {
        let w = Array(word.lowercased().unicodeScalars)
        var best: (String, Int)?
        for c in candidates {
            let d = distance(w, Array(c.lowercased().unicodeScalars))
            if d <= max(1, min(3, w.count / 3)) && d < (best?.1 ?? .max) { best = (c, d) }
        }
        return best?.0
    }

    /// `"; did you mean 'x'?"` or an empty string.
    public static func didYouMean(_ word: String, among candidates: [String]) -> String {
        closest(word, among: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }

    /// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}

extension String {
    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
