import ArgumentParser
import Jupiter

/// `jupiter run RECIPE`: runs (or resumes) a recipe.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a recipe, resuming any earlier interrupted run of it.",
        discussion: """
            Writes the run folder (default: the recipe's output.dir): manifest.json, \
            datasets/<name>/{kept.jsonl.gz,dropped.jsonl.gz,quarantine.jsonl}, mixture/, and state.sqlite \
            (model answers) when the recipe uses models. Safe to interrupt at any moment (Ctrl-C, SIGTERM, \
            even SIGKILL): rerunning the same command finishes the work and gives byte-identical outputs. \
            Exit codes: 0 done (quarantined records are reported, not fatal); 1 a stage failed; 2 invalid \
            recipe, or a run folder Jupiter did not make; 3 a file could not be read or written; 4 model \
            requests failed after every retry (the rest finished; rerun to resend only them); 130 interrupted.
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
        let prepared = Pipeline.prepare(recipePath: recipe, runDirectory: output, log: { Terminal.error("note: \($0)") })
        Terminal.report(prepared.problems)
        guard prepared.isValid else { throw Terminal.exit(.usage) }
        let printer = ProgressPrinter(live: Terminal.stderrIsTTY, quiet: quiet)
        var options = RunOptions(observer: { printer.handle($0) })
        if let workers { options.workers = workers }
        let task = Task { () throws(RunError) -> RunSummary in try await Pipeline.run(prepared, options: options) }
        let trap = SignalTrap { _ in task.cancel() }
        defer { withExtendedLifetime(trap) {} }
        do {
            let summary = try await task.value
            for line in summary.dropSummary { print(line) }
            for line in summary.warnings { Terminal.error("warning: \(line)") }
            if let mixture = summary.mixturePath { print("mixture: \(mixture) (card: \(mixture)/README.md)") }
            print("done: \(summary.runDirectory) (manifest: \(summary.manifestPath))")
        } catch let error as RunError {
            Terminal.error(error.kind == .interrupted
                           ? "interrupted: finished work is recorded; rerun the same command to resume"
                           : "error: \(error)")
            throw Terminal.exit(error.exitCode)
        }
    }
}
