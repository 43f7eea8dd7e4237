import Foundation
import JupiterCore
import JupiterTesting
import JupiterTokenize
import Testing

@testable import JupiterMix

/// Real-shaped inputs: conversations built from the shared Welsh evaluation data (translation
/// requests, multiple-choice questions), some with reasoning traces.
enum MixFixtures {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static func shared(_ name: String) -> String { repoRoot + "/../shared/data/llm-evals-cy/" + name }

    /// Conversations from an openai-evals file: its input messages and the first ideal answer;
    /// every `reasoningEvery`-th one gets a reasoning trace (0: none).
    static func conversations(_ file: String, prefix: String, reasoningEvery: Int = 0, limit: Int = .max) throws
        -> [Record]
    {
        let reader = try LineReader(path: shared(file))
        var out: [Record] = []
        while let line = try reader.next(), out.count < limit {
            guard !line.bytes.isEmpty else { continue }
            let v = try JSONParser.parse(line.bytes)
            guard let input = v["input"]?.arrayValue else { continue }
            let answer = v["ideal"]?.stringValue ?? v["ideal"]?.arrayValue?.first?.stringValue ?? ""
            var messages: [Message] = input.compactMap { m in
                guard let role = m["role"]?.stringValue.flatMap(Role.init(rawValue:)),
                    let content = m["content"]?.stringValue
                else { return nil }
                return Message(role: role, content: content)
            }
            let n = out.count
            let reasoning =
                reasoningEvery > 0 && n % reasoningEvery == 0
                ? "The question is in Welsh; I read it, weigh the options and answer with \(answer.prefix(20))." : nil
            messages.append(Message(role: .assistant, content: answer, reasoning: reasoning))
            out.append(
                .conversation(
                    Conversation(
                        id: "\(prefix)-\(n)", messages: messages,
                        lineage: Lineage(origins: [Origin(file: file, line: n + 1)]))))
        }
        return out
    }

    static func write(_ records: [Record], to path: String) throws {
        let w = try RecordWriters.open(.openaiMessages, paths: [path], includeLineage: true)
        for r in records { try w.write(r) }
        try w.commit()
    }

    static func temporaryDirectory() throws -> String {
        try ScratchDirectory.make("mix")
    }

    /// Three datasets in a fresh folder: translation (no reasoning), MCQ (every 3rd with reasoning),
    /// grammar (every 2nd with reasoning).
    static func inputs() throws -> (dir: String, inputs: [MixInput]) {
        let dir = try temporaryDirectory()
        let sets: [(String, [Record])] = [
            ("translation", try conversations("welsh-legislation-translation.jsonl", prefix: "tr", limit: 1500)),
            ("mcq", try conversations("welsh-mmlu-lite.jsonl", prefix: "mcq", reasoningEvery: 3)),
            ("grammar", try conversations("welsh-grammar.jsonl", prefix: "gr", reasoningEvery: 2))
        ]
        var inputs: [MixInput] = []
        for (name, records) in sets {
            let path = dir + "/\(name).jsonl.gz"
            try write(records, to: path)
            inputs.append(MixInput(name: name, path: path))
        }
        return (dir, inputs)
    }

    static func lines(_ path: String) throws -> [JSONValue] {
        let r = try LineReader(path: path, maxLineBytes: 1 << 30)
        var out: [JSONValue] = []
        while let l = try r.next() { if !l.bytes.isEmpty { out.append(try JSONParser.parse(l.bytes)) } }
        return out
    }

    static let context = DatasetCardContext(
        title: "test", generator: "Jupiter test", recipeFile: "recipe.yaml",
        recipeSHA256: String(repeating: "ab", count: 32), seed: 5)
}

@Suite struct MixerTests {
    let config = MixConfig(
        weights: [("translation", 0.5), ("mcq", 0.3), ("grammar", 0.2)], unit: .tokens,
        reasoningOn: 0.5, shards: 3)

