import Foundation
import JupiterCore
import Testing

@testable import Jupiter

@Suite struct RunEngineTests {
    /// A recipe over `pairs` with the three first-party stages.
    func makeRecipe(
        _ dir: String, pairs: [(String, String)], batchSize: Int = 64, seed: Int = 7,
        extraSources: String = "", extraDatasets: String = ""
    ) throws -> String {
        try TestSupport.writeTSV(pairs, to: dir + "/data/pairs.tsv")
        let yaml = """
            name: test
            seed: \(seed)
            sources:
              pairs: { path: data/pairs.tsv, format: parallel-tsv, langs: [en, cy] }
            \(extraSources)
            datasets:
              chat:
                from: pairs
                steps: [pair-filter, { exact-dedup: { field: source } }, parallel-to-chat]
            \(extraDatasets)
            output: { dir: run, batch_size: \(batchSize) }
            """
        try TestSupport.write(yaml, to: dir + "/recipe.yaml")
        return dir + "/recipe.yaml"
    }

    func run(_ recipe: String, runDirectory: String? = nil, workers: Int = 4) async throws -> RunSummary {
        let (plan, problems) = Pipeline.check(recipePath: recipe)
        #expect(problems.isEmpty, "\(problems)")
        let engine = try RunEngine(plan: try #require(plan), options: RunOptions(runDirectory: runDirectory, workers: workers))
        return try await engine.run()
    }

    /// Runs and returns the events seen (the engine, and its folder lock, are gone on return).
    func runLogged(_ recipe: String) async throws -> EventLog {
        let events = EventLog()
        let (plan, _) = Pipeline.check(recipePath: recipe)
        let engine = try RunEngine(plan: try #require(plan), options: RunOptions(observer: { events.add($0) }))
        _ = try await engine.run()
        return events
    }

    /// Manifest without its `timings` member (the only part allowed to differ between runs).
    static func manifestWithoutTimings(_ runDir: String) throws -> JSONValue {
        guard case .object(var o) = try JSONParser.parse(try TestSupport.bytes(runDir + "/manifest.json")) else {
            return .null
        }
        o.removeValue(forKey: "timings")
        return .object(o)
    }

    static func outputs(_ runDir: String, dataset: String = "chat") throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for f in ["kept.jsonl.gz", "dropped.jsonl.gz", "quarantine.jsonl"] {
            out[f] = try TestSupport.bytes(runDir + "/datasets/\(dataset)/" + f)
        }
        return out
    }

    /// Pairs with some duplicates and some pairs the filter must drop.
    static func noisyPairs() throws -> [(String, String)] {
        var pairs = try TestSupport.legislationPairs(limit: 700)
        pairs += pairs[10..<40]  // exact duplicates
        pairs.append(("", "Testun"))  // empty side
        pairs.append(("Same text here", "same text HERE"))  // identical
        pairs.append(("1234 5678 9012 3456", "1234 5678 9012 3457"))  // non-letters
        pairs.append(("Short", String(repeating: "Hir iawn iawn. ", count: 20)))  // length ratio
        return pairs
    }

    @Test func sameRecipeSameSeedSameBytes() async throws {
        let dir = try TestSupport.temporaryDirectory("det")
        let recipe = try makeRecipe(dir, pairs: try Self.noisyPairs())
        _ = try await run(recipe, runDirectory: dir + "/run-a", workers: 1)
        _ = try await run(recipe, runDirectory: dir + "/run-b", workers: 4)
        #expect(try Self.outputs(dir + "/run-a") == Self.outputs(dir + "/run-b"))
        #expect(try Self.manifestWithoutTimings(dir + "/run-a") == Self.manifestWithoutTimings(dir + "/run-b"))
    }

    @Test func differentSeedChangesConversationsButNotFiltering() async throws {
        let dir1 = try TestSupport.temporaryDirectory("seed")
        let dir2 = try TestSupport.temporaryDirectory("seed")
        let pairs = try Self.noisyPairs()
        let a = try await run(try makeRecipe(dir1, pairs: pairs, seed: 1))
        let b = try await run(try makeRecipe(dir2, pairs: pairs, seed: 2))
        #expect(a.counts["chat"]?.kept == b.counts["chat"]?.kept)
        #expect(try Self.outputs(dir1 + "/run")["kept.jsonl.gz"] != Self.outputs(dir2 + "/run")["kept.jsonl.gz"])
    }

    @Test func countsAddUpAndMatchTheFiles() async throws {
        let dir = try TestSupport.temporaryDirectory("counts")
        let pairs = try Self.noisyPairs()
        let summary = try await run(try makeRecipe(dir, pairs: pairs))
        let c = try #require(summary.counts["chat"])
        #expect(c.read == pairs.count)
        #expect(c.read == c.kept + c.dropped + c.quarantined)
        let kept = try TestSupport.jsonLines(dir + "/run/datasets/chat/kept.jsonl.gz")
        let dropped = try TestSupport.jsonLines(dir + "/run/datasets/chat/dropped.jsonl.gz")
        #expect(kept.count == c.records)
        // Each conversation lists the input lines it was built from; together they cover every kept pair once.
        let origins = kept.flatMap { $0["lineage"]?["origins"]?.arrayValue ?? [] }.compactMap { $0["line"]?.intValue }
        #expect(origins.count == c.kept)
        #expect(Set(origins).count == origins.count)
        #expect(dropped.count == c.dropped)
        let rules = Set(dropped.compactMap { $0["dropped"]?["rule"]?.stringValue })
        #expect(
            rules.isSuperset(of: [
                "pair.empty", "pair.identical", "pair.non-letters", "pair.length-ratio",
                "exact-dedup.duplicate"
            ]))
        // The 30 planted duplicates (lines 701–730) are dropped by exact-dedup, naming the first copy.
        let dupDrops = dropped.filter { $0["dropped"]?["stage"]?.stringValue == "exact-dedup" }
        #expect(dupDrops.count >= 30)
        #expect(dupDrops.allSatisfy { ($0["dropped"]?["reason"]?.stringValue ?? "").hasPrefix("duplicate of data/pairs.tsv:") })
        // Every line read is accounted for exactly once.
        let droppedLines = dropped.compactMap { $0["lineage"]?["origins"]?[0]?["line"]?.intValue }
        #expect(Set(droppedLines + origins) == Set(1...pairs.count))
        // Manifest says the same.
        let manifest = try JSONParser.parse(try TestSupport.bytes(dir + "/run/manifest.json"))
        #expect(manifest["datasets"]?["chat"]?["counts"]?["read"]?.intValue == c.read)
        #expect(manifest["inputs"]?.arrayValue?.first?["sha256"]?.stringValue?.count == 64)
    }

