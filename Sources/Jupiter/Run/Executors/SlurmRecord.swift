import Foundation
import JupiterCore

/// What a cluster run submitted, in `slurm/run.json` inside the run folder: the recipe the jobs
/// rebuild their plan from, every unit's fingerprint at submission (a job refuses to work on a
/// plan that changed since), and every job with its unit, tasks and log. Rewritten after each
/// `sbatch`, so a coordinator killed mid-submission leaves the jobs it did submit on record.
struct SlurmRecord: Sendable {
    /// A submitted job.
    struct Job: Sendable {
        /// What the job does.
        enum Kind: String, Sendable {
            /// A unit of the run (`unit` holds its argument), or a slice array of it.
            case unit
            /// A model server (`unit` holds `model/replica`).
            case server
            /// Cancels the model servers once every unit job ended.
            case reaper
        }

        /// Slurm's job id (an array's id for array jobs).
        var id: String
        var kind: Kind
        /// ``WorkUnit/argument`` of a unit job; `model/replica` of a server.
        var unit: String
        /// For a unit split into tasks: how many tasks the unit has (1 otherwise).
        var tasks: Int
        /// The tasks this job runs (task `offset + SLURM_ARRAY_TASK_ID`), in order.
        var taskIndices: [Int]
        /// `offset` above: the first task of this job's share when a big array is split.
        var offset: Int
        /// The job script.
        var script: String

        var json: JSONValue {
            .object([
                "id": .string(id), "kind": .string(kind.rawValue), "unit": .string(unit), "tasks": .int(tasks),
                "task_indices": .array(taskIndices.map { .int($0) }), "offset": .int(offset),
                "script": .string(script)
            ])
        }

        init(id: String, kind: Kind, unit: String, tasks: Int, taskIndices: [Int], offset: Int, script: String) {
            self.id = id
            self.kind = kind
            self.unit = unit
            self.tasks = tasks
            self.taskIndices = taskIndices
            self.offset = offset
            self.script = script
        }

        init?(json: JSONValue) {
            guard let id = json["id"]?.stringValue, let kind = json["kind"]?.stringValue.flatMap(Kind.init(rawValue:)),
                let unit = json["unit"]?.stringValue
            else { return nil }
            self.id = id
            self.kind = kind
            self.unit = unit
            tasks = json["tasks"]?.intValue ?? 1
            taskIndices = json["task_indices"]?.arrayValue?.compactMap(\.intValue) ?? [0]
            offset = json["offset"]?.intValue ?? 0
            script = json["script"]?.stringValue ?? ""
        }

        /// Slurm's id of task `task` of this job (`123_4` for an array task; the job id otherwise).
        func slurmID(task: Int) -> String { tasks > 1 ? "\(id)_\(task - offset)" : id }
    }

    /// The recipe file (absolute).
    var recipeFile: String
    /// The run folder (absolute).
    var runDirectory: String
    /// When this submission was made (the manifest's `timings.started`).
    var submitted: Date
    /// Array tasks per sliced unit.
    var tasks: Int
    /// The `jupiter run` options that resubmit with the same executor settings (`--tasks 4
    /// --partition p`): what `jupiter status` prints as the command to resume.
    var resumeOptions: String = ""
    /// Unit argument → fingerprint at submission.
    var fingerprints: [String: String]
    /// Unit argument → label.
    var labels: [String: String]
    /// Jobs in submission order.
    var jobs: [Job]

    /// `slurm/run.json` of a run folder.
    static func path(_ runDirectory: String) -> String { runDirectory + "/slurm/run.json" }

    var json: JSONValue {
        var fp = JSONObject(), lb = JSONObject()
        for k in fingerprints.keys.sorted() { fp[k] = .string(fingerprints[k] ?? "") }
        for k in labels.keys.sorted() { lb[k] = .string(labels[k] ?? "") }
        return .object([
            "recipe": .string(recipeFile), "run_dir": .string(runDirectory),
            "submitted": .string(Manifest.timestamp(submitted)),
            "submitted_unix": .double(submitted.timeIntervalSince1970), "tasks": .int(tasks),
            "resume_options": .string(resumeOptions),
            "fingerprints": .object(fp), "labels": .object(lb), "jobs": .array(jobs.map(\.json))
        ])
    }

    init(
        recipeFile: String, runDirectory: String, submitted: Date, tasks: Int, fingerprints: [String: String],
        labels: [String: String], jobs: [Job] = []
    ) {
        self.recipeFile = recipeFile
        self.runDirectory = runDirectory
        self.submitted = submitted
        self.tasks = tasks
        self.fingerprints = fingerprints
        self.labels = labels
        self.jobs = jobs
    }