    @Test func shardsHoldExactlyTheChosenRecordsInTheReportedShares() async throws {
        let (dir, inputs) = try MixFixtures.inputs()
        let mixer = Mixer(config: config, measure: MixMeasure(), seed: 5, workers: 2)
        let report = try await mixer.run(
            inputs, outputDirectory: dir + "/mixture", workDirectory: dir + "/work",
            card: MixFixtures.context)
        #expect(report.shards.map(\.name) == ["part-00000.jsonl.gz", "part-00001.jsonl.gz", "part-00002.jsonl.gz"])
        var rows: [JSONValue] = []
        for s in report.shards {
            let shardRows = try MixFixtures.lines(dir + "/mixture/" + s.name)
            #expect(shardRows.count == s.records)
            #expect(try SHA256.hex(ofFile: dir + "/mixture/" + s.name) == s.sha256)
            rows += shardRows
        }
        #expect(rows.count == report.records)
        // Every row is a real input record, unchanged apart from the envelope.
        var byID: [String: JSONValue] = [:]
        for input in inputs { for v in try MixFixtures.lines(input.path) { byID[v["id"]?.stringValue ?? ""] = v } }
        var perDataset: [String: Int] = [:]
        var tokens: [String: Int] = [:]
        for row in rows {
            let id = try #require(row["id"]?.stringValue)
            let original = try #require(byID[id], "\(id) is not an input record")
            #expect(row["messages"] == original["messages"])
            #expect(row["lineage"] == nil && row["metadata"] == nil)
            let dataset = try #require(row["dataset"]?.stringValue)
            perDataset[dataset, default: 0] += 1
            let record = try NativeCodec.decodeAnyKind(original, fallbackID: id, origin: Origin(file: "", line: 0))
            tokens[dataset, default: 0] += RecordTokenCounter.estimate(record)
        }
        for d in report.datasets {
            #expect(perDataset[d.name] == d.records)
            #expect(tokens[d.name] == d.tokens)
        }
        // Shares: within one record of each target; no repeats without a budget.
        let total = Double(report.units)
        for (d, w) in zip(report.datasets, config.normalisedWeights) {
            #expect(abs(Double(d.units) / total - w) < 0.01, "\(d.name): \(Double(d.units) / total) vs \(w)")
            #expect(d.uniqueRecords == d.records)
        }
        // Reasoning: balanced inside datasets with both kinds where they hold enough of each; a
        // dataset used (nearly) whole keeps its weight and a warning names the shortfall.
        for d in report.datasets where d.name != "translation" {
            let share = Double(d.reasoningOn) / Double(d.reasoningOn + d.reasoningOff)
            let warned = report.warnings.contains { $0.contains("'\(d.name)': reasoning-on share") }
            #expect(abs(share - 0.5) < 0.05 || warned, "\(d.name): reasoning-on share \(share), no warning")
            #expect(abs(share - 0.5) >= 0.05 || !warned)
        }
        #expect(report.datasets[0].reasoningOn == 0)
        // The work folder is gone; the card is there.
        #expect(!FileSystem.exists(dir + "/work"))
        let card = try String(contentsOfFile: dir + "/mixture/README.md", encoding: .utf8)
        #expect(card.hasPrefix("---\n"))
        #expect(card.contains("path: \"part-*.jsonl.gz\""))
        #expect(card.contains("| translation | 50% |"))
        #expect(card.contains("estimated as one token per 4 UTF-8 bytes"))
        for s in report.shards { #expect(card.contains(s.sha256)) }
    }

    @Test func byteIdenticalWhateverTheWorkersAndChunksAndADifferentSeedReorders() async throws {
        let (dir, inputs) = try MixFixtures.inputs()
        func mix(workers: Int, chunk: Int, seed: UInt64, into name: String) async throws -> [Data] {
            var m = Mixer(config: config, measure: MixMeasure(), seed: seed, workers: workers)
            m.chunkSize = chunk
            let r = try await m.run(
                inputs, outputDirectory: dir + "/" + name, workDirectory: dir + "/work-" + name,
                card: MixFixtures.context)
            return try (r.shards.map(\.name) + ["README.md"]).map {
                try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name + "/" + $0))
            }
        }
        let a = try await mix(workers: 1, chunk: 1024, seed: 5, into: "a")
        let b = try await mix(workers: 4, chunk: 37, seed: 5, into: "b")
        #expect(a == b)
        let c = try await mix(workers: 2, chunk: 100, seed: 6, into: "c")
        #expect(a != c)
    }

    @Test func tokensAreCountedWithTheTokenizerAndChatTemplateAndTheCardSaysSo() async throws {
        let (dir, inputs) = try MixFixtures.inputs()
        let fixtures = MixFixtures.repoRoot + "/Tests/Fixtures/Tokenize"
        let tokenizer = try Tokenizer(contentsOf: fixtures + "/tokenizers/qwen2.json")
        let template = try ChatTemplate(
            source: try String(
                contentsOfFile: fixtures + "/templates/chatml.jinja",
                encoding: .utf8))
        let measure = MixMeasure(
            tokenizer: tokenizer, tokenizerSource: ("tokenizers/qwen2.json", "feedface"),
            template: template, templateSource: ("templates/chatml.jinja", "c0ffee"))
        var config = self.config
        config.budget = 20_000
        config.format = .text
        let report = try await Mixer(config: config, measure: measure, seed: 5, workers: 2)
            .run(inputs, outputDirectory: dir + "/mixture", workDirectory: dir + "/work", card: MixFixtures.context)
        // Token totals equal TokenCounter over the chosen conversations rendered with the template.
        var counter = TokenCounter(tokenizer: tokenizer, template: template)
        var byID: [String: Record] = [:]
        for input in inputs {
            for v in try MixFixtures.lines(input.path) {
                let r = try NativeCodec.decodeAnyKind(v, fallbackID: "", origin: Origin(file: "", line: 0))
                byID[r.id] = r
            }
        }
        var tokens = 0
        var rows = 0
        for s in report.shards {
            for row in try MixFixtures.lines(dir + "/mixture/" + s.name) {
                rows += 1
                let record = try #require(byID[row["id"]?.stringValue ?? ""])
                tokens += try counter.count(record).total
                // `text` shards: the rendering, and spans that cover each assistant answer.
                guard case .conversation(let c) = record else { Issue.record("not a conversation"); continue }
                let text = try #require(row["text"]?.stringValue)
                #expect(text == (try template.render(c)).text)
                let scalars = Array(text.unicodeScalars)
                let spans = try #require(row["assistant_spans"]?.arrayValue)
                #expect(spans.count == 1)
                if let lo = spans.first?[0]?.intValue, let hi = spans.first?[1]?.intValue {
                    let span = String(String.UnicodeScalarView(scalars[lo..<hi]))
                    #expect(span.contains(c.messages.last?.content ?? "\u{0}"))
                }
            }
        }
        #expect(rows == report.records)
        #expect(tokens == report.tokens)
        #expect(abs(report.units - 20_000) < 600)  // one record at most either side of each dataset's target
        let card = try String(contentsOfFile: dir + "/mixture/README.md", encoding: .utf8)
        #expect(card.contains("counted with the tokenizer `tokenizers/qwen2.json`"))
        #expect(card.contains("chat template of `templates/chatml.jinja`"))
        #expect(report.json["tokens"]?["method"] == .string("tokenizer+chat-template"))
    }

    @Test func shareGPTShardsAndRepeatsWithABudget() async throws {
        let (dir, inputs) = try MixFixtures.inputs()
        let config = MixConfig(
            weights: [("translation", 1), ("grammar", 1)], unit: .records, budget: 4000,
            repeatRecords: true, shards: 2, format: .sharegpt)
        let report = try await Mixer(config: config, measure: MixMeasure(), seed: 1, workers: 2)
            .run([inputs[0], inputs[2]], outputDirectory: dir + "/m", workDirectory: dir + "/w", card: MixFixtures.context)
        #expect(report.records == 4000)
        #expect(report.datasets.map(\.records) == [2000, 2000])
        let grammar = report.datasets[1]
        #expect(grammar.uniqueRecords == grammar.availableRecords)  // every record used, some several times
        var reasoningInline = 0
        for s in report.shards {
            for row in try MixFixtures.lines(dir + "/m/" + s.name) {
                let turns = try #require(row["conversations"]?.arrayValue)
                #expect(turns.last?["from"] == .string("gpt"))
                if turns.last?["value"]?.stringValue?.hasPrefix("<think>") == true { reasoningInline += 1 }
            }
        }
        #expect(reasoningInline == grammar.reasoningOn)
        #expect(FileManager.default.fileExists(atPath: dir + "/m/README.md"))
    }

    @Test func fewerShardsRemoveTheOldOnesAndACorruptInputNamesFileAndLine() async throws {
        let (dir, inputs) = try MixFixtures.inputs()
        var config = self.config
        config.shards = 4
        _ = try await Mixer(config: config, measure: MixMeasure(), seed: 5)
            .run(inputs, outputDirectory: dir + "/m", workDirectory: dir + "/w", card: MixFixtures.context)
        config.shards = 2
        _ = try await Mixer(config: config, measure: MixMeasure(), seed: 5)
            .run(inputs, outputDirectory: dir + "/m", workDirectory: dir + "/w", card: MixFixtures.context)
        #expect(FileSystem.list(dir + "/m") == ["README.md", "part-00000.jsonl.gz", "part-00001.jsonl.gz"])

        let bad = dir + "/bad.jsonl"
        try Data("{\"id\":\"a\",\"messages\":[]}\n{\"id\": broken\n".utf8).write(to: URL(fileURLWithPath: bad))
        await #expect {
            _ = try await Mixer(config: MixConfig(weights: [("bad", 1)], unit: .records), measure: MixMeasure(), seed: 1)
                .run(
                    [MixInput(name: "bad", path: bad)], outputDirectory: dir + "/x", workDirectory: dir + "/wx",
                    card: MixFixtures.context)
        } throws: { error in
            "\(error)".contains("bad.jsonl:2")
        }
    }
}

