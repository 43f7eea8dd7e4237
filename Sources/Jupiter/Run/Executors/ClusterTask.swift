import Foundation
import GRDB
import JupiterCore
import JupiterLLM

/// What the jobs of a cluster run do (`jupiter work`), and the commands that watch and stop a
/// cluster run (`jupiter status`, `jupiter cancel`).
extension Pipeline {
    /// Performs one task of one unit of a submitted cluster run: rebuilds the plan from the recipe
    /// recorded in `slurm/run.json`, refuses when the unit's fingerprint changed since submission,
    /// starts only the models the unit uses (answers cached in the task's own SQLite file), does
    /// the work and records how it ended in `slurm/outcomes/`. The last unit (``WorkUnit/finish``)
    /// first merges every task's cache into `state.sqlite` and their model usage into the manifest.
    /// Returns the exit status (0, or 4 when model requests failed and a rerun will resend them).
    public static func work(
        runDirectory: String, unit argument: String, task: Int, tasks: Int, workers: Int,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        observer: RunObserver? = nil,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) async -> (ExitStatus, String) {
        let run = FileSystem.absolute(runDirectory)
        let started = Date()
        let result: Result<UnitOutcome, RunError> = await Result { () async throws(RunError) -> UnitOutcome in
            try await performTask(
                run: run, argument: argument, task: task, tasks: tasks, workers: workers,
                environment: environment, observer: observer, log: log)
        }
        let (status, message): (ExitStatus, String)
        switch result {
        case .success(.done): (status, message) = (.success, "")
        case .success(.failed(let f)):
            (status, message) = (.model, RunEngine.modelFailure([f]).message)
        case .failure(let e): (status, message) = (e.exitCode, e.message)
        }
        if FileSystem.exists(run + "/" + RunFolder.markerName) {
            let outcome = TaskOutcome(exit: status.rawValue, message: message, host: SlurmServing.hostname(), ended: Date())
            try? outcome.write(to: SlurmRecord.outcomePath(run, unit: argument, task: task))
        }
        log(
            "jupiter: \(argument) task \(task) of \(tasks) " + (status == .success ? "done" : "stopped (exit \(status.rawValue))")
                + " in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        return (status, message)
    }

    static func performTask(
        run: String, argument: String, task: Int, tasks: Int, workers: Int,
        environment: [String: String], observer: RunObserver?,
        log: @escaping @Sendable (String) -> Void
    ) async throws(RunError) -> UnitOutcome {
        guard let unit = WorkUnit(argument: argument) else {
            throw RunError(
                .usage,
                "'\(argument)' is not a unit (step:DATASET/INDEX, scan|reduce|combine:DATASET/INDEX, assemble:DATASET, mix or finish)")
        }
        guard tasks >= 1, task >= 0, task < tasks else { throw RunError(.usage, "task \(task) of \(tasks) does not exist") }
        guard let record = try SlurmRecord.read(run) else {
            throw RunError(.folder, "\(run) has no slurm/run.json: `jupiter work` runs tasks of a submitted cluster run")
        }
        let prepared = prepare(recipePath: record.recipeFile, runDirectory: run, environment: environment, log: log)
        guard let plan = prepared.plan, prepared.isValid else {
            let errors = prepared.problems.filter { $0.severity == .error }.map(\.description)
            throw RunError(.invalidRecipe, "the recipe \(record.recipeFile) has errors now:\n" + errors.joined(separator: "\n"))
        }
        var options = RunOptions(
            runDirectory: run, workers: workers, observer: observer, started: record.submitted,
            folderMode: .clusterTask)
        options.shardTasks = record.tasks
        let models = prepared.models
        if unit == .finish, let models, !plan.models.isEmpty {
            options.modelAccounting = { summedUsage(run: run, current: models.accounting) }
        }
        let engine = try RunEngine(plan: plan, options: options)
        let work = engine.work
        guard work.units.contains(unit) else { throw RunError(.usage, "the plan has no \(unit)") }
        if let then = record.fingerprints[argument], then != work.fingerprint(of: unit) {
            throw RunError(
                .usage,
                "\(unit) (\(work.label(of: unit))) changed since the run was submitted (the recipe or an "
                    + "input was edited); this task stops. Run `jupiter run` again once the run's jobs have ended")
        }
        let used = Set(work.models(of: unit))
        if unit == .finish, let models {
            let files = (FileSystem.list(run + "/state/tasks") ?? []).filter { $0.hasSuffix(".sqlite") }.sorted()
                .map { run + "/state/tasks/" + $0 }
            if !files.isEmpty {
                try openCache(models, path: run + "/state.sqlite", logs: run + "/logs")
                do {
                    let added = try await models.cache?.merge(files: files) ?? 0
                    log("jupiter: merged \(files.count) task cache(s) into state.sqlite (\(added) new answer(s))")
                } catch {
                    throw RunError(.io, "cannot merge the tasks' model caches into \(run)/state.sqlite: \(error)")
                }
                for f in files { for suffix in ["", "-wal", "-shm", "-journal"] { FileSystem.remove(f + suffix) } }
            }
        }
        if let models, !used.isEmpty {
            try openCache(models, path: SlurmRecord.taskCachePath(run, unit: unit, task: task), logs: run + "/logs")
            var served: [String: [String]] = [:]
            for m in plan.models where used.contains(m.name) {
                if case .slurm = m.backend {
                    served[m.name] = try await SlurmServing.waitForEndpoints(
                        record, model: m,
                        slurm: SlurmCommands(environment: environment),
                        log: log)
                }
            }
            do throws(LLMError) {
                try await models.start(only: used, served: served)
            } catch {
                await models.shutdown()
                throw RunError(error.kind == .cancelled ? .interrupted : .model, error.message)
            }
        }
        let result: Result<UnitOutcome, RunError> = await Result { () async throws(RunError) -> UnitOutcome in
            try await outcome {
                try await engine.preflight(only: unit)
                return try await work.perform(unit, task: task, of: tasks, workers: workers)
            }
        }
        if let models, !used.isEmpty {
            let usage = models.accounting
            try? AtomicFile.write(JSONWriter.bytes(usage), to: SlurmRecord.usagePath(run, unit: unit, task: task))
            await models.shutdown()
        }
        return try result.get()
    }

    /// The model usage of every task (`slurm/usage/*.json`) plus `current`, summed per model:
    /// counts add up; latency percentiles cannot, so the worst task's are given.
    static func summedUsage(run: String, current: JSONValue) -> JSONValue {
        var all: [JSONValue] = [current]
        for name in (FileSystem.list(run + "/slurm/usage") ?? []).sorted() where name.hasSuffix(".json") {
            if let bytes = try? FileSystem.read(run + "/slurm/usage/" + name), let json = try? JSONParser.parse(bytes) {
                all.append(json)
            }
        }
        var out = JSONObject()
        for model in current.objectValue?.entries.map(\.key) ?? [] {
            var sums: [String: Int] = [:]
            var errors: [String: Int] = [:]
            var worst: [String: Double] = [:]
            var tasks = 0
            for usage in all {
                guard let m = usage[model]?.objectValue else { continue }
                if (m["requests"]?.intValue ?? 0) + (m["cache_hits"]?.intValue ?? 0) > 0 { tasks += 1 }
                for e in m {
                    if let n = e.value.intValue { sums[e.key, default: 0] += n }
                }
                for e in m["errors"]?.objectValue ?? JSONObject() { errors[e.key, default: 0] += e.value.intValue ?? 0 }
                for q in ["p50", "p95"] {
                    if let v = m["latency_ms"]?[q]?.doubleValue { worst[q] = max(worst[q] ?? 0, v) }
                }
            }
            var o = JSONObject()
            for k in sums.keys.sorted() { o[k] = .int(sums[k] ?? 0) }
            o["tasks"] = .int(tasks)
            o["latency_ms"] = .object([
                "p50_worst_task": worst["p50"].map { .double($0) } ?? .null,
                "p95_worst_task": worst["p95"].map { .double($0) } ?? .null
            ])
            if !errors.isEmpty {
                o["errors"] = .object(
                    JSONObject(errors.sorted { $0.key < $1.key }.map { JSONObject.Entry(key: $0.key, value: .int($0.value)) }))
            }
            out[model] = .object(o)
        }
        return .object(out)
    }

    /// The body of a model server job (`jupiter work RUN --serve-model M --replica R`).
    public static func serveModel(
        runDirectory: String, model name: String, replica: Int,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        log: @escaping @Sendable (String) -> Void
    ) async throws(RunError) -> Int32 {
        let run = FileSystem.absolute(runDirectory)
        guard let record = try SlurmRecord.read(run) else {
            throw RunError(.folder, "\(run) has no slurm/run.json: a model server job belongs to a submitted cluster run")
        }
        let (models, problems) = RecipeLoader.loadModels(path: record.recipeFile)
        guard let m = models.first(where: { $0.name == name }) else {
            throw RunError(
                .invalidRecipe,
                "the recipe \(record.recipeFile) has no model '\(name)' now"
                    + (problems.isEmpty ? "" : ":\n" + problems.map(\.description).joined(separator: "\n")))
        }
        return try await SlurmServing.serve(run: run, model: m, replica: replica, environment: environment, log: log)
    }

    /// Where a cluster run stands (`jupiter status RUN`).
    public static func clusterStatus(
        runDirectory: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(RunError)
        -> SlurmStatus
    {
        let run = FileSystem.absolute(runDirectory)
        guard let record = try SlurmRecord.read(run) else {
            throw RunError(
                .usage,
                FileSystem.exists(run + "/manifest.json")
                    ? "\(run) was run locally (it has no slurm/run.json); its manifest.json says what it produced"
                    : "\(run) has no slurm/run.json: it was never submitted to Slurm")
        }
        let prepared = prepare(recipePath: record.recipeFile, runDirectory: run, environment: environment)
        guard let plan = prepared.plan, prepared.isValid else {
            throw RunError(.invalidRecipe, "the recipe \(record.recipeFile) has errors now; fix it to see the run's status")
        }
        // Read-only: the status never takes the run folder's lock.
        let work = try RunEngine.workView(plan: plan, runDirectory: run, shardTasks: record.tasks)
        let slurm = SlurmCommands(environment: environment)
        guard let queued = slurm.queued(record.jobIDs) else {
            throw RunError(.io, "squeue failed: is the Slurm controller reachable (SLURM_CONF)?")
        }
        return SlurmStatus.read(record, work: work, queued: queued, slurm: slurm)
    }

    /// Cancels every job of a cluster run (`jupiter cancel RUN`); returns the job ids.
    public static func cancelCluster(
        runDirectory: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(RunError)
        -> [String]
    {
        let run = FileSystem.absolute(runDirectory)
        guard let record = try SlurmRecord.read(run) else {
            throw RunError(.usage, "\(run) has no slurm/run.json: it was never submitted to Slurm")
        }
        let slurm = SlurmCommands(environment: environment)
        let active = Set((slurm.queued(record.jobIDs) ?? []).map(\.jobID))
        let ids = record.jobIDs.filter { active.contains($0) }
        if let problem = slurm.cancel(ids) { throw RunError(.stage, "scancel failed: \(problem)") }
        return ids
    }
}
