/// Token counts reported by the server.
public struct Usage: Sendable, Hashable {
    /// Tokens in the prompt.
    public var promptTokens: Int
    /// Tokens generated.
    public var completionTokens: Int

    /// Creates usage counts.
    public init(promptTokens: Int = 0, completionTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    package init(json: JSONValue?) {
        promptTokens = json?["prompt_tokens"]?.intValue ?? 0
        completionTokens = json?["completion_tokens"]?.intValue ?? 0
    }
}

/// One alternative token at a position.
public struct TopLogprob: Sendable, Hashable {
    /// Token text.
    public var token: String
    /// Natural-log probability.
    public var logprob: Double
    /// Creates an alternative.
    public init(token: String, logprob: Double) {
        self.token = token
        self.logprob = logprob
    }
}

/// The log-probability of one token, with the most likely alternatives at its position.
public struct TokenLogprob: Sendable, Hashable {
    /// Token text.
    public var token: String
    /// Natural-log probability (`nil` for the first echoed prompt token, which has no context).
    public var logprob: Double?
    /// Most likely tokens at this position, best first.
    public var top: [TopLogprob]
    /// Creates a token log-probability.
    public init(token: String, logprob: Double?, top: [TopLogprob] = []) {
        self.token = token
        self.logprob = logprob
        self.top = top
    }
}

/// Why generation stopped.
public enum FinishReason: Sendable, Hashable {
    /// A natural end or a stop sequence.
    case stop
    /// `max_tokens` (or the context) was reached: the answer may be cut off.
    case length
    /// The model called tools.
    case toolCalls
    /// Blocked by a content filter.
    case contentFilter
    /// Anything else the server said (or nothing).
    case other(String?)

    init(_ raw: String?) {
        switch raw {
        case "stop", "eos": self = .stop
        case "length": self = .length
        case "tool_calls", "function_call": self = .toolCalls
        case "content_filter": self = .contentFilter
        default: self = .other(raw)
        }
    }

    /// The OpenAI spelling.
    public var rawValue: String? {
        switch self {
        case .stop: "stop"
        case .length: "length"
        case .toolCalls: "tool_calls"
        case .contentFilter: "content_filter"
        case .other(let s): s
        }
    }
}

/// One answer of a chat completion.
public struct ChatChoice: Sendable, Hashable {
    /// Choice index.
    public var index: Int
    /// The assistant turn: content without reasoning; reasoning from `reasoning_content` (or
    /// `reasoning`) or from a leading `<think>…</think>` in the content.
    public var message: Message
    /// Why generation stopped.
    public var finishReason: FinishReason
    /// Per-token log-probabilities, when requested.
    public var logprobs: [TokenLogprob]?
}

/// A parsed `/v1/chat/completions` answer.
public struct ChatResponse: Sendable, Hashable {
    /// The choices (one unless `n` > 1).
    public var choices: [ChatChoice]
    /// Token usage.
    public var usage: Usage
    /// The model id the server reports.
    public var model: String?
    /// True when this answer came from the run's response cache (no request was sent).
    public var cached: Bool
    /// The raw JSON answer.
    public var raw: JSONValue

    /// The first choice's message content.
    public var text: String { choices.first?.message.content ?? "" }

