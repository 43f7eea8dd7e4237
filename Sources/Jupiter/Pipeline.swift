import Foundation
import GRDB
import JupiterCore
import JupiterLLM

/// The library's entry points: what `jupiter run` and `jupiter validate` do, for any caller.
///
/// ```swift
/// let prepared = Pipeline.prepare(recipePath: "recipe.yaml")      // read, check, plan (nothing runs)
/// for d in prepared.problems { print(d) }
/// let summary = try await Pipeline.run(prepared, options: RunOptions(observer: { print($0) }))
/// ```
///
/// `run` owns the whole run, models included: it opens the run folder, caches model answers in
/// its `state.sqlite`, starts local model servers and checks every endpoint, runs the plan with
/// the executor, and stops the servers on every exit path.
public enum Pipeline {
    /// The workers from which a local run splits exact dedup's passes (scan, reduce, combine,
    /// filter) as it splits MinHash's. Below, exact dedup decides every record in one pass over the
    /// stored lines, which was faster: on the 1M-pair bench (2 cores), 2.4 s with one worker
    /// against 3.9 s for the split passes on two (about 6.2 CPU-seconds of work: the keys are
    /// written, sorted and read back, and every record is still rewritten). The split passes
    /// overtake the single pass from about three workers; four leaves a margin.
    public static let lineDecidingShardWorkers = 4

    /// A recipe read, checked and planned: what ``run(_:options:executor:)`` needs.
    public struct Preparation: Sendable {
        /// The plan, when the recipe has no errors.
        public var plan: Plan?
        /// The recipe's models (built, not started), when its `models:` section has no errors.
        public var models: LLMService?
        /// Every problem found, with its file and line (errors and warnings).
        public var problems: [Diagnostic]
        /// True when there is no error.
        public var isValid: Bool { plan != nil && !problems.contains { $0.severity == .error } }
    }

    /// Reads and checks a recipe, builds its model service (not started) and its plan, collecting
    /// every problem with its line. `runDirectory` overrides the recipe's `output.dir`.
    public static func prepare(
        recipePath: String, runDirectory: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) -> Preparation {
        let (recipe, problems) = RecipeLoader.loadPartial(path: recipePath)
        guard let recipe else { return Preparation(plan: nil, models: nil, problems: problems) }
        let folder = runDirectory ?? recipe.resolve(recipe.output.dir)
        var all = problems
        var service: LLMService?
        do {
            service = try LLMService(
                models: recipe.models, database: nil, environment: environment,
                logDirectory: folder + "/logs", log: log)
        } catch {
            all.append(Diagnostic(.error, "models: \(error)", file: recipe.file))
        }
        let (plan, planProblems) = PlanBuilder.build(recipe, models: service, runDirectory: folder)
        all += planProblems
        return Preparation(plan: all.contains { $0.severity == .error } ? nil : plan, models: service, problems: all)
    }

    /// ``prepare(recipePath:runDirectory:environment:log:)`` for checking only: the plan and the problems.
    public static func check(recipePath: String) -> (Plan?, [Diagnostic]) {
        let p = prepare(recipePath: recipePath)
        return (p.plan, p.problems)
    }

