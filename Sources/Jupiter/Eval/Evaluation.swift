import Foundation
import JupiterCore
import JupiterEval
import JupiterLLM
import JupiterReport

/// What `jupiter eval` may change in the recipe's `eval:` section (the same settings on the
/// command line).
public struct EvalOverrides: Sendable {
    /// Run folder (default: the recipe's `output.dir`).
    public var runDirectory: String?
    /// Only these eval models (by their eval names).
    public var models: [String]?
    /// Only these tasks.
    public var tasks: [String]?
    /// Items per task.
    public var limit: Int?
    /// Thinking on or off for every model.
    public var reasoning: ReasoningMode?
    /// One seed for requests, exemplars and the bootstrap.
    public var seed: UInt64?
    /// Requests in flight.
    public var concurrency: Int?
    /// Retention margin in points.
    public var margin: Double?
    /// Bootstrap resamples.
    public var resamples: Int?
    /// Finish with failed requests counted as errors instead of exiting 4.
    public var allowErrors: Bool

    /// Creates overrides (none by default).
    public init(
        runDirectory: String? = nil, models: [String]? = nil, tasks: [String]? = nil, limit: Int? = nil,
        reasoning: ReasoningMode? = nil, seed: UInt64? = nil, concurrency: Int? = nil, margin: Double? = nil,
        resamples: Int? = nil, allowErrors: Bool = false
    ) {
        self.runDirectory = runDirectory
        self.models = models
        self.tasks = tasks
        self.limit = limit
        self.reasoning = reasoning
        self.seed = seed
        self.concurrency = concurrency
        self.margin = margin
        self.resamples = resamples
        self.allowErrors = allowErrors
    }
}

/// An evaluation read and checked: what ``Pipeline/evaluate(_:progress:log:)`` needs.
public struct EvalPreparation: Sendable {
    /// The evaluation, when the recipe and the overrides have no errors.
    public var spec: EvalSpec?
    /// The service over the evaluated models (not started).
    public var models: LLMService?
    /// The run folder.
    public var runDirectory: String
    /// Every problem, with file and line.
    public var problems: [Diagnostic]
    /// True when there is no error.
    public var isValid: Bool { spec != nil && models != nil && !problems.contains { $0.severity == .error } }
}

/// What an evaluation or a comparison produced.
public struct EvalOutcome: Sendable {
    /// The results (figures, counts, settings, comparisons).
    public var results: EvalResults
    /// `results.json` (or `eval-comparison.json`).
    public var resultsPath: String
    /// `report/eval.html`.
    public var reportPath: String
    /// The Markdown summary for the terminal.
    public var markdown: String
    /// Notes (tasks left out of a comparison, …).
    public var notes: [String]
}

extension Pipeline {
    /// Reads a recipe's `eval:` section with `overrides` applied, and builds the service over the
    /// models it evaluates (only those: other local backends are not started).
    public static func prepareEvaluation(
        recipePath: String, overrides: EvalOverrides = EvalOverrides(),
        environment: [String: String] = ProcessInfo.processInfo.environment,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) -> EvalPreparation {
        let (recipe, problems) = RecipeLoader.loadPartial(path: recipePath)
        guard let recipe else { return EvalPreparation(spec: nil, models: nil, runDirectory: "", problems: problems) }
        let folder = overrides.runDirectory ?? recipe.resolve(recipe.output.dir)
        var all = problems
        guard let section = recipe.eval else {
            all.append(Diagnostic(.error, "the recipe has no 'eval:' section (models and tasks to evaluate)", file: recipe.file))
            return EvalPreparation(spec: nil, models: nil, runDirectory: folder, problems: all)
        }
        var spec = section.spec
        func problem(_ m: String) { all.append(Diagnostic(.error, m, file: recipe.file, line: section.line)) }
        if let names = overrides.models {
            for n in names where !spec.models.contains(where: { $0.name == n }) {
                problem("--models: no eval model '\(n)' (eval models: \(spec.models.map(\.name).joined(separator: ", ")))")
            }
            spec.models = spec.models.filter { names.contains($0.name) }
            if let b = spec.baseline, !names.contains(b) { spec.baseline = nil }
        }
        if let names = overrides.tasks {
            for n in names where !spec.tasks.contains(where: { $0.name == n }) {
                problem("--tasks: no eval task '\(n)' (tasks: \(spec.tasks.map(\.name).joined(separator: ", ")))")
            }
            spec.tasks = spec.tasks.filter { names.contains($0.name) }
        }
        if let limit = overrides.limit { for i in spec.tasks.indices { spec.tasks[i].limit = limit } }
        if let r = overrides.reasoning { for i in spec.models.indices { spec.models[i].reasoning = r } }
        if let seed = overrides.seed {
            spec.seeds = EvalSeeds(seed)
            spec.comparison.seed = seed
        }
        if let c = overrides.concurrency { spec.concurrency = c }
        if let m = overrides.margin { spec.comparison.margin = m }
        if let r = overrides.resamples { spec.comparison.resamples = r }
        spec.allowErrors = overrides.allowErrors
        if spec.tasks.contains(where: { $0.kind == .ifeval }) {
            spec.languageDetector = languageDetector(configured: section.langdetect, environment: environment, log: log)
        }
        var service: LLMService?
        do {
            let used = Set(spec.models.map(\.model))
            service = try LLMService(
                models: recipe.models.filter { used.contains($0.name) }, database: nil, environment: environment,
                logDirectory: folder + "/logs", log: log)
        } catch {
            all.append(Diagnostic(.error, "models: \(error)", file: recipe.file))
        }
        let valid = !all.contains { $0.severity == .error }
        return EvalPreparation(spec: valid ? spec : nil, models: service, runDirectory: folder, problems: all)
    }

