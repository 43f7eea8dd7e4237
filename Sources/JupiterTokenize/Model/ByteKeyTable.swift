/// An open-addressing hash table from byte strings to `Int32`, with all keys in one arena.
///
/// Tokens are compared by their exact bytes (never by `String` equality, so canonically
/// equivalent spellings stay distinct tokens).
struct ByteKeyTable: Sendable {
    struct Entry: Sendable {
        var start: Int32
        var length: Int32
        var value: Int32
        var hash: UInt32
    }
    private(set) var arena: [UInt8] = []
    private var entries: [Entry] = []
    private var slots: [Int32]  // index into entries, or -1
    private var mask: Int
    /// Number of keys.
    var count: Int { entries.count }

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        arena.reserveCapacity(capacity * 6)
        entries.reserveCapacity(capacity)
    }

    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        var i = 0
        while i + 8 <= n {
            let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 29
            i += 8
        }
        if i < n {
            var w: UInt64 = 0
            var shift: UInt64 = 0
            while i < n { w |= UInt64(p[i]) << shift; shift += 8; i += 1 }
            h = (h ^ w) &* 0x94D0_49BB_1331_11EB
        }
        h ^= h >> 31
        h = h &* 0xBF58_476D_1CE4_E5B9
        return h ^ (h >> 32)
    }

    /// Inserts `key → value` unless the key is present; returns false when it was.
    @discardableResult
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, _ value: Int32) -> Bool {
        guard let base = key.baseAddress ?? ByteKeyTable.emptyKey.baseAddress else { return false }
        if entries.count * 2 >= slots.count { grow() }
        let h = ByteKeyTable.hash(base, key.count)
        if find(base, key.count, h) != nil { return false }
        var s = Int(truncatingIfNeeded: h) & mask
        while slots[s] >= 0 { s = (s + 1) & mask }
        slots[s] = Int32(entries.count)
        entries.append(
            Entry(
                start: Int32(arena.count), length: Int32(key.count), value: value,
                hash: UInt32(truncatingIfNeeded: h >> 32)))
        arena.append(contentsOf: key)
        return true
    }

    /// Inserts a key given as an array.
    @discardableResult
    mutating func insert(_ key: [UInt8], _ value: Int32) -> Bool {
        key.withUnsafeBufferPointer { insert($0, value) }
    }

    @inline(__always)
    private func find(_ p: UnsafePointer<UInt8>, _ n: Int, _ h: UInt64) -> Int32? {
        let tag = UInt32(truncatingIfNeeded: h >> 32)
        var s = Int(truncatingIfNeeded: h) & mask
        return slots.withUnsafeBufferPointer { sl in
            entries.withUnsafeBufferPointer { en in
                arena.withUnsafeBufferPointer { ar in
                    while true {
                        let e = Int(sl[s])
                        if e < 0 { return nil }
                        let x = en[e]
                        if x.hash == tag, Int(x.length) == n, let ab = ar.baseAddress ?? (n == 0 ? p : nil),
                            memcmpBytes(ab + Int(x.start), p, n)
                        {
                            return x.value
                        }
                        s = (s + 1) & mask
                    }
                }
            }
        }
    }

    /// The value for a key.
    @inline(__always)
    func get(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32? {
        find(p, n, ByteKeyTable.hash(p, n))
    }

    /// The value for a key given as an array.
    func get(_ key: [UInt8]) -> Int32? {
        key.withUnsafeBufferPointer { b in
            guard let p = b.baseAddress ?? ByteKeyTable.emptyKey.baseAddress else { return nil }
            return get(p, b.count)
        }
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for (e, x) in entries.enumerated() {
            let h = arena.withUnsafeBufferPointer { a -> UInt64 in
                guard let ab = a.baseAddress ?? ByteKeyTable.emptyKey.baseAddress else { return 0 }
                return ByteKeyTable.hash(ab + Int(x.start), Int(x.length))
            }
            var s = Int(truncatingIfNeeded: h) & mask
            while slots[s] >= 0 { s = (s + 1) & mask }
            slots[s] = Int32(e)
        }
    }

    nonisolated(unsafe) static let emptyKey: UnsafeBufferPointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafeBufferPointer(start: p, count: 0)
    }()
}

@inline(__always)
func memcmpBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    while i + 8 <= n {
        if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) {
            return false
        }
        i += 8
    }
    while i < n {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}

/// An open-addressing hash table from a pair of token ids to the merge's rank and result id.
struct MergeTable: Sendable {
    private var keys: [UInt64]
    private var vals: [UInt64]  // rank << 32 | new id
    private var mask: Int
    private(set) var count = 0
    private static let emptyKey = UInt64.max

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: MergeTable.emptyKey, count: size)
        vals = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    @inline(__always) static func slot(_ k: UInt64) -> Int {
        var h = k &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        return Int(truncatingIfNeeded: h)
    }

    /// Adds a merge; a later merge of the same pair replaces the earlier (as `tokenizers` does).
    mutating func insert(_ a: Int32, _ b: Int32, rank: Int32, result: Int32) {
        if count * 2 >= keys.count { grow() }
        let k = UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
        var s = MergeTable.slot(k) & mask
        while keys[s] != MergeTable.emptyKey {
            if keys[s] == k {
                vals[s] = UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(UInt32(bitPattern: result))
                return
            }
            s = (s + 1) & mask
        }
        keys[s] = k
        vals[s] = UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(UInt32(bitPattern: result))
        count += 1
    }

    /// `rank << 32 | result` of the merge of `a` then `b`, or nil.
    @inline(__always)
    func get(_ a: Int32, _ b: Int32) -> UInt64? {
        let k = UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
        return keys.withUnsafeBufferPointer { kb in
            var s = MergeTable.slot(k) & mask
            while true {
                let x = kb[s]
                if x == k { return vals[s] }
                if x == MergeTable.emptyKey { return nil }
                s = (s + 1) & mask
            }
        }
    }

    private mutating func grow() {
        let oldK = keys, oldV = vals
        let size = keys.count * 2
        keys = [UInt64](repeating: MergeTable.emptyKey, count: size)
        vals = [UInt64](repeating: 0, count: size)
        mask = size - 1
        for i in 0..<oldK.count where oldK[i] != MergeTable.emptyKey {
            var s = MergeTable.slot(oldK[i]) & mask
            while keys[s] != MergeTable.emptyKey { s = (s + 1) & mask }
            keys[s] = oldK[i]
            vals[s] = oldV[i]
        }
    }
}
