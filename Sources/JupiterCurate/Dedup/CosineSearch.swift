import JupiterCore

/// For each vector, its most similar earlier vector (in input order) with cosine similarity at
/// or above a threshold: the "near twin" that makes it a semantic duplicate (SemDeDup keeps the
/// first of a group and drops every later point whose best similarity to an earlier one
/// reaches `1 − eps`).
///
/// Vectors are unit length, stored row-major in one `[Float]`. Two searches:
/// - ``exact(_:dimension:threshold:workers:)``: every pair, in 64 × 64 blocks (all cores);
/// - ``lsh(_:dimension:threshold:bands:rows:seed:window:workers:)``: random-hyperplane LSH
///   (SimHash): `bands` keys of `rows` sign bits; vectors sharing a key are candidates, each
///   compared exactly with up to `window` earlier members of its bucket.
public enum CosineSearch {
    /// One vector's near twin: the earlier vector and the cosine, or `twin == -1`.
    public struct NearTwin: Sendable, Hashable {
        /// Index of the most similar earlier vector at or above the threshold, or -1.
        public var twin: Int
        /// Its cosine similarity (0 when none).
        public var cosine: Float
    }

    /// Dot product of two rows.
    @inline(__always)
    static func dot(_ v: UnsafeBufferPointer<Float>, _ i: Int, _ j: Int, _ d: Int) -> Float {
        let a = i * d, b = j * d
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var s4: Float = 0, s5: Float = 0, s6: Float = 0, s7: Float = 0
        var k = 0
        while k + 8 <= d {
            s0 += v[a + k] * v[b + k]; s1 += v[a + k + 1] * v[b + k + 1]
            s2 += v[a + k + 2] * v[b + k + 2]; s3 += v[a + k + 3] * v[b + k + 3]
            s4 += v[a + k + 4] * v[b + k + 4]; s5 += v[a + k + 5] * v[b + k + 5]
            s6 += v[a + k + 6] * v[b + k + 6]; s7 += v[a + k + 7] * v[b + k + 7]
            k += 8
        }
        while k < d { s0 += v[a + k] * v[b + k]; k += 1 }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    }

    /// Exact search over all earlier vectors. `valid[i] == false` vectors are never twins.
    public static func exact(
        _ vectors: [Float], dimension d: Int, valid: [Bool], threshold: Float,
        workers: Int
    ) async throws -> [NearTwin] {
        let n = valid.count
        let block = 64
        let blocks = (n + block - 1) / block
        // Later blocks have more work: start from the end so the tail is balanced.
        let parts = try await OrderedTasks.map(Array((0..<blocks).reversed()), limit: workers) { jb in
            let lo = jb * block, hi = min(n, lo + block)
            var out = [NearTwin](repeating: NearTwin(twin: -1, cosine: 0), count: hi - lo)
            vectors.withUnsafeBufferPointer { v in
                for j in lo..<hi where valid[j] {
                    var best = -1
                    var bestCos: Float = -2
                    for i in 0..<j where valid[i] {
                        let c = dot(v, i, j, d)
                        if c > bestCos { bestCos = c; best = i }
                    }
                    if best >= 0, bestCos >= threshold { out[j - lo] = NearTwin(twin: best, cosine: bestCos) }
                }
            }
            return out
        }
        return parts.reversed().flatMap { $0 }
    }

    /// Random-hyperplane LSH candidates, verified exactly. A pair at angle θ agrees on one sign
    /// bit with probability `1 − θ/π`, so it becomes a candidate with probability
    /// `1 − (1 − (1 − θ/π)^rows)^bands` (≈ 0.99 at cosine 0.93 with 20 × 12).
    public static func lsh(
        _ vectors: [Float], dimension d: Int, valid: [Bool], threshold: Float, bands: Int,
        rows: Int, seed: UInt64, window: Int, workers: Int
    ) async throws -> [NearTwin] {
        let n = valid.count
        let planes = hyperplanes(count: bands * rows, dimension: d, seed: seed)
        // Band keys, document-major, computed in parallel chunks.
        let chunks = OrderedTasks.ranges(n, parts: max(1, workers) * 4, minimum: 256)
        let keys = try await OrderedTasks.map(chunks, limit: max(1, workers)) { range in
            var out = [UInt64](repeating: 0, count: range.count * bands)
            vectors.withUnsafeBufferPointer { v in
                planes.withUnsafeBufferPointer { p in
                    for doc in range {
                        for band in 0..<bands {
                            var key: UInt64 = 0
                            for r in 0..<rows {
                                let plane = band * rows + r
                                var s: Float = 0
                                for k in 0..<d { s += v[doc * d + k] * p[plane * d + k] }
                                key = key << 1 | (s >= 0 ? 1 : 0)
                            }
                            out[(doc - range.lowerBound) * bands + band] = key
                        }
                    }
                }
            }
            return out
        }.flatMap { $0 }
        var best = [NearTwin](repeating: NearTwin(twin: -1, cosine: 0), count: n)
        var scratch: [KeyDoc] = []
        scratch.reserveCapacity(n)
        vectors.withUnsafeBufferPointer { v in
            for band in 0..<bands {
                scratch.removeAll(keepingCapacity: true)
                for doc in 0..<n where valid[doc] { scratch.append(KeyDoc(key: keys[doc * bands + band], doc: UInt32(doc))) }
                scratch.sort()
                var s = 0
                while s < scratch.count {
                    var e = s + 1
                    while e < scratch.count, scratch[e].key == scratch[s].key { e += 1 }
                    for x in (s + 1)..<max(s + 1, e) {
                        let j = Int(scratch[x].doc)
                        for y in max(s, x - window)..<x {
                            let i = Int(scratch[y].doc)
                            let c = dot(v, i, j, d)
                            if c >= threshold, c > best[j].cosine || (c == best[j].cosine && i < best[j].twin) {
                                best[j] = NearTwin(twin: i, cosine: c)
                            }
                        }
                    }
                    s = e
                }
            }
        }
        return best
    }

    /// Gaussian hyperplanes (Box–Muller over SplitMix64), row-major.
    static func hyperplanes(count: Int, dimension d: Int, seed: UInt64) -> [Float] {
        var rng = SeededRandomSource(seed: seed ^ 0x5EED_C051_0000_0000)
        var out: [Float] = []
        out.reserveCapacity(count * d)
        while out.count < count * d {
            let u1 = (Double(rng.next() >> 11) + 1) * 0x1.0p-53
            let u2 = Double(rng.next() >> 11) * 0x1.0p-53
            let r = (-2 * log(u1)).squareRoot()
            out.append(Float(r * cos(2 * Double.pi * u2)))
            out.append(Float(r * sin(2 * Double.pi * u2)))
        }
        return Array(out.prefix(count * d))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
