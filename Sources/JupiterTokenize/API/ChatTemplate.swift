import Foundation
import JupiterCore

/// A model's chat template (the Jinja `chat_template` of `tokenizer_config.json`), rendered the
/// way Hugging Face `transformers` renders it: jinja2 with `trim_blocks`, `lstrip_blocks`, an
/// immutable sandbox, `raise_exception`, `strftime_now`, loop controls, `{% generation %}` and a
/// `tojson` that keeps non-ASCII text.
///
/// Messages reach the template as OpenAI-style dicts: `role`, `content`, `reasoning_content`
/// (only when reasoning is on), `tool_calls` (with `function.arguments` parsed from JSON into a
/// mapping when it is valid JSON), `tool_call_id`, `name`, plus any extra fields the message kept.
public struct ChatTemplate: Sendable {
    /// The template source.
    public let source: String
    /// `bos_token` passed to the template.
    public var bosToken: String?
    /// `eos_token` passed to the template.
    public var eosToken: String?
    let parsed: ParsedTemplate

    final class ParsedTemplate: @unchecked Sendable {
        // Immutable after parsing; rendering never mutates nodes.
        let nodes: [JinjaNode]
        let hasGeneration: Bool
        init(_ nodes: [JinjaNode], hasGeneration: Bool) {
            self.nodes = nodes
            self.hasGeneration = hasGeneration
        }
    }

    /// Compiles a template.
    public init(source: String, bosToken: String? = nil, eosToken: String? = nil) throws(TemplateError) {
        self.source = source
        self.bosToken = bosToken
        self.eosToken = eosToken
        let nodes = try JinjaParser.parse(source)
        parsed = ParsedTemplate(nodes, hasGeneration: ChatTemplate.containsGeneration(nodes))
    }

