import JupiterCore
import JupiterCurate

/// `replay`: on-policy replay — the base model answers each prompt itself, so the training
/// mixture keeps what the model already does well (Forget-Me-Not), with its reasoning switch
/// exercised both ways.
///
/// Prompts come from conversations (the turns up to the last user turn), documents (the text —
/// a JSONL field picked with the source's `text_field`, e.g. GSM8K's `question`) or eval items
/// (their input messages). With `reasoning_on: SHARE` each record is assigned reasoning on or off
/// by a seeded draw — within each batch exactly the nearest whole number of records to SHARE is
/// on, chosen by a seeded shuffle — and the request carries `chat_template_kwargs.enable_thinking`;
/// the model must declare `reasoning: toggle` in `models:`. Sampling defaults are NVIDIA's for
/// Nemotron 3 (temperature 1.0, top_p 0.95); every request has its own seed derived from the
/// recipe seed and the record id. The answer's reasoning is stored apart (`reasoning_content`).
///
/// Options: `model` (required), `reasoning_on` (0…1), `temperature` (1.0), `top_p` (0.95),
/// `max_tokens` (4096), `allow_truncated` (false), `system_prompt` (for document and eval prompts
/// without one).
///
/// Drop rules (see ``Rule``): no prompt; prompt over the model's declared context (estimated at
/// 3 UTF-8 bytes per token, plus `max_tokens`); answer cut off (`finish_reason: length`, unless
/// allowed); empty answer; reasoning requested but absent; reasoning present when off; a looping
/// answer (the quality stage's `conv.ngram_loop` rule). A request the server rejects is
/// quarantined with its error; one that cannot reach the model fails the batch (rerun resends it).
public struct ReplayStage: BatchStage, KindAware, UsesSeed {
    /// `replay`.
    public var name: String { "replay" }
    /// The model.
    public var model: ModelInfo
    /// Share of records answered with reasoning on (nil: the server's default, nothing sent).
    public var reasoningOn: Double?
    /// Sampling (the seed is derived per record).
    public var sampling: Sampling
    /// Keep answers cut off by `max_tokens`.
    public var allowTruncated: Bool
    /// System prompt for prompts without one (documents, eval items).
    public var systemPrompt: String?
    /// The client.
    public let client: any ModelClient

    /// Creates the stage.
    public init(
        model: ModelInfo, reasoningOn: Double?, sampling: Sampling, allowTruncated: Bool = false,
        systemPrompt: String? = nil, client: any ModelClient
    ) {
        self.model = model
        self.reasoningOn = reasoningOn
        self.sampling = sampling
        self.allowTruncated = allowTruncated
        self.systemPrompt = systemPrompt
        self.client = client
    }

    /// Conversations, documents and eval items in; conversations out.
    public var acceptedKinds: Set<RecordKind> { [.conversation, .document, .eval] }
    /// Conversations.
    public func outputKind(for input: RecordKind) -> RecordKind { .conversation }

    /// The settings (the model's identity included).
    public var configuration: JSONValue {
        var o: JSONObject = ["model": .string(model.name), "model_identity": .string(model.identity)]
        o["reasoning_on"] = reasoningOn.map { .double($0) } ?? .null
        if let t = sampling.temperature { o["temperature"] = .double(t) }
        if let p = sampling.topP { o["top_p"] = .double(p) }
        if let m = sampling.maxTokens { o["max_tokens"] = .int(m) }
        o["allow_truncated"] = .bool(allowTruncated)
        if let systemPrompt { o["system_prompt"] = .string(systemPrompt) }
        return .object(o)
    }

    /// The recipe factory.
    public static let factory = StageFactory(
        name: "replay", summary: "On-policy replay: the base model answers each prompt itself, reasoning on and off"
    ) { o, context in
        let info = context.requiredModel(&o)
        let share = o.double("reasoning_on", range: 0...1)
        if let share, let info {
            switch info.reasoning {
            case .toggle: break
            case .always where share == 1: break
            case .never where share == 0: break
            default:
                o.problem(
                    "reasoning_on",
                    "model '\(info.name)' cannot switch reasoning on and off per request (its "
                        + "'models:' entry says reasoning: \(info.reasoning.rawValue)); declare `reasoning: toggle` "
                        + "if it can, or remove reasoning_on")
            }
        }
        let sampling = Sampling(
            temperature: o.double("temperature", default: 1.0, range: 0...2),
            topP: o.double("top_p", default: 0.95, range: 0...1),
            maxTokens: o.int("max_tokens", default: 4096, range: 1...1_000_000))
        return ReplayStage(
            model: info ?? ModelInfo(name: "", servedModel: "", identity: ""), reasoningOn: share,
            sampling: sampling, allowTruncated: o.bool("allow_truncated", default: false),
            systemPrompt: o.string("system_prompt"), client: context.models ?? NoModels())
    }

