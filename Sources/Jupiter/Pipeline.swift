import JupiterCore

/// The entry points the CLI (and library users) call.
public enum Pipeline {
    /// The stage registry for a recipe: built-in stages plus those contributed by other modules.
    public static func registry() -> StageRegistry {
        StageRegistry.builtin()
    }

    /// Loads a recipe and builds its plan, collecting every problem with its line.
    public static func check(recipePath: String, registry: StageRegistry = Pipeline.registry()) -> (Plan?, [Diagnostic]) {
        let (recipe, problems) = RecipeLoader.loadPartial(path: recipePath)
        guard let recipe else { return (nil, problems) }
        let (plan, planProblems) = Plan.build(recipe, registry: registry)
        let all = problems + planProblems
        return (all.contains { $0.severity == .error } ? nil : plan, all)
    }
}
