import JupiterCore

/// Which languages a `langid` stage accepts, read from the recipe's `expect` option:
///
/// ```yaml
/// expect: cy                            # every checked text must be Welsh
/// expect: [cy, en]                      # Welsh or English
/// expect: { user: en, assistant: cy }   # per conversation role
/// expect: { source: en, target: cy }    # per side of a pair
/// ```
///
/// Without `expect`, pairs are checked against their own language codes (`ParallelPair`
/// `sourceLanguage`/`targetLanguage`) and other records only against `min_prob`.
///
/// A code matches a label when they are equal (case-insensitive) or when the label is the code
/// followed by `_` and a script, so `cym` matches GlotLID's `cym_Latn`. Codes are not translated
/// between ISO 639-1 and 639-3: write `cy` for lid.176 and `cym` (or `cym_Latn`) for GlotLID.
public enum LanguageExpectation: Sendable, Hashable {
    /// No expected language: only the probability bound applies.
    case any
    /// Every checked text must be one of these codes.
    case oneOf([String])
    /// Codes per slot: a conversation role (`system`, `user`, `assistant`, `tool`) or a pair side
    /// (`source`, `target`). Slots not listed have no expected language.
    case perSlot([String: [String]])

    /// The codes expected in `slot` (nil: no expectation).
    public func codes(for slot: String) -> [String]? {
        switch self {
        case .any: nil
        case .oneOf(let c): c
        case .perSlot(let m): m[slot]
        }
    }

    /// Whether `label` (a model label without `__label__`) is one of `codes`.
    public static func matches(_ label: String, _ codes: [String]) -> Bool {
        let l = label.lowercased()
        return codes.contains { code in
            let c = code.lowercased()
            return l == c || (l.hasPrefix(c) && l.dropFirst(c.count).first == "_")
        }
    }

    /// The option's JSON form.
    public var json: JSONValue {
        switch self {
        case .any: .null
        case .oneOf(let c): .array(c.map { .string($0) })
        case .perSlot(let m):
            .object(JSONObject(m.keys.sorted().map { JSONObject.Entry(key: $0, value: .array((m[$0] ?? []).map { .string($0) })) }))
        }
    }

    /// Reads `expect` (scalar, list or mapping); problems go to `options`.
    static func read(_ options: inout StageOptions) -> LanguageExpectation {
        guard let node = options.node("expect") else { return .any }
        if let s = node.scalar { return .oneOf([s]) }
        if node.value == .null { return .any }
        if let items = node.listItems {
            let codes = items.compactMap(\.scalar)
            if codes.count != items.count || codes.isEmpty {
                options.problem("expect", "option 'expect' must be a language code, a list of codes or a mapping")
                return .any
            }
            return .oneOf(codes)
        }
        guard let entries = node.mapEntries else { return .any }
        let slots = ["system", "user", "assistant", "tool", "source", "target"]
        var m: [String: [String]] = [:]
        for e in entries {
            guard slots.contains(e.key) else {
                options.problem("expect", "option 'expect' has unknown key '\(e.key)' (use \(slots.joined(separator: ", ")))")
                continue
            }
            if let s = e.value.scalar {
                m[e.key] = [s]
            } else if let items = e.value.listItems, !items.isEmpty, items.allSatisfy({ $0.scalar != nil }) {
                m[e.key] = items.compactMap(\.scalar)
            } else {
                options.problem("expect", "option 'expect.\(e.key)' must be a language code or a list of codes")
            }
        }
        return .perSlot(m)
    }
}
