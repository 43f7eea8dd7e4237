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
    public static func prepare(recipePath: String, runDirectory: String? = nil,
                               environment: [String: String] = ProcessInfo.processInfo.environment,
                               log: @escaping @Sendable (String) -> Void = { _ in }) -> Preparation {
        let (recipe, problems) = RecipeLoader.loadPartial(path: recipePath)
        guard let recipe else { return Preparation(plan: nil, models: nil, problems: problems) }
        let folder = runDirectory ?? recipe.resolve(recipe.output.dir)
        var all = problems
        var service: LLMService?
        do {
            service = try LLMService(models: recipe.models, database: nil, environment: environment,
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
    /// Throws ``RunError`` (its ``RunError/exitCode`` is the CLI's exit code).
    public static func run(_ prepared: Preparation, options: RunOptions = RunOptions(),
                           executor: (any Executor)? = nil) async throws(RunError) -> RunSummary {
        guard let plan = prepared.plan, prepared.isValid else {
            throw RunError(.invalidRecipe, "the recipe has errors (see above)")
        }
        var options = options
        let models = plan.models.isEmpty ? nil : prepared.models
        if let models { options.modelAccounting = { models.accounting } }
        let engine = try RunEngine(plan: plan, options: options)
        if let models {
            do {
                // Model answers are cached in the run's state.sqlite; local backends log into logs/.
                try FileSystem.createDirectory(engine.runDirectory + "/logs")
                var config = Configuration()
                config.busyMode = .timeout(30)
                try models.attachCache(database: try DatabasePool(path: engine.runDirectory + "/state.sqlite",
                                                                  configuration: config))
            } catch {
                throw RunError(.io, "cannot open \(engine.runDirectory)/state.sqlite: \(error)")
            }
            do throws(LLMError) {
                try await models.start()
            } catch {
                await models.shutdown()
                throw RunError(error.kind == .cancelled ? .interrupted : .model, error.message)
            }
        }
        let outcome: Result<RunSummary, any Error>
        do {
            try await engine.preflight()
            outcome = .success(try await engine.run(executor: executor))
        } catch {
            outcome = .failure(error)
        }
        await models?.shutdown()
        switch outcome {
        case .success(let summary): return summary
        case .failure(let error as RunError): throw error
        case .failure(let error as IOError): throw RunError(.io, error.description)
        case .failure(let error as LLMError) where error.kind == .cancelled: throw RunError(.interrupted, "interrupted")
        case .failure(let error as LLMError) where error.isTransportFailure:
            throw RunError(.model, error.description)
        case .failure(let error) where error is CancellationError || Task.isCancelled:
            throw RunError(.interrupted, "interrupted")
        case .failure(let error): throw RunError(.stage, "\(error)")
        }
    }
}
