/// Byte-pair-encoding model (`"model": {"type": "BPE"}`), as in the `tokenizers` library.
///
/// Vocabulary and merges are keyed by bytes. With a byte-level pre-tokenizer the keys are the raw
/// bytes the byte-level alphabet stands for (so `"Ġthe"` is stored as `" the"`), and encoding
/// works on raw input bytes with no mapping step.
struct BPEModel: Sendable {
    /// Encode table: token bytes → id.
    var vocab: ByteKeyTable
    /// Token text of every id (the vocabulary key, as written in tokenizer.json), for decoding.
    var tokens: TokenStrings
    var merges: MergeTable
    var unkID: Int32?
    var fuseUnk = false
    var byteFallback = false
    var ignoreMerges = false
    /// True when a ByteLevel pre-tokenizer maps bytes to characters before the model.
    var byteLevel = false
    /// Byte-level mode: id of each single byte; -1 when the vocabulary lacks it.
    var byteIDs = [Int32](repeating: -1, count: 256)
    /// Byte-level mode: UTF-8 of the alphabet character standing for each byte.
    var byteChars: [[UInt8]] = []
    /// Ids of the `<0xXX>` byte-fallback tokens; -1 when missing.
    var fallbackIDs = [Int32](repeating: -1, count: 256)

    /// Appends the ids of one pre-tokenized word `p[start..<end]` to `out`.
    func encodeWord(
        _ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, into out: inout [Int32],
        cache: inout BPECache
    ) {
        let n = end - start
        if n == 0 { return }
        if ignoreMerges, let id = vocab.get(p + start, n) {
            out.append(id)
            return
        }
        let cacheable = n <= BPECache.maxWordLength
        if cacheable, let hit = cache.lookup(p + start, n) {
            out.append(contentsOf: hit)
            return
        }
        var syms: [Int32] = []
        syms.reserveCapacity(byteLevel ? n : n / 2 + 1)
        initialSymbols(p, start, end, into: &syms)
        if syms.count > 1 {
            if syms.count <= 64 { mergeSmall(&syms) } else { mergeLarge(&syms) }
        }
        if cacheable { cache.store(p + start, n, syms) }
        out.append(contentsOf: syms)
    }

    /// The initial symbols of a word: one per byte (byte-level) or per character, with byte
    /// fallback and (fused) unknown tokens as `tokenizers` does.
    func initialSymbols(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, into syms: inout [Int32]) {
        var pendingUnk = false
        var i = start
        while i < end {
            let len = byteLevel ? 1 : min(utf8Length(p[i]), end - i)
            var id: Int32? = nil
            if byteLevel {
                let b = byteIDs[Int(p[i])]
                if b >= 0 { id = b }
            } else {
                id = vocab.get(p + i, len)
            }
            if let id {
                if pendingUnk, let u = unkID { syms.append(u); pendingUnk = false }
                syms.append(id)
            } else {
                var fellBack = false
                if byteFallback {
                    let bytes: [UInt8] = byteLevel ? byteChars[Int(p[i])] : Array(UnsafeBufferPointer(start: p + i, count: len))
                    if bytes.allSatisfy({ fallbackIDs[Int($0)] >= 0 }) {
                        for b in bytes { syms.append(fallbackIDs[Int(b)]) }
                        fellBack = true
                    }
                }
                if !fellBack, let u = unkID {
                    if pendingUnk && !fuseUnk { syms.append(u) }
                    pendingUnk = true
                }
            }
            i += len
        }
        if pendingUnk, let u = unkID { syms.append(u) }
    }

    /// Greedy merging for short words: repeatedly merge the leftmost lowest-rank pair.
    func mergeSmall(_ syms: inout [Int32]) {
        var ranks = [UInt64](repeating: UInt64.max, count: syms.count)
        for i in 0..<(syms.count - 1) { ranks[i] = merges.get(syms[i], syms[i + 1]) ?? UInt64.max }
        while syms.count > 1 {
            var best = UInt64.max, at = -1
            for i in 0..<(syms.count - 1) where ranks[i] >> 32 < best >> 32 {
                best = ranks[i]; at = i
            }
            if at < 0 || best == UInt64.max { break }
            syms[at] = Int32(bitPattern: UInt32(truncatingIfNeeded: best))
            syms.remove(at: at + 1)
            ranks.remove(at: at + 1)
            ranks[at] = at + 1 < syms.count ? (merges.get(syms[at], syms[at + 1]) ?? UInt64.max) : UInt64.max
            if at > 0 { ranks[at - 1] = merges.get(syms[at - 1], syms[at]) ?? UInt64.max }
        }
    }

