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
    var table = KeyTable()
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
        scalars.removeAll(keepingCapacity: true)
        PythonText.append(text, to: &scalars)
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
        while size < n * 2 { size <<= 1 }
        if internSlots.count < size { internSlots = [Int32](repeating: -1, count: size) }
        let mask = size - 1
        for i in 0..<size { internSlots[i] = -1 }
        scalars.withUnsafeBufferPointer { s in
            for t in tokens {
                let a = Int(t.start), b = Int(t.end)
                if PythonText.isSpace(s[a]) { continue }
                var h = Int(truncatingIfNeeded: PythonText.hash(s, a, b)) & mask
                var id: Int32 = -1
                while true {
                    let w = Int(internSlots[h])
                    if w < 0 { break }
                    let o = words[w]
                    if o.count == b - a && PythonText.equal(s, Int(o.start), a, b - a) {
                        id = o.id
                        break
                    }
                    h = (h + 1) & mask
                }
                var symbol = true
                var alpha = false
                for k in a..<b {
                    let c = s[k]
                    if symbol && !Self.isDatatrovePunctuation(c) { symbol = false }
                    if !alpha && PythonText.isAlpha(c) { alpha = true }
                }
                if id < 0 {
                    id = Int32(words.count)
                    internSlots[h] = Int32(words.count)
                }
                words.append(QualityWord(start: t.start, end: t.end, id: id, isSymbol: symbol, hasAlpha: alpha))
            }
        }
    }

    static let punctuation = EnglishTokenizer.ScalarSet(EnglishTokenizerTables.datatrovePunctuation)

    @inline(__always) static func isDatatrovePunctuation(_ c: UInt32) -> Bool { punctuation.contains(c) }
}

/// Prefix polynomial hashes (mod 2^64, two odd bases) over a sequence, so the hash of any run is
/// two multiplications: `H(i..<j) = (P[j] − P[i]) · B^−offset(i)`. Odd bases are invertible mod
/// 2^64.
struct PrefixHash {
    var a: [UInt64] = []
    var b: [UInt64] = []
    var invA: [UInt64] = []
    var invB: [UInt64] = []

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

    mutating func reset() {
        a.removeAll(keepingCapacity: true)
        b.removeAll(keepingCapacity: true)
        invA.removeAll(keepingCapacity: true)
        invB.removeAll(keepingCapacity: true)
        a.append(0); b.append(0); invA.append(1); invB.append(1)
    }

    /// Hash of the run between prefix marks `i` and `j`.
    @inline(__always) func key(_ i: Int, _ j: Int) -> Key {
        Key(a: (a[j] &- a[i]) &* invA[i], b: (b[j] &- b[i]) &* invB[i])
    }

    /// Builds the prefix over word ids (one symbol per word).
    mutating func buildIDs(_ words: [QualityWord]) {
        reset()
        var pa: UInt64 = 1, pb: UInt64 = 1, ia: UInt64 = 1, ib: UInt64 = 1
        var ha: UInt64 = 0, hb: UInt64 = 0
        for w in words {
            let v = UInt64(UInt32(bitPattern: w.id)) &+ 1
            ha = ha &+ v &* pa
            hb = hb &+ v &* pb
            pa = pa &* Self.baseA
            pb = pb &* Self.baseB
            ia = ia &* Self.invBaseA
            ib = ib &* Self.invBaseB
            a.append(ha); b.append(hb); invA.append(ia); invB.append(ib)
        }
    }

    /// Builds the prefix over the words' characters, concatenated without separators (datatrove
    /// joins repeated n-grams with `""`).
    mutating func buildCharacters(_ words: [QualityWord], _ s: UnsafeBufferPointer<UInt32>) {
        reset()
        var pa: UInt64 = 1, pb: UInt64 = 1, ia: UInt64 = 1, ib: UInt64 = 1
        var ha: UInt64 = 0, hb: UInt64 = 0
        for w in words {
            for k in Int(w.start)..<Int(w.end) {
                let v = UInt64(s[k]) &+ 1
                ha = ha &+ v &* pa
                hb = hb &+ v &* pb
                pa = pa &* Self.baseA
                pb = pb &* Self.baseB
                ia = ia &* Self.invBaseA
                ib = ib &* Self.invBaseB
            }
            a.append(ha); b.append(hb); invA.append(ia); invB.append(ib)
        }
    }

    /// A 128-bit key.
    struct Key: Equatable {
        var a: UInt64
        var b: UInt64
    }
}

/// An open-addressing table of 128-bit keys with a count and the index first seen, cleared in
/// O(capacity) between uses.
struct KeyTable {
    var keys: [PrefixHash.Key] = []
    var counts: [Int32] = []
    var firsts: [Int32] = []
    var used: [Int32] = []
    var mask = 0

    /// Empties the table, sized for `n` keys.
    mutating func reset(for n: Int) {
        var size = 16
        while size < n * 2 { size <<= 1 }
        if keys.count < size {
            keys = [PrefixHash.Key](repeating: .init(a: 0, b: 0), count: size)
            counts = [Int32](repeating: 0, count: size)
            firsts = [Int32](repeating: 0, count: size)
            used = []
            used.reserveCapacity(size)
        } else {
            for i in used { counts[Int(i)] = 0 }
        }
        used.removeAll(keepingCapacity: true)
        mask = size - 1
    }

    /// Adds one occurrence; returns the slot and whether the key was new.
    @inline(__always) mutating func add(_ k: PrefixHash.Key, first: Int) -> (slot: Int, new: Bool) {
        var h = Int(truncatingIfNeeded: k.a ^ (k.b >> 7)) & mask
        while counts[h] != 0 {
            if keys[h] == k {
                counts[h] += 1
                return (h, false)
            }
            h = (h + 1) & mask
        }
        keys[h] = k
        counts[h] = 1
        firsts[h] = Int32(first)
        used.append(Int32(h))
        return (h, true)
    }

    /// True when the key is present (without adding it).
    @inline(__always) func contains(_ k: PrefixHash.Key) -> Bool {
        var h = Int(truncatingIfNeeded: k.a ^ (k.b >> 7)) & mask
        while counts[h] != 0 {
            if keys[h] == k { return true }
            h = (h + 1) & mask
        }
        return false
    }
}
