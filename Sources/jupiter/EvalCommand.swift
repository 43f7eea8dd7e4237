import ArgumentParser
import Foundation
import Jupiter

/// `jupiter eval …`: evaluate the recipe's models on its tasks, or compare two evaluated runs.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate base and tuned models: gains on the target tasks, retention on the others.",
        discussion: """
            `jupiter eval RECIPE` runs the recipe's `eval:` section (models × tasks) and writes \
            RUN/eval/<model>/<task>.jsonl, RUN/eval/results.json and RUN/report/eval.html, then prints a \
            Markdown summary. `jupiter eval compare BASE_RUN TUNED_RUN` compares two evaluated runs.
            """,
        subcommands: [EvalRunCommand.self, EvalCompareCommand.self],
        defaultSubcommand: EvalRunCommand.self)
}

/// `jupiter eval [run] RECIPE`.
struct EvalRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Evaluate the recipe's eval models on its eval tasks.",
        discussion: """
            Requests are concurrent and cached in RUN/state.sqlite (keyed by endpoint, model and every \
            generation setting): interrupted, even with kill -9, a rerun re-asks nothing that was answered. \
            Exit codes: 0 done; 2 invalid recipe or settings, or a task file that cannot be used; 3 a file \
            could not be read or written; 4 model requests failed after every retry (everything else is \
            evaluated and recorded; rerun to send only them, or use --allow-errors), or a model cannot do a \
            task (no aligned prompt log-probabilities for multiple-choice); 130 interrupted.
            """)

    @Argument(help: "The recipe (YAML) with an eval: section.")
    var recipe: String

    @Option(name: .long, help: "Run folder (overrides output.dir in the recipe).")
    var output: String?

    @Option(name: .long, help: "Only these eval models, comma-separated.")
    var models: String?

    @Option(name: .long, help: "Only these eval tasks, comma-separated.")
    var tasks: String?

    @Option(name: .long, help: "Items per task (the first N).")
    var limit: Int?

    @Option(name: .long, help: "Thinking on or off for every model.")
    var reasoning: String?

    @Option(name: .long, help: "One seed for requests, sampled exemplars and the bootstrap.")
    var seed: UInt64?

    @Option(name: .long, help: "Requests in flight over all models.")
    var concurrency: Int?

    @Option(name: .long, help: "Retention margin in points (default 1).")
    var margin: Double?

    @Option(name: .long, help: "Paired-bootstrap resamples (default 10000).")
    var resamples: Int?

    @Flag(name: .customLong("allow-errors"), help: "Finish the report with failed requests counted as errors (shown apart).")
    var allowErrors = false

    @Flag(name: .long, help: "Print nothing but errors and the summary.")
    var quiet = false

    func validate() throws {
        if let reasoning, reasoning != "on", reasoning != "off" { throw ValidationError("--reasoning must be on or off") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
        if let resamples, resamples < 1000 { throw ValidationError("--resamples must be at least 1000") }
        if let margin, margin < 0 { throw ValidationError("--margin must not be negative") }
    }

    static func list(_ s: String?) -> [String]? {
        s.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }

    func run() async throws {
        let overrides = EvalOverrides(
            runDirectory: output, models: Self.list(models), tasks: Self.list(tasks), limit: limit,
            reasoning: reasoning.flatMap(ReasoningMode.init(rawValue:)), seed: seed,
            concurrency: concurrency, margin: margin, resamples: resamples, allowErrors: allowErrors)
        let prepared = Pipeline.prepareEvaluation(
            recipePath: recipe, overrides: overrides,
            log: { Terminal.error("note: \($0)") })
        Terminal.report(prepared.problems)
        guard prepared.isValid else { throw Terminal.exit(.usage) }
        let meter = EvalProgress(live: Terminal.stderrIsTTY, quiet: quiet)
        let task = Task { () throws(RunError) -> EvalOutcome in
            try await Pipeline.evaluate(prepared, progress: { meter.update($0, $1) })
        }
        let trap = SignalTrap { _ in task.cancel() }
        defer { withExtendedLifetime(trap) {} }
        do {
            let outcome = try await task.value
            meter.finish()
            print(outcome.markdown)
            print("results: \(outcome.resultsPath)\nreport: \(outcome.reportPath)")
        } catch let error as RunError {
            meter.finish()
            Terminal.error(
                error.kind == .interrupted
                    ? "interrupted: answers received are cached; rerun the same command to finish"
                    : "error: \(error)")
            throw Terminal.exit(error.exitCode)
        }
    }
}

/// `jupiter eval compare BASE_RUN TUNED_RUN`.
struct EvalCompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare a model of one evaluated run with a model of another.",
        discussion: """
            Items pair by content hash. Refused (exit 2), naming the setting, when a task both runs \
            evaluated has different settings (the models may differ in anything). Writes \
            eval-comparison.json and eval.html into --output (default: TUNED_RUN/report) and prints the summary.
            """)

    @Argument(help: "The base model's run folder.")
    var baseRun: String

    @Argument(help: "The tuned model's run folder.")
    var tunedRun: String

    @Option(name: .customLong("base-model"), help: "The base run's model (when it holds several).")
    var baseModel: String?

    @Option(name: .customLong("tuned-model"), help: "The tuned run's model (when it holds several).")
    var tunedModel: String?

    @Option(name: .long, help: "Retention margin in points (default 1).")
    var margin: Double = 1

    @Option(name: .long, help: "Paired-bootstrap resamples (default 10000).")
    var resamples: Int = 10_000

    @Option(name: .long, help: "The bootstrap's seed.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Folder for eval-comparison.json and eval.html.")
    var output: String?

    func validate() throws {
        if resamples < 1000 { throw ValidationError("--resamples must be at least 1000") }
        if margin < 0 { throw ValidationError("--margin must not be negative") }
    }

    func run() async throws {
        do {
            let outcome = try Pipeline.compare(
                baseRun: baseRun, tunedRun: tunedRun, baseModel: baseModel, tunedModel: tunedModel,
                margin: margin, resamples: resamples, seed: seed, output: output)
            for n in outcome.notes { Terminal.error("note: \(n)") }
            print(outcome.markdown)
            print("comparison: \(outcome.resultsPath)\nreport: \(outcome.reportPath)")
        } catch {
            throw Terminal.fail("error: \(error)", error.exitCode)
        }
    }
}

/// Evaluation progress on stderr: a live line on a terminal, a line per 10% in logs.
final class EvalProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let live: Bool
    private let quiet: Bool
    private var lastDecile = -1
    private var open = false
    private let start = Date()

    init(live: Bool, quiet: Bool) {
        self.live = live
        self.quiet = quiet
    }

    func update(_ done: Int, _ total: Int) {
        guard !quiet, total > 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        let rate = Double(done) / max(0.001, Date().timeIntervalSince(start))
        let text = "[eval] \(done)/\(total) items · \(Int(rate.rounded()))/s"
        if live {
            Terminal.raw("\r\u{1B}[K" + text)
            open = true
        } else if done * 10 / total != lastDecile {
            lastDecile = done * 10 / total
            Terminal.error(text)
        }
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if open { Terminal.raw("\n"); open = false }
    }
}