    /// Heap-driven merging for long words (same result as `mergeSmall`, O(n log n)).
    func mergeLarge(_ syms: inout [Int32]) {
        let n = syms.count
        var ids = syms
        var next = Array(1...n)  // n = none
        var prev = Array(-1..<(n - 1))
        var alive = [Bool](repeating: true, count: n)
        var heap = MinHeap()
        for i in 0..<(n - 1) {
            if let m = merges.get(ids[i], ids[i + 1]) { heap.push(rank: m >> 32, pos: i, right: ids[i + 1], left: ids[i]) }
        }
        while let top = heap.pop() {
            let i = top.pos
            guard alive[i], ids[i] == top.left, next[i] < n, ids[next[i]] == top.right else { continue }
            guard let m = merges.get(ids[i], ids[next[i]]), m >> 32 == top.rank else { continue }
            let j = next[i]
            ids[i] = Int32(bitPattern: UInt32(truncatingIfNeeded: m))
            alive[j] = false
            next[i] = next[j]
            if next[j] < n { prev[next[j]] = i }
            if prev[i] >= 0, let pm = merges.get(ids[prev[i]], ids[i]) {
                heap.push(rank: pm >> 32, pos: prev[i], right: ids[i], left: ids[prev[i]])
            }
            if next[i] < n, let nm = merges.get(ids[i], ids[next[i]]) {
                heap.push(rank: nm >> 32, pos: i, right: ids[next[i]], left: ids[i])
            }
        }
        syms.removeAll(keepingCapacity: true)
        var k = 0
        while k < n { syms.append(ids[k]); k = next[k] }
    }
}

/// A binary min-heap of candidate merges ordered by (rank, position).
struct MinHeap {
    struct Entry { var rank: UInt64; var pos: Int; var left: Int32; var right: Int32 }
    var items: [Entry] = []

    @inline(__always) static func less(_ a: Entry, _ b: Entry) -> Bool {
        a.rank != b.rank ? a.rank < b.rank : a.pos < b.pos
    }

    mutating func push(rank: UInt64, pos: Int, right: Int32, left: Int32) {
        items.append(Entry(rank: rank, pos: pos, left: left, right: right))
        var c = items.count - 1
        while c > 0 {
            let p = (c - 1) / 2
            if MinHeap.less(items[c], items[p]) { items.swapAt(c, p); c = p } else { break }
        }
    }

    mutating func pop() -> Entry? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var p = 0
            while true {
                let l = 2 * p + 1, r = l + 1
                var m = p
                if l < items.count, MinHeap.less(items[l], items[m]) { m = l }
                if r < items.count, MinHeap.less(items[r], items[m]) { m = r }
                if m == p { break }
                items.swapAt(p, m); p = m
            }
        }
        return first
    }
}

/// A word → ids cache owned by one encoder (not shared between threads).
struct BPECache {
    static let maxWordLength = 48
    static let maxEntries = 200_000
    var table = ByteKeyTable(capacity: 4096)
    var spans: [(Int32, Int32)] = []
    var ids: [Int32] = []

    @inline(__always)
    func lookup(_ p: UnsafePointer<UInt8>, _ n: Int) -> ArraySlice<Int32>? {
        guard let e = table.get(p, n) else { return nil }
        let (s, c) = spans[Int(e)]
        return ids[Int(s)..<Int(s + c)]
    }

    mutating func store(_ p: UnsafePointer<UInt8>, _ n: Int, _ value: [Int32]) {
        if spans.count >= BPECache.maxEntries {
            table = ByteKeyTable(capacity: 4096)
            spans.removeAll(keepingCapacity: true)
            ids.removeAll(keepingCapacity: true)
        }
        if table.insert(UnsafeBufferPointer(start: p, count: n), Int32(spans.count)) {
            spans.append((Int32(ids.count), Int32(value.count)))
            ids.append(contentsOf: value)
        }
    }
}

/// Every token's text by id, in one UTF-8 arena.
struct TokenStrings: Sendable {
    var arena: [UInt8] = []
    var starts: [Int32] = []  // -1: no token with this id
    var lengths: [Int32] = []

    /// Number of ids covered.
    var count: Int { starts.count }

    init(count: Int = 0) {
        starts = [Int32](repeating: -1, count: count)
        lengths = [Int32](repeating: 0, count: count)
    }

    /// Sets the text of an id (growing the table as needed).
    mutating func set(_ id: Int, _ bytes: some Collection<UInt8>) {
        if id >= starts.count {
            starts.append(contentsOf: repeatElement(-1, count: id + 1 - starts.count))
            lengths.append(contentsOf: repeatElement(0, count: id + 1 - lengths.count))
        }
        starts[id] = Int32(arena.count)
        lengths[id] = Int32(bytes.count)
        arena.append(contentsOf: bytes)
    }

    /// The token text of an id, or nil.
    func string(_ id: Int) -> String? { bytes(id).map { String(decoding: $0, as: UTF8.self) } }

    /// The UTF-8 bytes of an id's token text.
    func bytes(_ id: Int) -> ArraySlice<UInt8>? {
        guard id >= 0, id < count, starts[id] >= 0 else { return nil }
        return arena[Int(starts[id])..<Int(starts[id] + lengths[id])]
    }
}
