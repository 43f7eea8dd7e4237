import JupiterCore

/// C4's line rules (Raffel et al. 2020, section 2.2) with datatrove's defaults (`C4QualityFilter`
/// in `datatrove/pipeline/filters/c4_filters.py`, `split_paragraph=True`): each line is kept or
/// removed, and the whole document is dropped for some findings. Per line, in datatrove's order:
///
/// | check | effect | default |
/// |---|---|---|
/// | a word longer than `max_word_length` | line removed | 1000 |
/// | Wikipedia citation marks `[1]`, `[edit]`, `[citation needed]` (`remove_citations`) | marks removed | on |
/// | no terminal punctuation `. ? ! " '`, or ends with `...` (`filter_no_terminal_punct`) | line removed | on |
/// | fewer than `min_words_per_line` words | line removed | 3 |
/// | "lorem ipsum" (`filter_lorem_ipsum`) | document dropped: `c4.lorem_ipsum` | on |
/// | "javascript" (`filter_javascript`) | line removed | on |
/// | a curly bracket `{` (`filter_curly_bracket`) | document dropped: `c4.curly_bracket` | on |
/// | cookie/terms-of-use phrases (`filter_policy`) | line removed | on |
///
/// Then fewer than `min_num_sentences` sentences in the kept lines drops the document
/// (`c4.min_sentences`, default 5). Kept documents become their kept lines joined by `\n` and
/// stripped, as in datatrove. Lines are Python's `splitlines()`, words `str.split()`, and
/// sentences those of datatrove's English sentence splitter (spaCy's sentencizer over
/// ``EnglishTokenizer``'s tokens).
public struct C4LineRules: Sendable, Hashable {
    public var removeCitations = true
    public var filterNoTerminalPunct = true
    /// `nil` disables (datatrove's -1).
    public var minNumSentences: Int? = 5
    public var minWordsPerLine: Int? = 3
    public var maxWordLength: Int? = 1000
    public var filterLoremIpsum = true
    public var filterJavascript = true
    public var filterCurlyBracket = true
    public var filterPolicy = true

    /// datatrove's policy phrases.
    public static let policySubstrings = [
        "terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies"
    ]

    /// datatrove's defaults.
    public init() {}

    /// Outcome for one text.
    public enum Outcome: Sendable, Hashable {
        /// The document goes on with these lines (`removedLines` were taken out).
        case kept(text: String, removedLines: Int)
        /// The document is dropped.
        case dropped(DropReason)
    }

    /// Applies the rules.
    public func apply(_ text: String) -> Outcome {
        var scratch = QualityScratch()
        scratch.scalars = PythonText.scalars(text)
        return apply(&scratch)
    }

    static let lorem = Array("lorem ipsum".unicodeScalars.map(\.value))
    static let javascript = Array("javascript".unicodeScalars.map(\.value))
    static let policy = policySubstrings.map { Array($0.unicodeScalars.map(\.value)) }

    /// Applies the rules to the scalars loaded in `t` (datatrove's `filter` with
    /// `split_paragraph=True`).
    func apply(_ t: inout QualityScratch) -> Outcome {
        var sentences = 0
        var removed = 0
        t.kept.removeAll(keepingCapacity: true)
        let scalars = t.scalars
        return scalars.withUnsafeBufferPointer { s -> Outcome in
            PythonText.splitLines(s, 0, s.count, into: &t.lines)
            for (lo, hi) in t.lines {
                let (a, b) = PythonText.strip(s, lo, hi)
                // words = line.split(), before citations are removed
                var words = 0
                var longest = 0
                var i = a
                while i < b {
                    while i < b && PythonText.isSpace(s[i]) { i += 1 }
                    if i == b { break }
                    let w = i
                    while i < b && !PythonText.isSpace(s[i]) { i += 1 }
                    words += 1
                    longest = max(longest, i - w)
                }
                if let maxWordLength, longest > maxWordLength {
                    removed += 1
                    continue
                }
                // The line as it goes on: the original range, or a copy without citation marks.
                var copied = false
                if removeCitations && Self.hasCitation(s, a, b) {
                    Self.removingCitations(s, a, b, into: &t.lineScalars)
                    copied = true
                }
                let outcome: LineOutcome =
                    copied
                    ? t.lineScalars.withUnsafeBufferPointer { l in lineRules(l, 0, l.count, words: words, &t) }
                    : lineRules(s, a, b, words: words, &t)
                switch outcome {
                case .removed: removed += 1
                case .drop(let reason): return .dropped(reason)
                case .kept(let n):
                    sentences += n
                    if copied { t.kept.append(contentsOf: t.lineScalars) } else { t.kept.append(contentsOf: s[a..<b]) }
                    t.kept.append(0x0A)
                }
            }
            if let minNumSentences, sentences < minNumSentences {
                return .dropped(
                    DropReason(
                        rule: "c4.min_sentences",
                        message: "\(sentences) sentences in kept lines < \(minNumSentences)",
                        value: .int(sentences)))
            }
            let joined = t.kept.withUnsafeBufferPointer { k -> String in
                let (x, y) = PythonText.strip(k, 0, k.count)
                return PythonText.string(k, x, y)
            }
            return .kept(text: joined, removedLines: removed)
        }
    }

