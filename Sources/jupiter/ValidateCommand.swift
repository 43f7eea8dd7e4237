import ArgumentParser
import Jupiter
import JupiterCurate
import JupiterMix

/// `jupiter validate RECIPE`: checks a recipe without running it.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a recipe: YAML, keys, types, source files, formats, stages and their options, dataset cycles.",
        discussion: "Prints every problem as FILE:LINE: error: MESSAGE. Exit code 0 when valid, 2 when not.")

    @Argument(help: "The recipe (YAML).")
    var recipe: String

    func run() async throws {
        let (plan, _, problems) = Pipeline.prepare(recipePath: recipe)
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
        if let mix = plan.recipe.mix {
            let c = mix.config
            let weights = zip(c.weights, c.normalisedWeights).map { "\($0.0.dataset) \(Int(($0.1 * 1000).rounded()) / 10)%" }
            var line = "  mixture (\(c.unit.rawValue)): " + weights.joined(separator: " · ")
            if let b = c.budget { line += " · budget \(b)\(c.repeatRecords ? " (repeats allowed)" : "")" }
            if let r = c.reasoningOn { line += " · reasoning on \(Int((r * 100).rounded()))%" }
            if let d = mix.decontamination { line += " · decontaminated against \(d.evalSets.count) eval set(s)" }
            line += " → \(c.shards) shard\(c.shards == 1 ? "" : "s") (\(c.format.rawValue)); tokens \(mix.measure.summary)"
            print(line)
        }
    }
}
