import Foundation
import JupiterCore
import Testing

@testable import Jupiter

/// The executor seam without a cluster: the recipe's `executor:` section and its command-line
/// overrides, the units a plan becomes (sharded passes included) and their command-line form,
/// squeue's output, and a sharded dedup step run locally writing one output batch per input batch.
@Suite struct ExecutorSettingsTests {
    func check(_ executor: String) throws -> (Plan?, [Diagnostic]) {
        let dir = try TestSupport.temporaryDirectory("executor")
        try TestSupport.write("Hello there\tHelo yna\nGood day\tDydd da\n", to: dir + "/data/pairs.tsv")
        try TestSupport.write(
            """
            name: ex
            sources:
              p: { path: data/pairs.tsv, format: parallel-tsv, langs: [en, cy] }
            datasets:
              chat: { from: p, steps: [pair-filter, exact-dedup, minhash-dedup, parallel-to-chat] }
            \(executor)
            """, to: dir + "/recipe.yaml")
        return Pipeline.check(recipePath: dir + "/recipe.yaml")
    }

    @Test func theSectionIsReadWithItsDefaults() throws {
        let (plan, problems) = try check(
            """
            executor:
              kind: slurm
              partition: cpu
              tasks: 16
              mem: 16G
              time: "04:00:00"
              sbatch_args: ["--constraint=avx2"]
              setup: ["module load python"]
              wait: yes
            """)
        #expect(problems.isEmpty, "\(problems)")
        guard case .slurm(let s) = try #require(plan).settings.executor else {
            Issue.record("not slurm")
            return
        }
        #expect(s.partition == "cpu" && s.tasks == 16 && s.cpusPerTask == 2 && s.memory == "16G" && s.time == "04:00:00")
        #expect(s.sbatchArguments == ["--constraint=avx2"] && s.setup == ["module load python"] && s.wait)
        #expect(s.maxArraySize == 1000 && s.maxRequeues == 2 && s.account == nil && s.qos == nil)
        #expect(s.commandLineOptions == "--executor slurm --tasks 16 --cpus-per-task 2 --partition cpu")
    }

    @Test func badValuesAreReportedWithTheirLines() throws {
        let (plan, problems) = try check(
            """
            executor:
              kind: slurm
              tasks: 0
              mem: lots
              time: "soon"
              colour: blue
            """)
        #expect(plan == nil)
        func line(_ text: String) -> Int? { problems.first { $0.message.contains(text) }?.line }
        #expect(line("'tasks'") == 8)
        #expect(line("'mem' must be a Slurm memory size") == 9)
        #expect(line("'time' must be a Slurm time limit") == 10)
        #expect(line("unknown key 'colour'") == 11)

        let (_, local) = try check("executor: { kind: local, tasks: 4 }")
        #expect(local.contains { $0.severity == .warning && $0.message.contains("'tasks' applies to 'kind: slurm' only") })
        let (_, unknown) = try check("executor: { kind: pbs }")
        #expect(unknown.contains { $0.severity == .error && $0.message.contains("pbs") })
    }

    @Test func commandLineFlagsOverrideTheRecipe() throws {
        let slurm = try ExecutorSettings.local.overriding(kind: "slurm", partition: "gpu", tasks: 8, cpusPerTask: 4, wait: true)
        guard case .slurm(let s) = slurm else {
            Issue.record("not slurm")
            return
        }
        #expect(s.partition == "gpu" && s.tasks == 8 && s.cpusPerTask == 4 && s.wait)
        #expect(try slurm.overriding(kind: "local", partition: nil, tasks: nil, cpusPerTask: nil, wait: false) == .local)
        #expect(throws: RunError.self) {
            try ExecutorSettings.local.overriding(kind: nil, partition: "x", tasks: nil, cpusPerTask: nil, wait: false)
        }
        #expect(throws: RunError.self) {
            try ExecutorSettings.local.overriding(kind: "slurrm", partition: nil, tasks: nil, cpusPerTask: nil, wait: false)
        }
    }

    @Test func slurmValuesAreChecked() {
        for ok in ["90", "04:00:00", "1-00:00:00", "2-12", "30:00"] { #expect(SlurmSettings.isTime(ok), "\(ok)") }
        for bad in ["", "soon", "1:2:3:4", "-5"] { #expect(!SlurmSettings.isTime(bad), "\(bad)") }
        for ok in ["16G", "4000M", "4000", "1T", "512K"] { #expect(SlurmSettings.isMemory(ok), "\(ok)") }
        for bad in ["", "lots", "16GB", "G"] { #expect(!SlurmSettings.isMemory(bad), "\(bad)") }
    }

    @Test func squeueLinesAreParsed() {
        let running = SlurmCommands.parseQueueLine("123_4|123|4|RUNNING|None")
        #expect(running == .init(id: "123_4", jobID: "123", arrayTask: 4, pendingTasks: [], state: "RUNNING", reason: "None"))
        let pending = SlurmCommands.parseQueueLine("123_[2-5%4]|123|2-5%4|PENDING|Dependency")
        #expect(pending?.pendingTasks == [2, 3, 4, 5] && pending?.arrayTask == nil && pending?.reason == "Dependency")
        let single = SlurmCommands.parseQueueLine("77|77|N/A|PENDING|Resources")
        #expect(single?.jobID == "77" && single?.arrayTask == nil && single?.pendingTasks == [])
        #expect(SlurmCommands.parseQueueLine("") == nil)
        #expect(SlurmCommands.parseIndexList("0-3,5,7-8%2") == [0, 1, 2, 3, 5, 7, 8])
    }

    @Test func unitsRoundTripThroughTheirArguments() {
        let units: [WorkUnit] = [
            .step(dataset: "welsh-parallel", index: 2), .phase(dataset: "a/b", index: 0, phase: .scan),
            .phase(dataset: "x", index: 3, phase: .reduce), .phase(dataset: "x", index: 3, phase: .combine),
            .assemble(dataset: "x"), .mix, .finish
        ]
        for u in units { #expect(WorkUnit(argument: u.argument) == u, "\(u.argument)") }
        #expect(WorkUnit.phase(dataset: "x", index: 3, phase: .reduce).argument == "reduce:x/3")
        #expect(WorkUnit.phase(dataset: "x", index: 3, phase: .reduce).slug == "reduce-x-3")
        for bad in ["", "step:", "step:/1", "step:x/-1", "sort:x/1", "assemble:", "stepx/1"] {
            #expect(WorkUnit(argument: bad) == nil, "\(bad)")
        }
    }

    @Test func shardedStepsBecomeFourUnitsOnACluster() throws {
        let (plan, problems) = try check("")
        #expect(problems.isEmpty)
        let p = try #require(plan)
        func work(shardTasks: Int) throws -> RunWork {
            var options = RunOptions(runDirectory: try TestSupport.temporaryDirectory("units") + "/run")
            options.shardTasks = shardTasks
            return try RunEngine(plan: p, options: options).work
        }
        let local = try work(shardTasks: 1)
        #expect(local.units.map(\.argument) == ["step:chat/0", "step:chat/1", "step:chat/2", "step:chat/3", "assemble:chat", "finish"])
        #expect(local.shape(of: .step(dataset: "chat", index: 1)) == .whole)

        let cluster = try work(shardTasks: 4)
        #expect(
            cluster.units.map(\.argument) == [
                "step:chat/0",
                "scan:chat/1", "reduce:chat/1", "combine:chat/1", "step:chat/1",
                "scan:chat/2", "reduce:chat/2", "combine:chat/2", "step:chat/2",
                "step:chat/3", "assemble:chat", "finish"
            ])
        #expect(cluster.dependencies(of: .phase(dataset: "chat", index: 1, phase: .scan)) == [.step(dataset: "chat", index: 0)])
        #expect(cluster.dependencies(of: .step(dataset: "chat", index: 2)) == [.phase(dataset: "chat", index: 2, phase: .combine)])
        #expect(cluster.shape(of: .phase(dataset: "chat", index: 1, phase: .scan)) == .sliced)
        #expect(cluster.shape(of: .phase(dataset: "chat", index: 1, phase: .combine)) == .whole)
        #expect(cluster.shape(of: .step(dataset: "chat", index: 1)) == .sliced)
        #expect(cluster.label(of: .phase(dataset: "chat", index: 2, phase: .scan)) == "minhash-dedup: scan")
        #expect(
            cluster.fingerprint(of: .phase(dataset: "chat", index: 2, phase: .reduce))
                == cluster.fingerprint(of: .step(dataset: "chat", index: 2)))
    }

    /// The passes as a cluster runs them (here, in this process, with 3 tasks) give the local
    /// run's files, batch for batch.
    @Test func shardedPassesInTasksGiveTheLocalRunsBytes() async throws {
        let dir = try Self.dedupWorkspace("sharded-run")
        let prepared = Pipeline.prepare(recipePath: dir + "/recipe.yaml")
        let plan = try #require(prepared.plan)
        let local = try RunEngine(plan: plan, options: RunOptions(runDirectory: dir + "/local", workers: 2))
        _ = try await local.run()

        var options = RunOptions(runDirectory: dir + "/tasks", workers: 2)
        options.shardTasks = 3
        let engine = try RunEngine(plan: plan, options: options)
        let work = engine.work
        for unit in work.units {
            let tasks = work.shape(of: unit) == .sliced ? 3 : 1
            for task in 0..<tasks { _ = try await work.perform(unit, task: task, of: tasks, workers: 1) }
            #expect(work.isComplete(unit) || unit == .finish, "\(unit)")
        }
        for name in ["kept.jsonl.gz", "dropped.jsonl.gz", "quarantine.jsonl"] {
            #expect(
                try TestSupport.bytes(dir + "/local/datasets/chat/" + name) == TestSupport.bytes(dir + "/tasks/datasets/chat/" + name),
                "\(name)")
        }
        let dropped = try TestSupport.jsonLines(dir + "/local/datasets/chat/dropped.jsonl.gz")
        // 150 copies; the few whose original pair-filter dropped are kept as the first of their text.
        #expect(dropped.filter { $0["dropped"]?["rule"]?.stringValue == "exact-dedup.duplicate" }.count >= 140)
        // The dedup steps wrote one output batch per input batch in both runs.
        let m1 = try JSONParser.parse(try FileSystem.read(dir + "/local/manifest.json"))
        let m2 = try JSONParser.parse(try FileSystem.read(dir + "/tasks/manifest.json"))
        #expect(m1["datasets"]?["chat"]?["counts"] == m2["datasets"]?["chat"]?["counts"])
        #expect(m1["datasets"]?["chat"]?["stages"] == m2["datasets"]?["chat"]?["stages"])
    }
}

extension ExecutorSettingsTests {
    /// 700 legislation pairs and 150 exact duplicates of their English side, through pair-filter,
    /// both dedups and parallel-to-chat in batches of 64.
    static func dedupWorkspace(_ label: String) throws -> String {
        let dir = try TestSupport.temporaryDirectory(label)
        var pairs = try TestSupport.legislationPairs(limit: 700)
        pairs += pairs.prefix(150).map { ($0.0.uppercased(), $0.1) }  // exact duplicates of the English side
        try TestSupport.writeTSV(pairs, to: dir + "/pairs.tsv")
        try TestSupport.write(
            """
            name: sharded
            sources:
              p: { path: pairs.tsv, format: parallel-tsv, langs: [en, cy] }
            datasets:
              chat: { from: p, steps: [pair-filter, { exact-dedup: { field: source } }, minhash-dedup, parallel-to-chat] }
            output: { dir: out, batch_size: 64 }
            """, to: dir + "/recipe.yaml")
        return dir
    }

    /// A local run of two workers splits MinHash's passes into two tasks side by side, and one of
    /// four workers exact dedup's too (``Pipeline/lineDecidingShardWorkers``): the same bytes as
    /// one worker's single pass, one line per pass in the progress, and each dedup step's wall
    /// time in the manifest.
    @Test func localRunOfTwoWorkersShardsTheDedupWithTheSameBytes() async throws {
        let dir = try Self.dedupWorkspace("local-sharded")
        let prepared = Pipeline.prepare(recipePath: dir + "/recipe.yaml")
        func run(workers: Int) async throws -> [String] {
            let events = Locked<[String]>([])
            let options = RunOptions(
                runDirectory: dir + "/w\(workers)", workers: workers,
                observer: { event in
                    switch event {
                    case .stepStarted(_, _, _, let label, _): events.withLock { $0.append("started " + label) }
                    case .stepFinished(_, let step, _): events.withLock { $0.append("finished \(step)") }
                    default: break
                    }
                })
            _ = try await Pipeline.run(prepared, options: options)
            return events.withLock { $0 }
        }
        _ = try await run(workers: 1)
        let two = try await run(workers: 2)
        let four = try await run(workers: 4)
        /// The step folders of a run with shards whose combine pass finished in `tasks` tasks.
        func sharded(_ run: String, tasks: Int) -> [String] {
            (FileSystem.list(dir + "/\(run)/work/chat") ?? []).filter {
                FileSystem.exists(dir + "/\(run)/work/chat/\($0)/shards/combine-of-\(tasks).done")
            }.sorted()
        }
        // Step 1 is exact dedup, step 2 MinHash: no shards with one worker, MinHash's with two,
        // both with four.
        #expect(!(FileSystem.list(dir + "/w1/work/chat") ?? []).contains { FileSystem.exists(dir + "/w1/work/chat/\($0)/shards") })
        #expect(sharded("w2", tasks: 2).map { $0.prefix(2) } == ["2-"])
        #expect(sharded("w4", tasks: 4).map { $0.prefix(2) } == ["1-", "2-"])
        for name in ["kept.jsonl.gz", "dropped.jsonl.gz", "quarantine.jsonl"] {
            for run in ["w2", "w4"] {
                #expect(
                    try TestSupport.bytes(dir + "/w1/datasets/chat/" + name) == TestSupport.bytes(dir + "/\(run)/datasets/chat/" + name),
                    "\(run) \(name)")
            }
        }
        #expect(two.filter { $0 == "started exact-dedup: scan" }.isEmpty)
        #expect(two.filter { $0 == "started exact-dedup" }.count == 1)
        #expect(two.filter { $0 == "started minhash-dedup: scan" }.count == 1)
        #expect(four.filter { $0 == "started exact-dedup: scan" }.count == 1)
        #expect(four.filter { $0 == "started exact-dedup" }.count == 1)
        for events in [two, four] {
            #expect(events.filter { $0 == "finished 1" }.count == 1)
            #expect(events.filter { $0 == "finished 2" }.count == 1)
        }
        let manifest = try JSONParser.parse(try FileSystem.read(dir + "/w4/manifest.json"))
        for step in ["chat/1 exact-dedup", "chat/2 minhash-dedup"] {
            #expect((manifest["timings"]?["steps"]?[step]?.doubleValue ?? 0) > 0, "\(step)")
        }
    }
}
