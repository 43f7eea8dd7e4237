public import JupiterCore

/// One IFEval instruction with its arguments, checked as the reference implementation
/// (google-research `instruction_following_eval`, the same code as lm-eval's
/// `lm_eval/tasks/ifeval/instructions.py`) checks it. All 25 instruction types of its registry.
///
/// Arguments are the item's `kwargs` with `null` values dropped (falsy values such as `0` or `""`
/// are kept, unlike lm-eval's `if v` filter). Where the reference would pick a random argument
/// (a required argument missing or out of range) this is an error (`.badOption`) instead, so a
/// verdict never depends on chance.
///
/// Text semantics are Python's: code points, `str.split()`/`strip()`/`lower()`/`isupper()`, and
/// the reference's regular expressions (keywords *are* regular expressions, compiled with
/// `re.IGNORECASE`) through ``PyRegex``.
///
/// Two checkers need NLTK data that no package provides offline (`punkt`):
/// - `length_constraints:number_sentences` counts sentences with ``NLTKText/sentenceCount(_:)``,
///   Punkt's decision rules with a built-in English abbreviation list instead of NLTK's trained
///   English model (tested on hand-checked cases, not against NLTK).
/// - `change_case:capital_word_frequency` counts upper-case tokens of `nltk.word_tokenize`; the
///   port tokenizes the whole response with `NLTKWordTokenizer` (verified against NLTK's own
///   class). Sentence splitting first, as `word_tokenize` does, only moves a sentence-final period
///   into its own token (or `"` into "``"), which never changes whether a token is upper case.
///
/// `language:response_language`, `change_case:english_capital` and `change_case:english_lowercase`
/// call ``LanguageDetector`` (a port of `langdetect` with its seeded random walk, seed 0); when
/// detection finds no features the reference logs an error and counts the instruction as
/// followed, and so does this. The reference accepts only the 30 language codes of IFEval's list
/// (others raise `KeyError` while building the instruction); this accepts any code langdetect
/// knows (e.g. `cy`), so Welsh-language instructions can be scored.
public struct IFEvalInstruction: Sendable {
    /// The instruction types (registry ids).
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case keywordsExistence = "keywords:existence"
        case keywordsFrequency = "keywords:frequency"
        case keywordsForbiddenWords = "keywords:forbidden_words"
        case keywordsLetterFrequency = "keywords:letter_frequency"
        case responseLanguage = "language:response_language"
        case numberSentences = "length_constraints:number_sentences"
        case numberParagraphs = "length_constraints:number_paragraphs"
        case numberWords = "length_constraints:number_words"
        case nthParagraphFirstWord = "length_constraints:nth_paragraph_first_word"
        case numberPlaceholders = "detectable_content:number_placeholders"
        case postscript = "detectable_content:postscript"
        case numberBulletLists = "detectable_format:number_bullet_lists"
        case constrainedResponse = "detectable_format:constrained_response"
        case numberHighlightedSections = "detectable_format:number_highlighted_sections"
        case multipleSections = "detectable_format:multiple_sections"
        case jsonFormat = "detectable_format:json_format"
        case title = "detectable_format:title"
        case twoResponses = "combination:two_responses"
        case repeatPrompt = "combination:repeat_prompt"
        case endChecker = "startend:end_checker"
        case capitalWordFrequency = "change_case:capital_word_frequency"
        case englishCapital = "change_case:english_capital"
        case englishLowercase = "change_case:english_lowercase"
        case noComma = "punctuation:no_comma"
        case quotation = "startend:quotation"
    }

    /// `less than` or `at least`.
    enum Relation: String, Sendable { case lessThan = "less than", atLeast = "at least" }

    /// The instruction type.
    public let kind: Kind
    private let config: Config

    private enum Config: Sendable {
        case none
        case regexes([PyRegex])
        case count(PyRegex, Int, Relation)
        case letter(Unicode.Scalar, Int, Relation)
        case language(String)
        case number(Int, Relation)
        case exactly(Int)
        case firstWord(paragraphs: Int, nth: Int, word: String)
        case postscript(PyRegex)
        case sections(PyRegex, Int)
        case text(String)
    }

    /// Builds an instruction from its registry id and its kwargs (nulls are dropped here).
    public init(id: String, kwargs: JSONObject) throws(EvalError) {
        guard let kind = Kind(rawValue: id) else { throw EvalError(.badOption, "unknown IFEval instruction id \(id)") }
        self.kind = kind
        var args: [String: JSONValue] = [:]
        for e in kwargs where !e.value.isNull { args[e.key] = e.value }
        let allowed: Set<String> =
            switch kind {
            case .keywordsExistence: ["keywords"]
            case .keywordsFrequency: ["keyword", "frequency", "relation"]
            case .keywordsForbiddenWords: ["forbidden_words"]
            case .keywordsLetterFrequency: ["letter", "let_frequency", "let_relation"]
            case .responseLanguage: ["language"]
            case .numberSentences: ["num_sentences", "relation"]
            case .numberParagraphs: ["num_paragraphs"]
            case .numberWords: ["num_words", "relation"]
            case .nthParagraphFirstWord: ["num_paragraphs", "nth_paragraph", "first_word"]
            case .numberPlaceholders: ["num_placeholders"]
            case .postscript: ["postscript_marker"]
            case .numberBulletLists: ["num_bullets"]
            case .numberHighlightedSections: ["num_highlights"]
            case .multipleSections: ["section_spliter", "num_sections"]
            case .repeatPrompt: ["prompt_to_repeat"]
            case .endChecker: ["end_phrase"]
            case .capitalWordFrequency: ["capital_frequency", "capital_relation"]
            default: []
            }
        if let extra = args.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw EvalError(.badOption, "\(id) takes no argument \(extra)")
        }
        func str(_ k: String) throws(EvalError) -> String {
            guard let v = args[k] else { throw EvalError(.badOption, "\(id) needs \(k)") }
            guard let s = v.stringValue else { throw EvalError(.badOption, "\(id): \(k) must be a string") }
            return s
        }
        func int(_ k: String, min: Int = 0) throws(EvalError) -> Int {
            guard let v = args[k] else { throw EvalError(.badOption, "\(id) needs \(k)") }
            guard let i = v.intValue else { throw EvalError(.badOption, "\(id): \(k) must be an integer") }
            guard i >= min else { throw EvalError(.badOption, "\(id): \(k) must be at least \(min) (the reference picks a random value)") }
            return i
        }
        func relation(_ k: String) throws(EvalError) -> Relation {
            let s = try str(k)
            guard let r = Relation(rawValue: s) else {
                throw EvalError(.badOption, "\(id): \(k) must be \"less than\" or \"at least\", not \(s.debugDescription)")
            }
            return r
        }
        func strings(_ k: String) throws(EvalError) -> [String] {
            guard let a = args[k]?.arrayValue, !a.isEmpty else {
                throw EvalError(.badOption, "\(id) needs a non-empty list \(k) (the reference picks random words)")
            }
            var out: [String] = []
            for v in a {
                guard let s = v.stringValue else { throw EvalError(.badOption, "\(id): \(k) must hold strings") }
                out.append(s)
            }
            return out
        }
        func regex(_ p: String, _ flags: PyRegex.Flags = []) throws(EvalError) -> PyRegex {
            do { return try PyRegex(p, flags: flags) } catch {
                throw EvalError(.badOption, "\(id): \(error.message)")
            }
        }
        switch kind {
        case .keywordsExistence:
            var rs: [PyRegex] = []
            for k in try strings("keywords") { rs.append(try regex(k, .ignoreCase)) }
            config = .regexes(rs)
        case .keywordsFrequency:
            let k = PythonText.strip(try str("keyword"))
            guard !k.isEmpty else { throw EvalError(.badOption, "\(id): keyword is empty (the reference picks a random one)") }
            config = .count(try regex(k, .ignoreCase), try int("frequency"), try relation("relation"))
        case .keywordsForbiddenWords:
            var rs: [PyRegex] = []
            for w in Set(try strings("forbidden_words")).sorted() { rs.append(try regex("\\b" + w + "\\b", .ignoreCase)) }
            config = .regexes(rs)
        case .keywordsLetterFrequency:
            // The reference replaces a letter that is not one ASCII letter (IFEval itself has "!" and
            // "#") by a random one, so its verdict is chance; here the given character is counted.
            let l = PythonText.strip(try str("letter"))
            let scalars = Array(PythonText.lower(l).unicodeScalars)
            guard scalars.count == 1, let c = scalars.first else {
                throw EvalError(.badOption, "\(id): letter must be one character")
            }
            config = .letter(c, try int("let_frequency"), try relation("let_relation"))
        case .responseLanguage: config = .language(try str("language"))
        case .numberSentences: config = .number(try int("num_sentences"), try relation("relation"))
        case .numberWords: config = .number(try int("num_words"), try relation("relation"))
        case .capitalWordFrequency:
            guard args["capital_frequency"]?.intValue != nil else {
                throw EvalError(.badOption, "\(id) needs an integer capital_frequency")
            }
            config = .number(try int("capital_frequency", min: Int.min), try relation("capital_relation"))
        case .numberParagraphs: config = .exactly(try int("num_paragraphs"))
        case .numberPlaceholders: config = .exactly(try int("num_placeholders"))
        case .numberBulletLists: config = .exactly(try int("num_bullets"))
        case .numberHighlightedSections: config = .exactly(try int("num_highlights"))
        case .nthParagraphFirstWord:
            let n = try int("num_paragraphs"), nth = try int("nth_paragraph", min: 1)
            guard nth <= n else { throw EvalError(.badOption, "\(id): nth_paragraph \(nth) is beyond num_paragraphs \(n)") }
            config = .firstWord(paragraphs: n, nth: nth, word: PythonText.lower(try str("first_word")))
        case .postscript:
            let marker = PythonText.strip(try str("postscript_marker"))
            let pattern =
                marker == "P.P.S"
                ? "\\s*p\\.\\s?p\\.\\s?s.*$"
                : marker == "P.S." ? "\\s*p\\.\\s?s\\..*$" : "\\s*" + PythonText.lower(marker) + ".*$"
            config = .postscript(try regex(pattern, .multiline))
        case .multipleSections:
            let splitter = PythonText.strip(try str("section_spliter"))
            config = .sections(try regex("\\s?" + splitter + "\\s?\\d+\\s?"), try int("num_sections"))
        case .repeatPrompt:
            let p = try str("prompt_to_repeat")
            guard !p.isEmpty else { throw EvalError(.badOption, "\(id): prompt_to_repeat must be set") }
            config = .text(p)
        case .endChecker: config = .text(PythonText.strip(try str("end_phrase")))
        default: config = .none
        }
    }

    /// Whether `response` follows the instruction (the reference's `check_following`).
    /// Throws ``EvalError`` `.languageProfiles` when a language check has no detector.
    public func check(_ value: String, detector: LanguageDetector?) throws(EvalError) -> Bool {
        func detect() throws(EvalError) -> String? {
            guard let detector else {
                throw EvalError(.languageProfiles, "\(kind.rawValue) needs a LanguageDetector (langdetect profiles)")
            }
            do { return try detector.detect(value) } catch  where error.kind == .cannotDetect { return nil }
        }
        func compare(_ n: Int, _ threshold: Int, _ r: Relation) -> Bool { r == .lessThan ? n < threshold : n >= threshold }
        switch (kind, config) {
        case (.keywordsExistence, .regexes(let rs)):
            return rs.allSatisfy { $0.search(value) != nil }
        case (.keywordsForbiddenWords, .regexes(let rs)):
            return !rs.contains { $0.search(value) != nil }
        case (.keywordsFrequency, .count(let r, let n, let rel)):
            return compare(r.finditer(value).count, n, rel)
        case (.keywordsLetterFrequency, .letter(let c, let n, let rel)):
            return compare(PythonText.lower(value).unicodeScalars.reduce(0) { $0 + ($1 == c ? 1 : 0) }, n, rel)
        case (.responseLanguage, .language(let lang)):
            guard let found = try detect() else { return true }
            return found == lang
        case (.numberSentences, .number(let n, let rel)):
            return compare(NLTKText.sentenceCount(value), n, rel)
        case (.numberWords, .number(let n, let rel)):
            return compare(NLTKText.words(value).count, n, rel)
        case (.capitalWordFrequency, .number(let n, let rel)):
            let upper = NLTKText.treebankTokenize(value).filter(PythonText.isUpper).count
            return compare(upper, n, rel)
        case (.numberParagraphs, .exactly(let n)):
            let paragraphs = Self.paragraphSplit.split(value)
            var count = paragraphs.count
            for (i, p) in paragraphs.enumerated() where PythonText.strip(p).isEmpty {
                if i == 0 || i == paragraphs.count - 1 { count -= 1 } else { return false }
            }
            return count == n
        case (.nthParagraphFirstWord, .firstWord(let n, let nth, let word)):
            let paragraphs = PythonText.split(value, separator: "\n\n")
            var count = paragraphs.count
            for p in paragraphs where PythonText.strip(p).isEmpty { count -= 1 }
            guard nth <= count else { return false }
            let paragraph = PythonText.strip(paragraphs[nth - 1])
            guard let firstToken = PythonText.split(paragraph).first else { return false }
            var w = PythonText.strip(PythonText.strip(firstToken), chars: "'", trailing: false)
            w = PythonText.strip(w, chars: "\"", trailing: false)
            var first = ""
            for c in w.unicodeScalars {
                if ".,?!'\"".unicodeScalars.contains(c) { break }
                first += PythonText.lower(c)
            }
            return count == n && first == word
        case (.numberPlaceholders, .exactly(let n)):
            return Self.placeholder.finditer(value).count >= n
        case (.postscript, .postscript(let r)):
            return !r.finditer(PythonText.lower(value)).isEmpty
        case (.numberBulletLists, .exactly(let n)):
            return Self.starBullet.finditer(value).count + Self.dashBullet.finditer(value).count == n
        case (.constrainedResponse, _):
            let v = PythonText.strip(value)
            return ["My answer is yes.", "My answer is no.", "My answer is maybe."].contains { PythonText.contains(v, $0) }
        case (.numberHighlightedSections, .exactly(let n)):
            var count = 0
            for h in Self.highlight.findall(value) where !PythonText.strip(PythonText.strip(h, chars: "*")).isEmpty { count += 1 }
            for h in Self.doubleHighlight.findall(value) {
                var a = Array(h.unicodeScalars)
                if a.starts(with: ["*", "*"]) { a.removeFirst(2) }
                if a.count >= 2, a[a.count - 2] == "*", a[a.count - 1] == "*" { a.removeLast(2) }
                if !PythonText.strip(PythonText.string(a)).isEmpty { count += 1 }
            }
            return count >= n
        case (.multipleSections, .sections(let r, let n)):
            return r.split(value).count - 1 >= n
        case (.jsonFormat, _):
            var v = PythonText.strip(value)
            for prefix in ["```json", "```Json", "```JSON", "```"] { v = Self.removePrefix(v, prefix) }
            if v.unicodeScalars.count >= 3, v.unicodeScalars.suffix(3).elementsEqual("```".unicodeScalars) {
                v = PythonText.string(v.unicodeScalars.dropLast(3))
            }
            return PythonJSON.isValid(PythonText.strip(v))
        case (.title, _):
            return Self.titleRegex.findall(value).contains { t in
                !PythonText.strip(PythonText.strip(PythonText.strip(t, chars: "<", trailing: false), chars: ">", leading: false)).isEmpty
            }
        case (.twoResponses, _):
            let parts = PythonText.split(value, separator: "******")
            var valid: [String] = []
            for (i, p) in parts.enumerated() {
                if PythonText.strip(p).isEmpty {
                    if i != 0 && i != parts.count - 1 { return false }
                } else {
                    valid.append(p)
                }
            }
            return valid.count == 2 && PythonText.strip(valid[0]) != PythonText.strip(valid[1])
        case (.repeatPrompt, .text(let prompt)):
            let v = PythonText.lower(PythonText.strip(value)), p = PythonText.lower(PythonText.strip(prompt))
            return v.unicodeScalars.starts(with: p.unicodeScalars)
        case (.endChecker, .text(let phrase)):
            let v = PythonText.lower(PythonText.strip(PythonText.strip(value), chars: "\""))
            let e = PythonText.lower(PythonText.strip(phrase))
            return Array(v.unicodeScalars).reversed().starts(with: Array(e.unicodeScalars).reversed())
        case (.englishCapital, _):
            guard PythonText.isUpper(value) else { return false }
            guard let found = try detect() else { return true }
            return found == "en"
        case (.englishLowercase, _):
            guard PythonText.isLower(value) else { return false }
            guard let found = try detect() else { return true }
            return found == "en"
        case (.noComma, _):
            return !value.unicodeScalars.contains(",")
        case (.quotation, _):
            let a = Array(PythonText.strip(value).unicodeScalars)
            return a.count > 1 && a[0] == "\"" && a[a.count - 1] == "\""
        default:
            return false
        }
    }

    private static func removePrefix(_ s: String, _ prefix: String) -> String {
        s.unicodeScalars.starts(with: prefix.unicodeScalars)
            ? PythonText.string(s.unicodeScalars.dropFirst(prefix.unicodeScalars.count)) : s
    }

    private static func fixed(_ p: String, _ f: PyRegex.Flags = []) -> PyRegex {
        do { return try PyRegex(p, flags: f) } catch { fatalError("IFEval pattern \(p): \(error)") }
    }
    private static let paragraphSplit = fixed("\\s?\\*\\*\\*\\s?")
    private static let placeholder = fixed("\\[.*?\\]")
    private static let starBullet = fixed("^\\s*\\*[^\\*].*$", .multiline)
    private static let dashBullet = fixed("^\\s*-.*$", .multiline)
    private static let highlight = fixed("\\*[^\\n\\*]*\\*")
    private static let doubleHighlight = fixed("\\*\\*[^\\n\\*]*\\*\\*")
    private static let titleRegex = fixed("<<[^\\n]+>>")
}