    /// Reads `slurm/run.json`; nil when there is none (never submitted to Slurm).
    static func read(_ runDirectory: String) throws(RunError) -> SlurmRecord? {
        let p = path(runDirectory)
        guard FileSystem.exists(p) else { return nil }
        guard let bytes = try? FileSystem.read(p), let json = try? JSONParser.parse(bytes),
            let recipe = json["recipe"]?.stringValue, let dir = json["run_dir"]?.stringValue
        else {
            throw RunError(.io, "\(p) is not a Jupiter cluster record (unreadable JSON)")
        }
        var fp: [String: String] = [:], lb: [String: String] = [:]
        for e in json["fingerprints"]?.objectValue ?? JSONObject() { fp[e.key] = e.value.stringValue ?? "" }
        for e in json["labels"]?.objectValue ?? JSONObject() { lb[e.key] = e.value.stringValue ?? "" }
        var record = SlurmRecord(
            recipeFile: recipe, runDirectory: dir,
            submitted: Date(timeIntervalSince1970: json["submitted_unix"]?.doubleValue ?? 0),
            tasks: json["tasks"]?.intValue ?? 1, fingerprints: fp, labels: lb,
            jobs: json["jobs"]?.arrayValue?.compactMap(Job.init(json:)) ?? [])
        record.resumeOptions = json["resume_options"]?.stringValue ?? ""
        return record
    }

    /// Writes `slurm/run.json` atomically.
    func write() throws(RunError) {
        do {
            try AtomicFile.write(Array(JSONWriter.pretty(json).utf8), to: Self.path(runDirectory))
        } catch {
            throw RunError(.io, error.description)
        }
    }

    /// Every job id (arrays by their array id).
    var jobIDs: [String] { jobs.map(\.id) }

    // MARK: Files of tasks

    /// The log of task `task` of a unit (`slurm/logs/<unit slug>/task-<k>.log`), or of a whole unit.
    static func logPath(_ runDirectory: String, unit: String, task: Int?) -> String {
        let slug = WorkUnit(argument: unit)?.slug ?? unit
        if let task { return runDirectory + "/slurm/logs/\(slug)/task-\(task).log" }
        return runDirectory + "/slurm/logs/\(slug).log"
    }

    /// How a task's last attempt ended (`slurm/outcomes/<slug>/task-<k>.json`), written by the task itself.
    static func outcomePath(_ runDirectory: String, unit: String, task: Int) -> String {
        runDirectory + "/slurm/outcomes/\(WorkUnit(argument: unit)?.slug ?? unit)/task-\(task).json"
    }

    /// A server's endpoint (`slurm/endpoints/<model>-<replica>.json`), written once it is healthy.
    static func endpointPath(_ runDirectory: String, model: String, replica: Int) -> String {
        runDirectory + "/slurm/endpoints/\(model)-\(replica).json"
    }

    /// A task's model cache (`state/tasks/<slug>-<k>.sqlite`): SQLite is not safe with many writers
    /// on a network filesystem, so each task writes its own, and the last job merges them all into
    /// `state.sqlite`.
    static func taskCachePath(_ runDirectory: String, unit: WorkUnit, task: Int) -> String {
        runDirectory + "/state/tasks/\(unit.slug)-\(task).sqlite"
    }

    /// A task's model usage (`slurm/usage/<slug>-<k>.json`), summed into the manifest.
    static func usagePath(_ runDirectory: String, unit: WorkUnit, task: Int) -> String {
        runDirectory + "/slurm/usage/\(unit.slug)-\(task).json"
    }
}

/// How a task's last attempt ended, as the task wrote it.
struct TaskOutcome: Sendable {
    /// Exit status (``ExitStatus``).
    var exit: Int32
    /// The error, when it failed.
    var message: String
    /// The machine it ran on.
    var host: String
    /// When it ended.
    var ended: Date

    var json: JSONValue {
        .object([
            "exit": .int(Int(exit)), "message": .string(message), "host": .string(host),
            "ended": .string(Manifest.timestamp(ended)), "ended_unix": .double(ended.timeIntervalSince1970)
        ])
    }

    init(exit: Int32, message: String, host: String, ended: Date) {
        self.exit = exit
        self.message = message
        self.host = host
        self.ended = ended
    }

    /// Writes the outcome atomically.
    func write(to path: String) throws(IOError) {
        try AtomicFile.write(JSONWriter.bytes(json), to: path)
    }

    init?(path: String) {
        guard let bytes = try? FileSystem.read(path), let json = try? JSONParser.parse(bytes),
            let exit = json["exit"]?.intValue
        else { return nil }
        self.exit = Int32(exit)
        message = json["message"]?.stringValue ?? ""
        host = json["host"]?.stringValue ?? ""
        ended = Date(timeIntervalSince1970: json["ended_unix"]?.doubleValue ?? 0)
    }
}
