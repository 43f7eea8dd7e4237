import Foundation
import JupiterCore
import JupiterTesting
import Testing

@testable import Jupiter

/// `report/index.html` of a real run: legislation pairs (pair-filter, exact-dedup, decontaminate)
/// → two translation datasets → a mixture, beside web-like documents and GSM8K questions through
/// `quality` (Gopher/C4 drops) with two broken lines (quarantined).
@Suite struct RunReportTests {
    /// The workspace: committed fixtures only (OGL legislation, GSM8K under MIT, documents built
    /// from the legislation by ``QualityCorpus``).
    static func workspace() throws -> String {
        let dir = try TestSupport.temporaryDirectory("runreport")
        let pairs = try TestSupport.legislationPairs(limit: 600)
        try TestSupport.writeTSV(pairs, to: dir + "/data/pairs.tsv")
        // Evaluation items copied from ten training pairs: decontamination drops them.
        try TestSupport.write(
            pairs.enumerated().filter { $0.offset % 60 == 7 && $0.element.0.split(separator: " ").count >= 12 }.map {
                JSONWriter.string(
                    .object([
                        "input": .array([.object(["role": .string("user"), "content": .string($0.element.0)])]),
                        "ideal": .string($0.element.1)
                    ])) + "\n"
            }.joined(), to: dir + "/evals/heldout.jsonl")
        let segments = try QualityCorpus.segments(tsv: TestSupport.repoRoot + "/Tests/Fixtures/Legislation/legislation-en-cy.tsv")
        let corpus = QualityCorpus.build(
            english: segments.english, welsh: segments.welsh, count: 80,
            shapes: [.prose, .noisy, .repeats, .bench], seed: 3)
        var docs = corpus.jsonl()
        docs += Array("{\"id\": \"broken\", \"text\": \"unterminated\n".utf8)
        docs += Array("{\"id\": \"hostile\", \"text\": \"<script>alert(1)</script> too short\"}\n".utf8)
        docs += Array("not json at all\n".utf8)
        try TestSupport.write(docs, to: dir + "/data/docs.jsonl")
        let questions = try String(contentsOfFile: TestSupport.repoRoot + "/Tests/Fixtures/Eval/gsm8k-test-200.jsonl", encoding: .utf8)
        try TestSupport.write(questions, to: dir + "/data/questions.jsonl")
        try TestSupport.write(
            """
            name: reported
            seed: 5
            sources:
              pairs: { path: data/pairs.tsv, format: parallel-tsv, langs: [en, cy] }
              docs: { path: data/docs.jsonl, format: documents }
              questions: { path: data/questions.jsonl, format: documents, text_field: question }
            datasets:
              clean:
                from: pairs
                steps: [pair-filter, { exact-dedup: { field: source } }, { decontaminate: { evals: [evals/heldout.jsonl] } }]
              web: { from: docs, steps: [quality, exact-dedup] }
              prompts: { from: questions, steps: [quality] }
              into-welsh: { from: clean, steps: [{ parallel-to-chat: { forward_share: 1.0 } }] }
              into-english: { from: clean, steps: [{ parallel-to-chat: { forward_share: 0.0 } }] }
            mix:
              weights: { into-welsh: 0.6, into-english: 0.4 }
            output: { dir: run, batch_size: 100, shards: 2 }
            """, to: dir + "/recipe.yaml")
        return dir
    }

    /// Runs the workspace's recipe and writes its report; returns the folder and the manifest.
    static func runAndReport() async throws -> (dir: String, manifest: JSONValue, html: String) {
        let dir = try workspace()
        let prepared = Pipeline.prepare(recipePath: dir + "/recipe.yaml")
        #expect(prepared.isValid, "\(prepared.problems)")
        let summary = try #require(try await Pipeline.run(prepared).summary)
        let path = try Pipeline.report(runDirectory: summary.runDirectory, plan: prepared.plan)
        #expect(path == dir + "/run/report/index.html")
        let manifest = try JSONParser.parse(try FileSystem.read(dir + "/run/manifest.json"))
        return (dir, manifest, try String(contentsOfFile: path, encoding: .utf8))
    }

    /// The text of the element with `id` (a `<span id=…>N</span>` figure).
    static func figure(_ html: String, _ id: String) -> String? {
        guard let start = html.range(of: "<span id=\"\(id)\">") else { return nil }
        return html[start.upperBound...].components(separatedBy: "</span>").first
    }

