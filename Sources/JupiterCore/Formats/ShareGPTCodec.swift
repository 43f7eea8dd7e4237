/// The ShareGPT JSON shape: `{"conversations":[{"from":…,"value":…}],"system"?,"tools"?}`.
///
/// Speakers: `human`/`user` → user; `gpt`/`assistant`/`model`/`chatgpt`/`bard`/`bing` →
/// assistant; `system` → system; `tool`/`function`/`observation`/`function_response`/`ipython` →
/// tool; `function_call`/`tool_call` → an assistant turn whose value is the call (`{"name",
/// "arguments"}` or a list of them, as LLaMA-Factory writes it). A leading `<think>…</think>` in
/// an assistant value is its reasoning. `tools` may be a JSON text (LLaMA-Factory) or an array;
/// bare function schemas are wrapped as OpenAI `{"type":"function","function":…}`.
///
/// Written back: system turns as `{"from":"system"}`, reasoning inline, tool calls as
/// `function_call` turns, tool results as `observation`, `tools` as a JSON text of bare
/// function schemas. Tool call ids are not representable and are dropped.
public enum ShareGPTCodec {
    /// Decodes one ShareGPT record.
    public static func decode(_ object: JSONObject, fallbackID: String, origin: Origin) throws(RecordDecodingError)
        -> Conversation
    {
        var o = object
        let (id, lineage) = try RecordEnvelope.take(&o, fallbackID: fallbackID, origin: origin)
        guard let raw = o.removeValue(forKey: "conversations") else { throw .missing("conversations") }
        guard case .array(let turns) = raw else { throw .wrongType("conversations", expected: "array", found: raw) }
        var messages: [Message] = []
        messages.reserveCapacity(turns.count + 1)
        if let system = try RecordEnvelope.optionalString(&o, "system"), !system.isEmpty {
            messages.append(Message(role: .system, content: system))
        }
        for (i, turn) in turns.enumerated() {
            messages.append(try decodeTurn(turn, path: "conversations[\(i)]"))
        }
        var tools: [JSONValue]?
        if let t = o.removeValue(forKey: "tools"), !t.isNull {
            tools = try decodeTools(t)
        }
        let metadata = try RecordEnvelope.metadata(&o)
        return Conversation(id: id, messages: messages, tools: tools, metadata: metadata, extra: o, lineage: lineage)
    }

    static func decodeTools(_ t: JSONValue) throws(RecordDecodingError) -> [JSONValue] {
        var value = t
        if case .string(let text) = t {
            if text.trimmingWhitespace().isEmpty { return [] }
            do { value = try JSONParser.parse(text) } catch {
                throw RecordDecodingError("field \"tools\": not valid JSON: \(error.description)")
            }
        }
        guard case .array(let items) = value else { throw .wrongType("tools", expected: "array", found: value) }
        var out: [JSONValue] = []
        for (i, item) in items.enumerated() {
            guard case .object(let schema) = item else { throw .wrongType("tools[\(i)]", expected: "object", found: item) }
            out.append(schema["type"] != nil ? item : .object(["type": .string("function"), "function": item]))
        }
        return out
    }

    static func decodeTurn(_ value: JSONValue, path: String) throws(RecordDecodingError) -> Message {
        guard case .object(var o) = value else { throw .wrongType(path, expected: "object", found: value) }
        let from = try RecordEnvelope.requiredString(&o, "from", path: "\(path).from")
        let text: String
        switch o.removeValue(forKey: "value") {
        case .string(let s)?: text = s
        case .null?: text = ""
        case let other?: throw .wrongType("\(path).value", expected: "string", found: other)
        case nil: throw .missing("\(path).value")
        }
        switch from.lowercased() {
        case "human", "user":
            return Message(role: .user, content: text, extra: o)
        case "gpt", "assistant", "model", "chatgpt", "bard", "bing":
            var reasoning: String?
            for key in ["reasoning_content", "reasoning"] {
                if let r = try RecordEnvelope.optionalString(&o, key, path: "\(path).\(key)") { reasoning = reasoning ?? r }
            }
            if let reasoning { return Message(role: .assistant, content: text, reasoning: reasoning, extra: o) }
            return RecordEnvelope.assistant(text, extra: o)
        case "system":
            return Message(role: .system, content: text, extra: o)
        case "tool", "function", "observation", "function_response", "ipython":
            return Message(role: .tool, content: text, extra: o)
        case "function_call", "tool_call":
            return Message(
                role: .assistant, content: "", toolCalls: try decodeCalls(text, path: "\(path).value"),
                extra: o)
        default:
            throw RecordDecodingError("\(path).from: unknown speaker \"\(from.prefix(40))\"")
        }
    }

