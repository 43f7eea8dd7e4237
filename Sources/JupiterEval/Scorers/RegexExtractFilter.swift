import JupiterCore

/// lm-eval's `regex` filter (`lm_eval.filters.extraction.RegexFilter`) followed by `take_first`:
/// `re.findall(pattern, response)`; when there are matches, the one at `group_select` (negative
/// counts from the end, as in Python); a match with several groups becomes its first non-empty
/// group (the fallback when all are empty); the result is `str.strip()`-ed. No match, or a
/// `group_select` out of range (where Python would raise), gives the fallback `[invalid]`.
public struct RegexExtractFilter: Sendable {
    /// The pattern (Python `re` syntax).
    public let pattern: String
    /// Which match to take: 0 the first, -1 the last.
    public let groupSelect: Int
    /// What a response without a match becomes.
    public let fallback: String
    private let regex: PyRegex

    /// Creates a filter; throws ``EvalError`` (`.badPattern`) when the pattern does not compile.
    public init(pattern: String, groupSelect: Int = 0, fallback: String = "[invalid]") throws(EvalError) {
        self.pattern = pattern
        self.groupSelect = groupSelect
        self.fallback = fallback
        self.regex = try PyRegex(pattern)
    }

    /// The extracted answer, or ``fallback``.
    public func apply(_ response: String) -> String {
        let matches = regex.finditer(response)
        guard !matches.isEmpty else { return fallback }
        let index = groupSelect < 0 ? matches.count + groupSelect : groupSelect
        guard matches.indices.contains(index) else { return fallback }
        let m = matches[index]
        let value: String
        switch regex.groupCount {
        case 0: value = m.group(0) ?? ""
        case 1: value = m.group(1) ?? ""
        default: value = (1...regex.groupCount).lazy.compactMap { m.group($0) }.first { !$0.isEmpty } ?? fallback
        }
        return PythonText.strip(value)
    }
}
