import JupiterCore

/// The recipe stages that talk to models, for the recipe's stage registry.
public enum LLMStages {
    /// Factories of every model stage, bound to `service` (the run's ``LLMService``).
    public static func factories(service: LLMService) -> [StageFactory] {
        [
            StageFactory(name: GenerateStage.kindName,
                         summary: "Write the final assistant turn of each conversation with a model") { options, _ in
                let declared = service.models.map(\.name)
                var model = options.string("model") ?? ""
                if model.isEmpty {
                    options.problem(nil, "option 'model' is required (one of: \(declared.joined(separator: ", ")))")
                } else if !declared.contains(model) {
                    options.problem("model", "unknown model '\(model)' (declared in 'models:': \(declared.isEmpty ? "none" : declared.joined(separator: ", ")))")
                    model = ""
                }
                let reasoningName = options.has("reasoning") ? options.choice("reasoning", ["on", "off"], default: "off") : nil
                var sampling = Sampling()
                if options.has("temperature") { sampling.temperature = options.double("temperature", default: 1, range: 0...2) }
                if options.has("top_p") { sampling.topP = options.double("top_p", default: 1, range: 0...1) }
                if options.has("max_tokens") { sampling.maxTokens = options.int("max_tokens", default: 1024, range: 1...1_000_000) }
                if options.has("seed") { sampling.seed = options.int("seed", default: 0, range: 0...Int(Int32.max)) }
                if options.has("stop") { sampling.stop = options.stringList("stop", default: []) }
                return GenerateStage(model: model, reasoning: reasoningName.flatMap(ReasoningMode.init(rawValue:)),
                                     sampling: sampling, service: service)
            },
        ]
    }
}