    /// Loads the chat template from a `tokenizer_config.json` (a file, or a directory holding
    /// one). A list of named templates picks `name` (default `"default"`). To find a model
    /// folder's template wherever it is kept (`chat_template.jinja` too), use
    /// ``find(inModelFolder:name:)``.
    public init(tokenizerConfig path: String, name: String = "default") throws(TokenizerError) {
        var file = path
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            file = (path as NSString).appendingPathComponent("tokenizer_config.json")
        }
        let config = try TokenizerConfig(file: file)
        guard let (source, _) = try config.chatTemplate(name: name) else {
            throw TokenizerError(.invalidValue, path: "$.chat_template", "missing chat_template", file: file)
        }
        self = try ChatTemplate.compile(source, config: config, file: file, path: "$.chat_template")
    }

    /// Compiles `source` with the special tokens of `config`; a syntax error names the file.
    static func compile(_ source: String, config: TokenizerConfig?, file: String, path: String) throws(TokenizerError) -> ChatTemplate {
        do {
            return try ChatTemplate(
                source: source, bosToken: config?.specialToken("bos_token"),
                eosToken: config?.specialToken("eos_token"))
        } catch {
            throw TokenizerError(.invalidValue, path: path, error.description, file: file)
        }
    }

    static func containsGeneration(_ nodes: [JinjaNode]) -> Bool {
        for n in nodes {
            switch n {
            case .generation: return true
            case .ifNode(let branches, let e):
                if branches.contains(where: { containsGeneration($0.1) }) || containsGeneration(e) { return true }
            case .forNode(_, _, _, let b, let e, _): if containsGeneration(b) || containsGeneration(e) { return true }
            case .macro(let m): if containsGeneration(m.body) { return true }
            case .setBlock(_, let b), .filterBlock(_, _, let b, _): if containsGeneration(b) { return true }
            default: break
            }
        }
        return false
    }

    /// The template's dict for one message.
    public static func messageValue(_ m: Message) -> JSONValue {
        var o: JSONObject = ["role": .string(m.role.rawValue), "content": .string(m.content)]
        if let r = m.reasoning { o["reasoning_content"] = .string(r) }
        if !m.toolCalls.isEmpty {
            o["tool_calls"] = .array(
                m.toolCalls.map { call in
                    var c: JSONObject = [:]
                    if let id = call.id { c["id"] = .string(id) }
                    c["type"] = .string("function")
                    var args: JSONValue = .string(call.arguments)
                    if let parsed = try? JSONParser.parse(call.arguments), case .object = parsed { args = parsed }
                    c["function"] = .object(["name": .string(call.name), "arguments": args])
                    return .object(c)
                })
        }
        if let id = m.toolCallID { o["tool_call_id"] = .string(id) }
        if let n = m.name { o["name"] = .string(n) }
        for e in m.extra.entries where o[e.key] == nil { o[e.key] = e.value }
        return .object(o)
    }

    /// Renders a conversation and finds the character spans of its assistant turns.
    ///
    /// Spans come from the template's `{% generation %}` blocks when it has them. Otherwise each
    /// assistant turn's span is the text rendering through that turn adds to rendering up to it,
    /// starting where that text first differs from the generation prompt (so the
    /// `<|im_start|>assistant` header is outside the span and the end-of-turn token inside).
    /// That needs the template to render earlier turns the same whatever follows; when it does
    /// not, an error says so rather than returning wrong spans.
    public func render(
        _ conversation: Conversation, addGenerationPrompt: Bool = false,
        extra: JSONObject = JSONObject(), now: Date = Date()
    ) throws(TemplateError) -> RenderedConversation {
        let messages = conversation.messages.map(ChatTemplate.messageValue)
        do throws(TemplateError) {
            let (text, generation) = try renderRaw(
                messages: messages, tools: conversation.tools,
                addGenerationPrompt: addGenerationPrompt, extra: extra, now: now)
            let assistantIndices = conversation.messages.indices.filter { conversation.messages[$0].role == .assistant }
            var spans: [AssistantSpan] = []
            if parsed.hasGeneration {
                for (k, r) in generation.enumerated() {
                    spans.append(AssistantSpan(messageIndex: k < assistantIndices.count ? assistantIndices[k] : -1, scalars: r, in: text))
                }
            } else {
                let full = Array(text.unicodeScalars)
                for i in assistantIndices {
                    let upto = try renderRaw(
                        messages: Array(messages[..<i]), tools: conversation.tools,
                        addGenerationPrompt: false, extra: extra, now: now
                    ).0
                    let prompt = try renderRaw(
                        messages: Array(messages[..<i]), tools: conversation.tools,
                        addGenerationPrompt: true, extra: extra, now: now
                    ).0
                    let through = try renderRaw(
                        messages: Array(messages[...i]), tools: conversation.tools,
                        addGenerationPrompt: false, extra: extra, now: now
                    ).0
                    let u = Array(upto.unicodeScalars), p = Array(prompt.unicodeScalars), t = Array(through.unicodeScalars)
                    guard t.starts(with: u), full.starts(with: t) else {
                        throw TemplateError(
                            .runtime,
                            "cannot find the span of assistant message \(i): the template does not render earlier turns the same whatever follows (add {% generation %} blocks to it)"
                        )
                    }
                    // The span starts where the turn's text first differs from the generation prompt.
                    var start = u.count
                    while start < p.count, start < t.count, p[start] == t[start] { start += 1 }
                    spans.append(AssistantSpan(messageIndex: i, scalars: start..<t.count, in: text))
                }
            }
            return RenderedConversation(text: text, assistantSpans: spans)
        } catch {
            var e = error
            e.conversationID = conversation.id
            throw e
        }
    }

    /// Renders raw template inputs (OpenAI-style message dicts); returns the text and the scalar
    /// ranges of `{% generation %}` blocks.
    public func render(
        messages: [JSONValue], tools: [JSONValue]? = nil, addGenerationPrompt: Bool = false,
        extra: JSONObject = JSONObject(), now: Date = Date()
    ) throws(TemplateError) -> String {
        try renderRaw(messages: messages, tools: tools, addGenerationPrompt: addGenerationPrompt, extra: extra, now: now).0
    }

    func renderRaw(
        messages: [JSONValue], tools: [JSONValue]?, addGenerationPrompt: Bool, extra: JSONObject,
        now: Date
    ) throws(TemplateError) -> (String, [Range<Int>]) {
        var globals: [String: JinjaValue] = [
            "raise_exception": .builtin("raise_exception"), "range": .builtin("range"),
            "namespace": .builtin("namespace"), "dict": .builtin("dict"), "strftime_now": .builtin("strftime_now")
        ]
        globals["messages"] = .list(messages.map(JinjaValue.init(json:)))
        globals["tools"] = tools.map { .list($0.map(JinjaValue.init(json:))) } ?? JinjaValue.none
        globals["add_generation_prompt"] = .bool(addGenerationPrompt)
        if let b = bosToken { globals["bos_token"] = .string(b) }
        if let e = eosToken { globals["eos_token"] = .string(e) }
        for e in extra.entries { globals[e.key] = JinjaValue(json: e.value) }
        let interp = JinjaInterpreter(globals: globals, now: now)
        let flow = try interp.render(parsed.nodes)
        if flow != .normal { throw TemplateError(.syntax, "'break' or 'continue' outside a loop") }
        return (interp.out, interp.generationSpans)
    }
}

/// A rendered conversation: the text and where the assistant turns are in it.
public struct RenderedConversation: Sendable, Equatable {
    /// The rendered text.
    public var text: String
    /// The assistant turns' spans, in order (for assistant-only loss masks).
    public var assistantSpans: [AssistantSpan]
}

/// Where one assistant turn is in a rendered conversation.
public struct AssistantSpan: Sendable, Equatable {
    /// Index of the message in the conversation (-1 when a generation block had no matching turn).
    public var messageIndex: Int
    /// Range in Unicode scalars (= Python string indices).
    public var scalars: Range<Int>
    /// Range in UTF-8 bytes.
    public var utf8: Range<Int>

    init(messageIndex: Int, scalars: Range<Int>, in text: String) {
        self.messageIndex = messageIndex
        self.scalars = scalars
        var bytes = 0, lo = 0, hi = 0, k = 0
        for u in text.unicodeScalars {
            if k == scalars.lowerBound { lo = bytes }
            if k == scalars.upperBound { hi = bytes }
            bytes += UTF8.width(u)
            k += 1
        }
        if scalars.lowerBound >= k { lo = bytes }
        if scalars.upperBound >= k { hi = bytes }
        utf8 = lo..<hi
    }

    /// The span's text.
    public func text(in rendered: String) -> String {
        let u = Array(rendered.utf8)
        return String(decoding: u[utf8.clamped(to: 0..<u.count)], as: UTF8.self)
    }
}
