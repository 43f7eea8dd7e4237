import Foundation
import JupiterCore
import JupiterTesting
import Testing

/// `jupiter report RUN` and the report `jupiter run` writes (unless `--no-report`).
@Suite struct ReportCommandTests {
    func workspace() throws -> String {
        let dir = ScratchDirectory.path("cli-report")
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        let pairs = "Good morning\tBore da\nThank you very much\tDiolch yn fawr iawn\nGood morning\tBore da\n1234\t5678\n"
        try pairs.write(toFile: dir + "/data/p.tsv", atomically: true, encoding: .utf8)
        try """
        name: r
        sources:
          p: { path: data/p.tsv, format: parallel-tsv, langs: [en, cy] }
        datasets:
          d: { from: p, steps: [pair-filter, { exact-dedup: { field: source } }] }
        output: { dir: out }
        """.write(toFile: dir + "/recipe.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    @Test func runWritesTheReportUnlessToldNotToAndReportRewritesIt() throws {
        let dir = try workspace()
        let quiet = try CLI.run(["run", "recipe.yaml", "--quiet", "--no-report"], in: dir)
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(!quiet.stdout.contains("report:") && !FileManager.default.fileExists(atPath: dir + "/out/report"))

        let run = try CLI.run(["run", "recipe.yaml", "--quiet"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let line = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("report: ") }, "\(run.stdout)")
        #expect(line.hasSuffix("out/report/index.html"))
        let first = try String(contentsOfFile: dir + "/out/report/index.html", encoding: .utf8)
        #expect(
            first.contains("<span id=\"kept-d\">2</span>")
                && first.contains("<span id=\"rule-d-exact-dedup-exact-dedup.duplicate\">1</span>"))

        let again = try CLI.run(["report", "out"], in: dir)
        #expect(again.status == 0 && again.stdout == "report: out/report/index.html\n", "\(again.stdout)\(again.stderr)")
        #expect(try String(contentsOfFile: dir + "/out/report/index.html", encoding: .utf8) == first)
        #expect((FileSystem.list(dir + "/out/report") ?? []) == ["index.html"], "no temporary file left behind")
    }

    @Test func missingAndUnfinishedRunsExitWith2() throws {
        let dir = try workspace()
        let missing = try CLI.run(["report", "nowhere"], in: dir)
        #expect(missing.status == 2 && missing.stderr == "error: nowhere: no such run folder\n", "\(missing.stderr)")
        try FileManager.default.createDirectory(atPath: dir + "/half/datasets", withIntermediateDirectories: true)
        let unfinished = try CLI.run(["report", "half"], in: dir)
        #expect(unfinished.status == 2 && unfinished.stderr.contains("half holds no finished run (no manifest.json)"))
        let help = try CLI.run(["report", "--help"], in: dir)
        #expect(help.status == 0 && help.stdout.contains("--recipe"))
    }
}
