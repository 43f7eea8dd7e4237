public import JupiterCore

/// One item answered by one model: a line of `eval/<model>/<task>.jsonl`.
///
/// ```json
/// {"task":"gsm8k","model":"base","item":"line 3","line":3,"hash":"…","prompt":[…],"response":"…",
///  "reasoning":null,"extracted":"18","score":1,"stats":{"exact_match,flexible-extract":[1],…},
///  "detail":null,"finish":"stop","tokens":{"prompt":120,"completion":40,"reasoning":0},"error":null}
/// ```
///
/// `stats` holds, per metric, the statistics the task's figure is aggregated from (``Metric``);
/// `score` is the primary metric's value for this item alone. An item whose request failed has
/// `error` set and no score: it is never counted as a wrong answer.
public struct ItemRecord: Sendable, Hashable {
    /// Why an item has no score.
    public struct Failure: Sendable, Hashable {
        /// The kinds of failure.
        public enum Kind: String, Sendable, Hashable {
            /// The way to the model failed after every retry (timeout, connection, 429, 5xx): a
            /// rerun resends the request.
            case transport
            /// The server rejected the request (a prompt over the context, say) or its answer
            /// could not be used: a rerun would fail the same way.
            case rejected
        }

        /// The kind.
        public var kind: Kind
        /// The error, naming the model and endpoint.
        public var message: String

        /// Creates a failure.
        public init(_ kind: Kind, _ message: String) {
            self.kind = kind
            self.message = message
        }
    }

    /// Token counts of the item's requests (as the server reported them).
    public struct Tokens: Sendable, Hashable {
        /// Prompt tokens.
        public var prompt: Int = 0
        /// Generated tokens, reasoning included.
        public var completion: Int = 0
        /// Of those, reasoning tokens: the server's `completion_tokens_details.reasoning_tokens`
        /// when it reports it, else the completion tokens shared in proportion to the reasoning's
        /// and the answer's lengths (``reasoningEstimated``).
        public var reasoning: Int = 0
        /// True when ``reasoning`` is an estimate.
        public var reasoningEstimated: Bool = false

        /// Creates counts.
        public init(prompt: Int = 0, completion: Int = 0, reasoning: Int = 0, reasoningEstimated: Bool = false) {
            self.prompt = prompt
            self.completion = completion
            self.reasoning = reasoning
            self.reasoningEstimated = reasoningEstimated
        }
    }

    /// The task's name.
    public var task: String
    /// The model's name.
    public var model: String
    /// The item's id (`line N`, or the item's own key).
    public var id: String
    /// Line in the task file.
    public var line: Int
    /// The item's content hash (``ContentHash``): items pair across models and runs by it.
    public var hash: String
    /// What was sent: chat messages, or for multiple choice the context and continuations.
    public var prompt: JSONValue
    /// The answer the scorers saw (reasoning removed); nil without an answer.
    public var response: String?
    /// The reasoning removed from the answer.
    public var reasoning: String?
    /// What the scorer extracted (the letter, the number, the chosen option).
    public var extracted: String?
    /// The primary metric's value for this item.
    public var score: Double?
    /// Per metric (the task's metrics, in order), the item's statistics.
    public var stats: [(metric: String, values: [Double])]
    /// Task-specific detail (IFEval verdicts per instruction, choice log-likelihoods).
    public var detail: JSONValue?
    /// Why generation stopped.
    public var finish: String?
    /// Token counts.
    public var tokens: Tokens
    /// Why there is no score.
    public var error: Failure?

    /// Creates a record.
    public init(
        task: String, model: String, id: String, line: Int, hash: String, prompt: JSONValue,
        response: String? = nil, reasoning: String? = nil, extracted: String? = nil, score: Double? = nil,
        stats: [(metric: String, values: [Double])] = [], detail: JSONValue? = nil, finish: String? = nil,
        tokens: Tokens = Tokens(), error: Failure? = nil
    ) {
        self.task = task
        self.model = model
        self.id = id
        self.line = line
        self.hash = hash
        self.prompt = prompt
        self.response = response
        self.reasoning = reasoning
        self.extracted = extracted
        self.score = score
        self.stats = stats
        self.detail = detail
        self.finish = finish
        self.tokens = tokens
        self.error = error
    }

    /// The statistics of a metric.
    public func stats(_ metric: String) -> [Double]? { stats.first { $0.metric == metric }?.values }

    /// True when the item was scored.
    public var isScored: Bool { error == nil }

    /// The JSONL object.
    public var json: JSONValue {
        func opt(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
        var statsObject = JSONObject()
        for s in stats { statsObject[s.metric] = .array(s.values.map(Self.number)) }
        var tokensObject: JSONObject = [
            "prompt": .int(tokens.prompt), "completion": .int(tokens.completion),
            "reasoning": .int(tokens.reasoning)
        ]
        if tokens.reasoningEstimated { tokensObject["reasoning_estimated"] = .bool(true) }
        return .object([
            "task": .string(task), "model": .string(model), "item": .string(id), "line": .int(line), "hash": .string(hash),
            "prompt": prompt, "response": opt(response), "reasoning": opt(reasoning), "extracted": opt(extracted),
            "score": score.map(Self.number) ?? .null, "stats": .object(statsObject), "detail": detail ?? .null,
            "finish": opt(finish), "tokens": .object(tokensObject),
            "error": error.map { .object(["kind": .string($0.kind.rawValue), "message": .string($0.message)]) } ?? .null
        ])
    }

    /// Integral values as integers (`1`, not `1.0`), others in their shortest form.
    static func number(_ x: Double) -> JSONValue {
        x == x.rounded() && abs(x) < 1e15 ? .int(Int(x)) : .double(x)
    }

    /// Reads a record back from its JSONL object.
    public init(json v: JSONValue) throws(EvalError) {
        guard let task = v["task"]?.stringValue, let model = v["model"]?.stringValue, let id = v["item"]?.stringValue,
            let line = v["line"]?.intValue, let hash = v["hash"]?.stringValue
        else {
            throw EvalError(.badItem, "not an evaluation record (needs task, model, item, line, hash)")
        }
        var stats: [(String, [Double])] = []
        for e in v["stats"]?.objectValue ?? JSONObject() {
            stats.append((e.key, (e.value.arrayValue ?? []).compactMap(\.doubleValue)))
        }
        var failure: Failure?
        if let e = v["error"], !e.isNull {
            failure = Failure(Failure.Kind(rawValue: e["kind"]?.stringValue ?? "") ?? .rejected, e["message"]?.stringValue ?? "")
        }
        let t = v["tokens"]
        self.init(
            task: task, model: model, id: id, line: line, hash: hash, prompt: v["prompt"] ?? .null,
            response: v["response"]?.stringValue, reasoning: v["reasoning"]?.stringValue,
            extracted: v["extracted"]?.stringValue, score: v["score"]?.doubleValue,
            stats: stats.map { (metric: $0.0, values: $0.1) },
            detail: v["detail"].flatMap { $0.isNull ? nil : $0 }, finish: v["finish"]?.stringValue,
            tokens: Tokens(
                prompt: t?["prompt"]?.intValue ?? 0, completion: t?["completion"]?.intValue ?? 0,
                reasoning: t?["reasoning"]?.intValue ?? 0,
                reasoningEstimated: t?["reasoning_estimated"]?.boolValue ?? false),
            error: failure)
    }

    public static func == (a: ItemRecord, b: ItemRecord) -> Bool { a.json == b.json }
    public func hash(into h: inout Hasher) { h.combine(json) }
}
