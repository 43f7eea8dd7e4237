import JupiterCore
import Testing

@testable import JupiterMix

@Suite struct MixSelectionTests {
    func pool(_ name: String, count: Int, seed: UInt64 = 1, onShare: Double = 0, sizes: ClosedRange<Int> = 1...1) -> MixPool {
        var rng = SeededRandom(seed, name)
        var units: [Int] = [], modes: [ConversationReasoning] = []
        for _ in 0..<count {
            units.append(Int.random(in: sizes, using: &rng))
            modes.append(rng.unit() < onShare ? .on : .off)
        }
        return MixPool(name: name, units: units, tokens: units, reasoning: modes)
    }

    @Test func recordWeightsWithoutBudgetUseTheScarcestDatasetWhole() {
        let pools = [pool("a", count: 1000), pool("b", count: 500), pool("c", count: 200)]
        let config = MixConfig(weights: [("a", 5), ("b", 3), ("c", 2)], unit: .records)
        let s = MixSelection.choose(pools, config: config, seed: 7)
        // a could give 2000, b 1666, c 1000 at their weights: c limits the total to 1000.
        #expect(s.targetTotal == 1000)
        #expect(s.picks.map(\.count) == [500, 300, 200])
        for (i, p) in s.picks.enumerated() {
            #expect(Set(p).count == p.count, "no repeats")
            #expect(p.allSatisfy { pools[i].units.indices.contains($0) })
        }
        #expect(s.warnings.isEmpty)
    }

    @Test func tokenWeightsLandWithinOneRecordOfTheirTargets() {
        let pools = [
            pool("replay", count: 3000, sizes: 20...900), pool("welsh", count: 800, sizes: 50...400),
            pool("culture", count: 2000, sizes: 100...300)
        ]
        let config = MixConfig(
            weights: [("replay", 0.4), ("welsh", 0.35), ("culture", 0.25)], unit: .tokens,
            budget: 250_000)
        let s = MixSelection.choose(pools, config: config, seed: 3)
        for (i, p) in s.picks.enumerated() {
            let got = p.reduce(0) { $0 + pools[i].units[$1] }
            let biggest = pools[i].units.max() ?? 0
            #expect(
                abs(Double(got) - s.targets[i]) <= Double(biggest) / 2 + 1,
                "\(pools[i].name): \(got) vs target \(s.targets[i])")
        }
        #expect(s.targets.map { ($0 / 250_000 * 100).rounded() } == [40, 35, 25])
    }

    @Test func budgetBeyondTheDataRepeatsOnlyWhenAllowed() {
        let pools = [pool("small", count: 100), pool("big", count: 10_000)]
        var config = MixConfig(weights: [("small", 1), ("big", 1)], unit: .records, budget: 700, repeatRecords: true)
        let repeated = MixSelection.choose(pools, config: config, seed: 1)
        #expect(repeated.picks.map(\.count) == [350, 350])
        let copies = Dictionary(grouping: repeated.picks[0], by: { $0 }).mapValues(\.count)
        #expect(copies.count == 100 && copies.values.allSatisfy { $0 == 3 || $0 == 4 })
        #expect(Set(repeated.picks[1]).count == 350)
        #expect(repeated.warnings.isEmpty)

        config.repeatRecords = false
        let shrunk = MixSelection.choose(pools, config: config, seed: 1)
        #expect(shrunk.picks.map(\.count) == [100, 100])
        #expect(shrunk.warnings.count == 1)
        #expect(shrunk.warnings.first?.contains("'small'") == true)
        #expect(shrunk.warnings.first?.contains("repeat: true") == true)
    }

    @Test func reasoningShareIsBalancedInsideDatasetsThatHaveBothKinds() {
        let pools = [pool("replay", count: 2000, onShare: 0.8), pool("welsh", count: 2000, onShare: 0)]
        let config = MixConfig(weights: [("replay", 1), ("welsh", 1)], unit: .records, budget: 1000, reasoningOn: 0.5)
        let s = MixSelection.choose(pools, config: config, seed: 9)
        let on = s.picks[0].filter { pools[0].reasoning[$0] == .on }.count
        #expect(s.picks[0].count == 500)
        #expect(on == 250)
        #expect(s.picks[1].count == 500)  // all reasoning-off: taken as it comes
        #expect(s.warnings.isEmpty)

        // Not enough reasoning-off conversations: the dataset keeps its weight, the share moves, a warning says so.
        let scarce = [pool("replay", count: 1000, onShare: 0.95)]
        let t = MixSelection.choose(
            scarce,
            config: MixConfig(
                weights: [("replay", 1)], unit: .records, budget: 600,
                reasoningOn: 0.5), seed: 9)
        #expect(t.picks[0].count == 600)
        #expect(Set(t.picks[0]).count == 600)
        #expect(t.warnings.count == 1)
        #expect(t.warnings.first?.contains("reasoning-off") == true)
    }

    @Test func sameSeedSamePicksOtherSeedOtherPicks() {
        let pools = [pool("a", count: 5000, sizes: 1...100), pool("b", count: 5000, sizes: 1...100)]
        let config = MixConfig(weights: [("a", 0.3), ("b", 0.7)], unit: .tokens)
        let x = MixSelection.choose(pools, config: config, seed: 11)
        let y = MixSelection.choose(pools, config: config, seed: 11)
        let z = MixSelection.choose(pools, config: config, seed: 12)
        #expect(x.picks == y.picks)
        #expect(x.picks != z.picks)
    }

    /// A dataset its stages left empty (a tiny model whose every answer was dropped) is left out
    /// of the mixture with a warning, the other weights renormalised, instead of emptying the
    /// whole mixture; when every dataset is empty the mixture is empty, not a crash.
    @Test func anEmptyDatasetIsLeftOutWithAWarning() {
        let pools = [pool("a", count: 0), pool("b", count: 10)]
        let s = MixSelection.choose(pools, config: MixConfig(weights: [("a", 1), ("b", 1)], unit: .records), seed: 1)
        #expect(s.picks.map(\.count) == [0, 10])
        #expect(s.warnings == ["dataset 'a' has no records: left out of the mixture, the other weights renormalised"])
        let r = MixSelection.choose(
            pools,
            config: MixConfig(
                weights: [("a", 1), ("b", 1)], unit: .records,
                budget: 10, repeatRecords: true), seed: 1)
        #expect(r.picks.map(\.count) == [0, 10])
        let none = MixSelection.choose(
            [pool("a", count: 0), pool("b", count: 0)],
            config: MixConfig(weights: [("a", 1), ("b", 1)], unit: .records), seed: 1)
        #expect(none.picks.map(\.count) == [0, 0])
    }
}
