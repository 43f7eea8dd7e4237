/// One unit of a run's work. Units run in ``RunWork/units`` order; each depends on the units
/// ``RunWork/dependencies(of:)`` names.
public enum WorkUnit: Sendable, Hashable, CustomStringConvertible {
    /// A step of a dataset (per-batch stages, run over slices of batches, or one global stage).
    case step(dataset: String, index: Int)
    /// Writing `datasets/<name>/` from the finished steps.
    case assemble(dataset: String)
    /// The training mixture.
    case mix

    /// `step ds/2`, `assemble ds`, `mix`.
    public var description: String {
        switch self {
        case .step(let d, let i): "step \(d)/\(i)"
        case .assemble(let d): "assemble \(d)"
        case .mix: "mix"
        }
    }
}

/// What performing a unit (or a slice of one) came to.
public enum UnitOutcome: Sendable {
    /// Done (or a slice done, for a task of a sliced step).
    case done
    /// Not finished because model requests failed for transport reasons: the failure names the
    /// step and the first error. The rest of the run goes on; a rerun resends only those requests.
    case failed(RunError.StepFailure)
}

/// A run's work, as an executor sees it: the units in a valid order, their dependencies, and a
/// way to perform a unit or one task's slice of it. Completion of every unit is recorded in files
/// inside the run folder (see `BatchFiles`), so any executor can skip what is done, and tasks on
/// other machines that share the folder can do parts of a step.
public struct RunWork: Sendable {
    /// Every unit, dependencies first.
    public let units: [WorkUnit]
    let dependencyMap: [WorkUnit: [WorkUnit]]
    let performer: @Sendable (WorkUnit, _ task: Int, _ tasks: Int, _ workers: Int) async throws -> UnitOutcome

    /// The units `unit` needs finished first.
    public func dependencies(of unit: WorkUnit) -> [WorkUnit] { dependencyMap[unit] ?? [] }

    /// Performs `unit`. A step unit may be split into `tasks` slices (task `task` takes the batches
    /// `b` with `b % tasks == task`); other units must be performed whole (`tasks == 1`). Work
    /// already recorded as done is skipped. `workers` bounds the parallelism inside this process.
    public func perform(_ unit: WorkUnit, task: Int = 0, of tasks: Int = 1, workers: Int) async throws -> UnitOutcome {
        try await performer(unit, task, tasks, workers)
    }
}

/// Where a run's work is carried out. The engine works out the units and what they depend on;
/// an executor decides where each runs: ``LocalExecutor`` in this process.
public protocol Executor: Sendable {
    /// Performs every unit of `work` whose dependencies finished, in order, and returns the units
    /// that could not finish because of model failures (the rest of the run went on without them).
    /// Other errors stop the run and are thrown.
    func execute(_ work: RunWork) async throws -> [RunError.StepFailure]
}