    @Test func translationConversationsHaveTheDocumentedShape() async throws {
        let dir = try TestSupport.temporaryDirectory("shape")
        let pairs = try TestSupport.legislationPairs(limit: 2000)
        _ = try await run(try makeRecipe(dir, pairs: pairs, batchSize: 256))
        let kept = try TestSupport.jsonLines(dir + "/run/datasets/chat/kept.jsonl.gz")
        let series = kept.filter { $0["metadata"]?["style"]?.stringValue == "series" }
        let seriesShare = Double(series.count) / Double(kept.count)
        #expect(seriesShare > 0.22 && seriesShare < 0.38, "series share \(seriesShare)")
        let maxPairs = kept.compactMap { $0["metadata"]?["pairs"]?.intValue }.max() ?? 0
        #expect(maxPairs == 5)
        let forward = kept.filter { $0["metadata"]?["direction"]?.stringValue == "en-cy" }.count
        let share = Double(forward) / Double(kept.count)
        #expect(share > 0.42 && share < 0.58, "en→cy share \(share)")
        let templates = Set(kept.compactMap { $0["metadata"]?["template"]?.stringValue })
        #expect(templates.filter { $0.hasPrefix("single-en-") }.count >= 8)
        #expect(templates.filter { $0.hasPrefix("single-cy-") }.count >= 8)
        // Series conversations alternate user/assistant with one sentence per turn after the opener.
        for s in series {
            let messages = s["messages"]?.arrayValue ?? []
            #expect(messages.count == 2 * (s["metadata"]?["pairs"]?.intValue ?? 0))
            #expect(messages.enumerated().allSatisfy { $1["role"]?.stringValue == ($0 % 2 == 0 ? "user" : "assistant") })
            // Reasoning off: no reasoning_content on assistant turns.
            #expect(messages.allSatisfy { $0["reasoning_content"] == nil })
        }
    }

