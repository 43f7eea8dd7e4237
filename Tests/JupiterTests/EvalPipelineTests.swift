import Foundation
import JupiterCore
import JupiterEval
import JupiterTesting
import Testing

@testable import Jupiter

/// `jupiter eval` as a library call: the recipe's `eval:` section, the run folder, the report.
@Suite(.serialized) struct EvalPipelineTests {
    static let fixtures = TestSupport.repoRoot + "/Tests/Fixtures/Eval"

    /// A workspace with Welsh MCQ items, the GSM8K fixture and a recipe evaluating `base` (one
    /// server) against `tuned` (another, scripted to answer some items right).
    static func workspace(base: ScriptedLLMServer, tuned: ScriptedLLMServer, extra: String = "") throws -> String {
        let dir = try TestSupport.temporaryDirectory("eval-pipeline")
        try TestSupport.write(EvalFixtures.welshMultipleChoice(40).jsonl, to: dir + "/evals/welsh-mcq.jsonl")
        try TestSupport.write(
            """
            name: eval-demo
            seed: 1234
            models:
              base: { endpoint: "\(base.baseURL)", model: test-model, max_attempts: 2, retry_base_s: 0.01 }
              tuned: { endpoint: "\(tuned.baseURL)", model: test-model, max_attempts: 2, retry_base_s: 0.01 }
            eval:
              models: [base, tuned]
              tasks:
                welsh-mcq: { kind: openai-evals, path: evals/welsh-mcq.jsonl, scoring: mcq-letter }
                gsm8k: { kind: gsm8k, path: \(fixtures)/gsm8k-test-200.jsonl, limit: 12, max_tokens: 64 }
            \(extra)
            output: { dir: run }
            """, to: dir + "/recipe.yaml")
        return dir
    }

    /// The tuned server answers the first 25 MCQ items with the right letter.
    static var tunedScript: [String: String] {
        var script: [String: String] = [:]
        for it in EvalFixtures.welshMultipleChoice(25).items { script[it.user] = "Yr ateb cywir yw \(it.ideal)." }
        return script
    }

    @Test("every eval: problem is reported with its line, in the same pass as the rest of the recipe")
    func sectionProblems() throws {
        let dir = try TestSupport.temporaryDirectory("eval-section")
        try TestSupport.write("{}\n", to: dir + "/t.jsonl")
        try TestSupport.write(
            """
            name: bad-eval
            models:
              base: { endpoint: "http://127.0.0.1:9/v1", model: m, reasoning: never }
            eval:
              models:
                one: bsae
                two: { model: base, reasoning: on }
              baseline: three
              tasks:
                a: { kind: openai-evals, path: t.jsonl }
                b: { kind: quiz, path: t.jsonl }
                c: { kind: gsm8k, path: missing.jsonl, fewshot: 9 }
                d: { kind: ifeval, path: t.jsonl, limt: 3 }
              margin: -1
            """, to: dir + "/recipe.yaml")
        let p = Pipeline.prepareEvaluation(recipePath: dir + "/recipe.yaml")
        #expect(!p.isValid)
        func line(_ text: String) -> Int? { p.problems.first { $0.message.contains(text) }?.line }
        #expect(line("'bsae' names no model in 'models:'") == 6)
        #expect(p.problems.contains { $0.message.contains("did you mean 'base'?") })
        #expect(line("reasoning on, but model 'base' is declared reasoning: never") == 7)
        #expect(line("'baseline' must name one of the eval models") == 8)
        #expect(line("missing 'scoring'") == 10)
        #expect(line("'kind' must be one of openai-evals, multiple-choice, gsm8k, ifeval, found 'quiz'") == 11)
        #expect(line("file not found: missing.jsonl") == 12)
        #expect(line("there are 8 fixed exemplars") == 12)
        #expect(line("unknown key 'limt'; did you mean 'limit'?") == 13)
        #expect(line("'margin' must be in 0.0...100.0") == 14)
        // No sources or datasets: an eval-only recipe is valid otherwise.
        #expect(!p.problems.contains { $0.message.contains("sources") || $0.message.contains("datasets") })
    }

