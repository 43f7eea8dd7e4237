import Foundation
import JupiterCore
import JupiterTesting
import Testing

/// A real Slurm cluster for the tests: `SLURM_CONF` names it and `sinfo` answers (scripts/test
/// starts a single-node cluster with scripts/slurm-cluster when it runs as root, as CI does).
enum SlurmCluster {
    static let available: Bool = {
        guard ProcessInfo.processInfo.environment["SLURM_CONF"] != nil else { return false }
        return (try? shell(["sinfo", "-h", "-o", "%P"]).status) == 0
    }()

    /// Runs a Slurm command (or any tool) and returns its status and output (standard output,
    /// then standard error).
    @discardableResult
    static func shell(_ args: [String]) throws -> (status: Int32, out: String) {
        let r = try Peers.runProgram(args[0], Array(args.dropFirst()))
        return (r.status, r.text + r.stderr)
    }

    /// The job ids a run folder's cluster record holds.
    static func jobs(_ runDirectory: String) throws -> [String] {
        let record = try JSONParser.parse(try FileSystem.read(runDirectory + "/slurm/run.json"))
        return record["jobs"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
    }

    /// `squeue` lines (`id state`) of those jobs still queued or running (array tasks one per line).
    static func active(_ runDirectory: String) throws -> [String] {
        let ids = try jobs(runDirectory)
        guard !ids.isEmpty else { return [] }
        let r = try shell(["squeue", "-h", "-r", "-j", ids.joined(separator: ","), "-o", "%i %T"])
        return r.out.split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.contains("Invalid job id") }
    }

    /// Waits until no job of the run folder is queued or running.
    static func waitUntilIdle(_ runDirectory: String, timeout: TimeInterval = 300) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try active(runDirectory).isEmpty { return }
            Thread.sleep(forTimeInterval: 1)
        }
        Issue.record("jobs of \(runDirectory) still active after \(Int(timeout)) s: \(try active(runDirectory))")
    }

    /// Every file under `dir/sub` with its bytes, by path relative to `dir`.
    static func files(_ dir: String, _ sub: String) -> [String: Data] {
        var out: [String: Data] = [:]
        let root = dir + "/" + sub
        guard let e = FileManager.default.enumerator(atPath: root) else { return out }
        for case let rel as String in e {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &isDir), !isDir.boolValue else { continue }
            out[sub + "/" + rel] = FileManager.default.contents(atPath: root + "/" + rel)
        }
        return out
    }
}

/// The Slurm executor against a real Slurm cluster: a run split into job-array tasks gives the
/// local run's bytes; a task killed in the middle is named with its log by `jupiter status` and is
/// the only thing a rerun submits; a task whose model is unreachable ends with exit 4 and its log;
/// preflight refuses before submitting anything; a recipe changed under queued jobs is refused,
/// and `jupiter cancel` stops them; model servers run as Slurm jobs and are cancelled at the end.
@Suite(
    .serialized,
    .enabled(if: SlurmCluster.available, "needs a Slurm cluster: SLURM_CONF and a working sinfo (scripts/test starts one as root)"))
struct SlurmExecutorTests {
    /// Environment for cluster runs: polling fast, the test's own SLURM_CONF.
    static let environment = ["JUPITER_SLURM_POLL_S": "1"]

    /// The cymru example copied into a scratch folder (so runs write nowhere in the repository).
    static func cymru() throws -> String {
        let dir = try ScratchDirectory.make("slurm-cymru")
        let r = try SlurmCluster.shell(["cp", "-R", CLI.repoRoot + "/examples/cymru/.", dir])
        #expect(r.status == 0, "\(r.out)")
        return dir
    }

    @Test func aRunInFourArrayTasksGivesTheLocalBytes() throws {
        let dir = try Self.cymru()
        let local = try CLI.run(["run", "recipe.yaml", "--output", "local", "--quiet"], in: dir)
        try #require(local.status == 0, "\(local.stderr)")
        let cluster = try CLI.run(
            [
                "run", "recipe.yaml", "--output", "cluster", "--executor", "slurm", "--tasks", "4",
                "--cpus-per-task", "1", "--wait"
            ], in: dir, environment: Self.environment)
        try #require(cluster.status == 0, "\(cluster.stdout)\n\(cluster.stderr)")
        for sub in ["datasets", "mixture"] {
            let a = SlurmCluster.files(dir + "/local", sub), b = SlurmCluster.files(dir + "/cluster", sub)
            #expect(!a.isEmpty)
            #expect(a.keys.sorted() == b.keys.sorted())
            for (k, v) in a { #expect(b[k] == v, "\(k) differs between the local and the cluster run") }
        }
        // The manifests agree on everything but timings and where the work ran.
        let ml = try JSONParser.parse(try FileSystem.read(dir + "/local/manifest.json"))
        let mc = try JSONParser.parse(try FileSystem.read(dir + "/cluster/manifest.json"))
        #expect(ml["datasets"]?["welsh-parallel"]?["counts"] == mc["datasets"]?["welsh-parallel"]?["counts"])
        #expect(ml["mixture"]?["records"] == mc["mixture"]?["records"])
        // The sliced steps really ran as four array tasks, each leaving its record.
        let tasks = try FileManager.default.contentsOfDirectory(atPath: dir + "/cluster/slurm/logs")
        #expect(!tasks.isEmpty)
        let records = (FileManager.default.enumerator(atPath: dir + "/cluster/work")?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix("task-3-of-4.json") }
        #expect(!records.isEmpty, "no task-3-of-4.json task record under work/")
        try SlurmCluster.waitUntilIdle(dir + "/cluster")

        let status = try CLI.run(["status", "cluster"], in: dir, environment: Self.environment)
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("done"), "\(status.stdout)")
        #expect(!status.stdout.contains("failed:"), "\(status.stdout)")
    }

