import Foundation
import JupiterCore
import JupiterMix
import Testing

@testable import Jupiter

/// The recipe's `mix:` section through validation and real runs.
@Suite struct MixRunTests {
    /// A workspace: legislation pairs → two translation datasets (one per direction) → a mix.
    func workspace(
        mix: String, output: String = "output: { dir: run, batch_size: 100, shards: 3 }",
        files: [String: String] = [:]
    ) throws -> String {
        let dir = try TestSupport.temporaryDirectory("mixrun")
        try TestSupport.writeTSV(try TestSupport.legislationPairs(limit: 1200), to: dir + "/data/pairs.tsv")
        for (name, text) in files { try TestSupport.write(text, to: dir + "/" + name) }
        try TestSupport.write(
            """
            name: mixed
            seed: 11
            sources:
              pairs: { path: data/pairs.tsv, format: parallel-tsv, langs: [en, cy] }
            datasets:
              clean: { from: pairs, steps: [pair-filter, { exact-dedup: { field: source } }] }
              into-welsh: { from: clean, steps: [{ parallel-to-chat: { forward_share: 1.0 } }] }
              into-english: { from: clean, steps: [{ parallel-to-chat: { forward_share: 0.0 } }] }
            \(mix)
            \(output)
            """, to: dir + "/recipe.yaml")
        return dir + "/recipe.yaml"
    }

    func lines(_ problems: [Diagnostic], containing text: String) -> [Int] {
        problems.filter { $0.message.contains(text) }.compactMap(\.line)
    }

    @Test func everyMixProblemIsReportedWithItsLine() throws {
        let recipe = try workspace(
            mix: """
                mix:
                  weights: { into-welsh: 0.7, clean: 0.2, nowhere: 0.1, into-english: -1 }
                  unit: bytes
                  budget: lots
                  repeat: sometimes
                  reasoning: { on: 1.5 }
                  tokenizer: models/missing.json
                  shuffle: yes
                """, output: "output: { dir: run, shards: 0, format: parquet }")
        let (plan, problems) = Pipeline.check(recipePath: recipe)
        #expect(plan == nil)
        #expect(lines(problems, containing: "'nowhere' names no dataset") == [10])
        #expect(lines(problems, containing: "'into-english' must be a positive number") == [10])
        #expect(lines(problems, containing: "'unit' must be one of tokens, records") == [11])
        #expect(lines(problems, containing: "'budget' must be a positive amount") == [12])
        #expect(lines(problems, containing: "'repeat' must be true or false") == [13])
        #expect(lines(problems, containing: "'reasoning' must be { on: SHARE }") == [14])
        #expect(lines(problems, containing: "mix: tokenizer:") == [15])
        #expect(lines(problems, containing: "unknown key 'shuffle'") == [16])
        #expect(lines(problems, containing: "output.shards must be an integer") == [17])
        #expect(lines(problems, containing: "output.format must be one of") == [17])
    }

