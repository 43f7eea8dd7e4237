import JupiterCore

/// Runs every unit in this process, one after the other, with up to `workers` batches of a step
/// in parallel. The passes of a sharded global step planned for n tasks (``RunWork/shardTasks(of:)``)
/// run as n tasks side by side, `workers / n` workers each. A unit whose dependency could not
/// finish is skipped (and so is everything after it, the manifest included), while independent
/// units still run.
public struct LocalExecutor: Executor {
    /// Parallel batch workers.
    public var workers: Int

    /// Creates the executor.
    public init(workers: Int) { self.workers = max(1, workers) }

    /// Performs the units in order.
    public func execute(_ work: RunWork) async throws -> ExecutionOutcome {
        var failures: [RunError.StepFailure] = []
        var unfinished = Set<WorkUnit>()
        for unit in work.units {
            try Task.checkCancellation()
            if work.dependencies(of: unit).contains(where: unfinished.contains) {
                unfinished.insert(unit)
                continue
            }
            let tasks = work.shardTasks(of: unit)
            var outcomes: [UnitOutcome] = []
            if tasks > 1 {
                let each = max(1, workers / tasks)
                outcomes = try await OrderedTasks.map(Array(0..<tasks), limit: tasks) { task in
                    try await work.perform(unit, task: task, of: tasks, workers: each)
                }
            } else {
                outcomes = [try await work.perform(unit, workers: workers)]
            }
            for case .failed(let f) in outcomes {
                failures.append(f)
                unfinished.insert(unit)
            }
        }
        return .finished(failures: failures)
    }
}
