import Foundation
import JupiterCore

/// Where a cluster run stands: per unit, its tasks done, running, pending and failed, from the
/// completion files in the run folder, `squeue` (what is queued or running), the tasks' own
/// outcome files and `sacct` where accounting is on. What `jupiter status RUN` prints and what
/// `jupiter run --wait` follows.
public struct SlurmStatus: Sendable {
    /// A task that ended without finishing its work.
    public struct FailedTask: Sendable {
        /// ``WorkUnit/argument`` of its unit.
        public var unit: String
        /// The unit's label.
        public var label: String
        /// The task index (0 for a unit run whole).
        public var task: Int
        /// Its exit status, when it wrote one (4: model requests failed).
        public var exit: Int32?
        /// Why, in a few words (its error, or what Slurm says).
        public var reason: String
        /// Its log file.
        public var log: String
        /// The last lines of the log.
        public var logTail: [String]
    }

    /// One unit's tasks.
    public struct UnitLine: Sendable {
        /// ``WorkUnit/argument``.
        public var unit: String
        /// What the unit does.
        public var label: String
        /// Tasks of the unit.
        public var tasks: Int
        public var done = 0
        public var running = 0
        public var pending = 0
        /// Pending behind a job that failed: Slurm cancels them (`--kill-on-invalid-dep`).
        public var blocked = 0
        public var failed = 0
    }

    /// The units, in run order.
    public var units: [UnitLine] = []
    /// Model servers: `model/replica` with their state (`RUNNING`, `PENDING`, `ended`).
    public var servers: [(name: String, state: String, endpoint: String?)] = []
    /// Tasks that ended without finishing.
    public var failedTasks: [FailedTask] = []
    /// True when a unit job is still queued or running.
    public var hasActiveUnitJobs = false
    /// True when this submission's last job wrote the manifest.
    public var manifestWritten = false
    /// Units whose settings changed in the recipe since the submission.
    public var changedSinceSubmission: [String] = []
    /// When the jobs were submitted.
    public var submitted: Date
    /// The recipe the jobs run.
    public var recipeFile: String
    /// The run folder the jobs write (absolute).
    public var runDirectory = ""
    /// The executor options of the submission (``SlurmRecord/resumeOptions``).
    public var resumeOptions = ""
    /// Whether `sacct` had records (accounting on).
    public var accounting = false

    /// One line for progress while waiting: `12/16 tasks done · 4 running · 0 failed`.
    public var progressLine: String {
        let total = units.reduce(0) { $0 + $1.tasks }
        let done = units.reduce(0) { $0 + $1.done }
        let running = units.reduce(0) { $0 + $1.running }
        let failed = units.reduce(0) { $0 + $1.failed }
        let current = units.first { $0.done < $0.tasks }
        return "slurm: \(done)/\(total) task(s) done · \(running) running · \(failed) failed"
            + (current.map { " · now: \($0.unit) (\($0.label))" } ?? "")
    }

