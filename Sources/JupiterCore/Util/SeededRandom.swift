/// A small, fast, deterministic random number generator (SplitMix64). Same seed, same sequence,
/// on every platform: what every seeded choice in Jupiter uses.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator from a seed.
    public init(seed: UInt64) { state = seed }

    /// A generator for one item of a seeded process, e.g. `SeededRandom(seed, "parallel-to-chat", id)`.
    public init(_ seed: UInt64, _ parts: String...) {
        var h = StableHash.fnv1a64(seed: seed, parts)
        if h == 0 { h = 0x9E37_79B9_7F4A_7C15 }
        state = h
    }

    /// Next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}

/// Stable (process-independent) hashes. Swift's `Hasher` is randomly seeded per process, so
/// anything that must be reproducible uses these instead.
public enum StableHash {
    /// FNV-1a 64 over the UTF-8 of each part (parts separated by a 0xFF byte), mixed with a seed.
    public static func fnv1a64(seed: UInt64 = 0, _ parts: [String]) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ (seed &* 0x9E37_79B9_7F4A_7C15)
        for (i, part) in parts.enumerated() {
            if i > 0 { h ^= 0xFF; h &*= 0x0000_0100_0000_01B3 }
            for b in part.utf8 { h ^= UInt64(b); h &*= 0x0000_0100_0000_01B3 }
        }
        return h
    }

    /// FNV-1a 64 over raw bytes.
    public static func fnv1a64(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ (seed &* 0x9E37_79B9_7F4A_7C15)
        for b in bytes { h ^= UInt64(b); h &*= 0x0000_0100_0000_01B3 }
        return h
    }
}