    enum LineOutcome {
        case removed
        case drop(DropReason)
        /// Kept, with this many sentences.
        case kept(Int)
    }

    /// The per-line rules after the long-word check, on the line `l[a..<b]` (citations removed).
    private func lineRules(
        _ l: UnsafeBufferPointer<UInt32>, _ a: Int, _ b: Int, words: Int,
        _ t: inout QualityScratch
    ) -> LineOutcome {
        if filterNoTerminalPunct {
            let last = b > a ? l[b - 1] : 0
            let terminal = last == 0x2E || last == 0x3F || last == 0x21 || last == 0x22 || last == 0x27
            let ellipsis = b - a >= 3 && l[b - 1] == 0x2E && l[b - 2] == 0x2E && l[b - 3] == 0x2E
            if !terminal || ellipsis { return .removed }
        }
        if let minWordsPerLine, words < minWordsPerLine { return .removed }
        if filterLoremIpsum && PythonText.lowercasedContains(l, a, b, Self.lorem, scratch: &t.lower) {
            return .drop(DropReason(rule: "c4.lorem_ipsum", message: "contains \"lorem ipsum\"", value: .string("lorem ipsum")))
        }
        if filterJavascript && PythonText.lowercasedContains(l, a, b, Self.javascript, scratch: &t.lower) {
            return .removed
        }
        if filterCurlyBracket && l[a..<b].contains(0x7B) {
            return .drop(DropReason(rule: "c4.curly_bracket", message: "contains a curly bracket '{'", value: .string("{")))
        }
        if filterPolicy && Self.policy.contains(where: { PythonText.lowercasedContains(l, a, b, $0, scratch: &t.lower) }) {
            return .removed
        }
        guard minNumSentences != nil else { return .kept(0) }
        t.tokens.removeAll(keepingCapacity: true)
        EnglishTokenizer.shared.tokenize(l, a, b, into: &t.tokens, &t.tokenizer)
        let n = t.tokens.withUnsafeBufferPointer { EnglishTokenizer.shared.sentenceCount(l, $0) }
        return .kept(n)
    }

    /// True when `s[a..<b]` may hold a citation mark (it has a `[`).
    static func hasCitation(_ s: UnsafeBufferPointer<UInt32>, _ a: Int, _ b: Int) -> Bool {
        s[a..<b].contains(0x5B)
    }

    /// datatrove's `CITATION_REGEX.sub("", line)`: removes `[` digits `]` (`\d*`, any script),
    /// `[edit]` and `[citation needed]`, scanning left to right.
    static func removingCitations(_ s: UnsafeBufferPointer<UInt32>, _ a: Int, _ b: Int, into out: inout [UInt32]) {
        out.removeAll(keepingCapacity: true)
        var i = a
        while i < b {
            if s[i] == 0x5B, let end = citationEnd(s, i, b) {
                i = end
            } else {
                out.append(s[i])
                i += 1
            }
        }
    }

    static let editMark = Array("edit]".unicodeScalars.map(\.value))
    static let citationNeeded = Array("citation needed]".unicodeScalars.map(\.value))

    /// End of the citation mark starting with the `[` at `i`, or nil.
    static func citationEnd(_ s: UnsafeBufferPointer<UInt32>, _ i: Int, _ b: Int) -> Int? {
        var j = i + 1
        while j < b && PythonText.isDecimal(s[j]) { j += 1 }
        if j < b && s[j] == 0x5D { return j + 1 }
        for mark in [editMark, citationNeeded] where i + 1 + mark.count <= b {
            var k = 0
            while k < mark.count && s[i + 1 + k] == mark[k] { k += 1 }
            if k == mark.count { return i + 1 + mark.count }
        }
        return nil
    }
}
