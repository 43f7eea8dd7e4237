import JupiterCore

/// The entry points the CLI (and library users) call.
public enum Pipeline {
    /// The stage registry for a recipe: built-in stages plus those contributed by other modules.
    public static func registry() -> StageRegistry {
        StageRegistry.builtin()
    }

    /// Loads a recipe and builds its plan (model stages included, see ``prepare(recipePath:registry:environment:log:)``),
    /// collecting every problem with its line.
    public static func check(recipePath: String, registry: StageRegistry = Pipeline.registry()) -> (Plan?, [Diagnostic]) {
        let prepared = prepare(recipePath: recipePath, registry: registry)
        return (prepared.plan, prepared.problems)
    }
}
