/// A text prepared once for the Gopher rules: its scalars (Python's characters), the tokens of
/// datatrove's English word splitter (``EnglishTokenizer``) and per-word facts. Built in a
/// ``QualityScratch`` whose buffers are reused from text to text.
struct QualityWord {
    var start: Int32
    var end: Int32
    /// Interned id: equal ids ⇔ equal text.
    var id: Int32
    /// Every character is in datatrove's `PUNCTUATION_SET` (a "symbol word").
    var isSymbol: Bool
    /// Some character is a letter (`str.isalpha`).
    var hasAlpha: Bool

    var count: Int { Int(end - start) }
}

/// Reusable buffers for the quality rules (one per thread of work).
struct QualityScratch {
    var scalars: [UInt32] = []
    var tokens: [EnglishToken] = []
    var words: [QualityWord] = []
    var tokenizer = EnglishTokenizer.Scratch()
    let table = KeyTable()
    var internSlots: [Int32] = []
    var ranges: [(Int, Int)] = []
    var lines: [(Int, Int)] = []
    var lineScalars: [UInt32] = []
    var lower: [UInt32] = []
    var kept: [UInt32] = []
    /// Prefix hashes of word ids (top n-grams longer than 4 words) and of the words' characters
    /// (repeated n-grams).
    var idHash = PrefixHash()
    var charHash = PrefixHash()
    /// The words' characters without separators (datatrove's `"".join(words)`), `joinedCount` of them.
    var joined: [UInt32] = []
    var joinedCount = 0
    /// Per word, its two character polynomials (Σ v_k·B^k over its characters, k from its first,
    /// v = scalar + 1; bases ``PrefixHash/baseA`` and ``PrefixHash/baseB``), interleaved.
    var wordPolynomials: [UInt64] = []
    /// Per word id (the index of its first word), how many words have it.
    var idCounts: [Int32] = []
    /// Per n-gram start, whether its top n-gram repeats (``GopherRepetitionRules``).
    var topRepeats: [UInt8] = []
    /// Starts of n-grams to look up (``GopherRepetitionRules``).
    var candidates: [Int32] = []
    /// The table of ``GopherRepetitionRules/markRepeatedStarts(_:_:_:_:_:into:)``.
    var startTable: [UInt64] = []
    /// Per word, the least n for which the joined n-gram there may repeat another
    /// (``GopherRepetitionRules/markRepeatedStarts(_:_:_:_:_:into:)``).
    var repeatableFrom: [UInt8] = []

    /// Loads `text` and splits it into words.
    mutating func load(_ text: String) {
        scalars = PythonText.scalars(text)
        tokens.removeAll(keepingCapacity: true)
        scalars.withUnsafeBufferPointer { s in
            EnglishTokenizer.shared.tokenize(s, 0, s.count, into: &tokens, &tokenizer)
        }
        internWords()
    }

    /// Keeps the non-whitespace tokens (datatrove's `strip_strings`) as words with interned ids;
    /// gathers their characters into ``joined``, their polynomials into ``wordPolynomials`` and
    /// their ids' counts into ``idCounts``.
    private mutating func internWords() {
        let n = tokens.count
        var size = 16
        while size < n * 4 { size <<= 1 }
        if internSlots.count < size { internSlots = [Int32](repeating: -1, count: size) }
        if joined.count < scalars.count { joined = [UInt32](repeating: 0, count: scalars.count) }
        if wordPolynomials.count < 2 * n { wordPolynomials = [UInt64](repeating: 0, count: 2 * n) }
        if idCounts.count < n { idCounts = [Int32](repeating: 0, count: n) }
        var total = 0
        words = scalars.withUnsafeBufferPointer { s in
            tokens.withUnsafeBufferPointer { tokens in
                internSlots.withUnsafeMutableBufferPointer { slots in
                    joined.withUnsafeMutableBufferPointer { joined in
                        wordPolynomials.withUnsafeMutableBufferPointer { poly in
                            idCounts.withUnsafeMutableBufferPointer { counts in
                                [QualityWord](unsafeUninitializedCapacity: n) { out, count in
                                    let into = Buffers(slots: slots, size: size, joined: joined, poly: poly, counts: counts, words: out)
                                    (count, total) = Self.intern(s, tokens, into)
                                }
                            }
                        }
                    }
                }
            }
        }
        joinedCount = total
    }

