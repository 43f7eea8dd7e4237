import JupiterCore

/// `generate`: asks a model to write the final assistant turn of each conversation.
///
/// For each conversation it sends the turns up to the last user turn to the named model and
/// replaces whatever followed with the answer (reasoning kept in `Message.reasoning`). Requests
/// of a batch run concurrently, bounded by the model's `max_in_flight`; answers come from the
/// run's response cache on a rerun. Each record gets its own sampling seed derived from the
/// recipe seed and the record id, so output is reproducible. A request that still fails after
/// every retry quarantines its record with the error.
///
/// ```yaml
/// steps:
///   - generate: { model: base, reasoning: off, max_tokens: 1024, temperature: 0.7, top_p: 0.95 }
/// ```
///
/// `reasoning: on|off` sends `chat_template_kwargs.enable_thinking` (default: the server's choice).
public struct GenerateStage: BatchStage {
    /// The stage kind name.
    public static let kindName = "generate"
    /// `generate`.
    public var name: String { Self.kindName }
    /// Model name from the recipe's `models:`.
    public var model: String
    /// Thinking mode (`nil` = server default).
    public var reasoning: ReasoningMode?
    /// Sampling settings (`seed` unset: one is derived per record).
    public var sampling: Sampling
    /// The service sending the requests.
    public let service: LLMService

    /// Creates the stage.
    public init(model: String, reasoning: ReasoningMode?, sampling: Sampling, service: LLMService) {
        self.model = model
        self.reasoning = reasoning
        self.sampling = sampling
        self.service = service
    }

    /// Options as recorded in the manifest.
    public var configuration: JSONValue {
        var o: JSONObject = ["model": .string(model)]
        if let reasoning { o["reasoning"] = .string(reasoning.rawValue) }
        if let t = sampling.temperature { o["temperature"] = .double(t) }
        if let p = sampling.topP { o["top_p"] = .double(p) }
        if let m = sampling.maxTokens { o["max_tokens"] = .int(m) }
        if let s = sampling.seed { o["seed"] = .int(s) }
        if !sampling.stop.isEmpty { o["stop"] = .array(sampling.stop.map { .string($0) }) }
        return .object(o)
    }

    /// Generates answers for a batch, concurrently, keeping input order.
    public func process(_ batch: [Record], context: StageContext) async throws -> [StageOutput] {
        try await withThrowingTaskGroup(of: (Int, StageOutput).self) { group in
            for (i, record) in batch.enumerated() {
                group.addTask { (i, try await self.generate(record, context: context)) }
            }
            var out = [StageOutput?](repeating: nil, count: batch.count)
            for try await (i, o) in group { out[i] = o }
            return out.enumerated().map { i, o in o ?? .quarantined(batch[i], error: "generate: no result") }
        }
    }

    func generate(_ record: Record, context: StageContext) async throws -> StageOutput {
        guard case .conversation(var c) = record else {
            return .quarantined(record, error: "generate: needs conversation records, got a \(record.kind) record")
        }
        guard let last = c.messages.lastIndex(where: { $0.role == .user }) else {
            return .quarantined(record, error: "generate: conversation '\(c.id)' has no user turn to answer")
        }
        var s = sampling
        if s.seed == nil {
            s.seed = Int(StableHash.fnv1a64(seed: context.seed, [Self.kindName, c.id]) >> 33)
        }
        let prompt = Array(c.messages[...last])
        let request = ChatRequest(messages: prompt, sampling: s, reasoning: reasoning, tools: c.tools)
        let answer: ChatResponse
        do throws(LLMError) {
            answer = try await service.chat(model, request)
        } catch {
            // An interrupted run must not record the record as quarantined: rethrow so the
            // batch stays unfinished and is redone (from the cache) on resume.
            if error.kind == .cancelled || Task.isCancelled { throw CancellationError() }
            return .quarantined(record, error: "generate: model '\(model)': \(error)")
        }
        guard let choice = answer.choices.first else {
            return .quarantined(record, error: "generate: model '\(model)' answered no choice")
        }
        var message = choice.message
        message.role = .assistant
        if reasoning == .off { message.reasoning = nil }
        c.messages = prompt + [message]
        var meta: JSONObject = ["model": .string(model)]
        if let f = choice.finishReason.rawValue { meta["finish_reason"] = .string(f) }
        c.metadata["generate"] = .object(meta)
        return .kept(.conversation(c))
    }
}