    /// Prompts for the `generate` recipes below: 64 one-turn conversations of legislation text.
    static func generateWorkspace(endpoint: String, extra: String = "") throws -> String {
        let dir = try ScratchDirectory.make("slurm-gen")
        try writePrompts(64, to: dir)
        try Self.writeRecipe(dir, endpoint: endpoint, extra: extra)
        return dir
    }

    /// `dir/prompts.jsonl`: `count` one-turn conversations of legislation text, ids `p0`, `p1`, ….
    static func writePrompts(_ count: Int, to dir: String) throws {
        var lines = ""
        for (i, p) in legislationPrompts(count).enumerated() {
            lines +=
                JSONWriter.string(
                    .object([
                        "id": .string("p\(i)"),
                        "messages": .array([
                            .object(["role": .string("user"), "content": .string(p)])
                        ])
                    ])) + "\n"
        }
        try lines.write(toFile: dir + "/prompts.jsonl", atomically: true, encoding: .utf8)
    }

    static func writeRecipe(_ dir: String, endpoint: String, extra: String = "", temperature: Double = 0) throws {
        try """
        name: slurm-generate
        seed: 5
        models:
          m: { endpoint: "\(endpoint)", model: test-model, max_in_flight: 2, retry_base_s: 0.01, max_attempts: 2 }
        sources:
          prompts: { path: prompts.jsonl, format: openai-messages }
        datasets:
          answers: { from: prompts, steps: [{ generate: { model: m, temperature: \(temperature) } }] }
        output: { dir: run, batch_size: 8 }
        executor: { kind: slurm, tasks: 4, cpus_per_task: 1\(extra) }
        """.write(toFile: dir + "/recipe.yaml", atomically: true, encoding: .utf8)
    }