    /// Where ``intern(_:_:_:)`` writes.
    private struct Buffers {
        let slots: UnsafeMutableBufferPointer<Int32>
        let size: Int
        let joined: UnsafeMutableBufferPointer<UInt32>
        let poly: UnsafeMutableBufferPointer<UInt64>
        let counts: UnsafeMutableBufferPointer<Int32>
        let words: UnsafeMutableBufferPointer<QualityWord>
    }

    /// The words of `tokens`: returns how many, and how many characters they have.
    private static func intern(
        _ s: UnsafeBufferPointer<UInt32>, _ tokens: UnsafeBufferPointer<EnglishToken>, _ into: Buffers
    ) -> (words: Int, characters: Int) {
        guard let sp = s.baseAddress, let jp = into.joined.baseAddress, let slots = into.slots.baseAddress,
            let words = into.words.baseAddress
        else { return (0, 0) }
        let mask = into.size - 1
        let shift = UInt64(64 - into.size.trailingZeroBitCount)
        slots.update(repeating: -1, count: into.size)
        let (baseA, baseB) = (PrefixHash.baseA, PrefixHash.baseB)
        let (baseA2, baseB2) = (baseA &* baseA, baseB &* baseB)
        var count = 0
        var total = 0
        asciiFlags.withUnsafeBufferPointer { flags in
            for t in tokens {
                let a = Int(t.start), b = Int(t.end)
                if PythonText.isSpace(sp[a]) { continue }
                // One pass, from the last character, two at a time: the polynomials (Horner),
                // the copy into `joined`, and the ASCII flags (a character beyond ASCII takes the
                // neutral entry 128 and the word is looked at again below).
                var wa: UInt64 = 0, wb: UInt64 = 0
                var all: UInt8 = 0xFF, any: UInt8 = 0
                var wide: UInt32 = 0
                let dst = jp + total - a  // dst[k] is the place of s[k]
                var k = b
                if (b - a) & 1 == 1 {
                    k -= 1
                    let c = sp[k]
                    dst[k] = c
                    wa = UInt64(c) &+ 1
                    wb = wa
                    let f = flags[Int(min(c, 128))]
                    all &= f; any |= f; wide |= c
                }
                while k > a {
                    k -= 2
                    let c1 = sp[k + 1], c0 = sp[k]
                    dst[k + 1] = c1
                    dst[k] = c0
                    let v1 = UInt64(c1) &+ 1, v0 = UInt64(c0) &+ 1
                    wa = wa &* baseA2 &+ (v1 &* baseA &+ v0)
                    wb = wb &* baseB2 &+ (v1 &* baseB &+ v0)
                    let f1 = flags[Int(min(c1, 128))], f0 = flags[Int(min(c0, 128))]
                    all &= f1 & f0; any |= f1 | f0; wide |= c1 | c0
                }
                var symbol = all & 1 != 0
                var alpha = any & 2 != 0
                if wide >= 0x80 {
                    for k in a..<b where sp[k] >= 0x80 {
                        let c = sp[k]
                        if symbol && !punctuation.contains(c) { symbol = false }
                        if !alpha && PythonText.isAlpha(c) { alpha = true }
                    }
                }
                total += b - a
                var h = Int(truncatingIfNeeded: ((wa ^ wb) &* 0x9E37_79B9_7F4A_7C15) >> shift)
                var id: Int32 = -1
                while true {
                    let w = Int(slots[h])
                    if w < 0 { break }
                    let o = words[w]
                    if o.count == b - a && PythonText.equal(s, Int(o.start), a, b - a) {
                        id = o.id
                        break
                    }
                    h = (h + 1) & mask
                }
                if id < 0 {
                    id = Int32(count)
                    slots[h] = Int32(count)
                    into.counts[count] = 1
                } else {
                    into.counts[Int(id)] &+= 1
                }
                into.poly[2 * count] = wa
                into.poly[2 * count + 1] = wb
                (words + count).initialize(to: QualityWord(start: t.start, end: t.end, id: id, isSymbol: symbol, hasAlpha: alpha))
                count += 1
            }
        }
        return (count, total)
    }

    /// ASCII facts: bit 0 in datatrove's punctuation set, bit 1 a letter; entry 128 (any
    /// character beyond ASCII) is neutral: bit 0 set, bit 1 clear.
    static let asciiFlags: [UInt8] =
        (0..<128).map { c in
            (punctuation.contains(UInt32(c)) ? 1 : 0) | (PythonText.isAlpha(UInt32(c)) ? 2 : 0)
        } + [1]

