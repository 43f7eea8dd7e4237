import ArgumentParser
import Jupiter

/// `jupiter report RUN`: writes a finished run's report (`RUN/report/index.html`).
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a finished run's HTML report (RUN/report/index.html).",
        discussion: """
            One self-contained page (inline SVG and CSS, readable offline): per dataset a funnel of the \
            records through each stage, the drop rules with counts, shares and example records, the \
            quarantine causes with file:line, record lengths; the mixture's composition; decontamination \
            hits; model usage. `jupiter run` writes it at the end of a run unless --no-report. \
            Exit codes: 0 written; 2 no such run folder, or one that holds no finished run; 3 a file \
            could not be read or written.
            """)

    @Argument(help: "The run folder.")
    var run: String

    @Option(name: .long, help: "The run's recipe: record lengths are then counted with its mixture's tokenizer (characters otherwise).")
    var recipe: String?

    func run() async throws {
        var plan: Plan?
        if let recipe {
            let prepared = Pipeline.prepare(recipePath: recipe, runDirectory: run)
            Terminal.report(prepared.problems)
            guard prepared.isValid else { throw Terminal.exit(.usage) }
            plan = prepared.plan
        }
        do {
            print("report: \(try Pipeline.report(runDirectory: run, plan: plan))")
        } catch {
            throw Terminal.fail(error)
        }
    }
}