    @Test func reportShowsTheManifestsFigures() async throws {
        let (dir, manifest, html) = try await Self.runAndReport()
        let datasets = try #require(manifest["datasets"]?.objectValue)
        #expect(datasets.keys == ["clean", "web", "prompts", "into-welsh", "into-english"])
        for entry in datasets {
            let name = entry.key, d = entry.value
            let kept = try #require(d["counts"]?["kept"]?.intValue)
            #expect(Self.figure(html, "kept-\(name)") == NumberText.grouped(kept), "kept of \(name)")
            #expect(Self.figure(html, "read-\(name)") == NumberText.grouped(d["counts"]?["read"]?.intValue ?? -1))
            #expect(html.contains("id=\"funnel-\(name)\"><svg"))
        }
        // Every rule's count as the manifest has it; the questions lose most records to the
        // Gopher/C4 rules, with examples showing the measured value and the threshold.
        var rules = 0
        for entry in datasets {
            let name = entry.key, d = entry.value
            for stage in d["stages"]?.objectValue ?? JSONObject() {
                for rule in stage.value["rules"]?.objectValue ?? JSONObject() {
                    rules += 1
                    #expect(
                        Self.figure(html, "rule-\(name)-\(stage.key)-\(rule.key)")
                            == NumberText.grouped(rule.value["count"]?.intValue ?? -1))
                }
            }
        }
        #expect(rules >= 5)
        let promptRules = try #require(datasets["prompts"]?["stages"]?["quality"]?["rules"]?.objectValue)
        #expect(promptRules.keys.contains { $0.hasPrefix("gopher") } && (datasets["prompts"]?["counts"]?["dropped"]?.intValue ?? 0) > 100)
        // The quarantined lines with file:line; the hostile text escaped; decontamination; mixture.
        #expect(html.contains("<code>data/docs.jsonl:81</code>") && html.contains("<code>data/docs.jsonl:83</code>"))
        #expect(!html.contains("<script") && !html.contains("<img"))
        #expect(html.contains("id=\"decontamination\"") && html.contains("evals/heldout.jsonl"))
        let share = try #require(manifest["mixture"]?["datasets"]?["into-welsh"]?["share"]?.doubleValue)
        #expect(Self.figure(html, "share-into-welsh") == HTMLText.percent(share))
        #expect(html.contains("characters of text per record") && html.contains("No models: the recipe uses none."))
        // Self-contained: no external reference of any kind.
        let markup = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        #expect(!markup.contains("http") && !markup.contains("src=") && !markup.contains("url("))
        // Deterministic: written again, the same bytes.
        try Pipeline.report(runDirectory: dir + "/run")
        #expect(try String(contentsOfFile: dir + "/run/report/index.html", encoding: .utf8) == html)
    }

    @Test func missingOrUnfinishedRunsAreClearErrors() throws {
        let dir = try TestSupport.temporaryDirectory("runreport-missing")
        #expect(throws: RunError.self) { try Pipeline.report(runDirectory: dir + "/nowhere") }
        do {
            try Pipeline.report(runDirectory: dir + "/nowhere")
        } catch {
            #expect(error.exitCode == .usage && error.message.contains("no such run folder"))
        }
        try FileSystem.createDirectory(dir + "/unfinished/datasets")
        do {
            try Pipeline.report(runDirectory: dir + "/unfinished")
            Issue.record("an unfinished run got a report")
        } catch {
            #expect(error.kind == .folder && error.exitCode == .usage && error.message.contains("no finished run"))
        }
        #expect(!FileSystem.exists(dir + "/unfinished/report"))
    }

    /// With a mixture tokenizer, lengths are that tokenizer's counts: per dataset they add up to the
    /// tokens the mixer measured (the manifest's `mixture.datasets.<name>.available.tokens`).
    @Test func lengthsAreCountedWithThePlansTokenizer() async throws {
        let fixtures = TestSupport.repoRoot + "/Tests/Fixtures/Tokenize"
        let template = try String(contentsOfFile: fixtures + "/templates/chatml.jinja", encoding: .utf8)
        let recipe = try MixRunTests().workspace(
            mix: """
                mix:
                  weights: { into-welsh: 1, into-english: 1 }
                  tokenizer: model
                """,
            files: [
                "model/tokenizer.json": try String(contentsOfFile: fixtures + "/tokenizers/qwen2.json", encoding: .utf8),
                "model/tokenizer_config.json": JSONWriter.string(.object(["chat_template": .string(template)]))
            ])
        let (plan, _) = Pipeline.check(recipePath: recipe)
        let summary = try await MixRunTests().run(recipe)
        let mixture = try #require(summary.mixture)
        let data = try RunReport.data(runDirectory: summary.runDirectory, plan: plan)
        for name in ["into-welsh", "into-english"] {
            let lengths = try #require(data.datasets.first { $0.name == name }?.lengths)
            #expect(lengths.unit == "tokens per record (tokenizer model/tokenizer.json with its chat template)")
            let measured = try #require(mixture["datasets"]?[name]?["available"]?["tokens"]?.intValue)
            #expect(Int(lengths.values.reduce(0, +)) == measured)
        }
        // Without the plan: characters, and the axis says so.
        #expect(
            try RunReport.data(runDirectory: summary.runDirectory).datasets.allSatisfy {
                $0.lengths?.unit == "characters of text per record"
            })
    }

    @Test(
        "the run report opens in headless Chromium without console errors and its charts are drawn",
        .enabled(if: Chromium.binary != nil, "needs Chromium (Debian package chromium; scripts/test installs it)"))
    func reportInChromium() async throws {
        let (dir, manifest, _) = try await Self.runAndReport()
        let path = dir + "/run/report/index.html"
        let page = try Chromium.open(path, screenshot: dir + "/report.png")
        #expect(page.consoleMessages.isEmpty, "\(page.consoleMessages)")
        // The funnel's bars (blue) and kept bars (green) are painted at the top of the page.
        let counts = try Chromium.colourCounts(dir + "/report.png", colours: ["0969da", "1a7f37", "ffffff"])
        #expect(counts["0969da", default: 0] > 2000, "chart colour pixels: \(counts)")
        #expect(counts["ffffff", default: 0] < counts["total", default: 0], "the screenshot is blank")
        // The DOM Chromium built: every chart is an SVG with shapes, and the figures are the manifest's.
        let dom = try Chromium.dom(path)
        #expect(dom.components(separatedBy: "<svg").count - 1 >= 11, "funnels (5), histograms (5), mixture (1)")
        #expect(dom.components(separatedBy: "<rect").count > 50)
        let kept = try #require(manifest["datasets"]?["prompts"]?["counts"]?["kept"]?.intValue)
        #expect(Self.figure(dom, "kept-prompts") == NumberText.grouped(kept))
    }
}