    static let punctuation = EnglishTokenizer.ScalarSet(EnglishTokenizerTables.datatrovePunctuation)

    @inline(__always) static func isDatatrovePunctuation(_ c: UInt32) -> Bool { punctuation.contains(c) }
}

/// Prefix polynomial hashes (mod 2^64, two odd bases) over a sequence, so the hash of any run is
/// two multiplications: `H(i..<j) = (P[j] − P[i]) · B^−offset(i)`. Odd bases are invertible mod
/// 2^64. Stored interleaved (`P_a, P_b, B_a^−offset, B_b^−offset` per mark) for one pointer walk.
struct PrefixHash {
    var data: [UInt64] = []
    /// Characters before each mark (for the words' lengths of a run).
    var lengths: [Int32] = []

    static let baseA: UInt64 = 0x9E37_79B9_7F4A_7C15 | 1
    static let baseB: UInt64 = 0xC2B2_AE3D_27D4_EB4F | 1
    static let invBaseA = inverse(baseA)
    static let invBaseB = inverse(baseB)

    /// The inverse of an odd number mod 2^64 (Newton's iteration).
    static func inverse(_ x: UInt64) -> UInt64 {
        var y = x
        for _ in 0..<6 { y = y &* (2 &- x &* y) }
        return y
    }

    /// A 128-bit key.
    struct Key: Equatable {
        var a: UInt64
        var b: UInt64
    }

    /// Hash of the run between prefix marks `i` and `j`, from `data`'s storage.
    @inline(__always) static func key(_ p: UnsafePointer<UInt64>, _ i: Int, _ j: Int) -> Key {
        let x = p + 4 * i, y = p + 4 * j
        return Key(a: (y[0] &- x[0]) &* x[2], b: (y[1] &- x[1]) &* x[3])
    }

    /// Hash of the run between marks `i` and `j`.
    func key(_ i: Int, _ j: Int) -> Key {
        data.withUnsafeBufferPointer { d in d.baseAddress.map { Self.key($0, i, j) } ?? Key(a: 0, b: 0) }
    }

    /// Makes room for `n` + 1 marks (the arrays only grow; marks past the text's are stale) and
    /// writes the first.
    private mutating func reset(_ n: Int) {
        if data.count < 4 * (n + 1) { data = [UInt64](repeating: 0, count: max(4 * (n + 1), 2 * data.count)) }
        if lengths.count < n + 1 { lengths = [Int32](repeating: 0, count: max(n + 1, 2 * lengths.count)) }
        data[0] = 0; data[1] = 0; data[2] = 1; data[3] = 1
        lengths[0] = 0
    }

    /// Builds the prefix over word ids (one symbol per word).
    mutating func buildIDs(_ words: [QualityWord]) {
        let (baseA, baseB, invBaseA, invBaseB) = (Self.baseA, Self.baseB, Self.invBaseA, Self.invBaseB)
        build(words) { _, w in
            let v = UInt64(UInt32(bitPattern: w.id)) &+ 1
            return (v, v, baseA, baseB, invBaseA, invBaseB)
        }
    }

    /// Builds the prefix over the words' characters, concatenated without separators (datatrove
    /// joins repeated n-grams with `""`): each word's own polynomials (`polynomials`, two per
    /// word: Σ v_k·B^k over its characters, k from its first, v = scalar + 1, as
    /// ``QualityScratch`` computes them) are shifted into place by the power of the characters
    /// before it.
    mutating func buildCharacters(_ words: [QualityWord], polynomials: UnsafeBufferPointer<UInt64>) {
        let (baseA, baseB, invBaseA, invBaseB) = (Self.baseA, Self.baseB, Self.invBaseA, Self.invBaseB)
        build(words) { i, w in
            let (fa, fb, ga, gb) = Self.powers(Int(w.end &- w.start), baseA, baseB, invBaseA, invBaseB)
            return (polynomials[2 * i], polynomials[2 * i + 1], fa, fb, ga, gb)
        }
    }

