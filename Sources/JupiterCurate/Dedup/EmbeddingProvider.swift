import JupiterCore

/// Something that turns texts into embedding vectors: an OpenAI-compatible `/v1/embeddings`
/// endpoint (wired in by the application, with its response cache) or an in-process model.
public protocol EmbeddingProvider: Sendable {
    /// A name for the model, recorded in the stage configuration (e.g. `bge-m3@http://…`).
    var modelName: String { get }
    /// One vector per text, in order, all of the same dimension. Throws when the request fails
    /// after the provider's own retries.
    func embed(_ texts: [String]) async throws -> [[Float]]
}

/// Embeddings from a recipe model's `/v1/embeddings` endpoint, through the run's model client
/// (response cache, retries, limits, accounting).
public struct ModelEmbeddings: EmbeddingProvider {
    /// The client.
    public let client: any ModelClient
    /// The model as declared.
    public let model: ModelInfo

    /// Creates the provider.
    public init(client: any ModelClient, model: ModelInfo) {
        self.client = client
        self.model = model
    }

    /// The recipe name and the served model id (endpoints vary between machines and stay out of
    /// the configuration, so they do not change the step fingerprint).
    public var modelName: String { "\(model.name):\(model.servedModel)" }

    /// One vector per text; a wrong number of vectors is an unusable answer.
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        let response = try await client.embed(model.name, EmbeddingRequest(input: texts))
        guard response.embeddings.count == texts.count else {
            throw LLMError(
                .invalidResponse,
                "model '\(model.name)' returned \(response.embeddings.count) embeddings for "
                    + "\(texts.count) inputs")
        }
        return response.embeddings.map { $0.map(Float.init) }
    }
}

/// A deterministic in-process embedding: hashed bag of normalised words and word bigrams,
/// signed feature hashing into `dimensions` buckets (no model, no network). Texts sharing most
/// of their words get a high cosine; for tests and offline runs, not a semantic model.
public struct HashedBagOfWordsEmbedding: EmbeddingProvider {
    /// Vector size.
    public let dimensions: Int
    private let words = WordHasher()

    /// Creates the provider.
    public init(dimensions: Int = 256) { self.dimensions = max(8, dimensions) }

    /// `hashed-bow-<dimensions>`.
    public var modelName: String { "hashed-bow-\(dimensions)" }

    /// Embeds each text.
    public func embed(_ texts: [String]) async throws -> [[Float]] { texts.map(vector) }

    /// The vector of one text (all zeros for a text without words).
    public func vector(_ text: String) -> [Float] {
        var v = [Float](repeating: 0, count: dimensions)
        let w = words.hashWords(text)
        func add(_ h: UInt64) {
            let f = WordHasher.finalize(h)
            v[Int(f % UInt64(dimensions))] += (f >> 63) == 0 ? 1 : -1
        }
        for (i, h) in w.enumerated() {
            add(h)
            if i > 0 { add(h &* 31 ^ w[i - 1]) }
        }
        return v
    }
}