/// A share as the report writes it (`70.0%`).
enum HTMLText {
    static func percent(_ share: Double) -> String {
        let tenths = Int((share * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }
}

extension RunReportTests {
    /// Each stage's drops start at a recorded gzip member of `dropped.jsonl.gz`: read from there,
    /// the examples are those a read of the whole file finds, and a later stage's offset lies
    /// past every earlier stage's drops.
    @Test func droppedExamplesAreFoundFromEachStagesOffset() async throws {
        let dir = try Self.workspace()
        let prepared = Pipeline.prepare(recipePath: dir + "/recipe.yaml")
        _ = try await Pipeline.run(prepared)
        let result = try #require(DatasetResult.read(runDirectory: dir + "/run", dataset: "clean"))
        let offsets = result.droppedOffsets
        let order = ["pair-filter", "exact-dedup", "decontaminate"]
        let at = try order.map { try #require(offsets[$0]) }
        #expect(at[0] == 0 && at[0] <= at[1] && at[1] <= at[2])
        let path = dir + "/run/datasets/clean/dropped.jsonl.gz"
        // Read from a stage's offset, the file gives that stage's drops first, then later stages'.
        var dropping = 0
        for (k, stage) in order.enumerated() where (result.counts.stages[stage]?.counts["dropped"] ?? 0) > 0 {
            dropping += 1
            let reader = try LineReader(path: path, offset: at[k])
            var seen: [String] = []
            while let line = try reader.next() {
                if let s = try? JSONParser.parse(line.bytes)["dropped"]?["stage"]?.stringValue { seen.append(s) }
            }
            #expect(seen.first == stage, "\(stage)")
            #expect(Set(seen).isDisjoint(with: order[..<k]), "\(stage)")
        }
        #expect(dropping >= 2)
        // The examples wanted: each rule's first ids, as the report asks for them.
        let dataset = try JSONParser.parse(try FileSystem.read(dir + "/run/manifest.json"))["datasets"]?["clean"]
        var wanted: [String: Set<String>] = [:]
        for e in dataset?["stages"]?.objectValue ?? JSONObject() {
            for (rule, r) in StageTally(json: e.value).rules {
                wanted[e.key + "\u{0}" + rule] = Set(r.examples.prefix(RunReport.examplesPerRule))
            }
        }
        #expect(wanted.count >= 2)
        let fromOffsets = try RunReport.droppedExamples(path, wanted: wanted, offsets: offsets)
        let fromStart = try RunReport.droppedExamples(path, wanted: wanted)
        #expect(fromOffsets.count == wanted.values.reduce(0) { $0 + $1.count })
        #expect(fromOffsets.keys.sorted() == fromStart.keys.sorted())
        #expect(fromOffsets.mapValues(\.reason) == fromStart.mapValues(\.reason))
    }
}