    /// The prompt of a record: turns up to the last user turn, a document's text, an eval item's input.
    func prompt(_ record: Record) -> [Message]? {
        let messages: [Message]
        switch record {
        case .conversation(let c):
            guard let last = c.messages.lastIndex(where: { $0.role == .user }) else { return nil }
            return Array(c.messages[...last])
        case .document(let d):
            guard !d.text.trimmingWhitespace().isEmpty else { return nil }
            messages = [Message(role: .user, content: d.text)]
        case .eval(let e):
            guard e.input.contains(where: { $0.role == .user }) else { return nil }
            messages = e.input
        default:
            return nil
        }
        if let systemPrompt, messages.first?.role != .system { return [Message(role: .system, content: systemPrompt)] + messages }
        return messages
    }

    /// Which records of a batch get reasoning on: the nearest whole number to the share, chosen
    /// by a shuffle seeded with the stage seed and the batch index.
    func assignments(_ count: Int, context: StageContext) -> [ReasoningMode?] {
        guard let share = reasoningOn else { return Array(repeating: nil, count: count) }
        var rng = SeededRandom(context.seed, "replay-reasoning", String(context.batchIndex))
        let on = Int((share * Double(count)).rounded())
        var order = Array(0..<count)
        order.shuffle(using: &rng)
        var out = [ReasoningMode?](repeating: .off, count: count)
        for i in order.prefix(on) { out[i] = .on }
        return out
    }

    /// Answers a batch.
    public func process(_ batch: [Record], context: StageContext) async throws -> [StageOutput] {
        let jobs = Array(zip(batch, assignments(batch.count, context: context)))
        return try await ModelCalls.map(jobs, stage: context.stageID) { record, mode in
            try await self.answer(record, reasoning: mode, context: context)
        }
    }

