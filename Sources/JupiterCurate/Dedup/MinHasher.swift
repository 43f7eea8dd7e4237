import CMinHash

/// MinHash settings. The defaults are datatrove's `MinhashConfig` (datatrove 0.10,
/// `datatrove/pipeline/dedup/minhash.py`): `n_grams=5`, `num_buckets=14`, `hashes_per_bucket=8`,
/// `seed=1`, 64-bit hashes. With 14 bands of 8 rows a pair with Jaccard similarity `s` becomes a
/// candidate with probability `1 - (1 - s^8)^14`: 0.50 at s ≈ 0.72 (the LSH threshold
/// `(1/14)^(1/8)`), 0.92 at s = 0.8, 0.995 at s = 0.9, 0.08 at s = 0.5.
public struct MinHashParameters: Sendable, Hashable {
    /// Words per shingle (datatrove `n_grams`).
    public var ngramSize: Int
    /// LSH bands (datatrove `num_buckets`).
    public var bands: Int
    /// MinHash values per band (datatrove `hashes_per_bucket`).
    public var rows: Int
    /// Seed of the permutation parameters (datatrove `seed`).
    public var seed: UInt64

    /// Creates parameters (defaults: datatrove's).
    public init(ngramSize: Int = 5, bands: Int = 14, rows: Int = 8, seed: UInt64 = 1) {
        self.ngramSize = max(1, ngramSize)
        self.bands = max(1, bands)
        self.rows = max(1, rows)
        self.seed = seed
    }

    /// Total MinHash values per document (`bands × rows`).
    public var hashCount: Int { bands * rows }

    /// Probability that a pair with Jaccard similarity `s` shares at least one band.
    public func candidateProbability(jaccard s: Double) -> Double {
        1 - pow(1 - pow(s, Double(rows)), Double(bands))
    }

    private func pow(_ x: Double, _ n: Double) -> Double {
        var r = 1.0
        var k = Int(n)
        var b = x
        while k > 0 { if k & 1 == 1 { r *= b }; b *= b; k >>= 1 }
        return r
    }
}

/// Computes MinHash signatures of word n-gram shingles.
///
/// - Shingles: the words of ``WordHasher`` (datatrove's normalisation), every run of
///   `ngramSize` consecutive words hashed to 64 bits (an order-sensitive combination of the word
///   hashes; datatrove hashes the space-joined n-gram string with xxhash64 instead). A document
///   with fewer words than `ngramSize` has no shingles, as in datatrove.
/// - Permutations: `h ↦ ((a·h + b) mod 2^64) mod (2^61 − 1)` with `a ∈ [1, p)`, `b ∈ [0, p)`
///   drawn from ``SeededRandom`` with the seed: the universal hashing datatrove and datasketch
///   use (numpy's wrapping `uint64` arithmetic included). The minimum of each permutation over a
///   document's shingles is one signature value (61 bits).
public struct MinHasher: Sendable {
    /// The settings.
    public let parameters: MinHashParameters
    let a: [UInt64]
    let b: [UInt64]
    static let prime: UInt64 = (1 << 61) - 1
    private let words = WordHasher()

    /// Creates a hasher with permutations drawn from `parameters.seed`.
    public init(parameters: MinHashParameters = MinHashParameters()) {
        self.parameters = parameters
        var rng = SeededRandomSource(seed: parameters.seed)
        var a: [UInt64] = [], b: [UInt64] = []
        // Padded to a multiple of 8 so the signature loop works on full SIMD lanes.
        let padded = (parameters.hashCount + 7) / 8 * 8
        for _ in 0..<padded {
            a.append(1 + rng.next() % (Self.prime - 1))
            b.append(rng.next() % Self.prime)
        }
        self.a = a
        self.b = b
    }

    /// The shingle hashes of `text` (one per word n-gram, in order, repeats included).
    public func shingles(_ text: String) -> [UInt64] {
        var wordBuffer: [UInt64] = []
        var out: [UInt64] = []
        shingles(text, words: &wordBuffer, into: &out)
        return out
    }

