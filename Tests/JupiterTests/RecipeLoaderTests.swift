import JupiterCore
import Testing

@testable import Jupiter

@Suite struct RecipeLoaderTests {
    func check(_ yaml: String, files: [String: String] = ["data/pairs.tsv": "Hello\tHelo\n"]) throws
        -> (Plan?, [Diagnostic])
    {
        let dir = try TestSupport.temporaryDirectory("recipe")
        for (name, text) in files { try TestSupport.write(text, to: dir + "/" + name) }
        try TestSupport.write(yaml, to: dir + "/recipe.yaml")
        return Pipeline.check(recipePath: dir + "/recipe.yaml")
    }

    func lines(_ problems: [Diagnostic], containing text: String) -> [Int] {
        problems.filter { $0.message.contains(text) }.compactMap(\.line)
    }

    @Test func validRecipeBuildsAPlan() throws {
        let (plan, problems) = try check(
            """
            name: ok
            seed: 3
            sources:
              p: { path: data/pairs.tsv, format: parallel-tsv, langs: [en, cy] }
            datasets:
              chat: { from: p, steps: [pair-filter, exact-dedup, parallel-to-chat] }
            """)
        #expect(problems.isEmpty)
        let p = try #require(plan)
        #expect(p.datasets.map(\.name) == ["chat"])
        #expect(p.datasets[0].outputKind == .conversation)
        // pair-filter is a batch step, exact-dedup global, parallel-to-chat a batch step after it.
        #expect(p.datasets[0].steps.count == 3)
    }

    @Test func everyProblemIsReportedWithItsLine() throws {
        let (plan, problems) = try check(
            """
            name: bad
            seed: minus-one
            colour: blue
            sources:
              p: { path: data/pairs.tsv, format: parallel-tsv, langs: [en, cy], extra: 1 }
              gone: { path: data/missing.jsonl, format: openai-messages }
              wrong: { path: data/pairs.tsv, format: csv-ish }
            datasets:
              a: { from: b, steps: [pair-filter] }
              b: { from: a, steps: [] }
              c: { from: p, steps: [no-such-stage, { pair-filter: { max_ratio: lots, shiny: true } }] }
              d: { from: nowhere }
            output: { dir: out, batch_size: 0 }
            """)
        #expect(plan == nil)
        #expect(lines(problems, containing: "'seed' must be a non-negative integer") == [2])
        #expect(lines(problems, containing: "unknown key 'colour'") == [3])
        #expect(lines(problems, containing: "unknown key 'extra'") == [5])
        #expect(lines(problems, containing: "file not found: data/missing.jsonl") == [6])
        #expect(lines(problems, containing: "unknown format 'csv-ish'") == [7])
        #expect(!lines(problems, containing: "dataset cycle").isEmpty)
        #expect(lines(problems, containing: "unknown stage 'no-such-stage'") == [11])
        #expect(lines(problems, containing: "option 'max_ratio' must be a number") == [11])
        #expect(lines(problems, containing: "unknown option 'shiny'") == [11])
        #expect(lines(problems, containing: "'from: nowhere' names no source or dataset") == [12])
        #expect(lines(problems, containing: "batch_size") == [13])
        #expect(problems.allSatisfy { $0.file?.hasSuffix("recipe.yaml") == true })
    }

    @Test func yamlSyntaxErrorsPointAtTheLine() throws {
        let (plan, problems) = try check("name: x\nsources:\n  p: { path: data/pairs.tsv\ndatasets: {}\n")
        #expect(plan == nil)
        #expect(problems.count == 1)
        #expect(problems[0].message.contains("invalid YAML"))
        #expect(problems[0].line != nil)
    }

    @Test func stageKindsAreChecked() throws {
        let (plan, problems) = try check(
            """
            name: kinds
            sources:
              p: { path: data/pairs.tsv, format: parallel-tsv, langs: [en, cy] }
            datasets:
              chat: { from: p, steps: [parallel-to-chat, pair-filter] }
            """)
        #expect(plan == nil)
        #expect(lines(problems, containing: "stage 'pair-filter' takes pair records but receives conversation") == [5])
    }

