/// The vocabulary part of a fastText model: words and labels (in file order), their
/// precomputed input rows (the word itself plus its character n-grams), the pruning map of
/// quantized models, and the lookups prediction needs. Tokens are compared as bytes, as
/// fastText does (no Unicode normalisation).
struct FastTextDictionary: Sendable {
    /// `</s>`: the token fastText reads at the end of each line.
    static let eos: [UInt8] = Array("</s>".utf8)
    /// Prefix marking label entries (`-label` option; fastText stores no other value in models).
    static let labelPrefix: [UInt8] = Array("__label__".utf8)

    let nwords: Int
    let nlabels: Int
    /// Label strings (`__label__en`, …) in output order.
    let labels: [String]
    /// Occurrence count of each label (builds the hierarchical-softmax tree).
    let labelCounts: [Int64]
    /// Bytes of every entry, concatenated; entry `i` is `entryBytes[entryStart[i]..<entryStart[i+1]]`.
    private let entryBytes: [UInt8]
    private let entryStart: [Int]
    private let entryHash: [UInt32]
    /// Open-addressing table of entry ids (−1 = empty), indexed by `hash & tableMask`.
    private let table: [Int32]
    private let tableMask: Int
    /// Input rows of word `i`: `wordRows[wordRowStart[i]..<wordRowStart[i+1]]`.
    let wordRows: [Int32]
    let wordRowStart: [Int]
    /// Pruning map of quantized models: n-gram bucket → row offset (after the words).
    let prune: PruneMap?
    /// True when the model was pruned to zero n-grams (every n-gram is ignored).
    let prunedToNothing: Bool
    let minn: Int
    let maxn: Int
    let bucket: Int
    let wordNgrams: Int

    init(reading r: inout ModelByteReader, minn: Int, maxn: Int, bucket: Int, wordNgrams: Int)
        throws(FastTextModelError)
    {
        r.section = "dictionary"
        let size = Int(try r.int32())
        let nwords = Int(try r.int32())
        let nlabels = Int(try r.int32())
        _ = try r.int64()  // ntokens: training statistic, unused for prediction
        let pruneSize = try r.int64()
        // An entry takes at least 10 bytes and a pruning pair 8: claiming more is a cut file.
        if size > r.remaining / 10 || pruneSize > Int64(r.remaining / 8) {
            throw FastTextModelError(path: r.path, .truncated(section: "dictionary", offset: r.bytes.count))
        }
        guard size >= 0, nwords >= 0, nlabels >= 0, nwords + nlabels == size, pruneSize >= -1 else {
            throw FastTextModelError(
                path: r.path,
                .invalid(
                    "dictionary sizes do not agree (\(size) entries, \(nwords) words, \(nlabels) labels, "
                        + "\(pruneSize) pruned n-grams)"))
        }
        self.nwords = nwords
        self.nlabels = nlabels
        self.minn = minn
        self.maxn = maxn
        self.bucket = bucket
        self.wordNgrams = wordNgrams

        var entryBytes: [UInt8] = []
        var entryStart: [Int] = [0]
        var entryHash: [UInt32] = []
        var labels: [String] = []
        var labelCounts: [Int64] = []
        entryStart.reserveCapacity(size + 1)
        entryHash.reserveCapacity(size)
        for i in 0..<size {
            let word = try r.cString()
            let count = try r.int64()
            let type = try r.uint8()
            guard type <= 1 else {
                throw FastTextModelError(path: r.path, .invalid("dictionary entry \(i) has unknown type \(type)"))
            }
            guard (type == 1) == (i >= nwords) else {
                throw FastTextModelError(
                    path: r.path,
                    .invalid(
                        "dictionary entry \(i) is a \(type == 1 ? "label" : "word") where a \(i >= nwords ? "label" : "word") is expected"))
            }
            entryBytes.append(contentsOf: word)
            entryStart.append(entryBytes.count)
            entryHash.append(Self.hash(word))
            if type == 1 {
                labels.append(String(decoding: word, as: UTF8.self))
                labelCounts.append(count)
            }
        }
        self.entryBytes = entryBytes
        self.entryStart = entryStart
        self.entryHash = entryHash
        self.labels = labels
        self.labelCounts = labelCounts

        var pruneMap: PruneMap?
        if pruneSize > 0 {
            var pairs: [(Int32, Int32)] = []
            pairs.reserveCapacity(Int(pruneSize))
            for _ in 0..<Int(pruneSize) {
                let a = try r.int32()
                let b = try r.int32()
                pairs.append((a, b))
            }
            pruneMap = PruneMap(pairs)
        }
        prune = pruneMap
        prunedToNothing = pruneSize == 0
        let nothing = pruneSize == 0

        // Word lookup table (capacity a power of two, load ≤ 0.5).
        var cap = 16
        while cap < 2 * max(size, 1) { cap <<= 1 }
        var table = [Int32](repeating: -1, count: cap)
        let mask = cap - 1
        for i in 0..<size {
            var slot = Int(entryHash[i]) & mask
            while table[slot] != -1 { slot = (slot + 1) & mask }
            table[slot] = Int32(i)
        }
        self.table = table
        self.tableMask = mask

        // Input rows of each word: the word's own row, then its character n-grams.
        var wordRows: [Int32] = []
        var wordRowStart: [Int] = [0]
        wordRowStart.reserveCapacity(nwords + 1)
        var scratch: [UInt8] = []
        for i in 0..<nwords {
            wordRows.append(Int32(i))
            let w = entryBytes[entryStart[i]..<entryStart[i + 1]]
            if !w.elementsEqual(Self.eos) {
                scratch.removeAll(keepingCapacity: true)
                scratch.append(UInt8(ascii: "<"))
                scratch.append(contentsOf: w)
                scratch.append(UInt8(ascii: ">"))
                scratch.withUnsafeBufferPointer { buf in
                    Self.forEachSubword(buf, minn: minn, maxn: maxn, bucket: bucket) { h in
                        if let row = Self.ngramRow(h, nwords: nwords, prune: pruneMap, prunedToNothing: nothing) {
                            wordRows.append(row)
                        }
                    }
                }
            }
            wordRowStart.append(wordRows.count)
        }
        self.wordRows = wordRows
        self.wordRowStart = wordRowStart
    }