    /// Runs a prepared recipe into its run folder: resumable, models started and stopped here.
    /// `executor` overrides the recipe's `executor:` (``ExecutorSettings``): locally the run
    /// finishes here; on Slurm its units are submitted as jobs (``RunOutcome/submitted(jobs:message:)``),
    /// or followed to their end when the settings say `wait`. Throws ``RunError`` (its
    /// ``RunError/exitCode`` is the CLI's exit code).
    public static func run(
        _ prepared: Preparation, options: RunOptions = RunOptions(),
        executor: ExecutorSettings? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws(RunError)
        -> RunOutcome
    {
        guard let plan = prepared.plan, prepared.isValid else {
            throw RunError(.invalidRecipe, "the recipe has errors (see above)")
        }
        let choice = executor ?? plan.settings.executor
        if case .slurm(let settings) = choice {
            var options = options
            options.folderMode = .clusterCoordinator
            // Jobs run elsewhere, from another directory: every path they get is absolute.
            options.runDirectory = FileSystem.absolute(options.runDirectory ?? plan.settings.runDirectory)
            options.shardTasks = settings.tasks
            let engine = try RunEngine(plan: plan, options: options)
            let slurm = SlurmExecutor(
                settings: settings, recipeFile: FileSystem.absolute(plan.settings.recipeFile),
                models: plan.models, environment: environment, observer: options.observer,
                pollInterval: Double(environment["JUPITER_SLURM_POLL_S"] ?? "") ?? 5)
            return try await outcome { try await engine.run(executor: slurm) }
        }
        if let record = try SlurmRecord.read(options.runDirectory ?? plan.settings.runDirectory),
            let active = SlurmCommands(environment: environment).queued(record.jobIDs), !active.isEmpty
        {
            throw RunError(
                .locked,
                "jobs of an earlier cluster run of this folder are still queued or running ("
                    + SlurmExecutor.jobList(active) + "); a local run would collide with them. See `jupiter status "
                    + record.runDirectory + "`, or `jupiter cancel` them")
        }
        var options = options
        // Exact and MinHash dedup split their passes over the workers (the same bytes out);
        // exact dedup only from `lineDecidingShardWorkers` workers up.
        options.shardTasks = options.workers
        options.shardLineDeciding = options.workers >= lineDecidingShardWorkers
        let models = plan.models.isEmpty ? nil : prepared.models
        if let models { options.modelAccounting = { models.accounting } }
        let engine = try RunEngine(plan: plan, options: options)
        return try await withModels(models, runDirectory: engine.runDirectory) {
            try await engine.preflight()
            return try await engine.run(executor: LocalExecutor(workers: options.workers))
        }
    }

    /// Runs `body` with a run's models ready, and stops them on every exit path: answers are
    /// cached in the run folder's `state.sqlite`, local backends log into its `logs/`, local
    /// backends are started and every endpoint checked. Without models, just runs `body`. Errors
    /// become ``RunError``s (``runError(_:)``). The caller holds the run folder.
    static func withModels<T>(
        _ models: LLMService?, runDirectory: String,
        _ body: () async throws -> T
    ) async throws(RunError) -> T {
        if let models {
            try openCache(models, path: runDirectory + "/state.sqlite", logs: runDirectory + "/logs")
            do throws(LLMError) {
                try await models.start()
            } catch {
                await models.shutdown()
                throw RunError(error.kind == .cancelled ? .interrupted : .model, error.message)
            }
        }
        let outcome: Result<T, any Error>
        do {
            outcome = .success(try await body())
        } catch {
            outcome = .failure(error)
        }
        await models?.shutdown()
        switch outcome {
        case .success(let value): return value
        case .failure(let error): throw runError(error)
        }
    }

    /// Opens the model answer cache (a SQLite file) and the folder for local backends' logs.
    static func openCache(_ models: LLMService, path: String, logs: String) throws(RunError) {
        do {
            try FileSystem.createDirectory(logs)
            try FileSystem.createDirectory(FileSystem.parent(of: path))
            var config = Configuration()
            config.busyMode = .timeout(30)
            try models.attachCache(database: try DatabasePool(path: path, configuration: config))
        } catch {
            throw RunError(.io, "cannot open \(path): \(error)")
        }
    }

    /// Runs `body`, turning every error into the ``RunError`` the CLI reports (``runError(_:)``).
    static func outcome<T>(_ body: () async throws -> T) async throws(RunError) -> T {
        do {
            return try await body()
        } catch {
            throw runError(error)
        }
    }

    /// The ``RunError`` of anything a run or an evaluation throws.
    static func runError(_ error: any Error) -> RunError {
        switch error {
        case let error as RunError: return error
        case let error as IOError: return RunError(.io, error.description)
        case let error as LLMError where error.kind == .cancelled: return RunError(.interrupted, "interrupted")
        case let error as LLMError where error.isTransportFailure: return RunError(.model, error.description)
        case let error where error is CancellationError || Task.isCancelled: return RunError(.interrupted, "interrupted")
        default: return RunError(.stage, "\(error)")
        }
    }
}

extension Result where Failure == RunError {
    /// The result of an async throwing body.
    init(_ body: () async throws(RunError) -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