    @Test func malformedInputIsQuarantinedWithFileAndLine() async throws {
        let dir = try TestSupport.temporaryDirectory("bad")
        var jsonl: [UInt8] = []
        func line(_ s: String) { jsonl += Array(s.utf8) + [0x0A] }
        line(#"{"messages":[{"role":"user","content":"Shwmae"},{"role":"assistant","content":"Helo!"}]}"#)
        line(#"{"messages": [ {"role":"user", "content": "unterminated"#)  // 2: invalid JSON
        line(#"{"messages":"not a list"}"#)  // 3: wrong type
        jsonl += Array(#"{"messages":[{"role":"user","content":"bad "#.utf8) + [0xC3, 0x28] + Array(#""}]}"#.utf8) + [0x0A]  // 4
        jsonl += Array(#"{"messages":[{"role":"user","content":""#.utf8)  // 5: a 50 MB line
        jsonl += [UInt8](repeating: UInt8(ascii: "a"), count: 50 << 20) + Array(#""}]}"#.utf8) + [0x0A]
        line(#"{"messages":[{"role":"user","content":"Diolch"}]}"#)  // 6
        try TestSupport.write(jsonl, to: dir + "/data/chats.jsonl")
        try TestSupport.write("", to: dir + "/data/empty.jsonl")
        try TestSupport.write("one\tun\njust one column\nthree\ttri\n", to: dir + "/data/pairs.tsv")
        try TestSupport.write(
            """
            name: bad
            sources:
              chats: { path: "data/*.jsonl", format: openai-messages }
              pairs: { path: data/pairs.tsv, format: parallel-tsv, langs: [en, cy] }
            datasets:
              chats: { from: chats }
              pairs: { from: pairs, steps: [pair-filter] }
            output: { dir: run, batch_size: 2 }
            """, to: dir + "/recipe.yaml")
        let summary = try await run(dir + "/recipe.yaml")
        let q = try TestSupport.jsonLines(dir + "/run/datasets/chats/quarantine.jsonl")
        let byLine = Dictionary(
            q.map {
                (
                    ($0["file"]?.stringValue ?? "") + ":" + String($0["line"]?.intValue ?? -1),
                    $0["error"]?.stringValue ?? ""
                )
            }, uniquingKeysWith: { a, _ in a })
        #expect(byLine["data/chats.jsonl:2"]?.contains("invalid JSON") == true)
        #expect(byLine["data/chats.jsonl:3"]?.contains("field \"messages\": expected array, found string") == true)
        #expect(byLine["data/chats.jsonl:4"]?.contains("invalid UTF-8") == true)
        #expect(byLine["data/chats.jsonl:5"]?.contains("over the 16777216-byte limit") == true)
        #expect(byLine["data/empty.jsonl:0"] == "empty file")
        let chats = try #require(summary.counts["chats"])
        #expect(chats.kept == 2)
        #expect(chats.quarantined == 5)
        #expect(chats.read == chats.kept + chats.dropped + chats.quarantined)
        let pq = try TestSupport.jsonLines(dir + "/run/datasets/pairs/quarantine.jsonl")
        #expect(pq.count == 1)
        #expect(pq.first?["line"]?.intValue == 2)
        #expect(pq.first?["error"]?.stringValue == "expected 2 tab-separated columns, found 1")
        #expect(pq.first?["raw"]?.stringValue == "just one column")
        #expect(summary.counts["pairs"]?.kept == 2)
    }

    @Test func rerunSkipsFinishedWorkAndChangedRecipeRedoesIt() async throws {
        let dir = try TestSupport.temporaryDirectory("rerun")
        let pairs = try TestSupport.legislationPairs(limit: 300)
        let recipe = try makeRecipe(dir, pairs: pairs)
        _ = try await run(recipe)
        let first = try Self.outputs(dir + "/run")
        // Rerun: every step is skipped, outputs unchanged.
        let events = try await runLogged(recipe)
        #expect(events.skipped == 3)
        #expect(events.started == 0)
        #expect(try Self.outputs(dir + "/run") == first)
        // A different seed changes parallel-to-chat's fingerprint only: earlier steps are reused.
        let recipe2 = try makeRecipe(dir, pairs: pairs, seed: 99)
        let events2 = try await runLogged(recipe2)
        #expect(events2.skipped == 2)
        #expect(events2.started == 1)
        #expect(try Self.outputs(dir + "/run")["kept.jsonl.gz"] != first["kept.jsonl.gz"])
        // Work folders of the old plan are removed.
        #expect((FileSystem.list(dir + "/run/work/chat") ?? []).filter { $0 != DatasetResult.fileName }.count == 3)
    }

    @Test func changedInputIsNotReusedFromTheLedger() async throws {
        let dir = try TestSupport.temporaryDirectory("input")
        let pairs = try TestSupport.legislationPairs(limit: 100)
        let recipe = try makeRecipe(dir, pairs: pairs)
        let a = try await run(recipe)
        try TestSupport.writeTSV(Array(pairs.prefix(50)), to: dir + "/data/pairs.tsv")
        let b = try await run(recipe)
        #expect(a.counts["chat"]?.read == 100)
        #expect(b.counts["chat"]?.read == 50)
    }

    @Test func datasetsCanReadOtherDatasets() async throws {
        let dir = try TestSupport.temporaryDirectory("chain")
        let pairs = try Self.noisyPairs()
        let recipe = try makeRecipe(
            dir, pairs: pairs,
            extraDatasets: """
                  again:
                    from: chat
                    steps: [exact-dedup]
                """)
        let summary = try await run(recipe)
        let chat = try #require(summary.counts["chat"])
        let again = try #require(summary.counts["again"])
        #expect(again.read == chat.kept)
        #expect(again.read == again.kept + again.dropped + again.quarantined)
        let kept = try TestSupport.jsonLines(dir + "/run/datasets/again/kept.jsonl.gz")
        #expect(
            kept.first?["lineage"]?["stages"]?.arrayValue?.compactMap(\.stringValue)
                == ["pair-filter", "exact-dedup", "parallel-to-chat", "exact-dedup"])
        #expect(kept.first?["lineage"]?["origins"]?[0]?["file"]?.stringValue == "data/pairs.tsv")
    }

    @Test func cancelledRunResumesToTheSameBytes() async throws {
        let dir = try TestSupport.temporaryDirectory("cancel")
        let recipe = try makeRecipe(dir, pairs: try Self.noisyPairs(), batchSize: 16)
        _ = try await run(recipe, runDirectory: dir + "/reference")
        let (plan, _) = Pipeline.check(recipePath: recipe)
        let counter = EventLog()
        let engine = try RunEngine(plan: try #require(plan), options: RunOptions(workers: 2, observer: { counter.add($0) }))
        let task = Task { try await engine.run() }
        while counter.progress < 3 { try await Task.sleep(for: .milliseconds(1)) }
        task.cancel()
        _ = try? await task.value
        _ = consume engine
        _ = try await run(recipe)
        #expect(try Self.outputs(dir + "/run") == Self.outputs(dir + "/reference"))
    }

    @Test func decontaminationReportIsInTheManifestAndSurvivesReruns() async throws {
        let dir = try TestSupport.temporaryDirectory("decon")
        let pairs = try TestSupport.legislationPairs(limit: 200)
        // Five long training sentences leak into the eval set.
        let leaked = pairs.filter { $0.0.split(separator: " ").count >= 12 }.prefix(5)
        let evals = leaked.map { #"{"input":[{"role":"user","content":"\#($0.0)"}],"ideal":"x"}"# }
        try TestSupport.write(evals.joined(separator: "\n") + "\n", to: dir + "/evals/leaked.jsonl")
        try TestSupport.writeTSV(pairs, to: dir + "/data/pairs.tsv")
        try TestSupport.write(
            """
            name: decon
            sources:
              pairs: { path: data/pairs.tsv, format: parallel-tsv, langs: [en, cy] }
            datasets:
              clean: { from: pairs, steps: [{ decontaminate: { evals: [evals/leaked.jsonl] } }] }
            output: { dir: run }
            """, to: dir + "/recipe.yaml")
        let summary = try await run(dir + "/recipe.yaml")
        #expect(summary.counts["clean"]?.dropped ?? 0 >= 5)
        let first = try Self.manifestWithoutTimings(dir + "/run")
        let report = first["datasets"]?["clean"]?["reports"]?["decontaminate"]
        #expect(report?["eval_sets"]?[0]?["matched_items"]?.intValue == 5)
        _ = try await run(dir + "/recipe.yaml")  // every step skipped: the report comes from the ledger
        #expect(try Self.manifestWithoutTimings(dir + "/run") == first)
        #expect(report?["eval_sets"]?[0]?["sha256"]?.stringValue == (try SHA256.hex(ofFile: dir + "/evals/leaked.jsonl")))

        // The eval set changes (same name, same size class): the step is redone, not reused.
        try TestSupport.write(evals.prefix(2).joined(separator: "\n") + "\n", to: dir + "/evals/leaked.jsonl")
        let events = EventLog()
        let (plan, _) = Pipeline.check(recipePath: dir + "/recipe.yaml")
        _ = try await RunEngine(plan: try #require(plan), options: RunOptions(observer: { events.add($0) })).run()
        #expect(events.started >= 1)
        let changed = try Self.manifestWithoutTimings(dir + "/run")
        #expect(changed["datasets"]?["clean"]?["reports"]?["decontaminate"]?["eval_sets"]?[0]?["matched_items"]?.intValue == 2)
    }

    @Test func aSecondRunOnTheSameFolderIsRefused() async throws {
        let dir = try TestSupport.temporaryDirectory("lock")
        let recipe = try makeRecipe(dir, pairs: try TestSupport.legislationPairs(limit: 10))
        let (plan, _) = Pipeline.check(recipePath: recipe)
        let first = try RunEngine(plan: try #require(plan))
        #expect(throws: RunError.self) { _ = try RunEngine(plan: plan!) }
        _ = first
    }
}

/// Collects run events from many tasks.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var skipped = 0
    private(set) var started = 0
    private(set) var progress = 0
    private(set) var stepsFinished = 0
    private(set) var mixStarted = 0
    private(set) var mixSkipped = 0
    private(set) var removed: [String] = []
    /// Labels of the steps skipped and started, in order (`dataset/label`).
    private(set) var skippedSteps: [String] = []
    private(set) var startedSteps: [String] = []

    func add(_ e: RunEvent) {
        lock.lock()
        defer { lock.unlock() }
        switch e {
        case .stepSkipped(let d, _, let label): skipped += 1; skippedSteps.append("\(d)/\(label)")
        case .stepStarted(let d, _, _, let label, _): started += 1; startedSteps.append("\(d)/\(label)")
        case .progress: progress += 1
        case .stepFinished: stepsFinished += 1
        case .mixStarted: mixStarted += 1
        case .mixSkipped: mixSkipped += 1
        case .staleOutputRemoved(let path): removed.append(path)
        default: break
        }
    }

    @Test("a drop member written directly has the bytes the JSON writer gives it")
    func droppedMemberBytes() {
        let reasons = [
            DropReason(rule: "r", message: "m \"q\"\n"),
            DropReason(rule: "exact-dedup.duplicate", message: "duplicate of a", value: .string("a")),
            DropReason(rule: "pair.length-ratio", message: "length ratio 3.2 > 3.0", value: .double(3.25))
        ]
        for reason in reasons {
            var direct = LineBatch.droppedPrefix("st\u{E9}ge")
            reason.writeMembers(into: &direct)
            direct.append(0x7D)
            #expect(direct == JSONWriter.bytes(BatchProcessor.droppedMember(stage: "st\u{E9}ge", reason: reason)))
        }
    }
}
