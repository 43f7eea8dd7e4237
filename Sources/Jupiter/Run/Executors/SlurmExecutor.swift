import Foundation
import JupiterCore
import JupiterLLM

/// Runs a recipe's work as Slurm jobs, the way datatrove's `SlurmPipelineExecutor` uses Slurm:
/// Jupiter writes job scripts and submits them with `sbatch`; Slurm schedules them.
///
/// - A step of per-batch stages becomes a job array of ``SlurmSettings/tasks`` tasks (task `k`
///   takes the batches `b` with `b % tasks == k`); a global stage (dedup, top-K selection), the
///   assembly of a dataset and the mix are single jobs; each job depends (`afterok`) on the jobs
///   of the units it needs, and the last job writes the manifest. Every job runs
///   `jupiter work RUN --unit U --task K --tasks N`, which rebuilds the plan from the recipe and
///   refuses if the unit's fingerprint changed since submission.
/// - Completion lives in files of the run folder (`BatchFiles`), so a rerun submits only the
///   units, and the tasks of a unit, that did not finish. A task killed by Slurm leaves only
///   temporaries, never a batch marked done. A task near its time limit (`--signal=B:USR1@120`)
///   requeues itself, up to ``SlurmSettings/maxRequeues`` times, and resumes from its done batches.
/// - Models with `backend: slurm` are started as their own jobs first; the unit jobs that use
///   them start once the servers run (`after:`) and wait for their endpoints; a last job
///   (`afterany:`) cancels the servers when every unit job has ended, however it ended.
/// - Dependents of a failed job are cancelled by Slurm (`--kill-on-invalid-dep=yes`);
///   `jupiter status RUN` shows what failed and where its log is; `jupiter run` again resumes.
///
/// Files: `slurm/run.json` (``SlurmRecord``), `slurm/jobs/*.sh`, `slurm/logs/…`,
/// `slurm/outcomes/…` (how each task ended), `slurm/endpoints/…`, `state/tasks/*.sqlite`.
public struct SlurmExecutor: Executor {
    /// The settings (recipe `executor:` with command-line overrides).
    public var settings: SlurmSettings
    /// The recipe file (jobs rebuild the plan from it).
    public var recipeFile: String
    /// The recipe's models (servers of `backend: slurm` models become jobs).
    public var models: [ModelConfig]
    /// The environment the Slurm tools see.
    public var environment: [String: String]
    /// Receives news (jobs submitted, progress while waiting).
    public var observer: RunObserver?
    /// Seconds between queue polls while waiting (`--wait`).
    public var pollInterval: Double

    /// Creates the executor.
    public init(
        settings: SlurmSettings, recipeFile: String, models: [ModelConfig] = [],
        environment: [String: String] = ProcessInfo.processInfo.environment, observer: RunObserver? = nil,
        pollInterval: Double = 5
    ) {
        self.settings = settings
        self.recipeFile = recipeFile
        self.models = models
        self.environment = environment
        self.observer = observer
        self.pollInterval = pollInterval
    }

    var slurm: SlurmCommands { SlurmCommands(environment: environment) }

    // MARK: Execute

