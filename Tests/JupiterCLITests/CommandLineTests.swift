import Foundation
import JupiterTesting
import Testing

@Suite struct CommandLineTests {
    func workspace(_ recipe: String, files: [String: String] = [:]) throws -> String {
        let dir = ScratchDirectory.path("cli")
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        try recipe.write(toFile: dir + "/recipe.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    @Test func helpIsAvailableForEveryCommand() throws {
        for cmd in [[], ["run"], ["validate"], ["inspect"], ["tokens"], ["models"], ["chat"]] {
            let r = try CLI.run(cmd + ["--help"], in: NSTemporaryDirectory())
            #expect(r.status == 0, "\(cmd) --help exited \(r.status)")
            #expect(r.stdout.contains("USAGE"), "\(cmd) --help: \(r.stdout)")
        }
        let top = try CLI.run(["--help"], in: NSTemporaryDirectory())
        #expect(top.stdout.contains("Exit codes"))
    }

    @Test func validateReportsProblemsWithLinesAndExitCode2() throws {
        let dir = try workspace(
            """
            name: v
            sources:
              p: { path: data/missing.tsv, format: parallel-tsv, langs: [en, cy] }
            datasets:
              d: { from: p, steps: [pair-filterr] }
            """)
        let r = try CLI.run(["validate", "recipe.yaml"], in: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("recipe.yaml:3: error: source 'p': file not found: data/missing.tsv"))
        #expect(r.stderr.contains("recipe.yaml:5: error: dataset 'd': unknown stage 'pair-filterr'"))
        #expect(!r.stderr.contains("Fatal error"))
        #expect(!r.stderr.contains("Stack"))
    }

    @Test func validateAcceptsTheExample() throws {
        let r = try CLI.run(["validate", CLI.repoRoot + "/examples/cymru/recipe.yaml"], in: CLI.repoRoot)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("valid"))
    }

    @Test func badRecipeRunsNothingAndWritesNothing() throws {
        let dir = try workspace("name: x\nsources: {}\ndatasets:\n  d: { from: nope }\noutput: { dir: out }\n")
        let r = try CLI.run(["run", "recipe.yaml"], in: dir)
        #expect(r.status == 2)
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }

    @Test func missingRecipeIsOneClearError() throws {
        let r = try CLI.run(["run", "no-such-recipe.yaml"], in: NSTemporaryDirectory())
        #expect(r.status == 2)
        #expect(r.stderr.contains("no-such-recipe.yaml: error: cannot read recipe"))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test func nonTerminalProgressIsPlainLines() throws {
        let dir = try workspace(
            """
            name: p
            sources:
              p: { path: data/p.tsv, format: parallel-tsv, langs: [en, cy] }
            datasets:
              d: { from: p, steps: [pair-filter] }
            """, files: ["data/p.tsv": "Good morning\tBore da\nThank you very much\tDiolch yn fawr iawn\n"])
        let r = try CLI.run(["run", "recipe.yaml"], in: dir)
        #expect(r.status == 0)
        #expect(!r.stderr.contains("\u{1B}["))
        #expect(r.stderr.contains("[d] read 2 · kept 2 · dropped 0 · quarantined 0 → 2 records"))
        #expect(r.stdout.contains("done: "))
    }

    @Test func tokensCountsGzipRecordsAndReportsBadLines() throws {
        let dir = ScratchDirectory.path("tokens")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let lines = [
            #"{"messages":[{"role":"user","content":"Bore da"},{"role":"assistant","content":"Bore da i chi hefyd!","reasoning_content":"Greeting in Welsh."}]}"#,
            #"{"messages":[{"role":"user","content":"Diolch"},{"role":"assistant","content":"Croeso."}]}"#,
            #"{"messages": oops"#
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/c.jsonl", atomically: true, encoding: .utf8)
        let gz = Process()
        gz.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gz.arguments = ["gzip", "-k", dir + "/c.jsonl"]
        try gz.run()
        gz.waitUntilExit()
        let tokenizer = CLI.repoRoot + "/Tests/Fixtures/Tokenize/tokenizers/nemotron.json"
        let r = try CLI.run(["tokens", "c.jsonl.gz", "--tokenizer", tokenizer], in: dir)
        #expect(r.status == 1)  // one record could not be counted
        #expect(r.stdout.contains("records: 2"))
        #expect(r.stderr.contains("c.jsonl.gz:3"))
        #expect(r.stdout.contains("reasoning"))
    }

    @Test func usageErrorsExitWith2() throws {
        for args in [["run", "--bogus", "x"], ["run"], ["run", "--workers", "0", "x"], ["nonsense"]] {
            let r = try CLI.run(args, in: NSTemporaryDirectory())
            #expect(r.status == 2, "\(args) exited \(r.status)")
            #expect(r.stderr.contains("Error:") || r.stderr.contains("error:"))
        }
    }
}
