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
/// | `gopher.stop_words` | fewer than `min_stop_words` distinct stop words (case-sensitive, as datatrove) | 2, English list |
///
/// Words are datatrove's English words (``EnglishTokenizer``, spaCy's rules); "non-symbol" words
/// have a character outside datatrove's `PUNCTUATION_SET`; lines are Python's `splitlines()`. A
/// bound of 0 is a bound here; datatrove reads 0 as "off" (use `null`).
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
    public var stopWords: Set<String> = StopWords.english {
        didSet { stopWordScalars = Self.scalars(stopWords) }
    }
    /// The stop words as scalars.
    private(set) var stopWordScalars: [[UInt32]] = Self.scalars(StopWords.english)

    static func scalars(_ words: Set<String>) -> [[UInt32]] {
        words.sorted().map { $0.unicodeScalars.map(\.value) }
    }

    /// datatrove's defaults.
    public init() {}

    /// The first rule `text` breaks, or nil.
    public func check(_ text: String) -> DropReason? {
        var scratch = QualityScratch()
        scratch.load(text)
        return check(&scratch)
    }

    /// The first rule the text loaded in `t` breaks, or nil (datatrove's `filter`, in its order).
    func check(_ t: inout QualityScratch) -> DropReason? {
        let words = t.words
        let nWords = words.count
        var n = 0
        var chars = 0
        var alphaWords = 0
        for w in words {
            if !w.isSymbol { n += 1; chars += w.count }
            if w.hasAlpha { alphaWords += 1 }
        }
        if let minDocWords, n < minDocWords {
            return DropReason(rule: "gopher.min_words", message: "\(n) words < \(minDocWords)", value: .int(n))
        }
        if let maxDocWords, n > maxDocWords {
            return DropReason(rule: "gopher.max_words", message: "\(n) words > \(maxDocWords)", value: .int(n))
        }
        if n > 0 {
            let mean = Double(chars) / Double(n)
            if let minAvgWordLength, mean < minAvgWordLength {
                return DropReason(
                    rule: "gopher.mean_word_length",
                    message: "mean word length \(TextLines.format(mean)) < \(TextLines.format(minAvgWordLength))",
                    value: .double(TextLines.round(mean)))
            }
            if let maxAvgWordLength, mean > maxAvgWordLength {
                return DropReason(
                    rule: "gopher.mean_word_length",
                    message: "mean word length \(TextLines.format(mean)) > \(TextLines.format(maxAvgWordLength))",
                    value: .double(TextLines.round(mean)))
            }
        }
        guard nWords > 0 else { return nil }
        return t.scalars.withUnsafeBufferPointer { s -> DropReason? in
            if let maxSymbolWordRatio {
                var hashes = 0, ellipses = 0
                var i = 0
                while i < s.count {
                    let c = s[i]
                    if c == 0x23 {
                        hashes += 1
                    } else if c == 0x2026 {
                        ellipses += 1
                    } else if c == 0x2E && i + 2 < s.count
                        && s[i + 1] == 0x2E && s[i + 2] == 0x2E
                    {
                        ellipses += 1  // "..." counted without overlaps, as str.count
                        i += 3
                        continue
                    }
                    i += 1
                }
                let h = Double(hashes) / Double(nWords)
                if h > maxSymbolWordRatio {
                    return DropReason(
                        rule: "gopher.hash_ratio",
                        message: "\(TextLines.format(h)) '#' per word > \(TextLines.format(maxSymbolWordRatio))",
                        value: .double(TextLines.round(h)))
                }
                let e = Double(ellipses) / Double(nWords)
                if e > maxSymbolWordRatio {
                    return DropReason(
                        rule: "gopher.ellipsis_ratio",
                        message: "\(TextLines.format(e)) ellipses per word > \(TextLines.format(maxSymbolWordRatio))",
                        value: .double(TextLines.round(e)))
                }
            }
            PythonText.splitLines(s, 0, s.count, into: &t.lines)
            let lines = t.lines
            if !lines.isEmpty {
                if let maxBulletLinesRatio {
                    var bullets = 0
                    for (a, b) in lines {
                        let (x, _) = PythonText.strip(s, a, b)
                        if x < b && (s[x] == 0x2022 || s[x] == 0x2D) { bullets += 1 }
                    }
                    let r = Double(bullets) / Double(lines.count)
                    if r > maxBulletLinesRatio {
                        return DropReason(
                            rule: "gopher.bullet_lines",
                            message:
                                "\(TextLines.format(r * 100))% of lines start with a bullet > \(TextLines.format(maxBulletLinesRatio * 100))%",
                            value: .double(TextLines.round(r)))
                    }
                }
                if let maxEllipsisLinesRatio {
                    var ell = 0
                    for (a, b) in lines {
                        let (x, y) = PythonText.strip(s, a, b)
                        if y > x && (s[y - 1] == 0x2026 || (y - x >= 3 && s[y - 1] == 0x2E && s[y - 2] == 0x2E && s[y - 3] == 0x2E)) {
                            ell += 1
                        }
                    }
                    let r = Double(ell) / Double(lines.count)
                    if r > maxEllipsisLinesRatio {
                        return DropReason(
                            rule: "gopher.ellipsis_lines",
                            message:
                                "\(TextLines.format(r * 100))% of lines end with an ellipsis > \(TextLines.format(maxEllipsisLinesRatio * 100))%",
                            value: .double(TextLines.round(r)))
                    }
                }
            }
            if let maxNonAlphaWordsRatio {
                let r = Double(alphaWords) / Double(nWords)
                if r < maxNonAlphaWordsRatio {
                    return DropReason(
                        rule: "gopher.alpha_words",
                        message: "\(TextLines.format(r * 100))% of words have a letter < \(TextLines.format(maxNonAlphaWordsRatio * 100))%",
                        value: .double(TextLines.round(r)))
                }
            }
            if let minStopWords {
                let count = distinctStopWords(s, words)
                if count < minStopWords {
                    return DropReason(
                        rule: "gopher.stop_words", message: "\(count) distinct stop words < \(minStopWords)",
                        value: .int(count))
                }
            }
            return nil
        }
    }

    /// Number of distinct stop words among `words` (datatrove: `len(stop_words ∩ set(words))`,
    /// case-sensitive).
    func distinctStopWords(_ s: UnsafeBufferPointer<UInt32>, _ words: [QualityWord]) -> Int {
        let list = stopWordScalars
        let longest = list.map(\.count).max() ?? 0
        var found = [Bool](repeating: false, count: list.count)
        var count = 0
        for w in words where w.count <= longest {
            for (k, sw) in list.enumerated() where !found[k] && sw.count == w.count {
                var j = 0
                while j < sw.count && sw[j] == s[Int(w.start) + j] { j += 1 }
                if j == sw.count {
                    found[k] = true
                    count += 1
                    if count == list.count { return count }
                }
            }
        }
        return count
    }
}
