import ArgumentParser
import Jupiter
import JupiterCore
import JupiterLLM

/// `jupiter run RECIPE`: runs (or resumes) a recipe.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a recipe, resuming any earlier interrupted run of it.",
        discussion: """
            Writes the run folder (default: the recipe's output.dir): manifest.json, state.sqlite, \
            datasets/<name>/{kept.jsonl.gz,dropped.jsonl.gz,quarantine.jsonl}. Safe to interrupt at any \
            moment (Ctrl-C, SIGTERM, even SIGKILL): rerunning the same command finishes the work and \
            gives byte-identical outputs. Exit codes: 0 done (quarantined records are reported, not \
            fatal); 1 a stage failed; 2 invalid recipe; 3 a file could not be read or written; \
            130 interrupted.
            """)

    @Argument(help: "The recipe (YAML).")
    var recipe: String

    @Option(name: .long, help: "Run folder (overrides output.dir in the recipe).")
    var output: String?

    @Option(name: .long, help: "Parallel workers (default: one per core).")
    var workers: Int?

    @Flag(name: .long, help: "Print nothing but errors and the final summary.")
    var quiet = false

    func validate() throws {
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
    }

    func run() async throws {
        let (planOpt, models, problems) = Pipeline.prepare(recipePath: recipe, log: { Terminal.error("note: \($0)") })
        Terminal.report(problems)
        guard let plan = planOpt else { throw Exit.usage }
        let printer = ProgressPrinter(live: Terminal.stderrIsTTY, quiet: quiet)
        var options = RunOptions(runDirectory: output, observer: { printer.handle($0) })
        if let workers { options.workers = workers }
        if let models, !models.models.isEmpty { options.modelAccounting = { models.accounting } }
        let engine: RunEngine
        do {
            engine = try RunEngine(plan: plan, options: options)
        } catch {
            Terminal.error("error: \(error)")
            throw Exit.io
        }
        if let models, !models.models.isEmpty {
            // Model answers are cached in the run's state.sqlite; local backends start here.
            do {
                try models.attachCache(database: engine.ledger.database)
            } catch {
                Terminal.error("error: \(error)")
                throw Exit.io
            }
            do throws(LLMError) {
                try await models.start()
            } catch {
                Terminal.error("error: \(error.message)")
                throw Exit.model
            }
        }
        let task = Task { try await engine.run() }
        let trap = SignalTrap { _ in task.cancel() }
        defer { withExtendedLifetime(trap) {} }
        let outcome = await task.result
        await models?.shutdown()
        do {
            let summary = try outcome.get()
            for (name, c) in summary.counts.sorted(by: { $0.key < $1.key }) where c.quarantined > 0 {
                Terminal.error("warning: \(name): \(Terminal.count(c.quarantined)) input record(s) quarantined; see "
                               + "\(summary.runDirectory)/datasets/\(name)/quarantine.jsonl")
            }
            for w in summary.mixture?["warnings"]?.arrayValue ?? [] {
                if let text = w.stringValue { Terminal.error("warning: mix: \(text)") }
            }
            if summary.mixture != nil {
                print("mixture: \(summary.runDirectory)/mixture (card: \(summary.runDirectory)/mixture/README.md)")
            }
            print("done: \(summary.runDirectory) (manifest: \(summary.manifestPath))")
        } catch is CancellationError {
            Terminal.error("interrupted: finished work is recorded; rerun the same command to resume")
            throw Exit.interrupted
        } catch let error as RunError {
            Terminal.error("error: \(error)")
            if case .input = error { throw Exit.io }
            throw Exit.runFailed
        } catch let error as IOError {
            Terminal.error("error: \(error)")
            throw Exit.io
        } catch {
            if Task.isCancelled || task.isCancelled {
                Terminal.error("interrupted: finished work is recorded; rerun the same command to resume")
                throw Exit.interrupted
            }
            Terminal.error("error: \(error)")
            throw Exit.runFailed
        }
    }
}
