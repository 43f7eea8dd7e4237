import JupiterCore

/// Gopher's repetition rules (Rae et al. 2021, table A1) with datatrove's defaults
/// (`GopherRepetitionFilter` in `datatrove/pipeline/filters/gopher_repetition_filter.py`), in
/// datatrove's order. Fractions are of the text's length in characters.
///
/// | rule | drops when | default (datatrove = Gopher table A1) |
/// |---|---|---|
/// | `gopher.dup_para_frac` | share of paragraphs (split on `\n\n+`) that repeat an earlier one | 0.30 |
/// | `gopher.dup_para_char_frac` | characters in repeated paragraphs | 0.20 |
/// | `gopher.dup_line_frac` | share of lines (split on `\n+`) that repeat an earlier one | 0.30 |
/// | `gopher.dup_line_char_frac` | characters in repeated lines | 0.20 |
/// | `gopher.top_2_gram` … `top_4_gram` | characters of the most frequent n-gram × its count | 0.20, 0.18, 0.16 |
/// | `gopher.dup_5_gram` … `dup_10_gram` | characters in n-grams repeating an earlier n-gram | 0.15, 0.14, 0.13, 0.12, 0.11, 0.10 |
///
/// n-grams are compared by a 128-bit hash of their word sequence (a collision is astronomically
/// unlikely); lengths follow datatrove (`" ".join` for top n-grams, `"".join` for duplicates).
public struct GopherRepetitionRules: Sendable, Hashable {
    public var dupLineFrac: Double? = 0.3
    public var dupParaFrac: Double? = 0.3
    public var dupLineCharFrac: Double? = 0.2
    public var dupParaCharFrac: Double? = 0.2
    /// (n, largest fraction of characters in the most frequent n-gram).
    public var topNGrams: [(n: Int, frac: Double)] = [(2, 0.2), (3, 0.18), (4, 0.16)]
    /// (n, largest fraction of characters in duplicated n-grams).
    public var dupNGrams: [(n: Int, frac: Double)] = [(5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10)]

    /// datatrove's defaults.
    public init() {}

    public static func == (a: Self, b: Self) -> Bool {
        a.dupLineFrac == b.dupLineFrac && a.dupParaFrac == b.dupParaFrac && a.dupLineCharFrac == b.dupLineCharFrac
            && a.dupParaCharFrac == b.dupParaCharFrac && a.topNGrams.elementsEqual(b.topNGrams, by: { $0 == $1 })
            && a.dupNGrams.elementsEqual(b.dupNGrams, by: { $0 == $1 })
    }

    public func hash(into h: inout Hasher) {
        h.combine(dupLineFrac); h.combine(dupParaFrac); h.combine(dupLineCharFrac); h.combine(dupParaCharFrac)
        for t in topNGrams { h.combine(t.n); h.combine(t.frac) }
        for t in dupNGrams { h.combine(t.n); h.combine(t.frac) }
    }

