import Foundation
import JupiterCore
import Testing

@testable import Jupiter

/// The run folder is the only place a run deletes in, it never follows links while deleting,
/// and a folder Jupiter did not make is refused.
@Suite struct RunFolderSafetyTests {
    func recipe(
        _ dir: String, output: String = "run", seed: Int = 7, steps: String = "[pair-filter, parallel-to-chat]",
        extra: String = ""
    ) throws -> String {
        try TestSupport.writeTSV(try TestSupport.legislationPairs(limit: 120), to: dir + "/data/pairs.tsv")
        try TestSupport.write(
            """
            name: safety
            seed: \(seed)
            sources:
              pairs: { path: data/pairs.tsv, format: parallel-tsv, langs: [en, cy] }
            datasets:
              chat: { from: pairs, steps: \(steps) }
            \(extra)
            output: { dir: \(output), batch_size: 32 }
            """, to: dir + "/recipe.yaml")
        return dir + "/recipe.yaml"
    }

    func run(_ recipe: String, observer: RunObserver? = nil) async throws -> RunSummary {
        let (plan, problems) = Pipeline.check(recipePath: recipe)
        #expect(!problems.contains { $0.severity == .error }, "\(problems)")
        return try await RunEngine(plan: try #require(plan), options: RunOptions(observer: observer)).run()
    }

    /// A link inside the run folder is removed as a link; what it points to is left alone, and a
    /// link loop does not trap the stale-temporary sweep.
    @Test func deletingNeverFollowsSymbolicLinks() async throws {
        let dir = try TestSupport.temporaryDirectory("links")
        let recipePath = try recipe(dir)
        _ = try await run(recipePath)
        // Someone's precious folder, outside the run folder, with a file that looks like a stale temporary.
        let victim = dir + "/precious"
        try TestSupport.write("keep me", to: victim + "/notes.txt")
        try TestSupport.write("keep me too", to: victim + "/draft.tmp-999")
        let fm = FileManager.default
        // A "dataset" the recipe does not produce that is a link to it, a work entry that links to
        // it, and a link loop inside the run folder.
        try fm.createSymbolicLink(atPath: dir + "/run/datasets/old", withDestinationPath: victim)
        try fm.createSymbolicLink(atPath: dir + "/run/work/elsewhere", withDestinationPath: victim)
        try fm.createSymbolicLink(atPath: dir + "/run/work/chat/loop", withDestinationPath: dir + "/run/work")

        let events = EventLog()
        _ = try await run(recipePath, observer: { events.add($0) })
        #expect(try String(contentsOfFile: victim + "/notes.txt", encoding: .utf8) == "keep me")
        #expect(try String(contentsOfFile: victim + "/draft.tmp-999", encoding: .utf8) == "keep me too")
        #expect(!FileSystem.isSymbolicLink(dir + "/run/datasets/old") && !FileSystem.exists(dir + "/run/datasets/old"))
        #expect(!FileSystem.exists(dir + "/run/work/elsewhere"))
        #expect(!FileSystem.exists(dir + "/run/work/chat/loop"))
        #expect(events.removed == ["datasets/old"])
    }

    /// `output.dir: .` in a project with its own `datasets/`: refused before anything is written
    /// or deleted. An empty folder is fine (and gets the marker).
    @Test func aFolderJupiterDidNotMakeIsRefused() async throws {
        let dir = try TestSupport.temporaryDirectory("unmarked")
        try TestSupport.write("my own data", to: dir + "/project/datasets/mine/data.txt")
        try TestSupport.write("x", to: dir + "/project/notes.tmp-1")
        let recipePath = try recipe(dir, output: "project")
        let (plan, _) = Pipeline.check(recipePath: recipePath)
        do {
            _ = try RunEngine(plan: try #require(plan))
            Issue.record("an unmarked, non-empty folder was accepted")
        } catch let error as RunError {
            #expect(error.kind == .folder)
            #expect(error.exitCode == .usage)
            #expect(error.message.contains("was not made by Jupiter"))
        }
        #expect(try String(contentsOfFile: dir + "/project/datasets/mine/data.txt", encoding: .utf8) == "my own data")
        #expect(FileSystem.exists(dir + "/project/notes.tmp-1"))
        #expect(!FileSystem.exists(dir + "/project/" + RunFolder.markerName))

        try FileManager.default.createDirectory(atPath: dir + "/empty", withIntermediateDirectories: true)
        let fine = try recipe(dir, output: "empty")
        _ = try await run(fine)
        #expect(FileSystem.exists(dir + "/empty/" + RunFolder.markerName))
        #expect(FileSystem.exists(dir + "/empty/datasets/chat/kept.jsonl.gz"))
    }

    /// Stages that do not use the seed are not redone when it changes: only the seeded
    /// conversation step is.
    @Test func changingTheSeedRedoesOnlyStagesThatUseIt() async throws {
        let dir = try TestSupport.temporaryDirectory("seed")
        try TestSupport.write(
            #"{"input":[{"role":"user","content":"nothing like the legislation at all"}],"ideal":"x"}"# + "\n",
            to: dir + "/evals/e.jsonl")
        let steps =
            "[pair-filter, { exact-dedup: { field: source } }, minhash-dedup, { decontaminate: { evals: [evals/e.jsonl] } }, "
            + "{ semantic-dedup: { model: hashed-bow } }, parallel-to-chat]"
        _ = try await run(try recipe(dir, seed: 1, steps: steps))
        let events = EventLog()
        _ = try await run(try recipe(dir, seed: 2, steps: steps), observer: { events.add($0) })
        #expect(
            events.skippedSteps == [
                "chat/pair-filter", "chat/exact-dedup", "chat/minhash-dedup",
                "chat/decontaminate", "chat/semantic-dedup"
            ])
        #expect(events.startedSteps == ["chat/parallel-to-chat"])
    }

    /// A finished mixture is reused only when its files still hash as recorded: a shard changed in
    /// place (same size) is rebuilt.
    @Test func aMixtureIsReusedOnlyWhenItsFilesAreIntact() async throws {
        let dir = try TestSupport.temporaryDirectory("mixhash")
        let recipePath = try recipe(dir, extra: "mix: { weights: { chat: 1 }, unit: records }")
        _ = try await run(recipePath)
        let shard = dir + "/run/mixture/part-00000.jsonl.gz"
        let original = try TestSupport.bytes(shard)
        var tampered = original
        tampered[tampered.count / 2] ^= 0xFF
        try TestSupport.write(tampered, to: shard)
        let events = EventLog()
        _ = try await run(recipePath, observer: { events.add($0) })
        #expect(events.mixStarted == 1 && events.mixSkipped == 0)
        #expect(try TestSupport.bytes(shard) == original)
        let again = EventLog()
        _ = try await run(recipePath, observer: { again.add($0) })
        #expect(again.mixSkipped == 1)
    }

    /// A record a stage could not process is quarantined like an unreadable line: `raw` holds it
    /// (one native JSON line), never a `record` object.
    @Test func stageQuarantineEntriesCarryTheRecordAsRaw() async throws {
        let dir = try TestSupport.temporaryDirectory("quarantine")
        let recipePath = try recipe(dir, steps: "[every-third]")
        let (recipe, problems) = RecipeLoader.load(path: recipePath)
        #expect(problems.isEmpty, "\(problems)")
        var catalog = StageCatalog.byName
        catalog["every-third"] = StageFactory(name: "every-third", summary: "quarantines every third record") { _, _ in
            EveryThirdQuarantined()
        }
        let (plan, planProblems) = PlanBuilder.build(try #require(recipe), models: nil, catalog: catalog)
        #expect(planProblems.isEmpty, "\(planProblems)")
        _ = try await RunEngine(plan: try #require(plan)).run()
        let lines = try TestSupport.jsonLines(dir + "/run/datasets/chat/quarantine.jsonl")
        #expect(lines.count == 40)
        for entry in lines {
            #expect(entry["record"] == nil)
            #expect(entry["stage"]?.stringValue == "every-third")
            #expect(entry["file"]?.stringValue == "data/pairs.tsv")
            let raw = try JSONParser.parse(try #require(entry["raw"]?.stringValue))
            #expect(raw["id"]?.stringValue != nil)
            #expect(raw["lineage"]?["origins"]?[0]?["line"] == entry["line"])
        }
    }
}

/// A global stage that quarantines every third record.
private struct EveryThirdQuarantined: GlobalStage {
    var name: String { "every-third" }
    var configuration: JSONValue { .object([:]) }
    func run(_ input: any RecordBatches, context: StageContext, emit: (StageOutput) async throws -> Void) async throws {
        var i = 0
        try await input.forEachBatch { batch in
            for r in batch {
                i += 1
                try await emit(i % 3 == 0 ? .quarantined(r, error: "every third") : .kept(r))
            }
        }
    }
}