    @Test func onlyConversationDatasetsCanBeMixedAndTextNeedsATemplate() throws {
        let (plan, problems) = Pipeline.check(
            recipePath: try workspace(
                mix: """
                    mix:
                      weights: { into-welsh: 0.7, clean: 0.3 }
                    """))
        #expect(plan == nil)
        #expect(
            lines(
                problems,
                containing: "dataset 'clean' holds pair records; only conversations can be mixed "
                    + "(add a parallel-to-chat step)") == [10])
        let (_, textProblems) = Pipeline.check(
            recipePath: try workspace(
                mix: """
                    mix:
                      weights: { into-welsh: 1 }
                    """, output: "output: { dir: run, format: text }"))
        #expect(textProblems.contains { $0.severity == .error && $0.message.contains("'text' renders conversations with a chat template") })
    }

    @Test func budgetsAcceptSuffixes() {
        #expect(ConfigReader.amount("2M") == 2_000_000)
        #expect(ConfigReader.amount("1.5B") == 1_500_000_000)
        #expect(ConfigReader.amount("2_000_000") == 2_000_000)
        #expect(ConfigReader.amount("500k") == 500_000)
        #expect(ConfigReader.amount("0") == nil)
        #expect(ConfigReader.amount("-5") == nil)
        #expect(ConfigReader.amount("many") == nil)
    }

    func run(_ recipe: String, observer: RunObserver? = nil) async throws -> RunSummary {
        let (plan, problems) = Pipeline.check(recipePath: recipe)
        #expect(!problems.contains { $0.severity == .error }, "\(problems)")
        let engine = try RunEngine(plan: try #require(plan), options: RunOptions(workers: 2, observer: observer))
        return try await engine.run()
    }

    @Test func aRunWritesTheMixtureReusesItAndRebuildsItWhenTheWeightsChange() async throws {
        let recipe = try workspace(
            mix: """
                mix:
                  weights: { into-welsh: 0.6, into-english: 0.4 }
                  budget: 60k
                  card: { language: [cy, en], license: other }
                """)
        let runDir = FileSystem.parent(of: recipe) + "/run"
        let summary = try await run(recipe)
        let mixture = try #require(summary.mixture)
        #expect(mixture["card"] == .string("mixture/README.md"))
        let shards = try #require(mixture["shards"]?.arrayValue)
        #expect(shards.count == 3)
        var rows = 0
        for s in shards {
            let path = runDir + "/" + (s["path"]?.stringValue ?? "")
            let n = try TestSupport.jsonLines(path).count
            #expect(n == s["records"]?.intValue)
            #expect(try SHA256.hex(ofFile: path) == s["sha256"]?.stringValue)
            rows += n
        }
        #expect(rows == mixture["records"]?.intValue)
        let units = try #require(mixture["units"]?.intValue)
        #expect(abs(units - 60_000) < 1000)
        let welsh = try #require(mixture["datasets"]?["into-welsh"]?["units"]?.intValue)
        #expect(abs(Double(welsh) / Double(units) - 0.6) < 0.01)
        // The manifest carries the same entry.
        let manifest = try JSONParser.parse(try TestSupport.bytes(runDir + "/manifest.json"))
        #expect(manifest["mixture"] == mixture)
        let card = try String(contentsOfFile: runDir + "/mixture/README.md", encoding: .utf8)
        #expect(card.contains("language:\n- \"cy\"\n- \"en\"\n"))
        let before = try TestSupport.bytes(runDir + "/mixture/part-00000.jsonl.gz")
        let manifestBefore = try RunEngineTests.manifestWithoutTimings(runDir)

        // Unchanged: reused, not rebuilt.
        let events = EventLog()
        _ = try await run(recipe, observer: { events.add($0) })
        #expect(events.mixSkipped == 1 && events.mixStarted == 0)
        #expect(try RunEngineTests.manifestWithoutTimings(runDir) == manifestBefore)

        // A deleted shard is noticed and the mix is rebuilt, to the same bytes.
        FileSystem.remove(runDir + "/mixture/part-00001.jsonl.gz")
        let rebuilt = EventLog()
        _ = try await run(recipe, observer: { rebuilt.add($0) })
        #expect(rebuilt.mixStarted == 1)
        #expect(try TestSupport.bytes(runDir + "/mixture/part-00000.jsonl.gz") == before)

        // Changed weights: the datasets are reused, the mixture rebuilt.
        let text = try String(contentsOfFile: recipe, encoding: .utf8)
        try TestSupport.write(
            text.replacingOccurrences(
                of: "into-welsh: 0.6, into-english: 0.4",
                with: "into-welsh: 0.3, into-english: 0.7"), to: recipe)
        let changed = EventLog()
        let again = try await run(recipe, observer: { changed.add($0) })
        #expect(changed.mixStarted == 1 && changed.stepsFinished == 0)
        let share =
            Double(again.mixture?["datasets"]?["into-welsh"]?["units"]?.intValue ?? 0)
            / Double(again.mixture?["units"]?.intValue ?? 1)
        #expect(abs(share - 0.3) < 0.01)
    }

    /// A recipe that drops `mix:` and a dataset: the rerun deletes `mixture/` and that dataset's
    /// folder, says so, and leaves the run folder holding exactly what the new manifest lists.
    @Test func outputsTheRecipeNoLongerProducesAreRemoved() async throws {
        let recipe = try workspace(
            mix: """
                mix:
                  weights: { into-welsh: 1, into-english: 1 }
                  unit: records
                  budget: 200
                """)
        let runDir = FileSystem.parent(of: recipe) + "/run"
        _ = try await run(recipe)
        #expect(FileSystem.exists(runDir + "/mixture/README.md"))
        #expect(FileSystem.exists(runDir + "/datasets/into-english/kept.jsonl.gz"))
        let welsh = try TestSupport.bytes(runDir + "/datasets/into-welsh/kept.jsonl.gz")

        let text = try String(contentsOfFile: recipe, encoding: .utf8)
        let trimmed = text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter {
                !$0.contains("into-english") && !$0.hasPrefix("mix:") && !$0.contains("unit: records")
                    && !$0.contains("budget: 200") && !$0.contains("weights:")
            }
            .joined(separator: "\n")
        try TestSupport.write(trimmed, to: recipe)
        let events = EventLog()
        let summary = try await run(recipe, observer: { events.add($0) })
        #expect(summary.mixture == nil)
        #expect(events.removed == ["datasets/into-english", "mixture"])
        #expect(!FileSystem.exists(runDir + "/mixture"))
        #expect(!FileSystem.exists(runDir + "/datasets/into-english"))
        #expect((FileSystem.list(runDir + "/datasets") ?? []).sorted() == ["clean", "into-welsh"])
        // The datasets kept are reused as they were, and the manifest lists exactly them.
        #expect(events.stepsFinished == 0)
        #expect(try TestSupport.bytes(runDir + "/datasets/into-welsh/kept.jsonl.gz") == welsh)
        let manifest = try JSONParser.parse(try TestSupport.bytes(runDir + "/manifest.json"))
        #expect(manifest["mixture"] == nil)
        #expect(manifest["datasets"]?.objectValue.map { Array($0.keys).sorted() } == ["clean", "into-welsh"])
        // Nothing left to remove on the next run.
        let again = EventLog()
        _ = try await run(recipe, observer: { again.add($0) })
        #expect(again.removed.isEmpty)
    }

    @Test func theRecipeTokenizerAndItsChatTemplateCountTheTokens() async throws {
        let fixtures = TestSupport.repoRoot + "/Tests/Fixtures/Tokenize"
        let template = try String(contentsOfFile: fixtures + "/templates/chatml.jinja", encoding: .utf8)
        let config = JSONWriter.string(.object(["chat_template": .string(template)]))
        let recipe = try workspace(
            mix: """
                mix:
                  weights: { into-welsh: 1, into-english: 1 }
                  unit: records
                  budget: 300
                  tokenizer: model
                """,
            files: [
                "model/tokenizer.json": try String(contentsOfFile: fixtures + "/tokenizers/qwen2.json", encoding: .utf8),
                "model/tokenizer_config.json": config
            ])
        let summary = try await run(recipe)
        let mixture = try #require(summary.mixture)
        #expect(mixture["records"]?.intValue == 300)
        #expect(mixture["tokens"]?["method"] == .string("tokenizer+chat-template"))
        #expect(mixture["tokens"]?["tokenizer"] == .string("model/tokenizer.json"))
        #expect(mixture["tokens"]?["chat_template"] == .string("model/tokenizer_config.json"))
        let card = try String(contentsOfFile: FileSystem.parent(of: recipe) + "/run/mixture/README.md", encoding: .utf8)
        #expect(card.contains("counted with the tokenizer `model/tokenizer.json`"))
    }
}