    /// Submits the units of `work` that are not done (or, when jobs of an earlier submission of
    /// this run are still queued or running, follows those), then returns, or waits for the jobs
    /// when ``SlurmSettings/wait`` is set.
    public func execute(_ work: RunWork) async throws -> ExecutionOutcome {
        let run = work.runDirectory
        // One coordinator submits at a time (the tasks share the run folder's lock with it).
        do { try FileSystem.createDirectory(run + "/slurm") } catch { throw RunError(.io, error.description) }
        let lock = open(run + "/slurm/submit.lock", O_RDWR | O_CREAT, 0o644)
        guard lock >= 0, flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            if lock >= 0 { close(lock) }
            throw RunError(.locked, "another `jupiter run` is submitting the jobs of \(run)")
        }
        let record: SlurmRecord
        do {
            defer { flock(lock, LOCK_UN); close(lock) }
            switch try await submitOrFollow(work) {
            case .done(let outcome): return outcome
            case .follow(let r): record = r
            }
        }
        return try await waitFor(record, work: work)
    }

    /// What a submission came to: an outcome to return, or jobs to wait for.
    enum Submission {
        case done(ExecutionOutcome)
        case follow(SlurmRecord)
    }

    /// Submits what is left (or finds the jobs already working on it).
    func submitOrFollow(_ work: RunWork) async throws -> Submission {
        let run = work.runDirectory
        if let previous = try SlurmRecord.read(run), let active = slurm.queued(previous.jobIDs), !active.isEmpty {
            let changed = Self.changedUnits(previous, work)
            guard changed.isEmpty else {
                throw RunError(
                    .usage,
                    "the recipe changed while jobs of this run are still queued or running ("
                        + Self.jobList(active) + "); the settings of " + changed.joined(separator: ", ")
                        + " changed. Wait for the jobs to end (`jupiter status \(run)`) or cancel them "
                        + "(`jupiter cancel \(run)`), then run again")
            }
            observer?(
                .cluster(
                    "jobs of this run are still queued or running (\(Self.jobList(active))); "
                        + "not submitting again"))
            return settings.wait ? .follow(previous) : .done(.submitted(jobs: previous.jobIDs, message: followMessage(run)))
        }
        let partition = try preflight()
        let jupiter = try jupiterBinary()
        let todo = work.units.filter { $0 != .finish && !work.isComplete($0) }
        if todo.isEmpty {
            // Everything is done: only the manifest is left, which is quick to write here.
            observer?(.cluster("every unit of the run is done: writing the manifest here"))
            return .done(try await LocalExecutor(workers: settings.cpusPerTask).execute(work))
        }
        var record = SlurmRecord(
            recipeFile: recipeFile, runDirectory: run, submitted: Date(), tasks: settings.tasks,
            fingerprints: Dictionary(uniqueKeysWithValues: work.units.map { ($0.argument, work.fingerprint(of: $0)) }),
            labels: Dictionary(uniqueKeysWithValues: work.units.map { ($0.argument, work.label(of: $0)) }))
        record.resumeOptions = settings.commandLineOptions
        for dir in ["slurm/jobs", "slurm/logs", "slurm/outcomes", "slurm/endpoints", "state/tasks"] {
            do { try FileSystem.createDirectory(run + "/" + dir) } catch { throw RunError(.io, error.description) }
        }
        // Old endpoints and outcomes describe earlier jobs.
        FileSystem.removeTree(run + "/slurm/endpoints")
        do { try FileSystem.createDirectory(run + "/slurm/endpoints") } catch { throw RunError(.io, error.description) }
        var submitted: [String] = []
        do {
            // Model servers first (only those the remaining units use).
            let used = Set(todo.flatMap { work.models(of: $0) })
            var servers: [String: [String]] = [:]
            for m in models where used.contains(m.name) {
                guard case .slurm(let server) = m.backend else { continue }
                for replica in 0..<server.replicas {
                    let script = serverScript(m, server, replica: replica, jupiter: jupiter, run: run, partition: partition)
                    let id = try submit(script, name: "serve-\(m.name)-\(replica)", run: run)
                    servers[m.name, default: []].append(id)
                    submitted.append(id)
                    record.jobs.append(
                        .init(
                            id: id, kind: .server, unit: "\(m.name)/\(replica)", tasks: 1, taskIndices: [0],
                            offset: 0, script: script.path))
                    try record.write()
                }
            }
            var jobsOf: [WorkUnit: [String]] = [:]
            var unitJobs: [String] = []
            for (n, unit) in (todo + [.finish]).enumerated() {
                var dependencies = work.dependencies(of: unit).flatMap { jobsOf[$0] ?? [] }
                if unit == .finish { dependencies = unitJobs }
                let after = work.models(of: unit).flatMap { servers[$0] ?? [] }
                let sliced = work.shape(of: unit) == .sliced && settings.tasks > 1
                let tasks = sliced ? settings.tasks : 1
                let pending = (0..<tasks).filter { !work.isComplete(unit, task: $0, of: tasks) }
                var ids: [String] = []
                // Split big arrays: Slurm caps array indices at MaxArraySize.
                let chunkSize = max(1, settings.maxArraySize)
                var start = 0
                while start < pending.count {
                    let share = Array(pending[start..<min(pending.count, start + chunkSize)])
                    let offset = sliced ? share[0] : 0
                    let script = unitScript(
                        unit, order: n, tasks: tasks, share: share, offset: offset,
                        dependencies: dependencies, after: after, jupiter: jupiter, run: run,
                        partition: partition)
                    let id = try submit(script, name: unit.slug, run: run)
                    ids.append(id)
                    submitted.append(id)
                    record.jobs.append(
                        .init(
                            id: id, kind: .unit, unit: unit.argument, tasks: tasks, taskIndices: share,
                            offset: offset, script: script.path))
                    try record.write()
                    start += chunkSize
                }
                jobsOf[unit] = ids
                unitJobs += ids
                observer?(
                    .cluster(
                        "submitted \(unit) (\(work.label(of: unit))): "
                            + (sliced
                                ? "\(share(pending.count, of: tasks)) as job array \(ids.joined(separator: ", "))"
                                : "job \(ids.joined(separator: ", "))")))
            }
            if !servers.isEmpty {
                let ids = servers.values.flatMap { $0 }
                let script = reaperScript(servers: ids, after: unitJobs, run: run, partition: partition)
                let id = try submit(script, name: "stop-servers", run: run)
                submitted.append(id)
                record.jobs.append(
                    .init(
                        id: id, kind: .reaper, unit: "stop-servers", tasks: 1, taskIndices: [0], offset: 0,
                        script: script.path))
                try record.write()
            }
        } catch {
            // Half a submission is worse than none: cancel what went in, then report.
            if !submitted.isEmpty { slurm.cancel(submitted) }
            throw error
        }
        observer?(.cluster("submitted \(submitted.count) job(s) to Slurm" + (partition.map { " (partition \($0))" } ?? "")))
        return settings.wait ? .follow(record) : .done(.submitted(jobs: submitted, message: followMessage(run)))
    }

    /// `3 of 4 tasks`, or `4 tasks`.
    func share(_ pending: Int, of tasks: Int) -> String {
        pending == tasks ? "\(tasks) tasks" : "\(pending) of \(tasks) tasks (the others are done)"
    }

    func followMessage(_ run: String) -> String {
        "follow it with `jupiter status \(run)`; cancel it with `jupiter cancel \(run)`; when its jobs have ended, "
            + "the same `jupiter run` resumes what did not finish"
    }

    /// Units whose settings changed between a submission and the current plan (by label).
    static func changedUnits(_ record: SlurmRecord, _ work: RunWork) -> [String] {
        var out: [String] = []
        for unit in work.units where unit != .finish {
            let now = work.fingerprint(of: unit)
            if let then = record.fingerprints[unit.argument], then != now {
                out.append("\(unit) (\(work.label(of: unit)))")
            } else if record.fingerprints[unit.argument] == nil {
                out.append("\(unit) (\(work.label(of: unit)), new)")
            }
        }
        let current = Set(work.units.map(\.argument))
        for (unit, _) in record.fingerprints.sorted(by: { $0.key < $1.key }) where !current.contains(unit) {
            out.append("\(unit) (removed)")
        }
        return out
    }

    static func jobList(_ jobs: [SlurmCommands.QueuedJob]) -> String {
        let ids = jobs.map(\.id)
        return ids.prefix(6).joined(separator: ", ") + (ids.count > 6 ? ", … (\(ids.count) in all)" : "")
    }

    // MARK: Preflight

    /// Checks, before anything is submitted, that `sbatch` runs and the partition exists;
    /// returns the partition to name (nil: the cluster's default).
    func preflight() throws(RunError) -> String? {
        guard SlurmCommands.which("sbatch", environment: environment) != nil else {
            throw RunError(
                .usage,
                "the slurm executor needs Slurm's sbatch, which is not on PATH; install the Slurm "
                    + "client tools (Debian: slurm-client) or run with --executor local")
        }
        let partitions = try slurm.partitions()
        var wanted = [settings.partition].compactMap { $0 }
        for m in models {
            if case .slurm(let s) = m.backend, let p = s.partition { wanted.append(p) }
        }
        for p in wanted where !partitions.contains(p) {
            throw RunError(
                .usage,
                "Slurm has no partition '\(p)' (partitions: \(partitions.joined(separator: ", ")))"
                    + Suggestion.didYouMean(p, among: partitions))
        }
        return settings.partition
    }

    /// The `jupiter` binary the jobs run.
    func jupiterBinary() throws(RunError) -> String {
        let path = settings.jupiter ?? Self.runningBinary()
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw RunError(
                .usage,
                "the jupiter binary for the jobs, \(path), is not an executable file (set executor.jupiter "
                    + "to a path the compute nodes can run)")
        }
        return path
    }

    /// This process's executable (Linux: `/proc/self/exe`).
    static func runningBinary() -> String {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return target }
        let arg0 = CommandLine.arguments.first ?? "jupiter"
        if arg0.hasPrefix("/") { return arg0 }
        return SlurmCommands.which(arg0, environment: ProcessInfo.processInfo.environment)
            ?? FileManager.default.currentDirectoryPath + "/" + arg0
    }

    // MARK: Scripts

    /// A written job script.
    struct Script {
        var path: String
    }

    func submit(_ script: Script, name: String, run: String) throws(RunError) -> String {
        try slurm.submit(script: script.path)
    }

    /// Quotes for the shell: as it is when it holds only letters, digits and `/.-_=:`, else in single quotes.
    static func quote(_ s: String) -> String {
        if !s.isEmpty,
            s.utf8.allSatisfy({ b in
                (b | 0x20) &- 0x61 < 26 || b &- 0x30 < 10 || b == 0x2F || b == 0x2E || b == 0x2D || b == 0x5F || b == 0x3D || b == 0x3A
            })
        {
            return s
        }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// `#SBATCH` lines shared by unit jobs.
    func commonDirectives(name: String, partition: String?, run: String) -> [String] {
        var lines = [
            "#SBATCH --job-name=\(Self.jobName(run: run, name))",
            "#SBATCH --open-mode=append",
            "#SBATCH --cpus-per-task=\(settings.cpusPerTask)",
            "#SBATCH --requeue",
            "#SBATCH --kill-on-invalid-dep=yes"
        ]
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        if let m = settings.memory { lines.append("#SBATCH --mem=\(m)") }
        if let t = settings.time {
            lines.append("#SBATCH --time=\(t)")
            lines.append("#SBATCH --signal=B:USR1@120")
        }
        if let a = settings.account { lines.append("#SBATCH --account=\(a)") }
        if let q = settings.qos { lines.append("#SBATCH --qos=\(q)") }
        lines += settings.sbatchArguments.map { "#SBATCH \($0)" }
        return lines
    }

    /// `jupiter-<run name>:<what>` (what `squeue` shows).
    static func jobName(run: String, _ name: String) -> String {
        "jupiter-" + FileSystem.baseName(run) + ":" + name
    }

    /// The script of a unit's job (or of one share of its array).
    func unitScript(
        _ unit: WorkUnit, order: Int, tasks: Int, share: [Int], offset: Int, dependencies: [String],
        after: [String], jupiter: String, run: String, partition: String?
    ) -> Script {
        var lines = ["#!/bin/bash", "# Jupiter: \(unit) of the run in \(run) (written by `jupiter run`; do not edit)."]
        lines += commonDirectives(name: unit.slug, partition: partition, run: run)
        // Each task appends to its own log (slurm/logs/<unit>/task-<k>.log, or <unit>.log), every
        // attempt after the last; a share of a split array numbers its tasks from `offset`, so its
        // script redirects to the task's log itself.
        let logDirectory = run + "/slurm/logs/" + unit.slug
        try? FileSystem.createDirectory(logDirectory)
        if tasks == 1 {
            lines.append("#SBATCH --output=\(run)/slurm/logs/\(unit.slug).log")
        } else if offset == 0 {
            lines.append("#SBATCH --output=\(logDirectory)/task-%a.log")
        } else {
            lines.append("#SBATCH --output=\(logDirectory)/slurm-%A_%a.out")
        }
        if tasks > 1 { lines.append("#SBATCH --array=" + Self.indexList(share.map { $0 - offset })) }
        var deps: [String] = []
        if !dependencies.isEmpty { deps.append("afterok:" + dependencies.joined(separator: ":")) }
        if !after.isEmpty { deps.append("after:" + after.joined(separator: ":")) }
        if !deps.isEmpty { lines.append("#SBATCH --dependency=" + deps.joined(separator: ",")) }
        lines.append("set -u")
        lines += settings.setup
        lines.append("task=$(( \(offset) + ${SLURM_ARRAY_TASK_ID:-0} ))")
        if tasks > 1 && offset > 0 { lines.append("exec >> \"\(logDirectory)/task-${task}.log\" 2>&1") }
        lines.append(
            "echo \"jupiter: $(date -u +%FT%TZ) job ${SLURM_JOB_ID} task ${task} on $(hostname), attempt $(( ${SLURM_RESTART_COUNT:-0} + 1 ))\""
        )
        let command = [
            jupiter, "work", run, "--unit", unit.argument, "--tasks", String(tasks),
            "--workers", String(settings.cpusPerTask)
        ].map(Self.quote).joined(separator: " ")
        lines.append(command + " --task \"$task\" &")
        lines += Self.supervision(maxRequeues: settings.maxRequeues)
        return write(lines, name: String(format: "%03d", order) + "-" + unit.slug, run: run)
    }

    /// Bash that waits for the background `jupiter` and requeues the job when Slurm warns of the
    /// time limit (USR1), up to `maxRequeues` times; SIGTERM (scancel) is passed on.
    static func supervision(maxRequeues: Int) -> [String] {
        [
            "child=$!",
            "on_usr1() {",
            "  if [ \"${SLURM_RESTART_COUNT:-0}\" -lt \(maxRequeues) ]; then",
            "    echo \"jupiter: the time limit is near: requeueing (restart $(( ${SLURM_RESTART_COUNT:-0} + 1 )) of \(maxRequeues)); done batches are kept\"",
            "    scontrol requeue \"${SLURM_ARRAY_JOB_ID:-$SLURM_JOB_ID}${SLURM_ARRAY_TASK_ID:+_$SLURM_ARRAY_TASK_ID}\"",
            "  else",
            "    echo \"jupiter: the time limit is near and the task was requeued \(maxRequeues) time(s) already: stopping\"",
            "  fi",
            "  kill -TERM \"$child\" 2>/dev/null",
            "}",
            "trap on_usr1 USR1",
            "trap 'kill -TERM \"$child\" 2>/dev/null' TERM",
            "while :; do wait \"$child\"; status=$?; kill -0 \"$child\" 2>/dev/null || break; done",
            "exit $status"
        ]
    }

    /// `0-3,5,7-8` from sorted indices.
    static func indexList(_ indices: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        while i < indices.count {
            var j = i
            while j + 1 < indices.count && indices[j + 1] == indices[j] + 1 { j += 1 }
            parts.append(i == j ? "\(indices[i])" : "\(indices[i])-\(indices[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    /// The script of a model server job.
    func serverScript(
        _ m: ModelConfig, _ s: ModelConfig.SlurmServerOptions, replica: Int, jupiter: String, run: String,
        partition: String?
    ) -> Script {
        var lines = ["#!/bin/bash", "# Jupiter: model server '\(m.name)' replica \(replica) for the run in \(run)."]
        lines.append("#SBATCH --job-name=\(Self.jobName(run: run, "serve-\(m.name)-\(replica)"))")
        lines.append("#SBATCH --output=\(run)/slurm/logs/serve-\(m.name)-\(replica).log")
        lines.append("#SBATCH --open-mode=append")
        if let p = s.partition ?? partition { lines.append("#SBATCH --partition=\(p)") }
        if let g = s.gres { lines.append("#SBATCH --gres=\(g)") }
        if let c = s.cpusPerTask { lines.append("#SBATCH --cpus-per-task=\(c)") }
        if let mem = s.memory { lines.append("#SBATCH --mem=\(mem)") }
        if let t = s.time { lines.append("#SBATCH --time=\(t)") }
        if let a = s.account ?? settings.account { lines.append("#SBATCH --account=\(a)") }
        if let q = s.qos ?? settings.qos { lines.append("#SBATCH --qos=\(q)") }
        lines += s.sbatchArguments.map { "#SBATCH \($0)" }
        lines.append("set -u")
        lines += settings.setup + s.setup
        lines.append(
            "exec "
                + [jupiter, "work", run, "--serve-model", m.name, "--replica", String(replica)]
                .map(Self.quote).joined(separator: " "))
        return write(lines, name: "serve-\(m.name)-\(replica)", run: run)
    }

    /// The job that cancels the model servers once every unit job ended (however it ended).
    func reaperScript(servers: [String], after: [String], run: String, partition: String?) -> Script {
        var lines = ["#!/bin/bash", "# Jupiter: stops the model servers of the run in \(run) once its jobs have ended."]
        lines.append("#SBATCH --job-name=\(Self.jobName(run: run, "stop-servers"))")
        lines.append("#SBATCH --output=\(run)/slurm/logs/stop-servers.log")
        lines.append("#SBATCH --open-mode=append")
        lines.append("#SBATCH --cpus-per-task=1")
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        if let a = settings.account { lines.append("#SBATCH --account=\(a)") }
        if let q = settings.qos { lines.append("#SBATCH --qos=\(q)") }
        lines.append("#SBATCH --dependency=afterany:" + after.joined(separator: ":"))
        lines.append("scancel " + servers.joined(separator: " "))
        return write(lines, name: "stop-servers", run: run)
    }

    func write(_ lines: [String], name: String, run: String) -> Script {
        let path = run + "/slurm/jobs/\(name).sh"
        try? AtomicFile.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: path)
        chmod(path, 0o755)
        return Script(path: path)
    }

    // MARK: Waiting

    /// Polls the queue until every job of `record` has left it, reporting progress; then says how
    /// the run ended.
    func waitFor(_ record: SlurmRecord, work: RunWork) async throws -> ExecutionOutcome {
        var lastLine = ""
        while true {
            try await Task.sleep(nanoseconds: UInt64(pollInterval * 1e9))
            guard let queued = slurm.queued(record.jobIDs) else {
                throw RunError(.io, "squeue failed while waiting for the run's jobs; they go on: `jupiter status \(record.runDirectory)`")
            }
            let status = SlurmStatus.read(record, work: work, queued: queued, slurm: slurm)
            let line = status.progressLine
            if line != lastLine {
                observer?(.cluster(line))
                lastLine = line
            }
            // Servers run until the reaper cancels them; the run is over when no unit job is left.
            if !status.hasActiveUnitJobs { break }
        }
        let status = SlurmStatus.read(record, work: work, queued: slurm.queued(record.jobIDs) ?? [], slurm: slurm)
        if status.manifestWritten { return .finished(failures: []) }
        let failed = status.failedTasks
        // Model failures stop the tasks that met them; the jobs after them never start: exit 4
        // when every task that ended did so for its model.
        let ended = failed.filter { $0.exit != nil }
        let model = !ended.isEmpty && ended.allSatisfy { $0.exit == ExitStatus.model.rawValue }
        let lines = failed.prefix(10).map { "  \($0.unit) task \($0.task): \($0.reason) — log \($0.log)" }
        let text =
            "the run's jobs ended without finishing it:\n" + lines.joined(separator: "\n")
            + (failed.count > 10 ? "\n  … (\(failed.count) in all)" : "")
            + "\nsee `jupiter status \(record.runDirectory)`; run `jupiter run` again to resume"
        if model {
            throw RunError(
                .model, text,
                failures: failed.map {
                    RunError.StepFailure(dataset: $0.unit, step: $0.label, batches: 0, error: $0.reason)
                })
        }
        throw RunError(.stage, text)
    }
}
