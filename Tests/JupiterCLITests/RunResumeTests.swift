import Foundation
import JupiterCore
import JupiterTesting
import Testing

/// Kills a real `jupiter run` with SIGKILL at several points and checks that rerunning finishes
/// with outputs byte-identical to an uninterrupted run.
@Suite(.serialized) struct RunResumeTests {
    /// A workload of a few seconds: 6× the legislation pairs (18k) with variations, in batches of 200.
    func makeWorkspace() throws -> String {
        let dir = ScratchDirectory.path("kill")
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        let reader = try LineReader(path: CLI.repoRoot + "/Tests/Fixtures/Legislation/legislation-en-cy.tsv")
        var pairs: [(String, String)] = []
        while let line = try reader.next() {
            let cols = String(decoding: line.bytes, as: UTF8.self).split(separator: "\t", omittingEmptySubsequences: false)
            if cols.count == 2 { pairs.append((String(cols[0]), String(cols[1]))) }
        }
        var tsv = ""
        for copy in 0..<6 {
            for (i, p) in pairs.enumerated() {
                // Every third copy repeats the original (exact duplicates for exact-dedup to find).
                let suffix = copy % 3 == 0 ? "" : " [\(copy)]"
                tsv += "\(p.0)\(suffix)\t\(p.1)\(suffix)\n"
                if i % 997 == 0 { tsv += "only one column \(copy)\n" }  // quarantined rows
            }
        }
        try tsv.write(toFile: dir + "/data/pairs.tsv", atomically: true, encoding: .utf8)
        try """
        name: kill
        seed: 5
        sources:
          pairs: { path: data/pairs.tsv, format: parallel-tsv, langs: [en, cy] }
        datasets:
          chat:
            from: pairs
            steps: [pair-filter, { exact-dedup: { field: source } }, parallel-to-chat]
          again:
            from: chat
            steps: [exact-dedup]
        mix:
          weights: { chat: 0.6, again: 0.4 }
          reasoning: { on: 0.5 }
        output: { dir: run, batch_size: 200, shards: 4 }
        """.write(toFile: dir + "/recipe.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    func outputs(_ runDir: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for d in ["chat", "again"] {
            for f in ["kept.jsonl.gz", "dropped.jsonl.gz", "quarantine.jsonl"] {
                out["\(d)/\(f)"] = try Data(contentsOf: URL(fileURLWithPath: "\(runDir)/datasets/\(d)/\(f)"))
            }
        }
        for f in ["README.md"] + (0..<4).map({ "part-0000\($0).jsonl.gz" }) {
            out["mixture/\(f)"] = try Data(contentsOf: URL(fileURLWithPath: "\(runDir)/mixture/\(f)"))
        }
        var manifest = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: runDir + "/manifest.json"))))
        if case .object(var o) = manifest { o.removeValue(forKey: "timings"); manifest = .object(o) }
        out["manifest.json minus timings"] = Data(JSONWriter.bytes(manifest))
        return out
    }

    @Test func sigkillAtManyPointsThenRerunGivesIdenticalOutputs() throws {
        let dir = try makeWorkspace()
        let reference = try CLI.run(["run", "recipe.yaml", "--output", "reference", "--quiet"], in: dir)
        #expect(reference.status == 0, "\(reference.stderr)")
        let expected = try outputs(dir + "/reference")

        // Kill points: after N progress lines of the log (reading, dedup, later steps, final writes),
        // and a few plain delays. Each kill lands in a run resumed from the previous kill.
        let killAfterLines = [1, 4, 8, 12, 16, 20]
        var kills = 0
        var finishedEarly = 0
        for n in killAfterLines {
            let (p, _, err) = try CLI.start(["run", "recipe.yaml", "--output", "killed"], in: dir)
            let deadline = Date().addingTimeInterval(120)
            while p.isRunning && CLI.text(err).split(separator: "\n").count < n && Date() < deadline {
                usleep(2000)
            }
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                kills += 1
            } else {
                finishedEarly += 1
            }
            p.waitUntilExit()
        }
        for delayMs in [100, 300] {
            let (p, _, _) = try CLI.start(["run", "recipe.yaml", "--output", "killed2"], in: dir)
            usleep(UInt32(delayMs * 1000))
            if p.isRunning { kill(p.processIdentifier, SIGKILL); kills += 1 }
            p.waitUntilExit()
        }
        #expect(kills >= 5, "only \(kills) kills landed; \(finishedEarly) runs finished first")
        for folder in ["killed", "killed2"] {
            let resumed = try CLI.run(["run", "recipe.yaml", "--output", folder], in: dir)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let got = try outputs(dir + "/" + folder)
            #expect(got.keys.sorted() == expected.keys.sorted())
            for (name, bytes) in expected { #expect(got[name] == bytes, "\(folder)/\(name) differs") }
        }
    }

    @Test func sigkillDuringTheMixThenRerunGivesTheSameMixture() throws {
        let dir = try makeWorkspace()
        let reference = try CLI.run(["run", "recipe.yaml", "--output", "reference", "--quiet"], in: dir)
        #expect(reference.status == 0, "\(reference.stderr)")
        let expected = try outputs(dir + "/reference")
        // Datasets first (an uninterrupted run), then kill mixes at several delays after they start.
        let first = try CLI.run(["run", "recipe.yaml", "--output", "killed", "--quiet"], in: dir)
        #expect(first.status == 0)
        FileSystem.remove(dir + "/killed/mixture/part-00002.jsonl.gz")  // forces the mix to run again
        var kills = 0
        for delayMs in [0, 20, 60, 150, 300] {
            let (p, _, err) = try CLI.start(["run", "recipe.yaml", "--output", "killed"], in: dir)
            let deadline = Date().addingTimeInterval(120)
            while p.isRunning && !CLI.text(err).contains("[mixture]") && Date() < deadline { usleep(1000) }
            usleep(UInt32(delayMs * 1000))
            if p.isRunning { kill(p.processIdentifier, SIGKILL); kills += 1 }
            p.waitUntilExit()
        }
        #expect(kills >= 3, "only \(kills) kills landed during the mix")
        let resumed = try CLI.run(["run", "recipe.yaml", "--output", "killed"], in: dir)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let got = try outputs(dir + "/killed")
        for (name, bytes) in expected { #expect(got[name] == bytes, "killed/\(name) differs") }
        #expect(!FileSystem.exists(dir + "/killed/work/.mix"))
    }

    @Test func sigtermStopsCleanlyWithExitCode130AndResumes() throws {
        let dir = try makeWorkspace()
        let reference = try CLI.run(["run", "recipe.yaml", "--output", "reference", "--quiet"], in: dir)
        #expect(reference.status == 0, "\(reference.stderr)")
        let expected = try outputs(dir + "/reference")

        // Stop once the first batch is on disk (not after a fixed number of log lines: on a slow
        // machine the first lines come before any batch has finished).
        let (p, _, err) = try CLI.start(["run", "recipe.yaml"], in: dir)
        func batchFiles() -> Set<String> {
            let work = (try? FileManager.default.subpathsOfDirectory(atPath: dir + "/run/work")) ?? []
            return Set(work.filter { $0.hasSuffix(".kept.gz") || $0.hasSuffix(".kept.jsonl") })
        }
        let deadline = Date().addingTimeInterval(120)
        while p.isRunning && batchFiles().isEmpty && Date() < deadline { usleep(2000) }
        let before = batchFiles()
        if p.isRunning { kill(p.processIdentifier, SIGTERM) }
        p.waitUntilExit()
        if p.terminationStatus != 0 {
            let stderr = CLI.text(err)
            #expect(
                p.terminationStatus == 130,
                "\(p.terminationReason == .uncaughtSignal ? "signal " : "exit ")\(p.terminationStatus): \(stderr)")
            #expect(stderr.contains("rerun the same command to resume"), "\(stderr)")
            // Finished batches stay recorded, and no temporary file was left behind.
            let work = (try? FileManager.default.subpathsOfDirectory(atPath: dir + "/run/work")) ?? []
            #expect(!before.isEmpty)
            #expect(before.isSubset(of: batchFiles()), "gone after the stop: \(before.subtracting(batchFiles()).sorted())")
            #expect(!work.contains { $0.contains(".tmp-") }, "left behind: \(work.filter { $0.contains(".tmp-") })")
        }
        let again = try CLI.run(["run", "recipe.yaml"], in: dir)
        #expect(again.status == 0, "\(again.stderr)")
        let got = try outputs(dir + "/run")
        #expect(got.keys.sorted() == expected.keys.sorted())
        for (name, bytes) in expected { #expect(got[name] == bytes, "run/\(name) differs") }
    }
}
