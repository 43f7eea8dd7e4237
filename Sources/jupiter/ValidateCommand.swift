import ArgumentParser
import Jupiter

/// `jupiter validate RECIPE`: checks a recipe without running it.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a recipe: YAML, keys, types, source files, formats, models, stages and their options, dataset cycles.",
        discussion: "Prints every problem as FILE:LINE: error: MESSAGE. Exit code 0 when valid, 2 when not.")

    @Argument(help: "The recipe (YAML).")
    var recipe: String

    func run() async throws {
        let prepared = Pipeline.prepare(recipePath: recipe)
        Terminal.report(prepared.problems)
        guard let plan = prepared.plan, prepared.isValid else {
            let n = prepared.problems.filter { $0.severity == .error }.count
            throw Terminal.fail("\(recipe): \(n) problem\(n == 1 ? "" : "s") found", .usage)
        }
        print("\(recipe): valid — " + plan.summary.joined(separator: "\n"))
    }
}
