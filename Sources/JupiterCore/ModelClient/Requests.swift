/// Whether a reasoning model should think before answering.
public enum ReasoningMode: String, Sendable, Hashable {
    /// Sends `chat_template_kwargs: {enable_thinking: true}`.
    case on
    /// Sends `chat_template_kwargs: {enable_thinking: false}`.
    case off
}

/// Sampling settings shared by chat and text completions. `nil` leaves the server's default.
public struct Sampling: Sendable, Hashable {
    /// Temperature.
    public var temperature: Double?
    /// Nucleus sampling mass.
    public var topP: Double?
    /// Maximum generated tokens.
    public var maxTokens: Int?
    /// Sampling seed (servers that support it give reproducible samples).
    public var seed: Int?
    /// Stop sequences.
    public var stop: [String]
    /// Number of choices.
    public var n: Int?

    /// Creates sampling settings.
    public init(
        temperature: Double? = nil, topP: Double? = nil, maxTokens: Int? = nil, seed: Int? = nil,
        stop: [String] = [], n: Int? = nil
    ) {
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.seed = seed
        self.stop = stop
        self.n = n
    }

    func write(into o: inout JSONObject) {
        if let temperature { o["temperature"] = .double(temperature) }
        if let topP { o["top_p"] = .double(topP) }
        if let maxTokens { o["max_tokens"] = .int(maxTokens) }
        if let seed { o["seed"] = .int(seed) }
        if !stop.isEmpty { o["stop"] = .array(stop.map { .string($0) }) }
        if let n { o["n"] = .int(n) }
    }
}

/// A `/v1/chat/completions` request.
public struct ChatRequest: Sendable, Hashable {
    /// The conversation so far. Reasoning of earlier turns is not sent.
    public var messages: [Message]
    /// Sampling settings.
    public var sampling: Sampling
    /// Return log-probabilities of the generated tokens.
    public var logprobs: Bool
    /// Alternatives per position (0–20), with `logprobs`.
    public var topLogprobs: Int?
    /// Thinking on/off through `chat_template_kwargs.enable_thinking` (`nil` = server default).
    public var reasoning: ReasoningMode?
    /// Tool schemas (OpenAI `tools`), passed through.
    public var tools: [JSONValue]?
    /// Any other body fields, passed through unchanged (they win over the model's `extra_body`).
    public var extraBody: JSONObject

    /// Creates a chat request.
    public init(
        messages: [Message], sampling: Sampling = Sampling(), logprobs: Bool = false, topLogprobs: Int? = nil,
        reasoning: ReasoningMode? = nil, tools: [JSONValue]? = nil, extraBody: JSONObject = JSONObject()
    ) {
        self.messages = messages
        self.sampling = sampling
        self.logprobs = logprobs
        self.topLogprobs = topLogprobs
        self.reasoning = reasoning
        self.tools = tools
        self.extraBody = extraBody
    }

    /// The request body for `model` (without the model's `extra_body`).
    public func body(model: String) -> JSONObject {
        var o: JSONObject = ["model": .string(model), "messages": .array(messages.map(ChatRequest.wireMessage))]
        sampling.write(into: &o)
        if logprobs { o["logprobs"] = .bool(true) }
        if let topLogprobs { o["top_logprobs"] = .int(topLogprobs) }
        if let tools { o["tools"] = .array(tools) }
        if let reasoning {
            var kwargs = extraBody["chat_template_kwargs"]?.objectValue ?? JSONObject()
            kwargs["enable_thinking"] = .bool(reasoning == .on)
            o["chat_template_kwargs"] = .object(kwargs)
        }
        for e in extraBody where !(reasoning != nil && e.key == "chat_template_kwargs") { o[e.key] = e.value }
        return o
    }

    /// A message as sent: role, content, tool calls and ids; earlier reasoning is left out.
    static func wireMessage(_ m: Message) -> JSONValue {
        var stripped = m
        stripped.reasoning = nil
        stripped.extra = JSONObject()
        return NativeCodec.encodeMessage(stripped)
    }
}

/// A `/v1/completions` request (plain text prompt), e.g. for prompt scoring with `echo` + `logprobs`.
public struct CompletionRequest: Sendable, Hashable {
    /// The prompt text.
    public var prompt: String
    /// Sampling settings.
    public var sampling: Sampling
    /// Number of top alternatives per token to return (`logprobs: k`), `nil` for none.
    public var logprobs: Int?
    /// Return the prompt with its token log-probabilities before the completion.
    public var echo: Bool
    /// Any other body fields, passed through unchanged.
    public var extraBody: JSONObject

    /// Creates a completion request.
    public init(
        prompt: String, sampling: Sampling = Sampling(), logprobs: Int? = nil, echo: Bool = false,
        extraBody: JSONObject = JSONObject()
    ) {
        self.prompt = prompt
        self.sampling = sampling
        self.logprobs = logprobs
        self.echo = echo
        self.extraBody = extraBody
    }

    /// The request body for `model`.
    public func body(model: String) -> JSONObject {
        var o: JSONObject = ["model": .string(model), "prompt": .string(prompt)]
        sampling.write(into: &o)
        if let logprobs { o["logprobs"] = .int(logprobs) }
        if echo { o["echo"] = .bool(true) }
        for e in extraBody { o[e.key] = e.value }
        return o
    }
}

/// A `/v1/embeddings` request.
public struct EmbeddingRequest: Sendable, Hashable {
    /// Texts to embed.
    public var input: [String]
    /// Any other body fields (e.g. `dimensions`), passed through unchanged.
    public var extraBody: JSONObject

    /// Creates an embedding request.
    public init(input: [String], extraBody: JSONObject = JSONObject()) {
        self.input = input
        self.extraBody = extraBody
    }

    /// The request body for `model`.
    public func body(model: String) -> JSONObject {
        var o: JSONObject = ["model": .string(model), "input": .array(input.map { .string($0) })]
        for e in extraBody { o[e.key] = e.value }
        return o
    }
}
