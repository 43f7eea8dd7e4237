/// Eight bytes at a time (a little-endian word: byte `k` in bits `8k ..< 8k + 8`). Every test is
/// exact: each byte is tested on its own, no carry or borrow crosses into the next byte. Public
/// and inlinable so that other modules' tight loops inline it (a `package` one is called).
public enum ASCIIWord {
    // Constants as inlinable computed values, not stored globals, whose accessors other modules call.
    /// The high bit of every byte.
    @inlinable public static var high: UInt64 { 0x8080_8080_8080_8080 }
    /// The low seven bits of every byte.
    @inlinable public static var low7: UInt64 { 0x7F7F_7F7F_7F7F_7F7F }
    /// One in every byte.
    @inlinable public static var ones: UInt64 { 0x0101_0101_0101_0101 }

    /// The high bit of each byte of `w` equal to `c`.
    @inlinable @inline(__always) public static func bytes(equalTo c: UInt8, in w: UInt64) -> UInt64 {
        let x = w ^ (UInt64(c) &* ones)
        // A byte is zero in `x` exactly when the high bit of `((x & low7) + low7) | x` is clear.
        return ~(((x & low7) &+ low7) | x) & high
    }

    /// The high bit of each byte below 0x20 (a control byte; bytes from 0x80 are not).
    @inlinable @inline(__always) public static func controlBytes(_ w: UInt64) -> UInt64 {
        ~((w & low7) &+ 0x6060_6060_6060_6060) & ~w & high
    }

    /// `w` with ASCII capitals lower-cased, when its eight bytes are ASCII without a control byte; nil otherwise.
    @inlinable @inline(__always) public static func lowercasedPlain(_ w: UInt64) -> UInt64? {
        guard w & high == 0, controlBytes(w) == 0 else { return nil }
        // 0x41 ... 0x5A: at least `A` and below `[`.
        let capitals = (w &+ 0x3F3F_3F3F_3F3F_3F3F) & ~(w &+ 0x2525_2525_2525_2525) & high
        return w | (capitals >> 2)
    }
}
