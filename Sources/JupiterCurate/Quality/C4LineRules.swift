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
/// (`c4.min_sentences`, default 5). Kept documents get their kept lines joined by `\n`, as in
/// datatrove. Sentences are counted by terminal punctuation (`.`, `!`, `?` followed by a space or
/// the end of the line; at least one per kept line) where datatrove runs NLTK's English Punkt.
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
        "terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies",
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
        var sentences = 0
        var kept: [Substring] = []
        var removed = 0
        for raw in TextLines.splitLines(text) {
            var line = TextLines.strip(raw)
            let words = line.split(whereSeparator: { $0.isWhitespace })
            if let maxWordLength, words.contains(where: { TextLines.length($0) > maxWordLength }) {
                removed += 1
                continue
            }
            if removeCitations { line = Self.removingCitations(line) }
            if filterNoTerminalPunct {
                let terminal = line.hasSuffix(".") || line.hasSuffix("?") || line.hasSuffix("!")
                    || line.hasSuffix("\"") || line.hasSuffix("'")
                if !terminal || line.hasSuffix("...") {
                    removed += 1
                    continue
                }
            }
            if let minWordsPerLine, words.count < minWordsPerLine {
                removed += 1
                continue
            }
            let lower = line.lowercased()
            if filterLoremIpsum && lower.contains("lorem ipsum") {
                return .dropped(DropReason(rule: "c4.lorem_ipsum", message: "contains \"lorem ipsum\"",
                                           value: .string("lorem ipsum")))
            }
            if filterJavascript && lower.contains("javascript") {
                removed += 1
                continue
            }
            if filterCurlyBracket && line.contains("{") {
                return .dropped(DropReason(rule: "c4.curly_bracket", message: "contains a curly bracket '{'",
                                           value: .string("{")))
            }
            if filterPolicy && Self.policySubstrings.contains(where: { lower.contains($0) }) {
                removed += 1
                continue
            }
            if minNumSentences != nil { sentences += Self.sentenceCount(line) }
            kept.append(line)
        }
        if let minNumSentences, sentences < minNumSentences {
            return .dropped(DropReason(rule: "c4.min_sentences",
                                       message: "\(sentences) sentences in kept lines < \(minNumSentences)",
                                       value: .int(sentences)))
        }
        let joined = TextLines.strip(Substring(kept.joined(separator: "\n")))
        return .kept(text: String(joined), removedLines: removed)
    }

    /// Removes `[digits]`, `[edit]` and `[citation needed]` (datatrove's `CITATION_REGEX`).
    static func removingCitations(_ line: Substring) -> Substring {
        guard line.contains("[") else { return line }
        var out = ""
        var rest = line[...]
        while let open = rest.firstIndex(of: "[") {
            out += rest[rest.startIndex..<open]
            let after = rest[rest.index(after: open)...]
            var matched: Substring.Index?
            if after.hasPrefix("edit]") {
                matched = after.index(after.startIndex, offsetBy: 5)
            } else if after.hasPrefix("citation needed]") {
                matched = after.index(after.startIndex, offsetBy: 16)
            } else {
                let digits = after.prefix(while: { $0.isASCII && $0.isNumber })
                if after[digits.endIndex...].first == "]" { matched = after.index(after: digits.endIndex) }
            }
            if let end = matched {
                rest = rest[end...]
            } else {
                out += "["
                rest = after
            }
        }
        out += rest
        return Substring(out)
    }

    /// Sentences in one line: runs of `.`, `!`, `?` followed by whitespace or the end (at least 1).
    static func sentenceCount(_ line: Substring) -> Int {
        var count = 0
        let chars = Array(line)
        var i = 0
        while i < chars.count {
            if chars[i] == "." || chars[i] == "!" || chars[i] == "?" {
                var j = i
                while j < chars.count && (chars[j] == "." || chars[j] == "!" || chars[j] == "?") { j += 1 }
                while j < chars.count && (chars[j] == "\"" || chars[j] == "'" || chars[j] == "”" || chars[j] == "’" || chars[j] == ")") { j += 1 }
                if j == chars.count || chars[j].isWhitespace { count += 1 }
                i = j
            } else {
                i += 1
            }
        }
        return max(count, 1)
    }
}
