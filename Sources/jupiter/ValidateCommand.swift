import ArgumentParser
import Jupiter

/// `jupiter validate RECIPE`: checks a recipe without running it.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a recipe: YAML, keys, types, source files, formats, stages and their options, dataset cycles.",
        discussion: "Prints every problem as FILE:LINE: error: MESSAGE. Exit code 0 when valid, 2 when not.")

    @Argument(help: "The recipe (YAML).")
    var recipe: String

    func run() async throws {
        let (plan, problems) = Pipeline.check(recipePath: recipe)
        Terminal.report(problems)
        guard let plan else {
            let n = problems.filter { $0.severity == .error }.count
            Terminal.error("\(recipe): \(n) problem\(n == 1 ? "" : "s") found")
            throw Exit.usage
        }
        print("\(recipe): valid — \(plan.recipe.sources.count) source(s), \(plan.datasets.count) dataset(s)")
        for d in plan.datasets {
            let steps = d.stages.map(\.id).joined(separator: " → ")
            print("  \(d.name): \(d.inputKind.rawValue) → \(d.outputKind.rawValue)\(steps.isEmpty ? "" : ": " + steps)")
        }
    }
}
