/// One unit of a run's work. Units run in ``RunWork/units`` order; each depends on the units
/// ``RunWork/dependencies(of:)`` names.
public enum WorkUnit: Sendable, Hashable, CustomStringConvertible {
    /// A step of a dataset (per-batch stages, run over slices of batches, or one global stage).
    case step(dataset: String, index: Int)
    /// One of the first three passes of a sharded global step (``ShardPhase``) on a cluster; the
    /// step itself is then the fourth, the filter.
    case phase(dataset: String, index: Int, phase: ShardPhase)
    /// Writing `datasets/<name>/` from the finished steps.
    case assemble(dataset: String)
    /// The training mixture.
    case mix
    /// The manifest, once everything else is done (on a cluster, also merging the tasks' model
    /// caches into `state.sqlite`).
    case finish

    /// `step ds/2`, `assemble ds`, `mix`, `finish`.
    public var description: String {
        switch self {
        case .step(let d, let i): "step \(d)/\(i)"
        case .phase(let d, let i, let p): "\(p.rawValue) \(d)/\(i)"
        case .assemble(let d): "assemble \(d)"
        case .mix: "mix"
        case .finish: "finish"
        }
    }

    /// The unit's command-line form: `step:ds/2`, `scan:ds/2` (a phase), `assemble:ds`, `mix`, `finish`.
    public var argument: String {
        switch self {
        case .step(let d, let i): "step:\(d)/\(i)"
        case .phase(let d, let i, let p): "\(p.rawValue):\(d)/\(i)"
        case .assemble(let d): "assemble:\(d)"
        case .mix: "mix"
        case .finish: "finish"
        }
    }

    /// Parses ``argument``.
    public init?(argument: String) {
        if argument == "mix" { self = .mix; return }
        if argument == "finish" { self = .finish; return }
        if argument.hasPrefix("assemble:") {
            let name = String(argument.dropFirst(9))
            guard !name.isEmpty else { return nil }
            self = .assemble(dataset: name)
            return
        }
        guard let colon = argument.firstIndex(of: ":"), let slash = argument.lastIndex(of: "/"), colon < slash,
            let index = Int(argument[argument.index(after: slash)...]), index >= 0
        else { return nil }
        let kind = String(argument[..<colon])
        let name = String(argument[argument.index(after: colon)..<slash])
        guard !name.isEmpty else { return nil }
        if kind == "step" {
            self = .step(dataset: name, index: index)
        } else if let phase = ShardPhase(rawValue: kind) {
            self = .phase(dataset: name, index: index, phase: phase)
        } else {
            return nil
        }
    }

    /// A file-name-safe form (`step-ds-2`).
    public var slug: String {
        String(argument.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "-" })
    }
}

/// The passes of a sharded global step (``ShardedStage``) before its filter.
public enum ShardPhase: String, Sendable, Hashable, CaseIterable {
    /// Each task reads its share of the input and writes its shard files (MinHash signatures,
    /// exact-dedup keys).
    case scan
    /// Each part (a band range, a hash prefix) reads every task's files for it.
    case reduce
    /// One task combines the parts into decisions (clusters).
    case combine
}

/// How a unit can be scheduled.
public enum UnitShape: Sendable, Equatable {
    /// Per-batch work: any number of tasks can share it, task `k` of `n` taking the batches `b`
    /// with `b % n == k`.
    case sliced
    /// One task does it all.
    case whole
}

/// What performing a unit (or a slice of one) came to.
public enum UnitOutcome: Sendable {
    /// Done (or a slice done, for a task of a sliced step).
    case done
    /// Not finished because model requests failed for transport reasons: the failure names the
    /// step and the first error. The rest of the run goes on; a rerun resends only those requests.
    case failed(RunError.StepFailure)
}

/// What an executor made of a run's work.
public enum ExecutionOutcome: Sendable {
    /// Every unit was performed here, except those listed, which could not finish because of
    /// model failures (the units after them did not run).
    case finished(failures: [RunError.StepFailure])
    /// The units were handed to a batch system; its last job writes the manifest. `message` says
    /// how to follow them.
    case submitted(jobs: [String], message: String)
}

