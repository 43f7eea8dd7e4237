import JupiterCore

/// What the runner sends for one item.
enum TaskRequest: Sendable {
    /// One chat completion.
    case chat(ChatRequest)
    /// One text completion per choice (log-likelihood scoring).
    case choices([CompletionRequest])
}

/// What a task scores.
enum TaskAnswer: Sendable {
    /// A chat answer, reasoning removed.
    case text(String)
    /// The choices' completion answers, in choice order.
    case choices([CompletionResponse])
}

/// A task's verdict on one item.
struct ItemScoring: Sendable {
    /// What the scorer extracted.
    var extracted: String?
    /// Per metric (the task's ``LoadedTask/metrics`` order), the item's statistics.
    var stats: [[Double]]
    /// Task-specific detail for the JSONL.
    var detail: JSONValue?
}

/// The items of a task as read: ids, lines, content hashes, and the lines set aside.
struct TaskItems: Sendable {
    var ids: [String]
    var lines: [Int]
    var hashes: [String]
    var quarantined: [QuarantinedLine]

    /// Keeps the first `limit` items; quarantined lines after the last kept item are dropped too
    /// (they were not part of the slice).
    static func slice<Item: Sendable>(_ file: TaskFile<Item>, limit: Int?, id: (Item, Int) -> String, line: (Item) -> Int)
        -> (items: [Item], refs: TaskItems)
    {
        var items = file.items
        var hashes = file.contentHashes
        var quarantined = file.quarantined
        if let limit, limit < items.count {
            items = Array(items.prefix(limit))
            hashes = Array(hashes.prefix(limit))
            let last = items.last.map(line) ?? 0
            quarantined = quarantined.filter { $0.line < last }
        }
        return (
            items,
            TaskItems(
                ids: items.enumerated().map { id($1, $0) }, lines: items.map(line), hashes: hashes,
                quarantined: quarantined)
        )
    }
}

/// A task read and ready to run: how each item is asked and scored. One implementation per task
/// kind (`OpenAIEvalsRun`, `GSM8KRun`, `IFEvalRun`, `MultipleChoiceRun`).
protocol LoadedTask: Sendable {
    /// The task as configured.
    var spec: EvalTaskSpec { get }
    /// Its items.
    var items: TaskItems { get }
    /// Its metrics, the default primary first.
    var metrics: [Metric] { get }
    /// The generation settings sent (protocol settings with the task's overrides).
    var generation: GenerationSettings { get }
    /// Task options recorded in results (beyond kind, file, limit and generation).
    var options: JSONObject { get }
    /// The request(s) for item `i`.
    func request(_ i: Int, model: EvalModelSpec, seed: Int) -> TaskRequest
    /// What is recorded as the item's prompt.
    func prompt(_ i: Int, model: EvalModelSpec) -> JSONValue
    /// Scores item `i`.
    func score(_ i: Int, _ answer: TaskAnswer, model: EvalModelSpec) throws(EvalError) -> ItemScoring
}

extension LoadedTask {
    /// The primary metric (``EvalTaskSpec/primaryMetric`` or the first).
    var primary: Metric {
        spec.primaryMetric.flatMap { name in metrics.first { $0.name == name } } ?? metrics[0]
    }

    /// The task's settings as recorded in results: everything that must be equal for two runs to
    /// be compared.
    var settingsJSON: JSONValue {
        var g: JSONObject = [
            "temperature": generation.temperature.map(JSONValue.double) ?? .null,
            "max_tokens": generation.maxTokens.map(JSONValue.int) ?? .null,
            "stop": .array(generation.stop.map { .string($0) })
        ]
        if case .multipleChoice = spec.kind {
            g = ["temperature": .double(0), "max_tokens": .int(1), "echo": .bool(true), "logprobs": .int(1)]
        }
        return .object([
            "kind": .string(spec.kind.name), "role": .string(spec.role.rawValue), "file": .string(spec.file),
            "sha256": .string((try? SHA256.hex(ofFile: spec.path)) ?? ""), "limit": spec.limit.map(JSONValue.int) ?? .null,
            "options": .object(options), "generation": .object(g),
            "metrics": .array(metrics.map(\.json)), "primary_metric": .string(primary.name)
        ])
    }
}

/// Request helpers shared by the chat tasks.
enum ChatPrompt {
    /// The messages with the model's system prompt: a first system message, or joined (blank
    /// line between) before the item's own first system message.
    static func messages(_ messages: [Message], system: String?) -> [Message] {
        guard let system else { return messages }
        var out = messages
        if let first = out.first, first.role == .system {
            out[0].content = system + "\n\n" + first.content
        } else {
            out.insert(Message(role: .system, content: system), at: 0)
        }
        return out
    }

    /// A chat request with the task's generation settings, the seed and the model's reasoning mode.
    static func request(_ messages: [Message], model: EvalModelSpec, generation: GenerationSettings, seed: Int) -> ChatRequest {
        ChatRequest(
            messages: Self.messages(messages, system: model.systemPrompt),
            sampling: Sampling(
                temperature: generation.temperature, maxTokens: generation.maxTokens, seed: seed,
                stop: generation.stop),
            reasoning: model.reasoning)
    }

    /// Messages as recorded: `[{"role", "content"}]`.
    static func json(_ messages: [Message], system: String?) -> JSONValue {
        .array(
            Self.messages(messages, system: system).map {
                .object(["role": .string($0.role.rawValue), "content": .string($0.content)])
            })
    }

    /// Protocol settings with the task's overrides.
    static func settings(_ protocolSettings: GenerationSettings, _ spec: EvalTaskSpec) -> GenerationSettings {
        var g = protocolSettings
        if let m = spec.maxTokens { g.maxTokens = m }
        if let t = spec.temperature { g.temperature = t }
        return g
    }
}

/// Reads a task (its file, limit and options) into a ``LoadedTask``.
enum TaskLoader {
    static func load(_ spec: EvalTaskSpec, seeds: EvalSeeds, detector: LanguageDetector?) throws(EvalError) -> any LoadedTask {
        switch spec.kind {
        case .openAIEvals(let kind): return try OpenAIEvalsRun(spec: spec, kind: kind)
        case .multipleChoice(let choices): return try MultipleChoiceRun(spec: spec, choices: choices)
        case .gsm8k(let options): return try GSM8KRun(spec: spec, options: options, seed: seeds.fewShot)
        case .ifeval: return try IFEvalRun(spec: spec, detector: detector)
        }
    }
}
