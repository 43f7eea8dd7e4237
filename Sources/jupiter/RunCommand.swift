import ArgumentParser
import Foundation
import Jupiter

/// `jupiter run RECIPE`: runs (or resumes) a recipe, here or on Slurm.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a recipe, resuming any earlier interrupted run of it.",
        discussion: """
            Writes the run folder (default: the recipe's output.dir): manifest.json, \
            datasets/<name>/{kept.jsonl.gz,dropped.jsonl.gz,quarantine.jsonl}, mixture/, and state.sqlite \
            (model answers) when the recipe uses models. Safe to interrupt at any moment (Ctrl-C, SIGTERM, \
            even SIGKILL): rerunning the same command finishes the work and gives byte-identical outputs. \
            With --executor slurm (or executor: { kind: slurm } in the recipe) the work is submitted as \
            Slurm jobs instead; follow them with `jupiter status RUN`. \
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

    @Option(name: .long, help: "Where the work runs: local or slurm (overrides executor.kind in the recipe).")
    var executor: String?

    @Option(name: .long, help: "Slurm partition (executor.partition).")
    var partition: String?

    @Option(name: .long, help: "Slurm array tasks per step of per-batch stages (executor.tasks).")
    var tasks: Int?

    @Option(name: .customLong("cpus-per-task"), help: "Slurm CPUs per task (executor.cpus_per_task).")
    var cpusPerTask: Int?

    @Flag(name: .long, help: "On Slurm: wait for the jobs and report like a local run.")
    var wait = false

    @Flag(name: .long, help: "Print nothing but errors and the final summary.")
    var quiet = false

    @Flag(name: .customLong("no-report"), help: "Do not write RUN/report/index.html at the end (see `jupiter report`).")
    var noReport = false

    func validate() throws {
        if let workers, workers < 1 { throw ValidationError("--workers must be at least 1") }
        if let tasks, tasks < 1 { throw ValidationError("--tasks must be at least 1") }
        if let cpusPerTask, cpusPerTask < 1 { throw ValidationError("--cpus-per-task must be at least 1") }
    }

    func run() async throws {
        let prepared = Pipeline.prepare(recipePath: recipe, runDirectory: output, log: { Terminal.error("note: \($0)") })
        Terminal.report(prepared.problems)
        guard prepared.isValid, let plan = prepared.plan else { throw Terminal.exit(.usage) }
        let choice: ExecutorSettings
        do {
            choice = try plan.settings.executor.overriding(
                kind: executor, partition: partition, tasks: tasks,
                cpusPerTask: cpusPerTask, wait: wait)
        } catch {
            throw Terminal.fail(error)
        }
        let printer = ProgressPrinter(live: Terminal.stderrIsTTY, quiet: quiet)
        var options = RunOptions(observer: { printer.handle($0) })
        if let workers { options.workers = workers }
        let task = Task { () throws(RunError) -> RunOutcome in
            try await Pipeline.run(prepared, options: options, executor: choice)
        }
        let trap = SignalTrap { _ in task.cancel() }
        defer { withExtendedLifetime(trap) {} }
        do {
            switch try await task.value {
            case .finished(let summary):
                for line in summary.dropSummary { print(line) }
                for line in summary.warnings { Terminal.error("warning: \(line)") }
                if let mixture = summary.mixturePath { print("mixture: \(mixture) (card: \(mixture)/README.md)") }
                if !noReport { print("report: \(try Pipeline.report(runDirectory: summary.runDirectory, plan: plan))") }
                print("done: \(summary.runDirectory) (manifest: \(summary.manifestPath))")
            case .submitted(let jobs, let message):
                print("submitted: \(jobs.count) Slurm job(s) (\(jobs.prefix(8).joined(separator: ", "))\(jobs.count > 8 ? ", …" : ""))")
                print(message)
            }
        } catch let error as RunError {
            Terminal.error(
                error.kind == .interrupted
                    ? "interrupted: finished work is recorded; rerun the same command to resume"
                    : "error: \(error)")
            throw Terminal.exit(error.exitCode)
        }
    }
}
