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
/// An empty text is dropped as `gopher.empty` (datatrove's `empty`). Words are datatrove's English
/// words (``EnglishTokenizer``); lengths are in characters, as Python counts them. Top n-grams are
/// compared as datatrove's `" ".join` strings (by word ids), repeated n-grams as its `"".join`
/// strings (by two 64-bit polynomial hashes of their characters, so `ab c` and `a bc` are the same
/// n-gram, as in datatrove). A bound of 0 is a bound here; datatrove reads 0 as "off" (use `null`).
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
        var scratch = QualityScratch()
        scratch.load(text)
        return check(&scratch)
    }

    /// The first rule the text loaded in `t` breaks, or nil (datatrove's `filter`, in its order).
    func check(_ t: inout QualityScratch) -> DropReason? {
        let length = t.scalars.count
        guard length > 0 else {
            return DropReason(rule: "gopher.empty", message: "the text is empty")
        }
        let (paragraphs, dupParas, dupParaChars) = t.scalars.withUnsafeBufferPointer { s in
            let (a, b) = PythonText.strip(s, 0, s.count)
            Self.split(s, a, b, newlineRun: 2, into: &t.ranges)
            let d = Self.duplicates(s, t.ranges, t.table)
            return (t.ranges.count, d.0, d.1)
        }
        let paraShare = Double(dupParas) / Double(paragraphs)
        if let dupParaFrac, paraShare > dupParaFrac {
            return reason("gopher.dup_para_frac", "\(dupParas) of \(paragraphs) paragraphs are repeats", paraShare, dupParaFrac)
        }
        let paraCharShare = Double(dupParaChars) / Double(length)
        if let dupParaCharFrac, paraCharShare > dupParaCharFrac {
            return reason(
                "gopher.dup_para_char_frac", "repeated paragraphs are \(TextLines.format(paraCharShare * 100))% of characters",
                paraCharShare, dupParaCharFrac)
        }
        let (lines, dupLines, dupLineChars) = t.scalars.withUnsafeBufferPointer { s in
            Self.split(s, 0, s.count, newlineRun: 1, into: &t.ranges)
            let d = Self.duplicates(s, t.ranges, t.table)
            return (t.ranges.count, d.0, d.1)
        }
        let lineShare = Double(dupLines) / Double(lines)
        if let dupLineFrac, lineShare > dupLineFrac {
            return reason("gopher.dup_line_frac", "\(dupLines) of \(lines) lines are repeats", lineShare, dupLineFrac)
        }
        let lineCharShare = Double(dupLineChars) / Double(length)
        if let dupLineCharFrac, lineCharShare > dupLineCharFrac {
            return reason(
                "gopher.dup_line_char_frac", "repeated lines are \(TextLines.format(lineCharShare * 100))% of characters", lineCharShare,
                dupLineCharFrac)
        }
        if topNGrams.contains(where: { $0.n >= 1 && t.words.count >= $0.n }) { t.idHash.buildIDs(t.words) }
        for (n, frac) in topNGrams where n >= 1 && t.words.count >= n {
            let top = Self.topNGramChars(t.words, n, t.idHash, t.table)
            let r = Double(top) / Double(length)
            if r > frac {
                return reason(
                    "gopher.top_\(n)_gram", "the most frequent \(n)-gram covers \(TextLines.format(r * 100))% of characters", r, frac)
            }
        }
        if dupNGrams.contains(where: { $0.n >= 1 && t.words.count >= $0.n }) {
            t.scalars.withUnsafeBufferPointer { t.charHash.buildCharacters(t.words, $0) }
        }
        for (n, frac) in dupNGrams where n >= 1 {
            let dup = Self.duplicateNGramChars(t.words, n, t.charHash, t.table)
            let r = Double(dup) / Double(length)
            if r > frac {
                return reason("gopher.dup_\(n)_gram", "repeated \(n)-grams cover \(TextLines.format(r * 100))% of characters", r, frac)
            }
        }
        return nil
    }

    private func reason(_ rule: String, _ what: String, _ value: Double, _ bound: Double) -> DropReason {
        DropReason(
            rule: rule, message: "\(what) (\(TextLines.format(value)) > \(TextLines.format(bound)))",
            value: .double(TextLines.round(value)))
    }

    /// Python `re.split(sep, s[lo..<hi])` where `sep` is a run of at least `minRun` `\n`
    /// (`\n{2,}` for paragraphs, `\n+` for lines); empty pieces included, as Python gives them.
    static func split(
        _ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int, newlineRun minRun: Int,
        into out: inout [(Int, Int)]
    ) {
        out.removeAll(keepingCapacity: true)
        var start = lo
        var i = lo
        while i < hi {
            if s[i] == 0x0A {
                var j = i
                while j < hi && s[j] == 0x0A { j += 1 }
                if j - i >= minRun {
                    out.append((start, i))
                    start = j
                }
                i = j
            } else {
                i += 1
            }
        }
        out.append((start, hi))
    }

    /// datatrove `find_duplicates`: (pieces equal to an earlier one, their characters).
    static func duplicates(_ s: UnsafeBufferPointer<UInt32>, _ pieces: [(Int, Int)], _ table: KeyTable) -> (Int, Int) {
        table.reset(for: pieces.count)
        var count = 0
        var chars = 0
        for (i, (a, b)) in pieces.enumerated() {
            // Key: hash and length; a match is confirmed character by character.
            let k = PrefixHash.Key(a: PythonText.hash(s, a, b), b: UInt64(b - a))
            let (slot, new) = table.add(k, first: i)
            if new { continue }
            let (fa, fb) = pieces[Int(table.first(slot))]
            if fb - fa == b - a && PythonText.equal(s, fa, a, b - a) {
                count += 1
                chars += b - a
            } else {
                // A hash collision between different pieces: compare with every earlier piece.
                var seen = false
                for (c, d) in pieces[..<i] where d - c == b - a && PythonText.equal(s, c, a, b - a) { seen = true; break }
                if seen { count += 1; chars += b - a }
            }
        }
        return (count, chars)
    }

    /// datatrove `find_top_duplicate` on `" ".join` n-grams: characters of the most frequent
    /// n-gram times its count (ties: the n-gram seen first, as `Counter.most_common`). Words hold
    /// no whitespace, so joined n-grams are equal exactly when their word ids are.
    static func topNGramChars(_ words: [QualityWord], _ n: Int, _ ids: PrefixHash, _ table: KeyTable) -> Int {
        let m = words.count - n + 1
        table.reset(for: m)
        var bestSlot = -1
        var bestCount: Int32 = 0
        var bestFirst = Int.max
        ids.data.withUnsafeBufferPointer { d in
            guard let p = d.baseAddress else { return }
            for i in 0..<m {
                let (slot, _) = table.add(PrefixHash.key(p, i, i + n), first: i)
                let c = table.count(slot)
                if c > bestCount || (c == bestCount && Int(table.first(slot)) < bestFirst) {
                    bestSlot = slot
                    bestCount = c
                    bestFirst = Int(table.first(slot))
                }
            }
        }
        guard bestSlot >= 0 else { return 0 }
        let chars = Int(ids.lengths[bestFirst + n] - ids.lengths[bestFirst]) + n - 1
        return chars * Int(bestCount)
    }

    /// datatrove `find_all_duplicate` (`"".join` n-grams, compared by two 64-bit polynomial
    /// hashes of their characters): walks the words, adding the characters of every n-gram seen
    /// before and jumping past it.
    static func duplicateNGramChars(_ words: [QualityWord], _ n: Int, _ chars: PrefixHash, _ table: KeyTable) -> Int {
        guard words.count >= n else { return 0 }
        let m = words.count - n + 1
        table.reset(for: m)
        var repeated = 0
        chars.data.withUnsafeBufferPointer { d in
            chars.lengths.withUnsafeBufferPointer { lengths in
                guard let p = d.baseAddress else { return }
                var idx = 0
                while idx < m {
                    let k = PrefixHash.key(p, idx, idx + n)
                    if table.add(k, first: idx).new {
                        idx += 1
                    } else {
                        repeated += Int(lengths[idx + n] - lengths[idx])
                        idx += n
                    }
                }
            }
        }
        return repeated
    }
}