    /// The first rule `text` breaks, or nil.
    public func check(_ text: String) -> DropReason? {
        let length = TextLines.length(text)
        guard length > 0 else { return nil }
        let paragraphs = TextLines.split(TextLines.strip(Substring(text)), newlineRun: 2)
        let (dupParas, dupParaChars) = Self.duplicates(paragraphs)
        let paraShare = Double(dupParas) / Double(paragraphs.count)
        if let dupParaFrac, paraShare > dupParaFrac {
            return reason("gopher.dup_para_frac", "\(dupParas) of \(paragraphs.count) paragraphs are repeats", paraShare, dupParaFrac)
        }
        let paraCharShare = Double(dupParaChars) / Double(length)
        if let dupParaCharFrac, paraCharShare > dupParaCharFrac {
            return reason("gopher.dup_para_char_frac", "repeated paragraphs are \(TextLines.format(paraCharShare * 100))% of characters", paraCharShare, dupParaCharFrac)
        }
        let lines = TextLines.split(Substring(text), newlineRun: 1)
        let (dupLines, dupLineChars) = Self.duplicates(lines)
        let lineShare = Double(dupLines) / Double(lines.count)
        if let dupLineFrac, lineShare > dupLineFrac {
            return reason("gopher.dup_line_frac", "\(dupLines) of \(lines.count) lines are repeats", lineShare, dupLineFrac)
        }
        let lineCharShare = Double(dupLineChars) / Double(length)
        if let dupLineCharFrac, lineCharShare > dupLineCharFrac {
            return reason("gopher.dup_line_char_frac", "repeated lines are \(TextLines.format(lineCharShare * 100))% of characters", lineCharShare, dupLineCharFrac)
        }
        let words = QualityWords(text).words
        for (n, frac) in topNGrams where n >= 1 && words.count >= n {
            let top = Self.topNGramChars(words, n)
            let r = Double(top) / Double(length)
            if r > frac {
                return reason("gopher.top_\(n)_gram", "the most frequent \(n)-gram covers \(TextLines.format(r * 100))% of characters", r, frac)
            }
        }
        for (n, frac) in dupNGrams where n >= 1 {
            let dup = Self.duplicateNGramChars(words, n)
            let r = Double(dup) / Double(length)
            if r > frac {
                return reason("gopher.dup_\(n)_gram", "repeated \(n)-grams cover \(TextLines.format(r * 100))% of characters", r, frac)
            }
        }
        return nil
    }

    private func reason(_ rule: String, _ what: String, _ value: Double, _ bound: Double) -> DropReason {
        DropReason(rule: rule, message: "\(what) (\(TextLines.format(value)) > \(TextLines.format(bound)))",
                   value: .double(TextLines.round(value)))
    }

    /// datatrove `find_duplicates`: (elements equal to an earlier one, their characters).
    static func duplicates(_ items: [Substring]) -> (Int, Int) {
        var seen = Set<Substring>()
        var count = 0
        var chars = 0
        for x in items {
            if !seen.insert(x).inserted {
                count += 1
                chars += TextLines.length(x)
            }
        }
        return (count, chars)
    }

    /// A 128-bit key of words `i..<i+n`.
    struct Key: Hashable {
        var a: UInt64
        var b: UInt64
    }

    static func key(_ words: [QualityWords.Word], _ i: Int, _ n: Int) -> Key {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x9e37_79b9_7f4a_7c15
        for k in i..<(i + n) {
            let v = UInt64(UInt32(bitPattern: words[k].id))
            a = (a ^ v) &* 0x0000_0100_0000_01b3
            b = (b &+ v &+ 0x632b_e59b_d9b4_e019) &* 0xff51_afd7_ed55_8ccd
            b ^= b >> 33
        }
        return Key(a: a, b: b)
    }

    /// datatrove `find_top_duplicate` on `" ".join` n-grams: characters of the most frequent
    /// n-gram times its count (ties: the n-gram seen first, as `Counter.most_common`).
    static func topNGramChars(_ words: [QualityWords.Word], _ n: Int) -> Int {
        var counts: [Key: (count: Int, first: Int)] = [:]
        for i in 0...(words.count - n) {
            let k = key(words, i, n)
            if let c = counts[k] { counts[k] = (c.count + 1, c.first) } else { counts[k] = (1, i) }
        }
        var best: (count: Int, first: Int) = (0, Int.max)
        for (_, c) in counts where c.count > best.count || (c.count == best.count && c.first < best.first) {
            best = c
        }
        guard best.first != Int.max else { return 0 }
        let chars = words[best.first..<(best.first + n)].reduce(0) { $0 + $1.length } + (n - 1)
        return chars * best.count
    }

    /// datatrove `find_all_duplicate` (`"".join` n-grams): walks the words, adding the characters
    /// of every n-gram seen before and jumping past it.
    static func duplicateNGramChars(_ words: [QualityWords.Word], _ n: Int) -> Int {
        guard words.count >= n else { return 0 }
        var seen = Set<Key>()
        var repeated = 0
        var idx = 0
        while idx < words.count - n + 1 {
            let k = key(words, idx, n)
            if seen.contains(k) {
                repeated += words[idx..<(idx + n)].reduce(0) { $0 + $1.length }
                idx += n
            } else {
                seen.insert(k)
                idx += 1
            }
        }
        return repeated
    }
}