    /// fastText's string hash: 32-bit FNV-1a over the bytes taken as *signed* chars (as every
    /// released model was trained).
    @inline(__always)
    static func hash<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var h: UInt32 = 2_166_136_261
        for b in bytes { h = hashStep(h, b) }
        return h
    }

    @inline(__always)
    static func hashStep(_ h: UInt32, _ b: UInt8) -> UInt32 {
        (h ^ UInt32(bitPattern: Int32(Int8(bitPattern: b)))) &* 16_777_619
    }

    /// The entry id of `token` (words and labels), or −1.
    @inline(__always)
    func find(_ token: UnsafeBufferPointer<UInt8>, hash h: UInt32) -> Int {
        var slot = Int(h) & tableMask
        return entryBytes.withUnsafeBufferPointer { eb in
            table.withUnsafeBufferPointer { t in
                while true {
                    let id = Int(t[slot])
                    if id < 0 { return -1 }
                    if entryHash[id] == h {
                        let s = entryStart[id], e = entryStart[id + 1]
                        if e - s == token.count {
                            var same = true
                            var k = 0
                            while k < token.count {
                                if eb[s + k] != token[k] { same = false; break }
                                k += 1
                            }
                            if same { return id }
                        }
                    }
                    slot = (slot + 1) & tableMask
                }
            }
        }
    }

    /// The input row of an n-gram bucket (after pruning), or nil when the n-gram is not kept.
    @inline(__always)
    func ngramRow(_ bucketID: Int32) -> Int32? {
        Self.ngramRow(bucketID, nwords: nwords, prune: prune, prunedToNothing: prunedToNothing)
    }

    @inline(__always)
    static func ngramRow(_ bucketID: Int32, nwords: Int, prune: PruneMap?, prunedToNothing: Bool) -> Int32? {
        if prunedToNothing || bucketID < 0 { return nil }
        if let prune {
            guard let j = prune[bucketID] else { return nil }
            return Int32(nwords) + j
        }
        return Int32(nwords) + bucketID
    }

    /// Calls `emit` with the bucket of every character n-gram of `word` (already wrapped in
    /// `<` `>`), in fastText's order: by start character, then by length `minn...maxn`, skipping
    /// the lone `<` and `>`. Characters are UTF-8 sequences (continuation bytes never start one).
    @inline(__always)
    static func forEachSubword(
        _ word: UnsafeBufferPointer<UInt8>, minn: Int, maxn: Int, bucket: Int,
        _ emit: (Int32) -> Void
    ) {
        let count = word.count
        guard bucket > 0 else { return }
        let ubucket = UInt32(truncatingIfNeeded: bucket)
        var i = 0
        while i < count {
            if word[i] & 0xC0 == 0x80 { i += 1; continue }
            var h: UInt32 = 2_166_136_261
            var j = i
            var n = 1
            while j < count && n <= maxn {
                h = hashStep(h, word[j]); j += 1
                while j < count && word[j] & 0xC0 == 0x80 { h = hashStep(h, word[j]); j += 1 }
                if n >= minn && !(n == 1 && (i == 0 || j == count)) {
                    emit(Int32(truncatingIfNeeded: h % ubucket))
                }
                n += 1
            }
            i += 1
        }
    }

    /// Whether the token starts with the label prefix.
    static func isLabel(_ token: UnsafeBufferPointer<UInt8>) -> Bool {
        token.count >= labelPrefix.count && zip(token, labelPrefix).allSatisfy { $0 == $1 }
    }

    /// The largest input row any token can reach (to check the input matrix is big enough).
    var maxInputRow: Int {
        if prunedToNothing { return nwords - 1 }
        if let prune { return nwords + Int(prune.maxValue) }
        return nwords + bucket - 1
    }
}

/// A small open-addressing map from n-gram bucket to pruned row offset.
struct PruneMap: Sendable {
    private let keys: [Int32]
    private let values: [Int32]
    private let mask: Int
    let maxValue: Int32
    /// True when some row offset is negative (a corrupt file).
    let hasNegativeValue: Bool

    init(_ pairs: [(Int32, Int32)]) {
        var cap = 16
        while cap < 2 * max(pairs.count, 1) { cap <<= 1 }
        var keys = [Int32](repeating: -1, count: cap)
        var values = [Int32](repeating: 0, count: cap)
        let mask = cap - 1
        var maxValue: Int32 = -1
        var hasNegativeValue = false
        for (k, v) in pairs where k >= 0 {
            if v < 0 { hasNegativeValue = true }
            var slot = Self.slot(k, mask)
            while keys[slot] != -1 && keys[slot] != k { slot = (slot + 1) & mask }
            keys[slot] = k
            values[slot] = v
            maxValue = max(maxValue, v)
        }
        self.keys = keys
        self.values = values
        self.mask = mask
        self.maxValue = maxValue
        self.hasNegativeValue = hasNegativeValue
    }

    @inline(__always)
    private static func slot(_ k: Int32, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(UInt32(bitPattern: k)) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    @inline(__always)
    subscript(_ k: Int32) -> Int32? {
        var slot = Self.slot(k, mask)
        while true {
            let key = keys[slot]
            if key == k { return values[slot] }
            if key == -1 { return nil }
            slot = (slot + 1) & mask
        }
    }
}
