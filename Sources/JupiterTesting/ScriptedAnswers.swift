import Foundation
import JupiterCore

/// The deterministic answers of ``ScriptedLLMServer``, public so tests can compute what to expect.
public enum ScriptedAnswers {
    /// The prompt a request's answer derives from: the last user turn (chat), the prompt
    /// (completions) or the first input (embeddings).
    public static func prompt(path: String, body: JSONValue) -> String? {
        switch path {
        case "/v1/chat/completions":
            let messages = body["messages"]?.arrayValue ?? []
            return messages.last(where: { $0["role"]?.stringValue == "user" })?["content"]?.stringValue
        case "/v1/completions":
            return body["prompt"]?.stringValue
        case "/v1/embeddings":
            if let s = body["input"]?.stringValue { return s }
            return body["input"]?.arrayValue?.first?.stringValue
        default:
            return nil
        }
    }

    /// A short hash tag of a prompt with the sampling fields that change an answer.
    public static func tag(prompt: String, seed: Int?, temperature: Double?) -> String {
        let h = StableHash.fnv1a64([prompt, seed.map(String.init) ?? "-", temperature.map { "\($0)" } ?? "-"])
        return String(String(h, radix: 16).prefix(8))
    }

    /// The default chat answer for `prompt`.
    public static func chatAnswer(prompt: String, seed: Int? = nil, temperature: Double? = nil) -> String {
        "Answer \(tag(prompt: prompt, seed: seed, temperature: temperature)): \(prompt)"
    }

    /// The reasoning the server gives for `prompt` when thinking is on.
    public static func reasoning(prompt: String, seed: Int? = nil, temperature: Double? = nil) -> String {
        "Thinking about \(tag(prompt: prompt, seed: seed, temperature: temperature))."
    }

