import JupiterCore
import JupiterCurate
import JupiterLLM

/// Embeddings for `semantic-dedup` from a recipe model's `/v1/embeddings` endpoint, with the
/// model service's cache, retries and limits.
struct LLMEmbeddingProvider: EmbeddingProvider {
    let service: LLMService
    let model: String

    /// The recipe model name and the served model id (endpoint URLs vary between machines and
    /// stay out of the configuration, so they do not change the step fingerprint).
    var modelName: String {
        let served = service.models.first { $0.name == model }?.model ?? ""
        return "\(model):\(served)"
    }

    func embed(_ texts: [String]) async throws -> [[Float]] {
        let response = try await service.embed(model, EmbeddingRequest(input: texts))
        guard response.embeddings.count == texts.count else {
            throw LLMError(.invalidResponse, "model '\(model)' returned \(response.embeddings.count) embeddings for "
                           + "\(texts.count) inputs")
        }
        return response.embeddings.map { $0.map(Float.init) }
    }
}
