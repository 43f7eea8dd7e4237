import Foundation
import JupiterCore

/// Slurm's command-line tools (`sbatch`, `squeue`, `sacct`, `scancel`, `sinfo`), run as
/// processes: Jupiter drives Slurm the way a user would, with no library of its own. Every call
/// passes `--parsable`-style output options and parses only documented fields.
struct SlurmCommands: Sendable {
    /// The environment the tools see (`SLURM_CONF` among it).
    var environment: [String: String]

    /// A tool's exit status and its standard output and error.
    struct Output: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `tool` with `arguments`; nil when the tool cannot be started (not installed).
    func run(_ tool: String, _ arguments: [String]) -> Output? {
        guard let path = Self.which(tool, environment: environment) else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        p.environment = environment
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        // Standard output may be long (squeue); the tools' complaints on standard error are a
        // line or two, far below a pipe's buffer, so reading one after the other cannot block.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(
            status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// The absolute path of `tool` on `PATH`, or nil.
    static func which(_ tool: String, environment: [String: String]) -> String? {
        if tool.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil }
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    // MARK: Queries

    /// The cluster's partitions (`sinfo`), or an error saying why they cannot be listed.
    func partitions() throws(RunError) -> [String] {
        guard let r = run("sinfo", ["-h", "-o", "%P"]) else {
            throw RunError(
                .usage,
                "Slurm's sinfo is not installed (or not on PATH): the slurm executor needs Slurm's "
                    + "client tools (sbatch, squeue, scancel, sinfo) on this machine")
        }
        guard r.status == 0 else {
            throw RunError(
                .usage,
                "sinfo failed (exit \(r.status)): \(r.stderr.trimmingWhitespace()); is the Slurm "
                    + "controller reachable (SLURM_CONF)?")
        }
        // The default partition carries a trailing `*`.
        return r.stdout.split(separator: "\n").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
            .map { $0.hasSuffix("*") ? String($0.dropLast()) : $0 }
    }

    /// The cluster's default partition, when one is marked.
    func defaultPartition() -> String? {
        guard let r = run("sinfo", ["-h", "-o", "%P"]), r.status == 0 else { return nil }
        return r.stdout.split(separator: "\n").map { String($0).trimmingWhitespace() }
            .first { $0.hasSuffix("*") }.map { String($0.dropLast()) }
    }

    /// A job (or array task) as `squeue` shows it.
    struct QueuedJob: Sendable, Equatable {
        /// `123` or `123_4` (an array task), as Slurm names it.
        var id: String
        /// The array's job id (`123` for `123_4`) or the job's own.
        var jobID: String
        /// The array task index, when the job is an array task (`nil` for a pending range).
        var arrayTask: Int?
        /// For a pending array range (`123_[2-5%4]`), the indices it still holds.
        var pendingTasks: [Int]
        /// `PENDING`, `RUNNING`, `COMPLETING`, `CONFIGURING`, `REQUEUED`, …
        var state: String
        /// Why a pending job waits (`Dependency`, `DependencyNeverSatisfied`, `Resources`, …).
        var reason: String
    }

    /// The given jobs still known to the controller and not finished (`squeue`), or nil when
    /// `squeue` cannot be run.
    func queued(_ jobIDs: [String]) -> [QueuedJob]? {
        guard !jobIDs.isEmpty else { return [] }
        guard let r = run("squeue", ["-h", "-j", jobIDs.joined(separator: ","), "-o", "%i|%F|%K|%T|%r"]) else {
            return nil
        }
        // squeue exits 1 with "Invalid job id specified" when every id has left the queue.
        if r.status != 0 { return r.stderr.contains("Invalid job id") ? [] : nil }
        return r.stdout.split(separator: "\n").compactMap { Self.parseQueueLine(String($0)) }
    }

    /// Parses one `%i|%F|%K|%T|%r` line of `squeue`.
    static func parseQueueLine(_ line: String) -> QueuedJob? {
        let f = line.split(separator: "|", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
        guard f.count >= 5, !f[0].isEmpty else { return nil }
        let task = Int(f[2])
        var pending: [Int] = []
        if task == nil, f[2] != "N/A" { pending = parseIndexList(f[2]) }
        return QueuedJob(
            id: f[0], jobID: f[1].isEmpty || f[1] == "N/A" ? f[0] : f[1], arrayTask: task,
            pendingTasks: pending, state: f[3], reason: f[4])
    }

    /// `0-3,5,7-8%2` → [0, 1, 2, 3, 5, 7, 8].
    static func parseIndexList(_ text: String) -> [Int] {
        let list = text.split(separator: "%").first.map(String.init) ?? text
        var out: [Int] = []
        for part in list.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: ",") {
            let ends = part.split(separator: "-").compactMap { Int($0) }
            if ends.count == 2, ends[0] <= ends[1] { out += Array(ends[0]...ends[1]) } else if ends.count == 1 { out.append(ends[0]) }
        }
        return out
    }

    /// A job's final state from accounting (`sacct`): `COMPLETED`, `FAILED`, `CANCELLED`,
    /// `TIMEOUT`, `NODE_FAIL`, `OUT_OF_MEMORY`, … with its exit code, by job id (`123_4` for
    /// array tasks). Empty when accounting is off (a single-node cluster has none).
    func accounting(_ jobIDs: [String]) -> [String: (state: String, exitCode: String)] {
        guard !jobIDs.isEmpty,
            let r = run("sacct", ["-n", "-P", "-X", "-j", jobIDs.joined(separator: ","), "-o", "JobID,State,ExitCode"]),
            r.status == 0
        else { return [:] }
        var out: [String: (String, String)] = [:]
        for line in r.stdout.split(separator: "\n") {
            let f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 3 else { continue }
            out[f[0]] = (String(f[1].split(separator: " ").first ?? ""), f[2])
        }
        return out
    }

    // MARK: Actions

    /// Submits `script`; returns the job id. Errors carry `sbatch`'s message.
    func submit(script: String, arguments: [String] = []) throws(RunError) -> String {
        guard let r = run("sbatch", ["--parsable"] + arguments + [script]) else {
            throw RunError(.usage, "Slurm's sbatch is not installed (or not on PATH)")
        }
        guard r.status == 0 else {
            throw RunError(
                .stage,
                "sbatch \(FileSystem.baseName(script)) failed (exit \(r.status)): "
                    + r.stderr.trimmingWhitespace())
        }
        // `--parsable` prints `jobid` or `jobid;cluster`.
        let id = r.stdout.trimmingWhitespace().split(separator: ";").first.map(String.init) ?? ""
        guard !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw RunError(.stage, "sbatch printed no job id for \(FileSystem.baseName(script)): \(r.stdout)")
        }
        return id
    }

    /// Cancels jobs (whole arrays when given array job ids). Returns `scancel`'s complaint, if any.
    @discardableResult
    func cancel(_ jobIDs: [String]) -> String? {
        guard !jobIDs.isEmpty else { return nil }
        guard let r = run("scancel", jobIDs) else { return "scancel is not installed" }
        return r.status == 0 ? nil : r.stderr.trimmingWhitespace()
    }
}