    /// Parses a chat completion body; throws a description of what is missing or malformed.
    public init(json: JSONValue, cached: Bool = false) throws(ResponseShapeError) {
        guard let choices = json["choices"]?.arrayValue else { throw ResponseShapeError("missing 'choices'") }
        var out: [ChatChoice] = []
        for (i, c) in choices.enumerated() {
            guard let m = c["message"], m.objectValue != nil else { throw ResponseShapeError("choices[\(i)] has no 'message'") }
            var msgValue = m
            if case .object(var o) = m {
                if o["role"] == nil || o["role"]?.isNull == true { o["role"] = .string("assistant") }
                msgValue = .object(o)
            }
            let message: Message
            do { message = try NativeCodec.decodeMessage(msgValue, path: "choices[\(i)].message") } catch {
                throw ResponseShapeError("\(error)")
            }
            var lps: [TokenLogprob]?
            if let content = c["logprobs"]?["content"]?.arrayValue {
                lps = content.map { t in
                    TokenLogprob(
                        token: t["token"]?.stringValue ?? "", logprob: t["logprob"]?.doubleValue,
                        top: (t["top_logprobs"]?.arrayValue ?? []).map {
                            TopLogprob(token: $0["token"]?.stringValue ?? "", logprob: $0["logprob"]?.doubleValue ?? -.infinity)
                        })
                }
            }
            out.append(
                ChatChoice(
                    index: c["index"]?.intValue ?? i, message: message,
                    finishReason: FinishReason(c["finish_reason"]?.stringValue), logprobs: lps))
        }
        guard !out.isEmpty else { throw ResponseShapeError("'choices' is empty") }
        self.choices = out
        usage = Usage(json: json["usage"])
        model = json["model"]?.stringValue
        self.cached = cached
        raw = json
    }
}

/// One answer of a text completion.
public struct CompletionChoice: Sendable, Hashable {
    /// Choice index.
    public var index: Int
    /// Generated text (with the prompt in front when `echo` was set).
    public var text: String
    /// Why generation stopped.
    public var finishReason: FinishReason
    /// Per-token log-probabilities (prompt tokens first with `echo`), when requested.
    public var logprobs: [TokenLogprob]?
}

/// A parsed `/v1/completions` answer.
public struct CompletionResponse: Sendable, Hashable {
    /// The choices.
    public var choices: [CompletionChoice]
    /// Token usage.
    public var usage: Usage
    /// True when this answer came from the response cache.
    public var cached: Bool
    /// The raw JSON answer.
    public var raw: JSONValue

    /// The first choice's text.
    public var text: String { choices.first?.text ?? "" }

    /// Parses a completion body.
    public init(json: JSONValue, cached: Bool = false) throws(ResponseShapeError) {
        guard let choices = json["choices"]?.arrayValue, !choices.isEmpty else {
            throw ResponseShapeError("missing or empty 'choices'")
        }
        var out: [CompletionChoice] = []
        for (i, c) in choices.enumerated() {
            guard let text = c["text"]?.stringValue else { throw ResponseShapeError("choices[\(i)] has no 'text'") }
            var lps: [TokenLogprob]?
            if let lp = c["logprobs"], let tokens = lp["tokens"]?.arrayValue {
                let values = lp["token_logprobs"]?.arrayValue ?? []
                let tops = lp["top_logprobs"]?.arrayValue ?? []
                lps = tokens.enumerated().map { j, t in
                    var top: [TopLogprob] = []
                    if j < tops.count, let o = tops[j].objectValue {
                        top = o.entries.map { TopLogprob(token: $0.key, logprob: $0.value.doubleValue ?? -.infinity) }
                            .sorted { $0.logprob > $1.logprob }
                    }
                    return TokenLogprob(token: t.stringValue ?? "", logprob: j < values.count ? values[j].doubleValue : nil, top: top)
                }
            }
            out.append(
                CompletionChoice(
                    index: c["index"]?.intValue ?? i, text: text,
                    finishReason: FinishReason(c["finish_reason"]?.stringValue), logprobs: lps))
        }
        self.choices = out
        usage = Usage(json: json["usage"])
        self.cached = cached
        raw = json
    }
}

/// A parsed `/v1/embeddings` answer.
public struct EmbeddingResponse: Sendable, Hashable {
    /// One vector per input, in input order.
    public var embeddings: [[Double]]
    /// Token usage.
    public var usage: Usage
    /// True when this answer came from the response cache.
    public var cached: Bool

    /// Parses an embeddings body.
    public init(json: JSONValue, cached: Bool = false) throws(ResponseShapeError) {
        guard let data = json["data"]?.arrayValue else { throw ResponseShapeError("missing 'data'") }
        var rows: [(Int, [Double])] = []
        for (i, d) in data.enumerated() {
            guard let v = d["embedding"]?.arrayValue else { throw ResponseShapeError("data[\(i)] has no 'embedding'") }
            var vec: [Double] = []
            vec.reserveCapacity(v.count)
            for x in v {
                guard let f = x.doubleValue else { throw ResponseShapeError("data[\(i)].embedding holds a non-number") }
                vec.append(f)
            }
            rows.append((d["index"]?.intValue ?? i, vec))
        }
        embeddings = rows.sorted { $0.0 < $1.0 }.map(\.1)
        usage = Usage(json: json["usage"])
        self.cached = cached
    }
}

/// A 2xx answer whose JSON does not have the expected shape (treated like invalid JSON: retried).
public struct ResponseShapeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// Creates the error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
