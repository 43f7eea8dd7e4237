import JupiterCore

/// lm-eval's `exact_match` metric (`exact_match_hf_evaluate`, the Hugging Face `evaluate` one),
/// applied to one prediction and its references, with the same normalisation in the same order:
///
/// 1. `strip` (optional, lm-eval's filter of that name): Python `str.strip()`;
/// 2. each of ``regexesToIgnore`` removed with `re.sub(pattern, "", text)` (Python `re`
///    semantics, see ``PyRegex``), in order, from prediction and reference;
/// 3. ``ignoreCase``: Python `str.lower()`;
/// 4. ``ignorePunctuation``: every character of Python's `string.punctuation` (the 32 ASCII marks)
///    removed;
/// 5. ``ignoreNumbers``: ASCII digits removed;
/// 6. equality of the two strings (code point by code point, trailing U+0000 ignored as NumPy's
///    string arrays do). With several references the prediction scores 1 when it equals any.
public struct ExactMatchScorer: Sendable {
    /// Strip Python whitespace from both ends first.
    public var strip: Bool
    /// Patterns removed (as `re.sub(p, "", s)`), in order.
    public let regexesToIgnore: [String]
    /// Lowercase both sides.
    public var ignoreCase: Bool
    /// Remove ASCII punctuation from both sides.
    public var ignorePunctuation: Bool
    /// Remove ASCII digits from both sides.
    public var ignoreNumbers: Bool
    private let compiled: [PyRegex]

    /// Creates a scorer; throws ``EvalError`` (`.badPattern`) when a pattern does not compile.
    public init(
        strip: Bool = false, regexesToIgnore: [String] = [], ignoreCase: Bool = false,
        ignorePunctuation: Bool = false, ignoreNumbers: Bool = false
    ) throws(EvalError) {
        self.strip = strip
        self.regexesToIgnore = regexesToIgnore
        self.ignoreCase = ignoreCase
        self.ignorePunctuation = ignorePunctuation
        self.ignoreNumbers = ignoreNumbers
        var compiled: [PyRegex] = []
        for p in regexesToIgnore { compiled.append(try PyRegex(p)) }
        self.compiled = compiled
    }

    /// The normalisation of the OpenAI-evals `exact-match` kind: strip, ignore case, ignore
    /// punctuation (lm-eval's `exact_match` with `ignore_case: true, ignore_punctuation: true`
    /// after a `strip` filter).
    public static let openAIEvals: ExactMatchScorer = {
        do { return try ExactMatchScorer(strip: true, ignoreCase: true, ignorePunctuation: true) } catch {
            fatalError("static exact-match settings have no pattern")
        }
    }()

    /// The text after normalisation.
    public func normalise(_ text: String) -> String {
        var s = strip ? PythonText.strip(text) : text
        for r in compiled { s = r.sub("", s) }
        if ignoreCase { s = PythonText.lower(s) }
        if ignorePunctuation || ignoreNumbers {
            var v = String.UnicodeScalarView()
            for c in s.unicodeScalars {
                if ignorePunctuation, Self.isASCIIPunctuation(c) { continue }
                if ignoreNumbers, c.value >= 0x30 && c.value <= 0x39 { continue }
                v.append(c)
            }
            s = String(v)
        }
        return s
    }

    /// 1 when the normalised prediction equals a normalised reference, else 0.
    public func score(prediction: String, references: [String]) -> ItemScore {
        let p = normalise(prediction)
        func key(_ s: String) -> [Unicode.Scalar] {
            var a = Array(s.unicodeScalars)
            while a.last == "\0" { a.removeLast() }
            return a
        }
        let hit = references.contains { key(normalise($0)) == key(p) }
        return ItemScore(extracted: p, score: hit ? 1 : 0)
    }

    static func isASCIIPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: true
        default: false
        }
    }
}
