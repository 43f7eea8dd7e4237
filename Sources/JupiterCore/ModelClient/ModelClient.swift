/// Whether a model can think before answering, and whether that can be switched per request
/// (the recipe's `models: { NAME: { reasoning: toggle | always | never } }`).
public enum ReasoningSupport: String, Sendable, Hashable, CaseIterable {
    /// Thinking is switched per request with `chat_template_kwargs.enable_thinking` (Nemotron 3,
    /// Qwen 3, …).
    case toggle
    /// The model always thinks (reasoning-only models).
    case always
    /// The model never thinks (most instruct models, e.g. SmolLM2).
    case never
    /// Not declared in the recipe: stages that need to switch reasoning refuse the model and say
    /// to declare it.
    case unspecified

    /// True when a request may ask for thinking on (`always` or `toggle`).
    public var canReason: Bool { self == .toggle || self == .always }
}

/// What a stage may know about a model declared in the recipe, before any request is sent.
public struct ModelInfo: Sendable, Hashable {
    /// The name the recipe gives the model (`models: { base: … }` → `base`).
    public var name: String
    /// The model id sent in requests (the served id; for a local llama.cpp model, its alias).
    public var servedModel: String
    /// Whether it can reason, and whether that can be switched per request.
    public var reasoning: ReasoningSupport
    /// Context size in tokens, when known (a local backend's `ctx`, or a declared `context`).
    public var contextTokens: Int?
    /// The model's identity as configured: endpoint URLs of a remote model, the GGUF file's SHA-256
    /// and its settings for a local one. Answers are cached under it, and stage fingerprints
    /// include it, so two different servers that report the same model id never share answers.
    public var identity: String

    /// Creates the description of a model.
    public init(
        name: String, servedModel: String, reasoning: ReasoningSupport = .unspecified,
        contextTokens: Int? = nil, identity: String
    ) {
        self.name = name
        self.servedModel = servedModel
        self.reasoning = reasoning
        self.contextTokens = contextTokens
        self.identity = identity
    }
}

/// The one way a stage or an evaluation reaches a model: chat completions, text completions and
/// embeddings addressed by the model's recipe name.
///
/// `JupiterLLM.LLMService` implements it over HTTP (OpenAI-compatible servers, local llama.cpp),
/// with the run's response cache, retries, rate limits and accounting; a stage only sees this
/// protocol, so stage modules never import NIO. Errors are ``LLMError``s; see
/// ``LLMError/isTransportFailure`` for which of them may become a result.
public protocol ModelClient: Sendable {
    /// The models declared in the recipe, in recipe order.
    var declaredModels: [ModelInfo] { get }
    /// A chat completion.
    func chat(_ model: String, _ request: ChatRequest) async throws(LLMError) -> ChatResponse
    /// A text completion (e.g. `echo` + `logprobs` to score a prompt).
    func complete(_ model: String, _ request: CompletionRequest) async throws(LLMError) -> CompletionResponse
    /// Embeddings, one vector per input.
    func embed(_ model: String, _ request: EmbeddingRequest) async throws(LLMError) -> EmbeddingResponse
    /// A view of this client that has at most `limit` requests at once with the server(s), on top
    /// of each model's own `max_in_flight`.
    ///
    /// An implementation should hold only the exchange with the server to the limit (not the
    /// cache look-up before it nor the decoding after it), so that a caller may keep more calls
    /// under way than `limit`: a place freed by an answer is then taken at once by a request that
    /// is ready to go. The default holds the whole call to it.
    func limitingRequests(to limit: Int) -> any ModelClient
}

extension ModelClient {
    /// The declared model named `name`, if any.
    public func model(named name: String) -> ModelInfo? { declaredModels.first { $0.name == name } }

    /// The default view: every call, whole, holds one of `limit` places.
    public func limitingRequests(to limit: Int) -> any ModelClient {
        GatedModelClient(base: self, gate: AsyncGate(width: limit))
    }
}

/// A client whose every call holds a place of a shared gate (the default
/// ``ModelClient/limitingRequests(to:)``).
struct GatedModelClient: ModelClient {
    let base: any ModelClient
    let gate: AsyncGate

    var declaredModels: [ModelInfo] { base.declaredModels }

    func chat(_ model: String, _ request: ChatRequest) async throws(LLMError) -> ChatResponse {
        try await gate.holding { () async throws(LLMError) in try await base.chat(model, request) }
    }

    func complete(_ model: String, _ request: CompletionRequest) async throws(LLMError) -> CompletionResponse {
        try await gate.holding { () async throws(LLMError) in try await base.complete(model, request) }
    }

    func embed(_ model: String, _ request: EmbeddingRequest) async throws(LLMError) -> EmbeddingResponse {
        try await gate.holding { () async throws(LLMError) in try await base.embed(model, request) }
    }

    func limitingRequests(to limit: Int) -> any ModelClient {
        GatedModelClient(base: self, gate: AsyncGate(width: limit))
    }
}