    /// Whitespace tokens with their leading space (`"a b"` → `["a", " b"]`).
    public static func tokens(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        for ch in text {
            if ch == " " && !current.isEmpty && current != " " {
                out.append(current)
                current = ""
            }
            current.append(ch)
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// The log-probability the server gives `token` at `position` (in (-2, 0]).
    public static func logprob(_ token: String, position: Int) -> Double {
        -Double(StableHash.fnv1a64([token, String(position)]) % 1000) / 500
    }

    static func format(_ d: Double) -> String { d == d.rounded() ? String(Int(d)) : String(d) }

    static func error(_ status: Int, _ message: String) -> (Int, JSONValue) {
        (status, .object(["error": .object(["message": .string(message), "code": .int(status)])]))
    }

    static func logprobEntry(_ token: String, position: Int, top: Int) -> JSONValue {
        let lp = logprob(token, position: position)
        var alternatives: [JSONValue] = [.object(["token": .string(token), "logprob": .double(lp)])]
        for j in 0..<max(0, top - 1) {
            alternatives.append(.object(["token": .string("alt\(j)"), "logprob": .double(lp - 1 - Double(j))]))
        }
        return .object([
            "token": .string(token), "logprob": .double(lp),
            "bytes": .array(Array(token.utf8).map { .int(Int($0)) }),
            "top_logprobs": .array(top > 0 ? alternatives : [])
        ])
    }

    /// The full answer (status, JSON) to a request.
    static func answer(method: String, path: String, body: JSONValue?, options: ScriptedLLMServer.Options)
        -> (Int, JSONValue)
    {
        if method == "GET" && path == "/v1/models" {
            return (
                200,
                .object([
                    "object": .string("list"),
                    "data": .array(
                        options.models.map {
                            .object(["id": .string($0), "object": .string("model"), "owned_by": .string("jupiter-testing")])
                        })
                ])
            )
        }
        let routes = ["/v1/chat/completions", "/v1/completions", "/v1/embeddings"]
        guard routes.contains(path) else { return error(404, "no route \(method) \(path)") }
        guard method == "POST" else { return error(405, "method not allowed") }
        guard let body else { return error(400, "body is not JSON") }
        guard let model = body["model"]?.stringValue else { return error(400, "missing 'model'") }
        guard options.models.contains(model) else { return error(404, "model '\(model)' not found") }
        switch path {
        case "/v1/chat/completions": return chat(body, model: model, options: options)
        case "/v1/completions": return completion(body, model: model, mode: options.promptLogprobs)
        case "/v1/embeddings": return embeddings(body, model: model)
        default: return error(404, "no route \(path)")
        }
    }

    static func wordCount(_ s: String) -> Int { s.split(whereSeparator: { $0 == " " || $0 == "\n" }).count }

    static func chat(_ body: JSONValue, model: String, options: ScriptedLLMServer.Options) -> (Int, JSONValue) {
        guard let messages = body["messages"]?.arrayValue, !messages.isEmpty else { return error(400, "missing 'messages'") }
        guard let prompt = prompt(path: "/v1/chat/completions", body: body) else { return error(400, "no user turn") }
        let seed = body["seed"]?.intValue
        let temperature = body["temperature"]?.doubleValue
        let thinking = options.reasons && (body["chat_template_kwargs"]?["enable_thinking"]?.boolValue ?? true)
        let n = max(1, body["n"]?.intValue ?? 1)
        let maxTokens = body["max_tokens"]?.intValue
        let wantLogprobs = body["logprobs"]?.boolValue ?? false
        let top = min(body["top_logprobs"]?.intValue ?? 0, options.maxTopLogprobs ?? Int.max)
        let promptTokens = messages.reduce(0) { $0 + wordCount($1["content"]?.stringValue ?? "") }
        var completionTokens = 0
        var choices: [JSONValue] = []
        if let positions = options.logprobScript[prompt] {
            let limit = min(positions.count, maxTokens ?? positions.count)
            let toks = (0..<limit).map { $0 == 0 ? "t0" : " t\($0)" }
            let content: [JSONValue] = toks.enumerated().map { i, t in
                let alts = positions[i]
                let shown = wantLogprobs ? Array(alts.prefix(top)) : []
                return .object([
                    "token": .string(t), "logprob": .double(alts.first ?? 0),
                    "top_logprobs": .array(
                        shown.enumerated().map { j, lp in
                            .object(["token": .string(j == 0 ? t : "alt\(j)"), "logprob": .double(lp)])
                        })
                ])
            }
            let choice: JSONObject = [
                "index": .int(0),
                "message": .object([
                    "role": .string("assistant"),
                    "content": .string(toks.joined())
                ]),
                "logprobs": wantLogprobs ? .object(["content": .array(content)]) : .null,
                "finish_reason": .string(limit < positions.count ? "length" : "stop")
            ]
            return (
                200,
                .object([
                    "id": .string("chatcmpl-scripted"), "object": .string("chat.completion"), "created": .int(0),
                    "model": .string(model), "choices": .array([.object(choice)]),
                    "usage": .object(["prompt_tokens": .int(promptTokens), "completion_tokens": .int(limit)])
                ])
            )
        }
        for i in 0..<n {
            let s = seed.map { $0 + i } ?? (i == 0 ? nil : i)
            var text = options.script[prompt] ?? chatAnswer(prompt: prompt, seed: s, temperature: temperature)
            var finish = "stop"
            var toks = tokens(text)
            if let maxTokens, toks.count > maxTokens {
                toks = Array(toks.prefix(maxTokens))
                text = toks.joined()
                finish = "length"
            }
            completionTokens += toks.count
            var message: JSONObject = ["role": .string("assistant")]
            let r = reasoning(prompt: prompt, seed: s, temperature: temperature)
            if thinking && options.inlineReasoning {
                message["content"] = .string("<think>\n\(r)\n</think>\n\n\(text)")
            } else {
                message["content"] = .string(text)
                if thinking { message["reasoning_content"] = .string(r) }
            }
            var choice: JSONObject = ["index": .int(i), "message": .object(message)]
            choice["logprobs"] =
                wantLogprobs
                ? .object(["content": .array(toks.enumerated().map { logprobEntry($1, position: $0, top: top) })]) : .null
            choice["finish_reason"] = .string(finish)
            choices.append(.object(choice))
        }
        return (
            200,
            .object([
                "id": .string("chatcmpl-\(tag(prompt: prompt, seed: seed, temperature: temperature))"),
                "object": .string("chat.completion"), "created": .int(0), "model": .string(model),
                "choices": .array(choices),
                "usage": .object([
                    "prompt_tokens": .int(promptTokens), "completion_tokens": .int(completionTokens),
                    "total_tokens": .int(promptTokens + completionTokens)
                ])
            ])
        )
    }

    /// The tiny language model of ``ScriptedLLMServer/PromptLogprobs/aligned``: the token it
    /// expects after `previous` — the next number when `previous` is a number such as `"3,"` or
    /// `" 3,"` (so `1, 2, 3, …` is predictable), else nil.
    public static func predictedToken(after previous: String?) -> String? {
        guard let previous else { return nil }
        let digits = previous.trimmingCharacters(in: CharacterSet(charactersIn: " ,"))
        guard let n = Int(digits), !digits.isEmpty else { return nil }
        return " \(n + 1),"
    }

    /// The tiny model's log-probability of `token` after `previous`: −0.05 for the predicted
    /// token (comma optional), else a hash of both in (−8, −2].
    public static func modelLogprob(previous: String?, token: String) -> Double {
        if let p = predictedToken(after: previous), p == token || String(p.dropLast()) == token { return -0.05 }
        return -2 - Double(StableHash.fnv1a64(["lm", previous ?? "<s>", token]) % 6000) / 1000
    }

    static func completion(_ body: JSONValue, model: String, mode: ScriptedLLMServer.PromptLogprobs) -> (Int, JSONValue) {
        guard let prompt = body["prompt"]?.stringValue else { return error(400, "missing 'prompt' (a string)") }
        let echo = body["echo"]?.boolValue ?? false
        let k = body["logprobs"]?.intValue
        let maxTokens = body["max_tokens"]?.intValue ?? 16
        let seed = body["seed"]?.intValue
        let temperature = body["temperature"]?.doubleValue
        let continuation = tokens(" and then \(tag(prompt: prompt, seed: seed, temperature: temperature)) continues the text")
        let generated = Array(continuation.prefix(maxTokens))
        let promptTokens = tokens(prompt)
        var text = generated.joined()
        if echo { text = prompt + text }
        var choice: JSONObject = ["index": .int(0), "text": .string(text)]
        if let k, mode != .none {
            let all = (echo ? promptTokens : []) + generated
            let first = echo ? 0 : promptTokens.count
            var values: [JSONValue] = []
            var tops: [JSONValue] = []
            var offsets: [JSONValue] = []
            var offset = echo ? 0 : prompt.unicodeScalars.count
            let context = promptTokens + generated
            for (i, t) in all.enumerated() {
                let position = first + i
                offsets.append(.int(offset))
                offset += t.unicodeScalars.count
                let previous = position > 0 ? context[position - 1] : nil
                let lp: Double
                var top: JSONObject
                switch mode {
                case .hashed, .none:
                    if echo && i == 0 {
                        values.append(.null)
                        tops.append(.null)
                        continue
                    }
                    lp = logprob(t, position: i)
                    top = [t: .double(lp)]
                    for j in 0..<max(0, k - 1) { top["alt\(j)"] = .double(lp - 1 - Double(j)) }
                case .aligned:
                    if echo && i == 0 {
                        values.append(.null)
                        tops.append(.null)
                        continue
                    }
                    lp = modelLogprob(previous: previous, token: t)
                    top = alternatives(after: previous, k: k)
                case .shiftedByOne:
                    // The distribution after token i, read at token i (llama-cpp-python 0.3.36).
                    lp = modelLogprob(previous: t, token: t)
                    top = alternatives(after: t, k: k)
                }
                values.append(.double(lp))
                tops.append(.object(top))
            }
            choice["logprobs"] = .object([
                "tokens": .array(all.map { .string($0) }), "token_logprobs": .array(values),
                "top_logprobs": .array(tops), "text_offset": .array(offsets)
            ])
        } else {
            choice["logprobs"] = .null
        }
        choice["finish_reason"] = .string(generated.count < continuation.count ? "length" : "stop")
        return (
            200,
            .object([
                "id": .string("cmpl-\(tag(prompt: prompt, seed: seed, temperature: temperature))"), "object": .string("text_completion"),
                "created": .int(0), "model": .string(model), "choices": .array([.object(choice)]),
                "usage": .object([
                    "prompt_tokens": .int(promptTokens.count), "completion_tokens": .int(generated.count),
                    "total_tokens": .int(promptTokens.count + generated.count)
                ])
            ])
        )
    }

    /// The tiny model's `k` most likely tokens after `previous`, best first.
    static func alternatives(after previous: String?, k: Int) -> JSONObject {
        var top = JSONObject()
        var next = -2.0
        if let p = predictedToken(after: previous) {
            top[p] = .double(-0.05)
        }
        var j = 0
        while top.count < k {
            top["alt\(j)"] = .double(next)
            next -= 1
            j += 1
        }
        return top
    }

    /// The unit vector the server gives `text` (dimension 8).
    public static func embedding(_ text: String) -> [Double] {
        var v = (0..<8).map { i in Double(Int(StableHash.fnv1a64([text, String(i)]) % 2001) - 1000) / 1000 }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { v = v.map { $0 / norm } }
        return v
    }

    static func embeddings(_ body: JSONValue, model: String) -> (Int, JSONValue) {
        var inputs: [String] = []
        if let s = body["input"]?.stringValue {
            inputs = [s]
        } else if let a = body["input"]?.arrayValue {
            inputs = a.compactMap(\.stringValue)
        }
        guard !inputs.isEmpty else { return error(400, "missing 'input'") }
        let data: [JSONValue] = inputs.enumerated().map { i, t in
            .object(["object": .string("embedding"), "index": .int(i), "embedding": .array(embedding(t).map { .double($0) })])
        }
        let tokens = inputs.reduce(0) { $0 + wordCount($1) }
        return (
            200,
            .object([
                "object": .string("list"), "data": .array(data), "model": .string(model),
                "usage": .object(["prompt_tokens": .int(tokens), "total_tokens": .int(tokens)])
            ])
        )
    }
}