    /// Reads the status of `record`'s jobs. `queued` is `squeue`'s answer for them.
    static func read(
        _ record: SlurmRecord, work: RunWork, queued: [SlurmCommands.QueuedJob],
        slurm: SlurmCommands
    ) -> SlurmStatus {
        var status = SlurmStatus(submitted: record.submitted, recipeFile: record.recipeFile)
        status.runDirectory = record.runDirectory
        status.resumeOptions = record.resumeOptions
        let run = record.runDirectory
        // squeue's view: by job id and array task.
        var live: [String: SlurmCommands.QueuedJob] = [:]
        for q in queued {
            if let t = q.arrayTask {
                live["\(q.jobID)_\(t)"] = q
            } else if !q.pendingTasks.isEmpty {
                for t in q.pendingTasks { live["\(q.jobID)_\(t)"] = q }
            } else {
                live[q.jobID] = q
            }
        }
        let ended = record.jobs.flatMap { job in job.taskIndices.map { job.slurmID(task: $0) } }.filter { live[$0] == nil }
        let accounting = ended.isEmpty ? [:] : slurm.accounting(Array(Set(record.jobIDs)).sorted())
        status.accounting = !accounting.isEmpty
        var byUnit: [String: UnitLine] = [:]
        var order: [String] = []
        for job in record.jobs {
            switch job.kind {
            case .server:
                let q = live[job.id]
                let parts = job.unit.split(separator: "/")
                let endpoint =
                    parts.count == 2
                    ? SlurmServing.endpoint(
                        run, model: String(parts[0]), replica: Int(parts[1]) ?? 0,
                        job: job.id) : nil
                status.servers.append((job.unit, q?.state ?? "ended", endpoint))
                continue
            case .reaper:
                continue
            case .unit:
                break
            }
            guard let unit = WorkUnit(argument: job.unit) else { continue }
            if byUnit[job.unit] == nil {
                order.append(job.unit)
                byUnit[job.unit] = UnitLine(unit: job.unit, label: record.labels[job.unit] ?? work.label(of: unit), tasks: 0)
            }
            var line = byUnit[job.unit] ?? UnitLine(unit: job.unit, label: "", tasks: 0)
            for task in job.taskIndices {
                line.tasks += 1
                let id = job.slurmID(task: task)
                let outcomePath = SlurmRecord.outcomePath(run, unit: job.unit, task: task)
                let outcome = TaskOutcome(path: outcomePath).flatMap { $0.ended >= record.submitted ? $0 : nil }
                let complete = unit == .finish ? (outcome?.exit == 0) : work.isComplete(unit, task: task, of: job.tasks)
                if complete {
                    line.done += 1
                    if unit == .finish { status.manifestWritten = true }
                    continue
                }
                if let q = live[id] {
                    status.hasActiveUnitJobs = true
                    if q.state == "RUNNING" || q.state == "COMPLETING" || q.state == "CONFIGURING" {
                        line.running += 1
                    } else if q.reason.contains("DependencyNeverSatisfied") {
                        line.blocked += 1
                    } else {
                        line.pending += 1
                    }
                    continue
                }
                line.failed += 1
                let log = SlurmRecord.logPath(run, unit: job.unit, task: job.tasks > 1 ? task : nil)
                var reason: String
                if let outcome, outcome.exit != 0 {
                    reason = "exit \(outcome.exit): " + (outcome.message.split(separator: "\n").first.map(String.init) ?? "")
                } else if let acct = accounting[id] {
                    reason = "\(acct.state) (exit code \(acct.exitCode))"
                } else if outcome?.exit == 0 {
                    reason = "ended, but its work is not recorded as done (its files were removed or changed)"
                } else if !FileSystem.exists(log) {
                    reason = "never started (cancelled, or a job it depends on failed)"
                } else {
                    reason = "ended without finishing: killed, cancelled, out of time or memory, or its node failed"
                }
                status.failedTasks.append(
                    FailedTask(
                        unit: job.unit, label: line.label, task: task, exit: outcome?.exit,
                        reason: reason, log: log, logTail: Self.tail(log, lines: 5)))
            }
            byUnit[job.unit] = line
        }
        status.units = order.compactMap { byUnit[$0] }
        status.changedSinceSubmission = SlurmExecutor.changedUnits(record, work).filter { !$0.hasSuffix("(removed)") }
        return status
    }

    /// The last `lines` non-empty lines of a file.
    static func tail(_ path: String, lines: Int) -> [String] {
        guard let size = FileSystem.size(path), size > 0, let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        let start = UInt64(max(0, size - 8192))
        try? handle.seek(toOffset: start)
        let data = handle.readDataToEndOfFile()
        return Array(String(decoding: data, as: UTF8.self).split(separator: "\n").suffix(lines).map(String.init))
    }

    // MARK: Text

    /// The report `jupiter status` prints.
    public func text(runDirectory: String) -> String {
        var out: [String] = []
        out.append(
            "run \(runDirectory): submitted to Slurm at \(Manifest.timestamp(submitted))"
                + (manifestWritten ? "; finished (manifest.json written)" : hasActiveUnitJobs ? "; in progress" : "; stopped"))
        let width = max(24, units.map { $0.unit.count + $0.label.count + 3 }.max() ?? 24)
        out.append(
            "  " + "unit".padding(toLength: width, withPad: " ", startingAt: 0)
                + " tasks   done running pending blocked failed")
        for u in units {
            let name = "\(u.unit) (\(u.label))"
            out.append(
                "  " + name.padding(toLength: width, withPad: " ", startingAt: 0)
                    + [u.tasks, u.done, u.running, u.pending, u.blocked, u.failed].enumerated().map { i, n in
                        String(repeating: " ", count: max(0, [6, 7, 8, 8, 8, 7][i] - String(n).count)) + String(n)
                    }.joined())
        }
        for s in servers {
            out.append("  model server \(s.name): \(s.state)" + (s.endpoint.map { " at \($0)" } ?? ""))
        }
        if !failedTasks.isEmpty {
            out.append("failed:")
            for f in failedTasks {
                out.append("  \(f.unit) task \(f.task): \(f.reason)")
                out.append("    log: \(f.log)")
                for l in f.logTail { out.append("    | \(l)") }
            }
        }
        if !changedSinceSubmission.isEmpty {
            out.append("the recipe changed since these jobs were submitted: " + changedSinceSubmission.joined(separator: ", "))
        }
        if !accounting && !failedTasks.isEmpty {
            out.append("(Slurm accounting is off here, so failures are read from the tasks' own records and logs)")
        }
        if !manifestWritten {
            out.append(
                hasActiveUnitJobs
                    ? "the jobs are still working; `jupiter cancel \(runDirectory)` stops them"
                    : "to resume: jupiter run \(SlurmExecutor.quote(recipeFile)) --output \(SlurmExecutor.quote(self.runDirectory.isEmpty ? runDirectory : self.runDirectory)) "
                        + (resumeOptions.isEmpty ? "--executor slurm" : resumeOptions))
        }
        return out.joined(separator: "\n")
    }
}
