import CXXHash

/// XXH3's 128- and 64-bit hashes (xxHash 0.8, seed 0, through the system's libxxhash): a non-cryptographic
/// hash whose output is fixed by its specification (stable across versions and machines since
/// 0.8.0), so keys written by one task or run are read by another. Used where SHA-256's
/// resistance to crafted collisions is not needed and its per-message cost is (exact-dedup keys:
/// on the 125-byte texts of the 1M-pair bench, SHA-256 cost about 470 ns per text, XXH3-128 a few
/// tens).
package enum XXH3 {
    /// The hash of `bytes` as its low and high 64 bits (`XXH128_hash_t`'s `low64` and `high64`;
    /// the canonical hex form is `high` then `low`).
    @inline(__always)
    package static func hash128(_ bytes: UnsafeBufferPointer<UInt8>) -> (low: UInt64, high: UInt64) {
        let h = XXH3_128bits(bytes.baseAddress, bytes.count)
        return (h.low64, h.high64)
    }

    /// ``hash128(_:)`` of an array's bytes.
    package static func hash128(_ bytes: [UInt8]) -> (low: UInt64, high: UInt64) {
        bytes.withUnsafeBufferPointer { hash128($0) }
    }

    /// XXH3's 64-bit hash of `bytes` (a run's work file checked by its hash before it is read
    /// by reference: a few tens of milliseconds for 400 MB).
    package static func hash64(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBufferPointer { XXH3_64bits($0.baseAddress, $0.count) }
    }
}
