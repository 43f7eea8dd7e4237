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
    /// Prefix hashes of word ids (top n-grams) and of the words' characters (repeated n-grams).
    var idHash = PrefixHash()
    var charHash = PrefixHash()

    /// Loads `text` and splits it into words.
    mutating func load(_ text: String) {
        scalars = PythonText.scalars(text)
        tokens.removeAll(keepingCapacity: true)
        words.removeAll(keepingCapacity: true)
        scalars.withUnsafeBufferPointer { s in
            EnglishTokenizer.shared.tokenize(s, 0, s.count, into: &tokens, &tokenizer)
        }
        internWords()
    }

    /// Keeps the non-whitespace tokens (datatrove's `strip_strings`) as words with interned ids.
    private mutating func internWords() {
        let n = tokens.count
        var size = 16
        while size < n * 4 { size <<= 1 }
        if internSlots.count < size { internSlots = [Int32](repeating: -1, count: size) }
        let mask = size - 1
        words.reserveCapacity(n)
        let flags = Self.asciiFlags, punctuation = Self.punctuation
        scalars.withUnsafeBufferPointer { s in
            internSlots.withUnsafeMutableBufferPointer { slots in
                for i in 0..<size { slots[i] = -1 }
                for t in tokens {
                    let a = Int(t.start), b = Int(t.end)
                    if PythonText.isSpace(s[a]) { continue }
                    // One pass: hash, symbol word, has a letter.
                    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                    var symbol = true
                    var alpha = false
                    for k in a..<b {
                        let c = s[k]
                        hash = (hash ^ UInt64(c)) &* 0x0000_0100_0000_01b3
                        if c < 0x80 {
                            let f = flags[Int(c)]
                            if f & 1 == 0 { symbol = false }
                            if f & 2 != 0 { alpha = true }
                        } else {
                            if symbol && !punctuation.contains(c) { symbol = false }
                            if !alpha && PythonText.isAlpha(c) { alpha = true }
                        }
                    }
                    var h = Int(truncatingIfNeeded: hash) & mask
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
                        id = Int32(words.count)
                        slots[h] = Int32(words.count)
                    }
                    words.append(QualityWord(start: t.start, end: t.end, id: id, isSymbol: symbol, hasAlpha: alpha))
                }
            }
        }
    }

    /// ASCII facts: bit 0 in datatrove's punctuation set, bit 1 a letter.
    static let asciiFlags: [UInt8] = (0..<128).map { c in
        (punctuation.contains(UInt32(c)) ? 1 : 0) | (PythonText.isAlpha(UInt32(c)) ? 2 : 0)
    }

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

    private mutating func reset(_ n: Int) {
        data.removeAll(keepingCapacity: true)
        data.reserveCapacity(4 * (n + 1))
        lengths.removeAll(keepingCapacity: true)
        lengths.reserveCapacity(n + 1)
        data.append(0); data.append(0); data.append(1); data.append(1)
        lengths.append(0)
    }

    /// Builds the prefix over word ids (one symbol per word).
    mutating func buildIDs(_ words: [QualityWord]) {
        reset(words.count)
        let (baseA, baseB, invBaseA, invBaseB) = (Self.baseA, Self.baseB, Self.invBaseA, Self.invBaseB)
        var pa: UInt64 = 1, pb: UInt64 = 1, ia: UInt64 = 1, ib: UInt64 = 1
        var ha: UInt64 = 0, hb: UInt64 = 0
        var length: Int32 = 0
        for w in words {
            let v = UInt64(UInt32(bitPattern: w.id)) &+ 1
            ha = ha &+ v &* pa
            hb = hb &+ v &* pb
            pa = pa &* baseA
            pb = pb &* baseB
            ia = ia &* invBaseA
            ib = ib &* invBaseB
            length += w.end - w.start
            data.append(ha); data.append(hb); data.append(ia); data.append(ib)
            lengths.append(length)
        }
    }

    /// Builds the prefix over the words' characters, concatenated without separators (datatrove
    /// joins repeated n-grams with `""`): each word's own polynomial (Horner, one multiplication
    /// per character and base) is shifted into place by the power of the characters before it.
    mutating func buildCharacters(_ words: [QualityWord], _ s: UnsafeBufferPointer<UInt32>) {
        reset(words.count)
        let (baseA, baseB, invBaseA, invBaseB) = (Self.baseA, Self.baseB, Self.invBaseA, Self.invBaseB)
        var pa: UInt64 = 1, pb: UInt64 = 1, ia: UInt64 = 1, ib: UInt64 = 1
        var ha: UInt64 = 0, hb: UInt64 = 0
        var length: Int32 = 0
        for w in words {
            // Σ v_k·B^k over the word, from its last character down.
            var wa: UInt64 = 0, wb: UInt64 = 0
            var k = Int(w.end)
            while k > Int(w.start) {
                k -= 1
                let v = UInt64(s[k]) &+ 1
                wa = wa &* baseA &+ v
                wb = wb &* baseB &+ v
            }
            ha = ha &+ wa &* pa
            hb = hb &+ wb &* pb
            let n = Int(w.end - w.start)
            let (fa, fb, ga, gb) = Self.powers(n, baseA, baseB, invBaseA, invBaseB)
            pa = pa &* fa
            pb = pb &* fb
            ia = ia &* ga
            ib = ib &* gb
            length += w.end - w.start
            data.append(ha); data.append(hb); data.append(ia); data.append(ib)
            lengths.append(length)
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