    @Test func unsafeDatasetNamesCannotEscapeTheRunFolder() throws {
        let (plan, problems) = try check(
            """
            name: escape
            sources:
              p: { path: data/pairs.tsv, format: parallel-tsv, langs: [en, cy] }
            datasets:
              ../../etc: { from: p }
            """)
        #expect(plan == nil)
        #expect(lines(problems, containing: "they become folder names") == [5])
    }

    @Test func formatIsDetectedAndGlobsExpandSorted() throws {
        let (plan, problems) = try check(
            """
            name: detect
            sources:
              chats: { path: "data/*.jsonl" }
            datasets:
              all: { from: chats }
            """,
            files: [
                "data/b.jsonl": #"{"messages":[{"role":"user","content":"hi"}]}"# + "\n",
                "data/a.jsonl": #"{"messages":[{"role":"user","content":"helo"}]}"# + "\n"
            ])
        #expect(problems.isEmpty)
        let sources = try #require(plan).sources
        #expect(sources[0].format == .openaiMessages)
        #expect(sources[0].files == ["data/a.jsonl", "data/b.jsonl"])
    }

    @Test func parallelSourcesNeedLanguages() throws {
        let (plan, problems) = try check(
            """
            name: langs
            sources:
              p: { path: data/pairs.tsv, format: parallel-tsv }
            datasets:
              d: { from: p }
            """)
        #expect(plan == nil)
        #expect(lines(problems, containing: "need 'langs") == [3])
    }

    /// Each message names its location once (file and line are the diagnostic's own, never
    /// repeated inside the message), and a misspelt name gets a suggestion.
    @Test func messagesNameTheirPlaceOnceAndSuggestNames() throws {
        let (plan, problems) = try check(
            """
            name: math
            sources:
              p: { path: data/pairs.tsv, format: parallel-tsvv, langs: [en, cy] }
              q: { path: data/pairs.tsv, format: parallel-tsv, langs: [en, cy] }
            datasets:
              math: { from: q, steps: [qualty, { langid: { min_prb: 0.2 } }, { exact-dedup: { feild: source } }] }
              other: { form: q }
            """)
        #expect(plan == nil)
        for p in problems {
            #expect(!p.message.contains("recipe.yaml"), "location repeated in: \(p)")
            #expect(p.description.components(separatedBy: "error:").count == 2, "\(p)")
        }
        #expect(problems.contains { $0.message.contains("unknown stage 'qualty'; did you mean 'quality'?") && $0.line == 6 })
        #expect(
            problems.contains {
                $0.message.contains("unknown format 'parallel-tsvv'") && $0.message.contains("did you mean 'parallel-tsv'?")
            })
        #expect(
            problems.contains {
                $0.message.hasPrefix("dataset 'math': stage 'langid': ")
                    && $0.message.contains("unknown option 'min_prb'; did you mean 'min_prob'?")
            })
        #expect(problems.contains { $0.message.contains("unknown option 'feild'; did you mean 'field'?") })
        #expect(problems.contains { $0.message.contains("unknown key 'form'; did you mean 'from'?") && $0.line == 7 })
    }

    /// Booleans read the same way everywhere: `yes`/`on` are true in `mix.repeat` as in stage options
    /// (one reader: ConfigReader.bool).
    @Test func booleansReadTheSameEverywhere() throws {
        let (plan, problems) = try check(
            """
            name: bools
            sources:
              p: { path: data/pairs.tsv, format: parallel-tsv, langs: [en, cy] }
            datasets:
              chat: { from: p, steps: [parallel-to-chat] }
            mix: { weights: { chat: 1 }, unit: records, budget: 10, repeat: yes }
            """)
        #expect(!problems.contains { $0.severity == .error }, "\(problems)")
        #expect(try #require(plan).mix?.config.repeatRecords == true)
    }
}
