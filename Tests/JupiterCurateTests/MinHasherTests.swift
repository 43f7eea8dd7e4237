import Foundation
import JupiterCore
import Testing

@testable import JupiterCurate

/// The signature kernel (C, one build per instruction-set level, picked at run time) against the
/// definition written out in Swift with a plain `%`.
@Suite struct MinHasherTests {
    /// `((a·h + b) mod 2^64) mod (2^61 − 1)`, minimised over the shingles: datatrove's and
    /// datasketch's universal hashing, no reduction tricks.
    static func reference(_ shingles: [UInt64], _ hasher: MinHasher) -> [UInt64] {
        (0..<hasher.parameters.hashCount).map { k in
            shingles.map { ($0 &* hasher.a[k] &+ hasher.b[k]) % MinHasher.prime }.min() ?? 0
        }
    }

    static func signature(_ shingles: [UInt64], _ hasher: MinHasher, level: Int32) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: hasher.a.count)
        out.withUnsafeMutableBufferPointer { o in
            shingles.withUnsafeBufferPointer { hasher.signature(shingles: $0, into: o, level: level) }
        }
        return Array(out.prefix(hasher.parameters.hashCount))
    }

    @Test(arguments: [MinHashParameters(), MinHashParameters(bands: 9, rows: 13), MinHashParameters(bands: 20, rows: 5, seed: 42)])
    func everyKernelLevelComputesTheDefinition(parameters: MinHashParameters) {
        let hasher = MinHasher(parameters: parameters)
        let p = MinHasher.prime
        // Values around the reduction's edges: 0, p − 1, p, p + 7, 2^61 + k, all ones.
        let edges: [UInt64] = [0, 1, p - 1, p, p + 1, p + 7, 1 << 61, (1 << 62) - 1, UInt64.max - 1, UInt64.max]
        var rng = SeededRandom(seed: 9)
        var sets: [[UInt64]] = [edges, [edges[3]], [UInt64.max]]
        for size in [1, 2, 7, 8, 9, 216, 5_000] {
            sets.append((0..<size).map { _ in rng.next() })
        }
        // Shingles that some permutation maps exactly onto p (a·h + b ≡ p mod 2^64; exact where a is odd).
        sets.append((0..<8).map { k in (p &- hasher.b[k]) &* Self.inverse(hasher.a[k] | 1) })
        #expect(MinHasher.kernelLevel >= 0 && MinHasher.kernelLevel <= 2)
        for shingles in sets {
            let expected = Self.reference(shingles, hasher)
            #expect(expected.allSatisfy { $0 < p })
            for level in 0...MinHasher.kernelLevel {
                #expect(
                    Self.signature(shingles, hasher, level: level) == expected,
                    "level \(level), \(shingles.count) shingles")
            }
            if !shingles.isEmpty { #expect(hasher.signature(shingles: shingles) == expected) }
        }
    }

    @Test func theRunTimeLevelMatchesTheCPU() throws {
        #if arch(x86_64)
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        if flags.contains(" avx512f") && flags.contains(" avx512dq") && flags.contains(" avx512vl") {
            #expect(MinHasher.kernelLevel == 2)
        } else if flags.contains(" avx2") {
            #expect(MinHasher.kernelLevel == 1)
        } else if !flags.isEmpty {
            #expect(MinHasher.kernelLevel == 0)
        }
        #else
        #expect(MinHasher.kernelLevel == 0)
        #endif
    }

    /// The multiplicative inverse of odd `x` modulo 2^64 (Newton's iteration).
    static func inverse(_ x: UInt64) -> UInt64 {
        var y = x
        for _ in 0..<5 { y = y &* (2 &- x &* y) }
        return y
    }
}