    @Test("Pipeline.evaluate: eval/<model>/<task>.jsonl, results.json, report/eval.html and the summary; --models and --limit narrow it")
    func evaluate() async throws {
        try await withServer(.init(logBodies: false)) { base in
            try await withServer(.init(script: Self.tunedScript, logBodies: false)) { tuned in
                let dir = try Self.workspace(base: base, tuned: tuned)
                let prepared = Pipeline.prepareEvaluation(recipePath: dir + "/recipe.yaml")
                #expect(prepared.isValid, "\(prepared.problems)")
                let outcome = try await Pipeline.evaluate(prepared)
                for f in ["eval/base/welsh-mcq.jsonl", "eval/tuned/gsm8k.jsonl", "eval/results.json", "report/eval.html", "state.sqlite"] {
                    #expect(FileManager.default.fileExists(atPath: dir + "/run/" + f), "\(f)")
                }
                let c = try #require(outcome.results.comparisons.first)
                #expect(c.tasks.map(\.task.name) == ["welsh-mcq", "gsm8k"])
                #expect(c.tasks[0].verdict == .gain, "25 of 40 answered right by the tuned model")
                #expect(c.tasks[1].verdict == .retained)
                #expect(outcome.markdown.contains("| welsh-mcq | target | accuracy |") && outcome.markdown.contains("**gain**"))
                let html = try String(contentsOfFile: outcome.reportPath, encoding: .utf8)
                #expect(html.contains("<svg") && html.contains("tuned vs base") && html.contains("retention margin"))
                #expect(!html.contains("src=\"http") && !html.contains("href=\"http"))

                // Overrides: one model, fewer items, into another folder.
                let narrow = Pipeline.prepareEvaluation(
                    recipePath: dir + "/recipe.yaml",
                    overrides: EvalOverrides(
                        runDirectory: dir + "/narrow", models: ["tuned"],
                        tasks: ["gsm8k"], limit: 5))
                let small = try await Pipeline.evaluate(narrow)
                #expect(small.results.models == ["tuned"] && small.results.result(model: "tuned", task: "gsm8k")?.items == 5)
                #expect(small.results.comparisons.isEmpty)

                // Comparing it with the first run is refused: a task setting (the limit) differs.
                let refused = #expect(throws: RunError.self) {
                    _ = try Pipeline.compare(baseRun: dir + "/run", tunedRun: dir + "/narrow", baseModel: "base", output: dir + "/cmp")
                }
                #expect(refused?.kind == .usage && refused?.message.contains("task 'gsm8k': setting 'limit' differs: 12 in") == true)
            }
        }
    }

    @Test(
        "the report opens in headless Chromium without console errors and its chart is drawn",
        .enabled(if: Chromium.binary != nil, "needs Chromium (Debian package chromium; scripts/test installs it)"))
    func reportInChromium() async throws {
        try await withServer(.init(logBodies: false)) { base in
            try await withServer(.init(script: Self.tunedScript, logBodies: false)) { tuned in
                let dir = try Self.workspace(base: base, tuned: tuned)
                let outcome = try await Pipeline.evaluate(Pipeline.prepareEvaluation(recipePath: dir + "/recipe.yaml"))
                // The detector works: a page with a console error and a missing image is caught.
                let bad = dir + "/bad.html"
                try TestSupport.write("<!DOCTYPE html><html><body><script>console.error('boom')</script></body></html>", to: bad)
                #expect(try Chromium.open(bad, screenshot: dir + "/bad.png").consoleMessages.count == 1)

                let page = try Chromium.open(outcome.reportPath, screenshot: dir + "/report.png")
                #expect(page.consoleMessages.isEmpty, "\(page.consoleMessages)")
                // The forest plot draws the gain (green) and retention (green) intervals and the margin.
                let counts = try Chromium.colourCounts(dir + "/report.png", colours: ["1a7f37", "6e7781", "ffffff"])
                #expect(counts["1a7f37", default: 0] > 200, "chart colour pixels: \(counts)")
                #expect(counts["ffffff", default: 0] < counts["total", default: 0], "the screenshot is blank")
            }
        }
    }
}

struct ChromiumFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Headless Chromium for report tests.
enum Chromium {
    /// The Chromium binary, if installed.
    static let binary: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    struct Page {
        var consoleMessages: [String]
    }

    /// Loads a file, takes a screenshot, returns the console messages it logged.
    static func open(_ path: String, screenshot: String) throws -> Page {
        let out = try Peers.runProgram(
            binary ?? "chromium",
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1000,1100",
                "--enable-logging=stderr", "--v=0", "--screenshot=\(screenshot)", "file://\(path)"
            ])
        let messages = out.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init)
        guard FileManager.default.fileExists(atPath: screenshot) else {
            throw ChromiumFailure("chromium wrote no screenshot (exit \(out.status)): \(out.stderr.suffix(2000))")
        }
        return Page(consoleMessages: messages)
    }

    /// The DOM Chromium built from a file (`--dump-dom`), serialised.
    static func dom(_ path: String) throws -> String {
        let out = try Peers.runProgram(
            binary ?? "chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://\(path)"])
        guard out.status == 0, !out.stdout.isEmpty else {
            throw ChromiumFailure("chromium dumped no DOM (exit \(out.status)): \(out.stderr.suffix(2000))")
        }
        return out.text
    }

    /// Pixels of each colour (hex `rrggbb`) in a PNG, plus `total`, decoded with Python's zlib.
    static func colourCounts(_ png: String, colours: [String]) throws -> [String: Int] {
        let script = """
            import json, struct, sys, zlib
            data = open(sys.argv[1], 'rb').read()
            pos, idat, w, h, ctype = 8, b'', 0, 0, 0
            while pos < len(data):
                n, kind = struct.unpack('>I4s', data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
                if kind == b'IHDR': w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
                elif kind == b'IDAT': idat += body
            bpp = {2: 3, 6: 4}[ctype]; raw = zlib.decompress(idat); stride = w * bpp
            prev = bytearray(stride); counts = {}; pos = 0
            for y in range(h):
                f = raw[pos]; line = bytearray(raw[pos + 1:pos + 1 + stride]); pos += 1 + stride
                for i in range(stride):
                    a = line[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
                    if f == 1: line[i] = (line[i] + a) & 255
                    elif f == 2: line[i] = (line[i] + b) & 255
                    elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
                    elif f == 4:
                        p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                        line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
                for x in range(0, stride, bpp):
                    key = '%02x%02x%02x' % (line[x], line[x + 1], line[x + 2]); counts[key] = counts.get(key, 0) + 1
                prev = line
            want = sys.argv[2].split(',')
            print(json.dumps({**{k: counts.get(k, 0) for k in want}, 'total': w * h}))
            """
        let out = try Peers.runProgram("python3", ["-c", script, png, colours.joined(separator: ",")])
        guard out.status == 0 else { throw ChromiumFailure("PNG decoding failed: \(out.stderr)") }
        let json = try JSONParser.parse(out.stdout)
        var result: [String: Int] = [:]
        for e in json.objectValue ?? JSONObject() { result[e.key] = e.value.intValue ?? 0 }
        return result
    }
}