    static func decodeCalls(_ text: String, path: String) throws(RecordDecodingError) -> [ToolCall] {
        let value: JSONValue
        do { value = try JSONParser.parse(text) } catch {
            throw RecordDecodingError("\(path): function call is not valid JSON: \(error.description)")
        }
        let items: [JSONValue]
        switch value {
        case .array(let a): items = a
        case .object: items = [value]
        default: throw .wrongType(path, expected: "function call object", found: value)
        }
        var calls: [ToolCall] = []
        for item in items {
            guard let name = item["name"]?.stringValue else { throw .missing("\(path).name") }
            let args: String
            switch item["arguments"] ?? .object([:]) {
            case .string(let s): args = s
            case let structured: args = JSONWriter.string(structured)
            }
            calls.append(ToolCall(id: item["id"]?.stringValue, name: name, arguments: args))
        }
        return calls
    }

    /// Encodes a conversation in ShareGPT form.
    public static func encode(_ c: Conversation, includeLineage: Bool) -> JSONValue {
        var turns: [JSONValue] = []
        for m in c.messages {
            func turn(_ from: String, _ value: String) -> JSONValue {
                var t: JSONObject = ["from": .string(from), "value": .string(value)]
                for e in m.extra.entries where t[e.key] == nil { t.entries.append(e) }
                return .object(t)
            }
            switch m.role {
            case .system: turns.append(turn("system", m.content))
            case .user: turns.append(turn("human", m.content))
            case .tool: turns.append(turn("observation", m.content))
            case .assistant:
                if m.toolCalls.isEmpty || !m.content.isEmpty || m.reasoning != nil {
                    turns.append(turn("gpt", RecordEnvelope.inlineReasoning(m)))
                }
                if !m.toolCalls.isEmpty {
                    let calls: [JSONValue] = m.toolCalls.map { call in
                        let args = (try? JSONParser.parse(call.arguments)) ?? .string(call.arguments)
                        return .object(["name": .string(call.name), "arguments": args])
                    }
                    turns.append(
                        .object([
                            "from": .string("function_call"),
                            "value": .string(JSONWriter.string(calls.count == 1 ? calls[0] : .array(calls)))
                        ]))
                }
            }
        }
        var o: JSONObject = ["id": .string(c.id), "conversations": .array(turns)]
        if let tools = c.tools {
            let bare: [JSONValue] = tools.map { tool in
                if tool["type"]?.stringValue == "function", let fn = tool["function"] { return fn }
                return tool
            }
            o["tools"] = .string(JSONWriter.string(.array(bare)))
        }
        RecordEnvelope.finish(&o, metadata: c.metadata, extra: c.extra, lineage: includeLineage ? c.lineage : nil)
        return .object(o)
    }
}

/// Decoder for ShareGPT JSONL.
public struct ShareGPTDecoder: UnitDecoder {
    /// Creates a decoder.
    public init() {}
    /// Decodes one line.
    public func decode(_ unit: SourceUnit, file: String) throws(RecordDecodingError) -> Record? {
        guard let o = try RecordEnvelope.object(unit) else { return nil }
        return .conversation(
            try ShareGPTCodec.decode(
                o, fallbackID: JSONLUnit.fallbackID(file: file, line: unit.line),
                origin: Origin(file: file, line: unit.line)))
    }
}