/// A run's work, as an executor sees it: the units in a valid order, their dependencies, their
/// shapes, which are done already, and a way to perform a unit or one task's slice of it.
/// Completion of every unit (and of every task of a sliced unit) is recorded in files inside the
/// run folder (see `BatchFiles`), so any executor can skip what is done, and tasks on other
/// machines that share the folder can each do part of a step.
public struct RunWork: Sendable {
    /// Every unit, dependencies first; the last is ``WorkUnit/finish``.
    public let units: [WorkUnit]
    /// The run folder.
    public let runDirectory: String
    let dependencyMap: [WorkUnit: [WorkUnit]]
    let shapes: [WorkUnit: UnitShape]
    /// The passes of sharded global steps (scan, reduce and the filter step), planned for this
    /// many tasks (``RunOptions/shardTasks``); absent when the run plans none.
    let shardSplits: [WorkUnit: Int]
    let labels: [WorkUnit: String]
    let fingerprints: [WorkUnit: String]
    let modelsByUnit: [WorkUnit: [String]]
    let completion: @Sendable (WorkUnit) -> Bool
    let taskCompletion: @Sendable (WorkUnit, _ task: Int, _ tasks: Int) -> Bool
    let performer: @Sendable (WorkUnit, _ task: Int, _ tasks: Int, _ workers: Int) async throws -> UnitOutcome

    /// The units `unit` needs finished first.
    public func dependencies(of unit: WorkUnit) -> [WorkUnit] { dependencyMap[unit] ?? [] }

    /// Whether `unit` can be split into tasks.
    public func shape(of unit: WorkUnit) -> UnitShape { shapes[unit] ?? .whole }

    /// Into how many tasks the unit was planned when it is a pass of a sharded global step (its
    /// scan, reduce or filter); 1 for every other unit. An executor runs each of those tasks
    /// (`perform(unit, task: k, of: n, …)`), the reduce's tasks being its parts.
    public func shardTasks(of unit: WorkUnit) -> Int { shardSplits[unit] ?? 1 }

    /// What the unit does: `read → pair-filter`, `exact-dedup`, `assemble`, `mix`, `manifest`.
    public func label(of unit: WorkUnit) -> String { labels[unit] ?? unit.description }

    /// What the unit's output depends on (a step's fingerprint; empty for units that follow from
    /// their dependencies): a changed recipe or input changes it.
    public func fingerprint(of unit: WorkUnit) -> String { fingerprints[unit] ?? "" }

    /// The models the unit's stages call, by recipe name.
    public func models(of unit: WorkUnit) -> [String] { modelsByUnit[unit] ?? [] }

    /// True when the unit's completion record is on disk (so nothing needs doing). ``WorkUnit/finish``
    /// is never complete: the manifest is rewritten by every run.
    public func isComplete(_ unit: WorkUnit) -> Bool { completion(unit) }

    /// True when task `task` of `tasks` finished its slice of a sliced unit (or the whole unit is done).
    public func isComplete(_ unit: WorkUnit, task: Int, of tasks: Int) -> Bool {
        completion(unit) || (tasks > 1 && taskCompletion(unit, task, tasks))
    }

    /// Performs `unit`. A ``UnitShape/sliced`` unit may be split into `tasks` slices (task
    /// `task` takes the batches `b` with `b % tasks == task`); other units are performed whole
    /// (`tasks == 1`). Work already recorded as done is skipped. `workers` bounds the parallelism
    /// inside this process.
    public func perform(_ unit: WorkUnit, task: Int = 0, of tasks: Int = 1, workers: Int) async throws -> UnitOutcome {
        precondition(task >= 0 && task < tasks, "task \(task) of \(tasks)")
        if tasks > 1 && shape(of: unit) != .sliced {
            throw RunError(.usage, "\(unit) cannot be split into tasks (it needs all of its input at once)")
        }
        return try await performer(unit, task, tasks, workers)
    }
}

/// Where a run's work is carried out. The engine works out the units and what they depend on;
/// an executor decides where each runs: ``LocalExecutor`` in this process, ``SlurmExecutor`` as
/// Slurm jobs that call `jupiter work`.
public protocol Executor: Sendable {
    /// Performs (or submits) every unit of `work` that is not done, dependencies first. Model
    /// failures are returned; other errors stop the run and are thrown.
    func execute(_ work: RunWork) async throws -> ExecutionOutcome
}
