import JupiterCore
import Testing

/// Statistics behind `jupiter inspect`, checked against counts worked out by hand from fixtures.
@Suite struct DatasetStatsTests {
    @Test func distributionUsesNearestRank() {
        let d = Distribution((1...20).map(Double.init).shuffled())
        #expect(d.count == 20)
        #expect(d.min == 1 && d.max == 20)
        #expect(d.median == 10 && d.p95 == 19)
        #expect(d.mean == 10.5)
        #expect(Distribution([]).count == 0)
    }

    @Test func conversationFixture() async throws {
        let path = TestSupport.fixture("openai-messages/input.jsonl")
        let s = try await DatasetStats.collect(.openaiMessages, paths: [path])
        #expect(s.records == 4 && s.quarantined == 0)
        #expect(s.roleCounts == [.system: 1, .user: 6, .assistant: 7, .tool: 1])
        #expect(s.turns.min == 2 && s.turns.max == 5 && s.turns.mean == 3.75)
        #expect(s.assistantTurns == 7 && s.reasoningOn == 2)
        #expect(s.toolCalls == 1 && s.withTools == 1)
        #expect(s.contentLength.count == 15)
        // "Croeso! 😊" is 9 scalars; the tool-calling turn has empty content.
        #expect(s.contentLength.min == 0)
        #expect(s.bytes == FileSystem.size(path))
        let parallel = try await DatasetStats.collect(.openaiMessages, paths: [path], parallelism: 2)
        #expect(parallel.json == s.json)
    }

    @Test func pairsAndQuarantineSamples() async throws {
        let dir = try TempDir()
        let path = dir.file("p.tsv")
        try TestSupport.write("abcd\tabcdefgh\nbroken\nŵŷ\tŵ\n", to: path)
        let s = try await DatasetStats.collect(.parallelTSV, paths: [path], options: FormatOptions(languages: ["en", "cy"]))
        #expect(s.records == 2 && s.quarantined == 1)
        #expect(s.quarantineSamples.map(\.line) == [2])
        #expect(s.directions == ["en→cy": 2])
        #expect(s.sourceLength.max == 4 && s.sourceLength.min == 2)
        #expect(s.lengthRatio.min == 0.5 && s.lengthRatio.max == 2)
        let text = s.table
        #expect(text.contains("languages     en→cy 2"))
        #expect(text.contains("\(path):2: expected 2 tab-separated columns, found 1"))
    }

    @Test func evalAndNormFixtures() async throws {
        let evals = try await DatasetStats.collect(.openaiEvals, paths: [TestSupport.fixture("openai-evals/input.jsonl")])
        #expect(evals.records == 3)
        #expect(evals.idealsPerItem.max == 2)
        #expect(evals.roleCounts[.system] == 1 && evals.roleCounts[.user] == 3)
        let norms = try await DatasetStats.collect(.culturebank, paths: [TestSupport.fixture("culturebank/input.csv")])
        #expect(norms.culturalGroups == ["Welsh": 1, "Welsh speakers": 1, "British": 1])
        #expect(norms.json["topics"]?["Sports"] == .int(1))
    }
}
