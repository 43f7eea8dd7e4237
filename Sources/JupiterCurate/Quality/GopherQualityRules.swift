import JupiterCore

/// Gopher's quality rules (Rae et al. 2021, "Scaling Language Models", appendix A) with datatrove's
/// defaults (`GopherQualityFilter` in `datatrove/pipeline/filters/gopher_quality_filter.py`), checked
/// in datatrove's order. A `nil` bound turns its rule off, as `None` does in datatrove.
///
/// | rule | drops when | default (datatrove) |
/// |---|---|---|
/// | `gopher.min_words` | fewer non-symbol words than `min_doc_words` | 50 |
/// | `gopher.max_words` | more non-symbol words than `max_doc_words` | 100 000 |
/// | `gopher.mean_word_length` | mean non-symbol word length outside `min_avg_word_length`…`max_avg_word_length` | 3…10 |
/// | `gopher.hash_ratio` | `#` per word above `max_symbol_word_ratio` | 0.1 |
/// | `gopher.ellipsis_ratio` | `...`/`…` per word above `max_symbol_word_ratio` | 0.1 |
/// | `gopher.bullet_lines` | share of lines starting with `•` or `-` above `max_bullet_lines_ratio` | 0.9 |
/// | `gopher.ellipsis_lines` | share of lines ending with `...`/`…` above `max_ellipsis_lines_ratio` | 0.3 |
/// | `gopher.alpha_words` | share of words with a letter below `max_non_alpha_words_ratio` | 0.8 |
/// | `gopher.stop_words` | fewer than `min_stop_words` stop words (case-sensitive, as datatrove) | 2, English list |
///
/// Words: see ``QualityWords``. "Non-symbol" words have a character that is not punctuation.
public struct GopherQualityRules: Sendable, Hashable {
    public var minDocWords: Int? = 50
    public var maxDocWords: Int? = 100_000
    public var minAvgWordLength: Double? = 3
    public var maxAvgWordLength: Double? = 10
    public var maxSymbolWordRatio: Double? = 0.1
    public var maxBulletLinesRatio: Double? = 0.9
    public var maxEllipsisLinesRatio: Double? = 0.3
    public var maxNonAlphaWordsRatio: Double? = 0.8
    public var minStopWords: Int? = 2
    /// Stop words (default: Gopher's English list; see ``StopWords``).
    public var stopWords: Set<String> = StopWords.english

    /// datatrove's defaults.
    public init() {}

    /// The first rule `text` breaks, or nil.
    public func check(_ text: String) -> DropReason? {
        let tokens = QualityWords(text)
        let words = tokens.words
        let nonSymbol = words.filter { !$0.isSymbol }
        let nWords = words.count
        let n = nonSymbol.count
        if let minDocWords, n < minDocWords {
            return DropReason(rule: "gopher.min_words", message: "\(n) words < \(minDocWords)", value: .int(n))
        }
        if let maxDocWords, n > maxDocWords {
            return DropReason(rule: "gopher.max_words", message: "\(n) words > \(maxDocWords)", value: .int(n))
        }
        if n > 0 {
            let mean = Double(nonSymbol.reduce(0) { $0 + $1.length }) / Double(n)
            if let minAvgWordLength, mean < minAvgWordLength {
                return DropReason(rule: "gopher.mean_word_length",
                                  message: "mean word length \(TextLines.format(mean)) < \(TextLines.format(minAvgWordLength))",
                                  value: .double(TextLines.round(mean)))
            }
            if let maxAvgWordLength, mean > maxAvgWordLength {
                return DropReason(rule: "gopher.mean_word_length",
                                  message: "mean word length \(TextLines.format(mean)) > \(TextLines.format(maxAvgWordLength))",
                                  value: .double(TextLines.round(mean)))
            }
        }
        guard nWords > 0 else { return nil }
        if let maxSymbolWordRatio {
            let hashes = Double(TextLines.count("#", in: text)) / Double(nWords)
            if hashes > maxSymbolWordRatio {
                return DropReason(rule: "gopher.hash_ratio",
                                  message: "\(TextLines.format(hashes)) '#' per word > \(TextLines.format(maxSymbolWordRatio))",
                                  value: .double(TextLines.round(hashes)))
            }
            let ell = Double(TextLines.count("...", in: text) + TextLines.count("…", in: text)) / Double(nWords)
            if ell > maxSymbolWordRatio {
                return DropReason(rule: "gopher.ellipsis_ratio",
                                  message: "\(TextLines.format(ell)) ellipses per word > \(TextLines.format(maxSymbolWordRatio))",
                                  value: .double(TextLines.round(ell)))
            }
        }
        let lines = TextLines.splitLines(text)
        if !lines.isEmpty {
            if let maxBulletLinesRatio {
                let bullets = lines.filter {
                    let s = $0.drop { $0.isWhitespace }
                    return s.hasPrefix("•") || s.hasPrefix("-")
                }.count
                let r = Double(bullets) / Double(lines.count)
                if r > maxBulletLinesRatio {
                    return DropReason(rule: "gopher.bullet_lines",
                                      message: "\(TextLines.format(r * 100))% of lines start with a bullet > \(TextLines.format(maxBulletLinesRatio * 100))%",
                                      value: .double(TextLines.round(r)))
                }
            }
            if let maxEllipsisLinesRatio {
                let ell = lines.filter {
                    var s = $0
                    while let l = s.last, l.isWhitespace { s = s.dropLast() }
                    return s.hasSuffix("...") || s.hasSuffix("…")
                }.count
                let r = Double(ell) / Double(lines.count)
                if r > maxEllipsisLinesRatio {
                    return DropReason(rule: "gopher.ellipsis_lines",
                                      message: "\(TextLines.format(r * 100))% of lines end with an ellipsis > \(TextLines.format(maxEllipsisLinesRatio * 100))%",
                                      value: .double(TextLines.round(r)))
                }
            }
        }
        if let maxNonAlphaWordsRatio {
            let r = Double(words.filter(\.hasAlpha).count) / Double(nWords)
            if r < maxNonAlphaWordsRatio {
                return DropReason(rule: "gopher.alpha_words",
                                  message: "\(TextLines.format(r * 100))% of words have a letter < \(TextLines.format(maxNonAlphaWordsRatio * 100))%",
                                  value: .double(TextLines.round(r)))
            }
        }
        if let minStopWords {
            var stopIDs = Set<Int32>()
            for (id, t) in tokens.texts.enumerated() where stopWords.contains(t) { stopIDs.insert(Int32(id)) }
            let count = words.filter { stopIDs.contains($0.id) }.count
            if count < minStopWords {
                return DropReason(rule: "gopher.stop_words", message: "\(count) stop words < \(minStopWords)",
                                  value: .int(count))
            }
        }
        return nil
    }
}