    @Test func aTaskKilledMidwayIsNamedByStatusAndIsAllARerunSubmits() async throws {
        try await withServer(.init(logBodies: false, latency: 0.8)) { server in
            let dir = try Self.generateWorkspace(endpoint: server.baseURL)
            let local = try CLI.run(["run", "recipe.yaml", "--output", "local", "--executor", "local", "--quiet"], in: dir)
            try #require(local.status == 0, "\(local.stderr)")

            for p in legislationPrompts(64)[40..<48] { server.inject(.slow(240), when: .promptIs(p)) }
            let submit = try CLI.run(["run", "recipe.yaml"], in: dir, environment: Self.environment)
            try #require(submit.status == 0, "\(submit.stderr)")
            #expect(submit.stdout.contains("jupiter status"), "\(submit.stdout)")
            let jobs = try SlurmCluster.jobs(dir + "/run")
            // The first job is the step's array; its task 1 takes batches 1 and 5 (b mod 4 = 1).
            // Batch 5's prompts (p40–p47) are held by the server, so the task is surely midway
            // (batch 1 answered, batch 5 asked) when it is killed, however fast or loaded the machine.
            let array = try #require(jobs.first)
            let deadline = Date().addingTimeInterval(240)
            while Date() < deadline, !server.requestLog.contains(where: { $0.fault == .slow(240) }) {
                try await Task.sleep(nanoseconds: 250_000_000)
            }
            #expect(server.requestLog.contains { $0.fault == .slow(240) }, "task 1 never reached its batch 5")
            #expect(try SlurmCluster.shell(["scancel", "\(array)_1"]).status == 0)
            try SlurmCluster.waitUntilIdle(dir + "/run")
            server.clearFaults()

            let status = try CLI.run(["status", "run"], in: dir, environment: Self.environment)
            #expect(status.stdout.contains("step:answers/0 task 1"), "\(status.stdout)")
            #expect(status.stdout.contains("slurm/logs/step-answers-0/task-1.log"), "\(status.stdout)")
            #expect(status.stdout.contains("to resume: jupiter run"), "\(status.stdout)")
            #expect(!FileSystem.exists(dir + "/run/manifest.json"))

            // The rerun submits the killed task only: batch 5's 8 held prompts, and those of batch 1
            // that had not reached the task's cache before the kill; it ends with the local bytes.
            #expect(await server.waitUntilNoConnections(), "the killed task's connections stayed open")
            server.resetLog()
            let rerun = try CLI.run(["run", "recipe.yaml", "--wait"], in: dir, environment: Self.environment)
            try #require(rerun.status == 0, "\(rerun.stdout)\n\(rerun.stderr)")
            let sent = server.requests(path: "/v1/chat/completions").count
            #expect(sent >= 8 && sent <= 16, "the rerun sent \(sent) requests")
            let record = try JSONParser.parse(try FileSystem.read(dir + "/run/slurm/run.json"))
            let resubmitted = record["jobs"]?.arrayValue?.filter { $0["unit"]?.stringValue == "step:answers/0" } ?? []
            #expect(resubmitted.count == 1 && resubmitted.first?["task_indices"] == .array([.int(1)]), "\(resubmitted)")
            let a = SlurmCluster.files(dir + "/local", "datasets"), b = SlurmCluster.files(dir + "/run", "datasets")
            #expect(a.keys.sorted() == b.keys.sorted())
            for (k, v) in a { #expect(b[k] == v, "\(k) differs from the local run") }
            try SlurmCluster.waitUntilIdle(dir + "/run")
        }
    }

    @Test func aTaskWhoseModelIsDownEndsWithExit4AndItsLogAndARerunFinishes() async throws {
        // A port nobody listens on: every task's requests fail after their retries.
        let port = try FreePort.find(loopback: true)
        let dir = try Self.generateWorkspace(endpoint: "http://127.0.0.1:\(port)/v1")
        let failed = try CLI.run(["run", "recipe.yaml", "--wait"], in: dir, environment: Self.environment)
        #expect(failed.status == 4, "\(failed.stdout)\n\(failed.stderr)")
        try SlurmCluster.waitUntilIdle(dir + "/run")
        let status = try CLI.run(["status", "run"], in: dir, environment: Self.environment)
        #expect(status.stdout.contains("exit 4"), "\(status.stdout)")
        #expect(status.stdout.contains("connection refused"), "\(status.stdout)")
        #expect(status.stdout.contains("log: "), "\(status.stdout)")

        // With a server on that port the rerun finishes, and nothing failed became a result.
        let server = try await ScriptedLLMServer.start(.init(logBodies: false), port: port)
        let rerun = try CLI.run(["run", "recipe.yaml", "--wait"], in: dir, environment: Self.environment)
        try await server.stop()
        #expect(rerun.status == 0, "\(rerun.stdout)\n\(rerun.stderr)")
        let kept = try CLI.jsonLines(dir + "/run/datasets/answers/kept.jsonl.gz")
        #expect(kept.count == 64)
        try SlurmCluster.waitUntilIdle(dir + "/run")
    }

    /// Slurm warns a task near its time limit with USR1 (`--signal=B:USR1@120`); the task requeues
    /// itself and the requeued task resumes from its done batches: the run ends with the local bytes.
    @Test func aTaskWarnedOfItsTimeLimitRequeuesItselfAndTheRunFinishes() async throws {
        try await withServer(.init(logBodies: false, latency: 1.0)) { server in
            let dir = try Self.generateWorkspace(endpoint: server.baseURL)
            let local = try CLI.run(["run", "recipe.yaml", "--output", "local", "--executor", "local", "--quiet"], in: dir)
            try #require(local.status == 0, "\(local.stderr)")
            let submit = try CLI.run(["run", "recipe.yaml"], in: dir, environment: Self.environment)
            try #require(submit.status == 0, "\(submit.stderr)")
            let array = try #require(try SlurmCluster.jobs(dir + "/run").first)
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline, !(try SlurmCluster.active(dir + "/run")).contains("\(array)_0 RUNNING") {
                try await Task.sleep(nanoseconds: 250_000_000)
            }
            try await Task.sleep(nanoseconds: 2_000_000_000)
            // scancel may answer "Job can not be altered now" once the task requeued itself in
            // reply to the signal; the task's log below says whether it did.
            let signal = try SlurmCluster.shell(["scancel", "--signal=USR1", "--batch", "\(array)_0"])
            try SlurmCluster.waitUntilIdle(dir + "/run", timeout: 420)
            let log = CLI.text(dir + "/run/slurm/logs/step-answers-0/task-0.log")
            #expect(log.contains("requeueing"), "scancel: \(signal.out)\nlog: \(log)")
            #expect(FileSystem.exists(dir + "/run/manifest.json"), "the requeued task finished the run")
            let a = SlurmCluster.files(dir + "/local", "datasets"), b = SlurmCluster.files(dir + "/run", "datasets")
            #expect(a.keys.sorted() == b.keys.sorted())
            for (k, v) in a { #expect(b[k] == v, "\(k) differs from the local run") }
        }
    }

    @Test func preflightRefusesBeforeSubmittingAnything() throws {
        let dir = try Self.cymru()
        let bad = try CLI.run(
            ["run", "recipe.yaml", "--output", "run", "--executor", "slurm", "--partition", "nosuchpartition"],
            in: dir, environment: Self.environment)
        #expect(bad.status == 2, "\(bad.stdout)\n\(bad.stderr)")
        #expect(bad.stderr.contains("nosuchpartition"), "\(bad.stderr)")
        #expect(bad.stderr.contains("debug"), "the error lists the partitions there are: \(bad.stderr)")
        #expect((try? SlurmCluster.jobs(dir + "/run"))?.isEmpty ?? true)

        let noSlurm = try CLI.run(
            ["run", "recipe.yaml", "--output", "run2", "--executor", "slurm"],
            in: dir, environment: ["PATH": "/nonexistent"])
        #expect(noSlurm.status == 2, "\(noSlurm.stdout)\n\(noSlurm.stderr)")
        #expect(noSlurm.stderr.contains("sbatch"), "\(noSlurm.stderr)")
    }

    @Test func aRecipeChangedUnderQueuedJobsIsRefusedAndCancelStopsThem() async throws {
        try await withServer(.init(logBodies: false)) { server in
            let dir = try Self.generateWorkspace(endpoint: server.baseURL, extra: ", sbatch_args: [\"--hold\"]")
            let submit = try CLI.run(["run", "recipe.yaml"], in: dir, environment: Self.environment)
            try #require(submit.status == 0, "\(submit.stderr)")
            let held = try SlurmCluster.active(dir + "/run")
            #expect(!held.isEmpty && held.allSatisfy { $0.hasSuffix("PENDING") }, "\(held)")

            // The same recipe again: nothing new is submitted.
            let before = try SlurmCluster.jobs(dir + "/run")
            let again = try CLI.run(["run", "recipe.yaml"], in: dir, environment: Self.environment)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try SlurmCluster.jobs(dir + "/run") == before)

            // A changed step while they are queued: refused, naming the step.
            try Self.writeRecipe(dir, endpoint: server.baseURL, extra: ", sbatch_args: [\"--hold\"]", temperature: 0.5)
            let changed = try CLI.run(["run", "recipe.yaml"], in: dir, environment: Self.environment)
            #expect(changed.status != 0)
            #expect(changed.stderr.contains("answers"), "\(changed.stderr)")
            #expect(changed.stderr.contains("jupiter cancel"), "\(changed.stderr)")

            let cancel = try CLI.run(["cancel", "run"], in: dir, environment: Self.environment)
            #expect(cancel.status == 0, "\(cancel.stderr)")
            try SlurmCluster.waitUntilIdle(dir + "/run", timeout: 60)
            #expect(server.requests(path: "/v1/chat/completions").isEmpty)
        }
    }

    @Test func aModelServedAsASlurmJobIsStartedUsedAndCancelled() throws {
        let bench = (CLI.binary as NSString).deletingLastPathComponent + "/jupiter-bench"
        try #require(FileManager.default.isExecutableFile(atPath: bench), "jupiter-bench is built beside jupiter")
        let dir = try ScratchDirectory.make("slurm-serve")
        try Self.writePrompts(16, to: dir)
        try """
        name: slurm-serve
        models:
          m:
            backend: slurm
            model: test-model
            command: "\(bench) scripted-server --port {port} --model test-model"
            cpus_per_task: 1
            startup_timeout_s: 120
        sources:
          prompts: { path: prompts.jsonl, format: openai-messages }
        datasets:
          answers: { from: prompts, steps: [{ generate: { model: m } }] }
        output: { dir: run, batch_size: 8 }
        executor: { kind: slurm, tasks: 2, cpus_per_task: 1 }
        """.write(toFile: dir + "/recipe.yaml", atomically: true, encoding: .utf8)
        let r = try CLI.run(["run", "recipe.yaml", "--wait"], in: dir, environment: Self.environment)
        try #require(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(try CLI.jsonLines(dir + "/run/datasets/answers/kept.jsonl.gz").count == 16)
        let record = try JSONParser.parse(try FileSystem.read(dir + "/run/slurm/run.json"))
        let kinds = record["jobs"]?.arrayValue?.compactMap { $0["kind"]?.stringValue } ?? []
        #expect(kinds.contains("server") && kinds.contains("reaper"), "\(kinds)")
        // The reaper cancels the server once the units ended: nothing is left in the queue.
        try SlurmCluster.waitUntilIdle(dir + "/run", timeout: 120)
    }
}