    /// langdetect's profiles for IFEval: `eval.langdetect`, else `$JUPITER_LANGDETECT_DIR`, else the
    /// `langdetect` package of `$JUPITER_PYTHON` or `python3`. Nil when none is found (IFEval then
    /// refuses only items with language instructions, saying how to install it).
    static func languageDetector(
        configured: String?, environment: [String: String],
        log: @Sendable (String) -> Void
    ) -> LanguageDetector? {
        var directory = configured ?? environment["JUPITER_LANGDETECT_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        if directory == nil {
            let python = environment["JUPITER_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "python3"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = [python, "-c", "import langdetect, os; print(os.path.dirname(langdetect.__file__))"]
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = FileHandle.nullDevice
            if (try? p.run()) != nil {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                p.waitUntilExit()
                let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                if p.terminationStatus == 0, !text.isEmpty { directory = text }
            }
        }
        guard let directory else { return nil }
        do { return try LanguageDetector(directory: directory) } catch {
            log("IFEval language checks: \(error)")
            return nil
        }
    }

    /// Runs a prepared evaluation into its run folder (`eval/`, `report/eval.html`, answers cached
    /// in `state.sqlite`), models started and stopped here. Throws ``RunError``: `.model` (exit 4)
    /// when requests failed after every retry (a rerun sends only them) or a model cannot do a
    /// task, `.interrupted`, `.usage` for bad task files or settings.
    public static func evaluate(_ prepared: EvalPreparation, progress: (@Sendable (Int, Int) -> Void)? = nil)
        async throws(RunError) -> EvalOutcome
    {
        guard let spec = prepared.spec, let models = prepared.models, prepared.isValid else {
            throw RunError(.invalidRecipe, "the recipe has errors (see above)")
        }
        let folder = try RunFolder(prepared.runDirectory)
        let directory = folder.file("eval")
        let results = try await withModels(models, runDirectory: folder.path) { () async throws -> EvalResults in
            let runner = EvalRunner(
                client: models, spec: spec, directory: directory, progress: progress,
                usage: { models.accounting })
            do { return try await runner.run() } catch let error as EvalError { throw evalRunError(error) }
        }
        return try writeReport(
            results, resultsPath: directory + "/results.json", writeResults: false,
            reportDirectory: folder.file("report"), notes: [])
    }

    /// Compares a model of one evaluated run with a model of another (`jupiter eval compare`):
    /// refused, naming the setting, when a task's settings differ. Writes `eval-comparison.json`
    /// and `eval.html` into `output` (default: the tuned run's `report/`).
    public static func compare(
        baseRun: String, tunedRun: String, baseModel: String? = nil, tunedModel: String? = nil,
        margin: Double = 1, resamples: Int = 10_000, seed: UInt64 = 0, output: String? = nil
    )
        throws(RunError) -> EvalOutcome
    {
        let settings = ComparisonSettings(margin: margin, resamples: resamples, seed: seed)
        let compared: (results: EvalResults, tasksOnlyInOne: [String])
        do {
            compared = try RunComparison.compare(
                base: RunComparison.Evaluation(directory: baseRun + "/eval"), baseModel: baseModel,
                tuned: RunComparison.Evaluation(directory: tunedRun + "/eval"),
                tunedModel: tunedModel, settings: settings)
        } catch {
            throw evalRunError(error)
        }
        let reportDirectory = output ?? tunedRun + "/report"
        var holder: RunFolder?
        if output == nil { holder = try RunFolder(tunedRun) }
        defer { withExtendedLifetime(holder) {} }
        let notes = compared.tasksOnlyInOne.map { "task '\($0)' was evaluated in only one of the runs: left out" }
        return try writeReport(
            compared.results, resultsPath: reportDirectory + "/eval-comparison.json", writeResults: true,
            reportDirectory: reportDirectory, notes: notes)
    }

    /// Writes the results document (unless the runner wrote it) and `eval.html`, and makes the summary.
    static func writeReport(
        _ results: EvalResults, resultsPath: String, writeResults: Bool, reportDirectory: String,
        notes: [String]
    )
        throws(RunError) -> EvalOutcome
    {
        let json = results.json
        let reportPath = reportDirectory + "/eval.html"
        do {
            if writeResults {
                try FileSystem.createDirectory(FileSystem.parent(of: resultsPath))
                try AtomicFile.write(Array(JSONWriter.pretty(json).utf8), to: resultsPath)
            }
            try FileSystem.createDirectory(reportDirectory)
            try AtomicFile.write(Array(EvalReportPage.render(json).utf8), to: reportPath)
        } catch {
            throw RunError(.io, "\(error)")
        }
        return EvalOutcome(
            results: results, resultsPath: resultsPath, reportPath: reportPath,
            markdown: EvalSummary.markdown(results), notes: notes)
    }

    /// The ``RunError`` of an evaluation error.
    static func evalRunError(_ error: EvalError) -> RunError {
        switch error.kind {
        case .modelFailed, .modelCapability: RunError(.model, error.description)
        case .interrupted: RunError(.interrupted, error.message)
        case .io: RunError(.io, error.description)
        default: RunError(.usage, error.description)
        }
    }
}
