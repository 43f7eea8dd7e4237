import JupiterCore

/// `generate`: asks a model to write the final assistant turn of each conversation.
///
/// For each conversation it sends the turns up to the last user turn to the named model and
/// replaces whatever followed with the answer (reasoning kept in `Message.reasoning`). Requests
/// of a batch run concurrently, bounded by the model's `max_in_flight`; answers come from the
/// run's response cache on a rerun. Each record gets its own sampling seed derived from the
/// recipe seed and the record id, so output is reproducible. A request the server rejects (HTTP
/// 4xx other than 429) quarantines its record with the error; one that cannot reach the model
/// fails the batch (see ``ModelCalls``).
///
/// ```yaml
/// steps:
///   - generate: { model: base, reasoning: off, max_tokens: 1024, temperature: 0.7, top_p: 0.95 }
/// ```
///
/// `reasoning: on|off` sends `chat_template_kwargs.enable_thinking` (default: the server's choice).
public struct GenerateStage: BatchStage, KindAware, UsesSeed {
    /// The stage kind name.
    public static let kindName = "generate"
    /// `generate`.
    public var name: String { Self.kindName }
    /// The model as declared in the recipe.
    public var model: ModelInfo
    /// Thinking mode (`nil` = server default).
    public var reasoning: ReasoningMode?
    /// Sampling settings (`seed` unset: one is derived per record).
    public var sampling: Sampling
    /// The client sending the requests.
    public let client: any ModelClient

    /// Creates the stage.
    public init(model: ModelInfo, reasoning: ReasoningMode?, sampling: Sampling, client: any ModelClient) {
        self.model = model
        self.reasoning = reasoning
        self.sampling = sampling
        self.client = client
    }

    /// Conversations in, conversations out.
    public var acceptedKinds: Set<RecordKind> { [.conversation] }
    /// Conversations.
    public func outputKind(for input: RecordKind) -> RecordKind { .conversation }

    /// Options as recorded in the manifest (the model's identity included, so another server
    /// never reuses this step's work).
    public var configuration: JSONValue {
        var o: JSONObject = ["model": .string(model.name), "model_identity": .string(model.identity)]
        if let reasoning { o["reasoning"] = .string(reasoning.rawValue) }
        if let t = sampling.temperature { o["temperature"] = .double(t) }
        if let p = sampling.topP { o["top_p"] = .double(p) }
        if let m = sampling.maxTokens { o["max_tokens"] = .int(m) }
        if let s = sampling.seed { o["seed"] = .int(s) }
        if !sampling.stop.isEmpty { o["stop"] = .array(sampling.stop.map { .string($0) }) }
        return .object(o)
    }

    /// The recipe factory.
    public static let factory = StageFactory(
        name: kindName, summary: "Write the final assistant turn of each conversation with a model"
    ) { options, context in
        let info = context.requiredModel(&options)
        let reasoning = options.choice("reasoning", ["on", "off"]).flatMap(ReasoningMode.init(rawValue:))
        var sampling = Sampling()
        sampling.temperature = options.double("temperature", range: 0...2)
        sampling.topP = options.double("top_p", range: 0...1)
        sampling.maxTokens = options.int("max_tokens", range: 1...1_000_000)
        sampling.seed = options.int("seed", range: 0...Int(Int32.max))
        sampling.stop = options.stringList("stop", default: [])
        return GenerateStage(
            model: info ?? ModelInfo(name: "", servedModel: "", identity: ""), reasoning: reasoning,
            sampling: sampling, client: context.models ?? NoModels())
    }

    /// Generates answers for a batch, concurrently, keeping input order.
    public func process(_ batch: [Record], context: StageContext) async throws -> [StageOutput] {
        try await ModelCalls.map(batch, stage: context.stageID) { try await self.generate($0, context: context) }
    }

    func generate(_ record: Record, context: StageContext) async throws -> StageOutput {
        guard case .conversation(var c) = record else {
            return .quarantined(record, error: "generate: needs conversation records, got a \(record.kind) record")
        }
        guard let last = c.messages.lastIndex(where: { $0.role == .user }) else {
            return .dropped(record, DropReason(rule: Rule.noUserTurn, message: "conversation has no user turn to answer"))
        }
        var s = sampling
        if s.seed == nil { s.seed = ModelCalls.seed(context, Self.kindName, c.id) }
        let prompt = Array(c.messages[...last])
        let request = ChatRequest(messages: prompt, sampling: s, reasoning: reasoning, tools: c.tools)
        let answer: ChatResponse
        switch try await ModelCalls.chat(client, model.name, request) {
        case .success(let a): answer = a
        case .failure(let error): return .quarantined(record, error: "generate: model '\(model.name)': \(error)")
        }
        guard let choice = answer.choices.first else {
            return .quarantined(record, error: "generate: model '\(model.name)' answered no choice")
        }
        var message = choice.message
        message.role = .assistant
        if reasoning == .off { message.reasoning = nil }
        c.messages = prompt + [message]
        var meta: JSONObject = ["model": .string(model.name)]
        if let f = choice.finishReason.rawValue { meta["finish_reason"] = .string(f) }
        c.metadata["generate"] = .object(meta)
        return .kept(.conversation(c))
    }

    /// The drop rules of `generate`.
    public enum Rule {
        /// The conversation has no user turn, so there is nothing to answer.
        public static let noUserTurn = "generate.no_user_turn"
    }
}

/// The client of a stage built without models (only reachable when the recipe had errors, which
/// stop the run before any request).
struct NoModels: ModelClient {
    var declaredModels: [ModelInfo] { [] }
    func chat(_ model: String, _ request: ChatRequest) async throws(LLMError) -> ChatResponse {
        throw LLMError(.unknownModel, "no models are declared")
    }
    func complete(_ model: String, _ request: CompletionRequest) async throws(LLMError) -> CompletionResponse {
        throw LLMError(.unknownModel, "no models are declared")
    }
    func embed(_ model: String, _ request: EmbeddingRequest) async throws(LLMError) -> EmbeddingResponse {
        throw LLMError(.unknownModel, "no models are declared")
    }
}
