import CTextScan
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
        if topNGrams.contains(where: { $0.n > Self.exactKeyWords && t.words.count >= $0.n }) { t.idHash.buildIDs(t.words) }
        // The words that occur more than once: the 1-grams that repeat, for the first chained pass.
        var previous = topNGrams.contains(where: { $0.n >= 2 && t.words.count >= $0.n }) ? Self.markRepeatedWords(&t) : 0
        for (n, frac) in topNGrams where n >= 1 && t.words.count >= n {
            let top = Self.topNGramChars(&t, n, chained: n >= 2 && previous == n - 1)
            previous = n
            let r = Double(top) / Double(length)
            if r > frac {
                return reason(
                    "gopher.top_\(n)_gram", "the most frequent \(n)-gram covers \(TextLines.format(r * 100))% of characters", r, frac)
            }
        }
        if dupNGrams.contains(where: { $0.n >= 1 && t.words.count >= $0.n }) { Self.prepareDuplicates(&t) }
        for (n, frac) in dupNGrams where n >= 1 {
            let dup = Self.duplicateNGramChars(&t, n)
            let r = Double(dup) / Double(length)
            if r > frac {
                return reason("gopher.dup_\(n)_gram", "repeated \(n)-grams cover \(TextLines.format(r * 100))% of characters", r, frac)
            }
        }
        return nil
    }

    /// ``topNGramChars(_:_:_:_:repeats:candidates:chained:)`` on the words of `t` (its
    /// `topRepeats`; prefix hashes of ids must be built for n > ``exactKeyWords``).
    static func topNGramChars(_ t: inout QualityScratch, _ n: Int, chained: Bool) -> Int {
        if t.topRepeats.count < t.words.count + 1 { t.topRepeats = [UInt8](repeating: 0, count: t.words.count + 1) }
        if t.candidates.count < t.words.count + 1 { t.candidates = [Int32](repeating: 0, count: t.words.count + 1) }
        return t.topRepeats.withUnsafeMutableBufferPointer { repeats in
            t.candidates.withUnsafeMutableBufferPointer { candidates in
                topNGramChars(t.words, n, t.idHash, t.table, repeats: repeats, candidates: candidates, chained: chained)
            }
        }
    }

    /// Sets `t.topRepeats` to the 1-grams' marks (a word whose text occurs more than once);
    /// returns 1, the n they are for.
    static func markRepeatedWords(_ t: inout QualityScratch) -> Int {
        let n = t.words.count
        if t.topRepeats.count < n + 1 { t.topRepeats = [UInt8](repeating: 0, count: n + 1) }
        t.topRepeats.withUnsafeMutableBufferPointer { marks in
            t.idCounts.withUnsafeBufferPointer { counts in
                for (i, w) in t.words.enumerated() { marks[i] = counts[Int(w.id)] > 1 ? 1 : 0 }
            }
        }
        return 1
    }

    /// Builds what ``duplicateNGramChars(_:_:)`` reads: the prefix hashes of the words'
    /// characters and the marked word starts.
    static func prepareDuplicates(_ t: inout QualityScratch) {
        t.wordPolynomials.withUnsafeBufferPointer { t.charHash.buildCharacters(t.words, polynomials: $0) }
        if t.repeatableFrom.count < t.words.count { t.repeatableFrom = [UInt8](repeating: 0, count: t.words.count) }
        var size = 16
        while size < 2 * t.words.count { size <<= 1 }
        if t.startTable.count < size { t.startTable = [UInt64](repeating: 0, count: size) }
        t.joined.withUnsafeBufferPointer { joined in
            t.repeatableFrom.withUnsafeMutableBufferPointer { marks in
                t.startTable.withUnsafeMutableBufferPointer { table in
                    markRepeatedStarts(
                        joined, t.joinedCount, t.charHash.lengths, t.words.count, UnsafeMutableBufferPointer(rebasing: table[0..<size]),
                        into: marks)
                }
            }
        }
    }

    /// ``duplicateNGramChars(_:_:_:_:starts:candidates:)`` on the words of `t`, after
    /// ``prepareDuplicates(_:)``.
    static func duplicateNGramChars(_ t: inout QualityScratch, _ n: Int) -> Int {
        if t.candidates.count < t.words.count + 1 { t.candidates = [Int32](repeating: 0, count: t.words.count + 1) }
        return t.repeatableFrom.withUnsafeBufferPointer { starts in
            t.candidates.withUnsafeMutableBufferPointer { candidates in
                duplicateNGramChars(t.words, n, t.charHash, t.table, starts: starts, candidates: candidates)
            }
        }
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
        guard let base = s.baseAddress else {
            out.append((lo, hi))
            return
        }
        var start = lo
        var i = lo
        while i < hi {
            i += jupiter_u32_find(base + i, hi - i, 0x0A)
            guard i < hi else { break }
            var j = i
            while j < hi && s[j] == 0x0A { j += 1 }
            if j - i >= minRun {
                out.append((start, i))
                start = j
            }
            i = j
        }
        out.append((start, hi))
    }

    /// datatrove `find_duplicates`: (pieces equal to an earlier one, their characters). Only
    /// pieces whose length another piece shares are hashed (the paragraphs and lines of most
    /// texts all differ in length).
    static func duplicates(_ s: UnsafeBufferPointer<UInt32>, _ pieces: [(Int, Int)], _ table: KeyTable) -> (Int, Int) {
        guard pieces.count > 1 else { return (0, 0) }
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: pieces.count) { slotOf in
            table.reset(for: pieces.count)
            for (i, (a, b)) in pieces.enumerated() {
                slotOf[i] = Int32(table.add(PrefixHash.Key(a: UInt64(b - a), b: 0), first: i).slot)
            }
            var shared = false
            for i in 0..<pieces.count where table.count(Int(slotOf[i])) > 1 {
                slotOf[i] = -1  // hashed below
                shared = true
            }
            guard shared else { return (0, 0) }
            return duplicates(s, pieces, table, hashed: { slotOf[$0] < 0 })
        }
    }

    /// ``duplicates(_:_:_:)`` over the pieces for which `hashed` is true (any other piece equals
    /// no other).
    private static func duplicates(
        _ s: UnsafeBufferPointer<UInt32>, _ pieces: [(Int, Int)], _ table: KeyTable, hashed: (Int) -> Bool
    ) -> (Int, Int) {
        table.reset(for: pieces.count)
        var count = 0
        var chars = 0
        for (i, (a, b)) in pieces.enumerated() where hashed(i) {
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

    /// Top n-grams of at most this many words are keyed by their word ids themselves (exact, no
    /// prefix hashes: four 32-bit ids fill a 128-bit key).
    static let exactKeyWords = 4

    /// datatrove `find_top_duplicate` on `" ".join` n-grams: characters of the most frequent
    /// n-gram times its count (ties: the n-gram seen first, as `Counter.most_common`). Words hold
    /// no whitespace, so joined n-grams are equal exactly when their word ids are.
    ///
    /// `repeats[i]` is left 1 when the n-gram at `i` occurs more than once, else 0. With `chained`,
    /// it holds that for the (n−1)-grams on entry, and only the n-grams at an `i` whose (n−1)-grams
    /// at `i` and `i + 1` both repeat are counted: any other occurs once. Then the most frequent
    /// n-gram is among those counted, or, when none repeats, it is the first (every count is 1).
    /// `candidates` (room for a start per word) is scratch.
    static func topNGramChars(
        _ words: [QualityWord], _ n: Int, _ ids: PrefixHash, _ table: KeyTable, repeats: UnsafeMutableBufferPointer<UInt8>,
        candidates: UnsafeMutableBufferPointer<Int32>, chained: Bool
    ) -> Int {
        let m = words.count - n + 1
        guard m > 0 else { return 0 }
        // The starts to count, gathered without branches (which of them repeat is unpredictable).
        var count = m
        if chained {
            count = 0
            for i in 0..<m {
                candidates[count] = Int32(i)
                count &+= Int(repeats[i] & repeats[i + 1])
            }
        } else {
            for i in 0..<m { candidates[i] = Int32(i) }
        }
        for i in 0..<m { repeats[i] = 0 }
        table.reset(for: count)
        var bestSlot = -1
        var bestCount: Int32 = 1
        var bestFirst = 0
        words.withUnsafeBufferPointer { w in
            ids.data.withUnsafeBufferPointer { d in
                for c in 0..<count {
                    let i = Int(candidates[c])
                    let key: PrefixHash.Key
                    if n <= exactKeyWords {
                        key = Self.idKey(w, i, n)
                    } else if let p = d.baseAddress {
                        key = PrefixHash.key(p, i, i + n)
                    } else {
                        return
                    }
                    let (slot, new) = table.add(key, first: i)
                    if new { continue }
                    let first = Int(table.first(slot))
                    repeats[i] = 1
                    repeats[first] = 1
                    let c = table.count(slot)
                    if c > bestCount || (c == bestCount && first < bestFirst) {
                        bestSlot = slot
                        bestCount = c
                        bestFirst = first
                    }
                }
            }
        }
        if bestSlot < 0 { bestFirst = 0 }  // every n-gram occurs once: the first is the most frequent
        var chars = n - 1
        for k in bestFirst..<(bestFirst + n) { chars += words[k].count }
        return chars * Int(bestCount)
    }

    /// The exact key of the n-gram of word ids at `i` (n ≤ ``exactKeyWords``): the ids packed in
    /// 128 bits, the second half multiplied by an odd constant (a bijection) so both halves mix
    /// into the table's slot.
    @inline(__always) static func idKey(_ w: UnsafeBufferPointer<QualityWord>, _ i: Int, _ n: Int) -> PrefixHash.Key {
        @inline(__always) func id(_ k: Int) -> UInt64 { UInt64(UInt32(bitPattern: w[i + k].id)) }
        switch n {
        case 1: return PrefixHash.Key(a: id(0), b: 0)
        case 2: return PrefixHash.Key(a: id(0) << 32 | id(1), b: 0)
        case 3: return PrefixHash.Key(a: id(0) << 32 | id(1), b: (id(2) &+ 1) &* 0xC2B2_AE3D_27D4_EB4F)
        default: return PrefixHash.Key(a: id(0) << 32 | id(1), b: (id(2) << 32 | id(3)) &* 0xC2B2_AE3D_27D4_EB4F)
        }
    }

    /// Characters compared from a word's start to tell whether an n-gram there may repeat
    /// (``markRepeatedStarts``). On the quality bench's corpus 10.5% of the 5- to 10-grams stay
    /// candidates at 12 characters (11.1% at 10, 11.9% at 14, 36% at 24).
    static let startCharacters = 12

    /// Sets `starts[i]` to the least n for which the joined n-gram at word `i` may repeat
    /// another: 255 (any n) when the ``startCharacters`` characters of the joined words
    /// (datatrove's `"".join`) from word `i` also follow another word's start, or when fewer than
    /// that are left; else the least n whose n-gram there is at least that long. Two equal
    /// joined n-grams have equal lengths and, when that long, equal first characters: a long
    /// enough n-gram at an unmarked word equals no other n-gram of the text, for any n. `table`
    /// (a power of 2, at least twice the words) is scratch.
    static func markRepeatedStarts(
        _ joined: UnsafeBufferPointer<UInt32>, _ joinedCount: Int, _ lengths: [Int32], _ wordCount: Int,
        _ table: UnsafeMutableBufferPointer<UInt64>, into starts: UnsafeMutableBufferPointer<UInt8>
    ) {
        let k = startCharacters
        guard let base = joined.baseAddress, let slots = table.baseAddress else { return }
        // A small table (8 bytes a slot, at most half full, a power of 2): a key's top 40 bits
        // and 1 + the word's index (24 bits); a key's slot is its top bits. Two starts sharing
        // those 40 bits are both marked, as equal ones.
        let mask = table.count - 1
        let shift = UInt64(64 - table.count.trailingZeroBitCount)
        guard wordCount < 1 << 24 else {
            for i in 0..<wordCount { starts[i] = 255 }  // too many words for the index bits: look every n-gram up
            return
        }
        slots.update(repeating: 0, count: table.count)
        lengths.withUnsafeBufferPointer { lengths in
            // The first word end at least `k` characters after word i's start: it only moves on.
            var end = 1
            for i in 0..<wordCount {
                let o = Int(lengths[i])
                guard o + k <= joinedCount else {
                    starts[i] = 255
                    continue
                }
                if end <= i { end = i + 1 }
                while Int(lengths[end]) - o < k { end += 1 }
                // Words are not empty: at most `k` of them make `k` characters.
                starts[i] = UInt8(truncatingIfNeeded: end - i)
                // `k` = 12 scalars as six 64-bit loads; equal characters give equal keys
                // (collisions only mark more words).
                let p = UnsafeRawPointer(base + o)
                let x0 = p.loadUnaligned(as: UInt64.self), x1 = p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                let x2 = p.loadUnaligned(fromByteOffset: 16, as: UInt64.self), x3 = p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
                let x4 = p.loadUnaligned(fromByteOffset: 32, as: UInt64.self), x5 = p.loadUnaligned(fromByteOffset: 40, as: UInt64.self)
                let a = x0 &* 0x9E37_79B9_7F4A_7C15 &+ x1 &* 0xC2B2_AE3D_27D4_EB4F &+ x2 &* 0x1656_67B1_9E37_79F9
                let b = x3 &* 0x27D4_EB2F_1656_67C5 &+ x4 &* 0x85EB_CA77_C2B2_AE63 &+ x5 &* 0xFF51_AFD7_ED55_8CCD
                let key = (a ^ (b >> 29) ^ (b << 35)) &* 0x9E37_79B9_7F4A_7C15
                let tag = key >> 24
                var h = Int(truncatingIfNeeded: key >> shift)
                while true {
                    let slot = slots[h]
                    if slot == 0 {
                        slots[h] = tag << 24 | UInt64(i + 1)
                        break
                    }
                    if slot >> 24 == tag {
                        starts[i] = 255
                        starts[Int(slot & 0xFF_FFFF) - 1] = 255
                        break
                    }
                    h = (h + 1) & mask
                }
            }
        }
    }

    /// datatrove `find_all_duplicate` (`"".join` n-grams, compared by two 64-bit polynomial
    /// hashes of their characters): walks the words, adding the characters of every n-gram seen
    /// before and jumping past it. An n-gram at a word `i` with n ≥ `starts[i]`
    /// (``markRepeatedStarts``) equals no other: it is new, and adding it to the seen n-grams
    /// would change no later answer, so it is stepped over unhashed. `candidates` (room for a
    /// start per word) is scratch.
    static func duplicateNGramChars(
        _ words: [QualityWord], _ n: Int, _ chars: PrefixHash, _ table: KeyTable, starts: UnsafeBufferPointer<UInt8>,
        candidates: UnsafeMutableBufferPointer<Int32>
    ) -> Int {
        guard words.count >= n else { return 0 }
        let m = words.count - n + 1
        // The starts whose n-grams may repeat (n < starts[i], 255 being any n), gathered without
        // branches: the sign bit of n − starts[i].
        var count = 0
        if n >= 255 {
            for i in 0..<m where starts[i] == 255 {
                candidates[count] = Int32(i)
                count += 1
            }
        } else {
            for i in 0..<m {
                candidates[count] = Int32(i)
                count &+= Int(truncatingIfNeeded: UInt64(bitPattern: Int64(n) &- Int64(starts[i])) >> 63)
            }
        }
        table.reset(for: count)
        var repeated = 0
        chars.data.withUnsafeBufferPointer { d in
            chars.lengths.withUnsafeBufferPointer { lengths in
                guard let p = d.baseAddress else { return }
                // The walk: a start before `next` was jumped over.
                var next = 0
                for c in 0..<count {
                    let idx = Int(candidates[c])
                    if idx < next { continue }
                    if table.add(PrefixHash.key(p, idx, idx + n), first: idx).new {
                        next = idx + 1
                    } else {
                        repeated += Int(lengths[idx + n] - lengths[idx])
                        next = idx + n
                    }
                }
            }
        }
        return repeated
    }
}