extension MixerTests {
    @Test func reasoningShareIsMetWhenTheBudgetLeavesRoom() async throws {
        let (dir, inputs) = try MixFixtures.inputs()
        var config = self.config
        config.budget = 40_000
        let report = try await Mixer(config: config, measure: MixMeasure(), seed: 5, workers: 2)
            .run(inputs, outputDirectory: dir + "/m", workDirectory: dir + "/w", card: MixFixtures.context)
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        for d in report.datasets where d.name != "translation" {
            let share = Double(d.reasoningOn) / Double(d.reasoningOn + d.reasoningOff)
            #expect(abs(share - 0.5) < 0.05, "\(d.name): reasoning-on share \(share)")
        }
    }
}

extension MixerTests {
    @Test func excludedRecordsAreNeverDrawnAndAreReported() async throws {
        let (dir, inputs) = try MixFixtures.inputs()
        var mixer = Mixer(
            config: MixConfig(
                weights: [("mcq", 1), ("grammar", 1)], unit: .records, budget: 800,
                repeatRecords: true), measure: MixMeasure(), seed: 3, workers: 2)
        // Every 5th MCQ item "overlaps an eval set".
        mixer.exclude = { record in
            guard record.id.hasPrefix("mcq-"), let n = Int(record.id.dropFirst(4)), n % 5 == 0 else { return nil }
            return "overlaps eval item x#\(n)"
        }
        mixer.exclusionCheck = "Conversations overlapping x were never drawn."
        let report = try await mixer.run(
            [inputs[1], inputs[2]], outputDirectory: dir + "/m", workDirectory: dir + "/w",
            card: MixFixtures.context)
        let mcq = try MixFixtures.lines(inputs[1].path).count
        #expect(report.datasets[0].excluded == (mcq + 4) / 5)
        #expect(report.datasets[1].excluded == 0)
        #expect(report.exclusions.count == min(report.excluded, MixReport.maxExclusionsListed))
        #expect(report.exclusions.first == "mcq: mcq-0: overlaps eval item x#0")
        for s in report.shards {
            for row in try MixFixtures.lines(dir + "/m/" + s.name) {
                let id = row["id"]?.stringValue ?? ""
                if id.hasPrefix("mcq-"), let n = Int(id.dropFirst(4)) { #expect(n % 5 != 0, "\(id) was excluded") }
            }
        }
        // Repeats fill the budget from what is left.
        #expect(report.datasets[0].records == 400)
        #expect(report.datasets[0].uniqueRecords == mcq - (mcq + 4) / 5)
        let card = try String(contentsOfFile: dir + "/m/README.md", encoding: .utf8)
        #expect(card.contains("## Decontamination"))
        #expect(card.contains("- mcq: mcq-5: overlaps eval item x#5"))
    }
}