extension MixRunTests {
    /// Newer models keep the chat template in `chat_template.jinja` beside a
    /// `tokenizer_config.json` that has none: it is used; with no template at all the recipe
    /// gets a warning instead of silently counting texts only.
    @Test func aChatTemplateJinjaFileIsFoundAndAMissingTemplateIsWarned() async throws {
        let fixtures = TestSupport.repoRoot + "/Tests/Fixtures/Tokenize"
        let tokenizer = try String(contentsOfFile: fixtures + "/tokenizers/qwen2.json", encoding: .utf8)
        let template = try String(contentsOfFile: fixtures + "/templates/chatml.jinja", encoding: .utf8)
        let mix = """
            mix:
              weights: { into-welsh: 1, into-english: 1 }
              unit: records
              budget: 100
              tokenizer: model
            """
        let withJinja = try workspace(
            mix: mix,
            files: [
                "model/tokenizer.json": tokenizer,
                "model/tokenizer_config.json": #"{"eos_token": "<|im_end|>"}"#,
                "model/chat_template.jinja": template
            ])
        let (_, problems) = Pipeline.check(recipePath: withJinja)
        #expect(!problems.contains { $0.message.contains("chat template") }, "\(problems)")
        let summary = try await run(withJinja)
        #expect(summary.mixture?["tokens"]?["method"] == .string("tokenizer+chat-template"))
        #expect(summary.mixture?["tokens"]?["chat_template"] == .string("model/chat_template.jinja"))

        let without = try workspace(
            mix: mix,
            files: [
                "model/tokenizer.json": tokenizer,
                "model/tokenizer_config.json": #"{"eos_token": "<|im_end|>"}"#
            ])
        let (plan, warned) = Pipeline.check(recipePath: without)
        #expect(plan != nil)
        #expect(warned.contains { $0.severity == .warning && $0.message.contains("no chat template beside model/tokenizer.json") })
        let silenced = try workspace(mix: mix + "\n  chat_template: none", files: ["model/tokenizer.json": tokenizer])
        #expect(!Pipeline.check(recipePath: silenced).1.contains { $0.message.contains("chat template") })
    }

