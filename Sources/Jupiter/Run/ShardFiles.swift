import Foundation
import JupiterCore

/// The passes of a sharded global step on a cluster (``ShardedStage``), under the step's work
/// folder: `shards/` holds the stage's own files and one marker per finished task of a pass
/// (`scan-<k>-of-<n>.done`, `reduce-<k>-of-<n>.done`, `combine-of-<n>.done`: a ``TaskRecord``
/// with the task's time and peak memory), written after the task's files are renamed into place. The step's fingerprint names the work folder, so a changed
/// input or setting never reads another run's shards.
struct ShardFiles {
    /// `work/<dataset>/<step>/shards`.
    let directory: String

    init(_ w: StepWork) { directory = w.files.directory + "/shards" }

    func marker(_ phase: ShardPhase, task: Int, of tasks: Int) -> String {
        phase == .combine ? directory + "/combine-of-\(tasks).done" : directory + "/\(phase.rawValue)-\(task)-of-\(tasks).done"
    }

    /// Whether task `task` of `tasks` finished `phase` (or a later pass made it moot).
    func isDone(_ phase: ShardPhase, task: Int, of tasks: Int) -> Bool {
        if FileSystem.exists(marker(.combine, task: 0, of: tasks)) { return true }
        if phase == .scan && isComplete(.reduce, tasks: tasks) { return true }
        return FileSystem.exists(marker(phase, task: task, of: tasks))
    }

    /// Whether every task of `phase` finished, for passes split into `tasks`.
    func isComplete(_ phase: ShardPhase, tasks: Int) -> Bool {
        if FileSystem.exists(marker(.combine, task: 0, of: tasks)) { return true }
        switch phase {
        case .combine: return false
        case .reduce: return (0..<tasks).allSatisfy { FileSystem.exists(marker(.reduce, task: $0, of: tasks)) }
        case .scan:
            return isComplete(.reduce, tasks: tasks)
                || (0..<tasks).allSatisfy { FileSystem.exists(marker(.scan, task: $0, of: tasks)) }
        }
    }

    /// The passes' wall time with the tasks of each side by side: the sum of each pass's slowest
    /// task; nil while a task's marker is missing.
    func seconds(tasks: Int) -> Double? {
        var total = 0.0
        for phase in ShardPhase.allCases {
            var slowest = 0.0
            for task in phase == .combine ? [0] : Array(0..<tasks) {
                guard let bytes = try? FileSystem.read(marker(phase, task: task, of: tasks)),
                    let json = try? JSONParser.parse(bytes), let record = TaskRecord(json: json)
                else { return nil }
                slowest = max(slowest, record.seconds)
            }
            total += slowest
        }
        return total
    }

    /// Records that task `task` of `tasks` finished `phase`, with what it cost.
    func markDone(_ phase: ShardPhase, task: Int, of tasks: Int, _ record: TaskRecord) throws(IOError) {
        try AtomicFile.write(JSONWriter.bytes(record.json), to: marker(phase, task: task, of: tasks))
    }
}

/// The batches `b` with `b % tasks == task` of a step's input, each with the global index of its
/// first record.
struct StepShardInput: LineShardInput {
    let files: BatchFiles
    let batches: [Int]
    let firstIndex: [Int]

    func forEachBatch(_ body: (_ first: Int, _ records: [Record]) async throws -> Void) async throws {
        for b in batches { try await body(firstIndex[b], try files.readKept(b)) }
    }

    func forEachLineBatch(_ body: (_ first: Int, _ lines: [UInt8], _ path: String) async throws -> Void) async throws {
        for b in batches {
            let lines = try files.readKeptLines(b)
            try await body(firstIndex[b], lines.bytes, lines.label)
        }
    }
}

extension ShardPhase {
    /// What each pass does, for status lines and logs.
    static let labels: [ShardPhase: String] = [.scan: "scan", .reduce: "reduce by part", .combine: "combine"]
}