    /// Writes a mark per word: `step(i, word)` gives the values the word adds at the current
    /// powers (`va`, `vb`), then the factors the powers move on by (`fa`, `fb`) and their
    /// inverses (`ga`, `gb`).
    @inline(__always) private mutating func build(
        _ words: [QualityWord],
        _ step: (Int, QualityWord) -> (va: UInt64, vb: UInt64, fa: UInt64, fb: UInt64, ga: UInt64, gb: UInt64)
    ) {
        reset(words.count)
        data.withUnsafeMutableBufferPointer { d in
            lengths.withUnsafeMutableBufferPointer { lengths in
                var pa: UInt64 = 1, pb: UInt64 = 1, ia: UInt64 = 1, ib: UInt64 = 1
                var ha: UInt64 = 0, hb: UInt64 = 0
                var length: Int32 = 0
                for (i, w) in words.enumerated() {
                    let (va, vb, fa, fb, ga, gb) = step(i, w)
                    ha = ha &+ va &* pa
                    hb = hb &+ vb &* pb
                    pa = pa &* fa
                    pb = pb &* fb
                    ia = ia &* ga
                    ib = ib &* gb
                    length &+= w.end &- w.start
                    d[4 * i + 4] = ha; d[4 * i + 5] = hb; d[4 * i + 6] = ia; d[4 * i + 7] = ib
                    lengths[i + 1] = length
                }
            }
        }
    }

    /// B_a^n, B_b^n and their inverses (a table for short words).
    @inline(__always) static func powers(_ n: Int, _ a: UInt64, _ b: UInt64, _ ia: UInt64, _ ib: UInt64)
        -> (UInt64, UInt64, UInt64, UInt64)
    {
        if n < powerTable.count { return powerTable[n] }
        var r: (UInt64, UInt64, UInt64, UInt64) = (1, 1, 1, 1)
        for _ in 0..<n { r = (r.0 &* a, r.1 &* b, r.2 &* ia, r.3 &* ib) }
        return r
    }

    static let powerTable: [(UInt64, UInt64, UInt64, UInt64)] = {
        var out: [(UInt64, UInt64, UInt64, UInt64)] = [(1, 1, 1, 1)]
        for _ in 1..<64 {
            let p = out[out.count - 1]
            out.append((p.0 &* baseA, p.1 &* baseB, p.2 &* invBaseA, p.3 &* invBaseB))
        }
        return out
    }()
}

/// An open-addressing table of 128-bit keys with a count and the index first seen, in memory it
/// owns (no copy-on-write checks in the hot loops; one 32-byte slot per probe). A slot belongs to
/// the current use when its generation is the table's: emptying the table is one increment.
final class KeyTable {
    struct Slot {
        var key: PrefixHash.Key
        var count: Int32
        var first: Int32
        var generation: UInt32
    }

    @exclusivity(unchecked) private var slots: UnsafeMutablePointer<Slot>
    @exclusivity(unchecked) private var mask = 15
    /// 64 − log2(size): slots come from the high bits of a multiplicative hash.
    @exclusivity(unchecked) private var shift: UInt64 = 60
    @exclusivity(unchecked) private var generation: UInt32 = 1
    private var capacity = 16

    init() {
        slots = Self.allocate(capacity)
    }

    deinit { slots.deallocate() }

    static func allocate(_ n: Int) -> UnsafeMutablePointer<Slot> {
        let p = UnsafeMutablePointer<Slot>.allocate(capacity: n)
        p.initialize(repeating: Slot(key: .init(a: 0, b: 0), count: 0, first: 0, generation: 0), count: n)
        return p
    }

    /// Empties the table, sized for `n` keys (at most a quarter full: most lookups end at their
    /// first slot).
    func reset(for n: Int) {
        var size = 16
        while size < n * 4 { size <<= 1 }
        if size > capacity {
            slots.deallocate()
            capacity = size
            slots = Self.allocate(size)
            generation = 0
        }
        generation &+= 1
        if generation == 0 {  // wrapped: clear for real
            for i in 0..<capacity { slots[i].generation = 0 }
            generation = 1
        }
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    /// The count and first index of slot `i`.
    @inline(__always) func count(_ i: Int) -> Int32 { slots[i].count }
    @inline(__always) func first(_ i: Int) -> Int32 { slots[i].first }

    /// Adds one occurrence; returns the slot and whether the key was new.
    @inline(__always) func add(_ k: PrefixHash.Key, first: Int) -> (slot: Int, new: Bool) {
        var h = Int(truncatingIfNeeded: ((k.a ^ k.b) &* 0x9E37_79B9_7F4A_7C15) >> shift)
        let g = generation
        while true {
            let p = slots + h
            if p.pointee.generation != g {
                p.pointee = Slot(key: k, count: 1, first: Int32(first), generation: g)
                return (h, true)
            }
            if p.pointee.key == k {
                p.pointee.count += 1
                return (h, false)
            }
            h = (h + 1) & mask
        }
    }
}