    func answer(_ record: Record, reasoning: ReasoningMode?, context: StageContext) async throws -> StageOutput {
        guard let prompt = prompt(record) else {
            return .dropped(record, DropReason(rule: Rule.noPrompt, message: "no user message to answer"))
        }
        if let drop = PromptBudget.check(prompt, model: model, maxTokens: sampling.maxTokens, rule: Rule.promptTooLong) {
            return .dropped(record, drop)
        }
        var s = sampling
        s.seed = ModelCalls.seed(context, "replay", record.id)
        let request = ChatRequest(
            messages: prompt, sampling: s, reasoning: reasoning,
            tools: { if case .conversation(let c) = record { c.tools } else { nil } }())
        let answer: ChatResponse
        switch try await ModelCalls.chat(client, model.name, request) {
        case .success(let a): answer = a
        case .failure(let error): return .quarantined(record, error: "replay: model '\(model.name)': \(error)")
        }
        guard let choice = answer.choices.first else {
            return .dropped(record, DropReason(rule: Rule.emptyAnswer, message: "the model answered no choice"))
        }
        var message = choice.message
        message.role = .assistant
        var meta: JSONObject = [
            "model": .string(model.name), "temperature": s.temperature.map { .double($0) } ?? .null,
            "top_p": s.topP.map { .double($0) } ?? .null, "max_tokens": s.maxTokens.map { .int($0) } ?? .null,
            "reasoning": reasoning.map { .string($0.rawValue) } ?? .null
        ]
        if let f = choice.finishReason.rawValue { meta["finish_reason"] = .string(f) }
        var conversation = Self.conversation(from: record, prompt: prompt, answer: message)
        conversation.metadata["replay"] = .object(meta)
        let out = Record.conversation(conversation)
        let hasReasoning = !(message.reasoning ?? "").trimmingWhitespace().isEmpty
        if choice.finishReason == .length && !allowTruncated {
            return .dropped(
                out,
                DropReason(
                    rule: Rule.truncated,
                    message: "the answer was cut off at max_tokens "
                        + "(\(s.maxTokens.map(String.init) ?? "the server's limit"))", value: .string("length")))
        }
        if message.content.trimmingWhitespace().isEmpty && message.toolCalls.isEmpty {
            return .dropped(
                out,
                DropReason(
                    rule: Rule.emptyAnswer,
                    message: "the answer is empty"
                        + (hasReasoning ? " (only reasoning)" : "")))
        }
        if reasoning == .on && !hasReasoning {
            return .dropped(
                out,
                DropReason(
                    rule: Rule.reasoningMissing,
                    message: "reasoning was requested (enable_thinking: true) but the answer has none"))
        }
        if reasoning == .off && hasReasoning {
            return .dropped(
                out,
                DropReason(
                    rule: Rule.reasoningPresent,
                    message: "reasoning was switched off but the answer reasons "
                        + "(\(message.reasoning?.count ?? 0) characters)",
                    value: .int(message.reasoning?.count ?? 0)))
        }
        let rules = ConversationRules()
        if let loop = ConversationRules.loop(
            message.content, maxPeriod: rules.loopMaxPeriod, minRepeats: rules.loopMinRepeats,
            minWords: rules.loopMinWords)
        {
            return .dropped(
                out,
                DropReason(
                    rule: Rule.loop,
                    message: "the answer repeats a \(loop.period)-word sequence \(loop.repeats) times in a row",
                    value: .int(loop.repeats)))
        }
        return .kept(out)
    }

    /// The replayed conversation: the prompt turns and the model's answer, keeping the record's
    /// id, metadata, extra fields and lineage.
    static func conversation(from record: Record, prompt: [Message], answer: Message) -> Conversation {
        switch record {
        case .conversation(var c):
            c.messages = prompt + [answer]
            return c
        case .document(let d):
            return Conversation(id: d.id, messages: prompt + [answer], metadata: d.metadata, extra: d.extra, lineage: d.lineage)
        case .eval(let e):
            var extra = e.extra
            extra["ideal"] = e.idealIsList ? .array(e.ideal.map { .string($0) }) : .string(e.ideal.first ?? "")
            return Conversation(id: e.id, messages: prompt + [answer], extra: extra, lineage: e.lineage)
        default:
            return Conversation(id: record.id, messages: prompt + [answer], lineage: record.lineage)
        }
    }

    /// The drop rules of `replay`.
    public enum Rule {
        /// No user message (or an empty document).
        public static let noPrompt = "replay.no_prompt"
        /// The prompt cannot fit the model's context with `max_tokens`.
        public static let promptTooLong = "replay.prompt_too_long"
        /// `finish_reason: length`.
        public static let truncated = "replay.truncated"
        /// Nothing but whitespace (or only reasoning).
        public static let emptyAnswer = "replay.empty_answer"
        /// Reasoning on was asked, none came.
        public static let reasoningMissing = "replay.reasoning_missing"
        /// Reasoning off was asked, some came.
        public static let reasoningPresent = "replay.reasoning_present"
        /// A degenerate, looping answer.
        public static let loop = "replay.loop"
    }
}

/// Whether a prompt fits a model's declared context.
enum PromptBudget {
    /// UTF-8 bytes per token assumed (conservative: real BPE tokenizers average 3.5–4.5 on English
    /// and Welsh text, so a prompt estimated to fit nearly always does).
    static let bytesPerToken = 3

    /// A drop when the model declares its context and the prompt (estimated) plus `maxTokens` exceeds it.
    static func check(_ messages: [Message], model: ModelInfo, maxTokens: Int?, rule: String) -> DropReason? {
        guard let context = model.contextTokens else { return nil }
        let bytes = messages.reduce(0) { $0 + $1.content.utf8.count + 8 }
        let estimate = (bytes + bytesPerToken - 1) / bytesPerToken
        let total = estimate + (maxTokens ?? 0)
        guard total > context else { return nil }
        return DropReason(
            rule: rule,
            message: "the prompt (about \(estimate) tokens at \(bytesPerToken) bytes per token) and "
                + "max_tokens \(maxTokens ?? 0) exceed the context of model '\(model.name)' (\(context) tokens)",
            value: .int(estimate))
    }
}
