import Foundation
import JupiterCore
import JupiterTesting
import Testing

@testable import JupiterEval

@Suite struct StatisticsTests {
    @Test("exact McNemar p-values equal scipy.stats.binomtest on discordant counts")
    func mcNemarParity() throws {
        try #require(Peers.has("scipy"), "scipy is the reference; scripts/test installs it")
        let pairs: [(Int, Int)] = [
            (0, 1), (1, 1), (0, 5), (2, 8), (5, 5), (3, 12), (10, 25), (40, 60), (100, 130), (0, 30), (7, 7), (250, 300), (1, 2)
        ]
        let ref = try EvalPeer.call("binomtest", .object(["pairs": .array(pairs.map { .array([.int($0.0), .int($0.0 + $0.1)]) })]))
        for (i, (a, b)) in pairs.enumerated() {
            let ours = PairedComparison.mcNemarExact(onlyA: a, onlyB: b)
            let theirs = try #require(ref[i]?.doubleValue)
            #expect(abs(ours - theirs) <= 1e-9 * max(theirs, 1e-300) + 1e-15, "(\(a), \(b)): \(ours) vs scipy \(theirs)")
            // Symmetric in the two models.
            #expect(abs(PairedComparison.mcNemarExact(onlyA: b, onlyB: a) - ours) < 1e-15)
        }
        #expect(PairedComparison.mcNemarExact(onlyA: 0, onlyB: 0) == 1)
    }

    @Test("paired bootstrap: deterministic per seed, centred on the true difference, 95% coverage on synthetic data")
    func bootstrap() throws {
        var rng = SeededRandom(seed: 99)
        func sample(_ n: Int, _ pa: Double, _ pb: Double) -> ([Double], [Double]) {
            var a: [Double] = [], b: [Double] = []
            for _ in 0..<n { a.append(rng.unit() < pa ? 1 : 0); b.append(rng.unit() < pb ? 1 : 0) }
            return (a, b)
        }
        let (a, b) = sample(400, 0.6, 0.7)
        let i1 = try PairedComparison.bootstrap(a: a, b: b, resamples: 10_000, seed: 3)
        let i2 = try PairedComparison.bootstrap(a: a, b: b, resamples: 10_000, seed: 3)
        #expect(i1 == i2)
        #expect(i1.lower < i1.difference && i1.difference < i1.upper)
        #expect(PairedComparison.isGain(i1))
        // Coverage: the true difference (0.1) lies inside about 95% of intervals.
        var covered = 0
        let trials = 60
        for t in 0..<trials {
            let (x, y) = sample(200, 0.5, 0.6)
            let iv = try PairedComparison.bootstrap(a: x, b: y, resamples: 2_000, seed: UInt64(t))
            if iv.lower <= 0.1 && 0.1 <= iv.upper { covered += 1 }
        }
        #expect(covered >= 51, "coverage \(covered)/\(trials)")
        // Retention: equal models are non-inferior with a 1-point margin on percentages.
        let same = a.map { $0 * 100 }
        let iv = try PairedComparison.bootstrap(a: same, b: same, seed: 1)
        #expect(iv.lower == 0 && iv.upper == 0 && PairedComparison.isRetained(iv) && !PairedComparison.isGain(iv))
        #expect(throws: EvalError.self) { try PairedComparison.bootstrap(a: [1], b: [], seed: 0) }
    }
}
