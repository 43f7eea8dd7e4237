import Foundation
import JupiterCore
import JupiterCurate
import JupiterLLM

extension Pipeline {
    /// Loads a recipe, builds its model service (not started, no cache yet) from `models:` and
    /// the plan with the model stages (`generate`, …) registered. The run then attaches the
    /// run's database (``LLMService/attachCache(database:)``), calls `start()`, records
    /// `accounting` in the manifest and calls `shutdown()` on every exit path.
    public static func prepare(recipePath: String, registry base: StageRegistry = Pipeline.registry(),
                               environment: [String: String] = ProcessInfo.processInfo.environment,
                               log: @escaping @Sendable (String) -> Void = { _ in })
        -> (plan: Plan?, models: LLMService?, problems: [Diagnostic])
    {
        let (recipe, problems) = RecipeLoader.loadPartial(path: recipePath)
        guard let recipe else { return (nil, nil, problems) }
        let (service, modelProblems) = LLMService.forRecipe(models: recipe.models, file: recipe.file,
                                                            baseDirectory: recipe.baseDirectory, environment: environment,
                                                            log: log)
        var registry = base
        // With a broken models section, register against an empty service so stages still parse.
        if let registered = service ?? (try? LLMService(models: [], database: nil)) {
            registry.add(LLMStages.factories(service: registered))
            // semantic-dedup: `model` names a recipe model served over /v1/embeddings (or hashed-bow).
            registry.add([SemanticDedupStage.factory(embeddings: { model, _ in
                registered.models.contains { $0.name == model } ? LLMEmbeddingProvider(service: registered, model: model) : nil
            })])
        }
        let (plan, planProblems) = Plan.build(recipe, registry: registry)
        let all = problems + modelProblems + planProblems
        return (all.contains { $0.severity == .error } ? nil : plan, service, all)
    }
}