    @Test func mixDecontaminationDropsEvalOverlapsFromTheMixtureOnly() async throws {
        // Six long English sentences of the training pairs are "eval items".
        let pairs = try TestSupport.legislationPairs(limit: 1200)
        let leaked = pairs.filter { $0.0.split(separator: " ").count >= 14 }.prefix(6)
        let evals = leaked.map {
            JSONWriter.string(
                .object([
                    "input": .array([
                        .object([
                            "role": .string("user"),
                            "content": .string($0.0)
                        ])
                    ]),
                    "ideal": .string("x")
                ]))
        }
        let recipe = try workspace(
            mix: """
                mix:
                  weights: { into-welsh: 1, into-english: 1 }
                  unit: records
                  decontaminate: [evals/leaked.jsonl]
                """, files: ["evals/leaked.jsonl": evals.joined(separator: "\n") + "\n"])
        let summary = try await run(recipe)
        let mixture = try #require(summary.mixture)
        // Each leaked sentence sits in a conversation of both datasets (series conversations hold several).
        #expect((mixture["datasets"]?["into-welsh"]?["excluded"]?.intValue ?? 0) >= 1)
        #expect((mixture["datasets"]?["into-english"]?["excluded"]?.intValue ?? 0) >= 1)
        let exclusions = mixture["exclusions"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(exclusions.count == mixture["excluded"]?.intValue)
        #expect(exclusions.allSatisfy { $0.contains("overlaps eval item evals/leaked.jsonl#") })
        // The datasets keep them (decontamination here guards the mixture only); the mixture has none.
        let runDir = FileSystem.parent(of: recipe) + "/run"
        var mixed = ""
        for s in mixture["shards"]?.arrayValue ?? [] {
            for row in try TestSupport.jsonLines(runDir + "/" + (s["path"]?.stringValue ?? "")) {
                mixed += (row["messages"]?.arrayValue ?? []).compactMap { $0["content"]?.stringValue }.joined(separator: "\n")
            }
        }
        var kept = ""
        for row in try TestSupport.jsonLines(runDir + "/datasets/into-welsh/kept.jsonl.gz") {
            kept += (row["messages"]?.arrayValue ?? []).compactMap { $0["content"]?.stringValue }.joined(separator: "\n")
        }
        for (en, _) in leaked {
            #expect(kept.contains(en))
            #expect(!mixed.contains(en), "leaked sentence in the mixture: \(en.prefix(60))")
        }
        let card = try String(contentsOfFile: runDir + "/mixture/README.md", encoding: .utf8)
        #expect(card.contains("## Decontamination"))

        // A missing eval file is a recipe error on the mix's line.
        let (plan, problems) = Pipeline.check(
            recipePath: try workspace(
                mix: """
                    mix:
                      weights: { into-welsh: 1 }
                      decontaminate: [evals/missing.jsonl]
                    """))
        #expect(plan == nil)
        #expect(problems.contains { $0.severity == .error && $0.message.contains("missing.jsonl") && $0.line == 11 })
    }
}