    /// Fills `out` with the shingle hashes of `text`, reusing `words` as scratch space.
    public func shingles(_ text: String, words wordBuffer: inout [UInt64], into out: inout [UInt64]) {
        wordBuffer.removeAll(keepingCapacity: true)
        out.removeAll(keepingCapacity: true)
        words.hashWords(text, into: &wordBuffer)
        Self.combine(wordBuffer, n: parameters.ngramSize, into: &out)
    }

    /// Hashes every run of `n` consecutive word hashes into one 64-bit value.
    static func combine(_ words: [UInt64], n: Int, into out: inout [UInt64]) {
        guard words.count >= n else { return }
        out.reserveCapacity(words.count - n + 1)
        words.withUnsafeBufferPointer { w in
            for start in 0...(w.count - n) {
                var h: UInt64 = 0x243F_6A88_85A3_08D3 &+ UInt64(n)
                for k in 0..<n {
                    h = (h ^ w[start + k]) &* 0x9E37_79B9_7F4A_7C15
                    h ^= h >> 29
                }
                out.append(WordHasher.finalize(h))
            }
        }
    }

    /// The MinHash signature of a shingle list (`hashCount` values), or `nil` when there are no
    /// shingles.
    public func signature(shingles: [UInt64]) -> [UInt64]? {
        guard !shingles.isEmpty else { return nil }
        var sig = [UInt64](repeating: 0, count: a.count)
        sig.withUnsafeMutableBufferPointer { s in
            shingles.withUnsafeBufferPointer { sh in signature(shingles: sh, into: s) }
        }
        return Array(sig.prefix(parameters.hashCount))
    }

    /// The MinHash signature of `text`, or `nil` when it has fewer words than `ngramSize`.
    public func signature(of text: String) -> [UInt64]? {
        signature(shingles: shingles(text))
    }

    /// Writes the signature of non-empty `shingles` into `out` (at least `a.count` values; the
    /// padding lanes past `hashCount` are scratch).
    ///
    /// The loop is the C kernel of `CMinHash` at the best instruction-set level of this CPU
    /// (AVX-512, AVX2 or portable); every level computes the permutations defined above exactly.
    func signature(shingles: UnsafeBufferPointer<UInt64>, into out: UnsafeMutableBufferPointer<UInt64>) {
        signature(shingles: shingles, into: out, level: Self.kernelLevel)
    }

    /// ``signature(shingles:into:)`` at a given kernel level (tests compare the levels).
    func signature(
        shingles: UnsafeBufferPointer<UInt64>, into out: UnsafeMutableBufferPointer<UInt64>,
        level: Int32
    ) {
        guard let sh = shingles.baseAddress, let o = out.baseAddress, !shingles.isEmpty else { return }
        precondition(out.count >= a.count, "signature buffer shorter than the padded permutation count")
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                guard let ap = a.baseAddress, let bp = b.baseAddress else { return }
                jupiter_minhash_signature(level, sh, shingles.count, ap, bp, a.count, o)
            }
        }
    }

    /// The kernel level this CPU runs: 2 = AVX-512, 1 = AVX2, 0 = portable.
    public static let kernelLevel = jupiter_minhash_best_level()

    /// One 64-bit key per band: a hash of the band's `rows` signature values. Two documents share
    /// a band exactly when the keys are equal (a false key collision has probability 2^-64).
    public func bandKeys(_ signature: [UInt64]) -> [UInt64] {
        var keys = [UInt64](repeating: 0, count: parameters.bands)
        signature.withUnsafeBufferPointer { s in
            keys.withUnsafeMutableBufferPointer { k in bandKeys(s, into: k) }
        }
        return keys
    }

    @inline(__always)
    func bandKeys(_ s: UnsafeBufferPointer<UInt64>, into k: UnsafeMutableBufferPointer<UInt64>) {
        let rows = parameters.rows
        for band in 0..<parameters.bands {
            var h: UInt64 = 0x1319_8A2E_0370_7344
            for r in 0..<rows {
                h = (h ^ s[band * rows + r]) &* 0x9E37_79B9_7F4A_7C15
                h ^= h >> 31
            }
            k[band] = WordHasher.finalize(h)
        }
    }
}

/// SplitMix64 (the same generator as ``SeededRandom``), local so that signatures never depend on
/// another module's implementation details.
struct SeededRandomSource {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return WordHasher.finalize(state)
    }
}
