/// The JSON shape Jupiter writes each record kind in (and reads back), chosen to be what
/// Hugging Face tooling already reads:
///
/// | kind | shape |
/// |---|---|
/// | conversation | OpenAI chat: `{"id","messages":[{"role","content","reasoning_content"?,"tool_calls"?,"tool_call_id"?,"name"?}],"tools"?,"metadata"?}` |
/// | pair | HF translation: `{"id","translation":{"en":…,"cy":…},"metadata"?}` (key order = direction) |
/// | document | `{"id","text","metadata"?}` |
/// | norm | a CultureBank row with its own column names |
/// | eval | OpenAI evals: `{"input":[messages],"ideal":…}` |
///
/// Every written record also carries `"lineage"`. Reasoning is written as `reasoning_content`
/// (absent = reasoning off).
public enum NativeCodec {
    // MARK: Encoding

    /// The JSON form of a record (including its lineage when `includeLineage`).
    public static func encode(_ record: Record, includeLineage: Bool = true) -> JSONValue {
        var o: JSONObject
        switch record {
        case .conversation(let c):
            o = ["id": .string(c.id), "messages": .array(c.messages.map(encodeMessage))]
            if let tools = c.tools { o["tools"] = .array(tools) }
            if !c.metadata.isEmpty { o["metadata"] = .object(c.metadata) }
            o.entries.append(contentsOf: c.extra.entries)
        case .pair(let p):
            o = [
                "id": .string(p.id),
                "translation": .object([p.sourceLanguage: .string(p.source), p.targetLanguage: .string(p.target)])
            ]
            if !p.metadata.isEmpty { o["metadata"] = .object(p.metadata) }
        case .document(let d):
            o = ["id": .string(d.id), "text": .string(d.text)]
            if !d.metadata.isEmpty { o["metadata"] = .object(d.metadata) }
            o.entries.append(contentsOf: d.extra.entries)
        case .norm(let n):
            o = encodeNorm(n)
        case .eval(let e):
            o = ["id": .string(e.id), "input": .array(e.input.map(encodeMessage))]
            o["ideal"] = e.idealIsList || e.ideal.count != 1 ? .array(e.ideal.map { .string($0) }) : .string(e.ideal[0])
            o.entries.append(contentsOf: e.extra.entries)
        }
        if includeLineage { o["lineage"] = record.lineage.json }
        return .object(o)
    }

    /// The CultureBank column names, in the dataset's order, with the field each maps to.
    nonisolated(unsafe) public static let cultureBankColumns: [(column: String, keyPath: WritableKeyPath<CultureNorm, String>)] = [
        ("cultural group", \.culturalGroup), ("context", \.context), ("goal", \.goal), ("relation", \.relation),
        ("actor", \.actor), ("actor_behavior", \.actorBehavior), ("recipient", \.recipient),
        ("recipient_behavior", \.recipientBehavior), ("other_descriptions", \.otherDescriptions), ("topic", \.topic)
    ]

    static func encodeNorm(_ n: CultureNorm) -> JSONObject {
        var o: JSONObject = ["id": .string(n.id)]
        for (column, kp) in cultureBankColumns { o[column] = .string(n[keyPath: kp]) }
        o["agreement"] = n.agreement.map { JSONValue.double($0) } ?? .null
        o.entries.append(contentsOf: n.extra.entries)
        return o
    }

    /// The OpenAI chat form of one message.
    public static func encodeMessage(_ m: Message) -> JSONValue {
        var o: JSONObject = ["role": .string(m.role.rawValue), "content": .string(m.content)]
        if let r = m.reasoning { o["reasoning_content"] = .string(r) }
        if !m.toolCalls.isEmpty {
            o["tool_calls"] = .array(
                m.toolCalls.map { call in
                    var c: JSONObject = [:]
                    if let id = call.id { c["id"] = .string(id) }
                    c["type"] = .string("function")
                    c["function"] = .object(["name": .string(call.name), "arguments": .string(call.arguments)])
                    return .object(c)
                })
        }
        if let id = m.toolCallID { o["tool_call_id"] = .string(id) }
        if let name = m.name { o["name"] = .string(name) }
        o.entries.append(contentsOf: m.extra.entries)
        return .object(o)
    }

    // MARK: Decoding

    /// Decodes a record of the given kind from its JSON form. `fallbackID` and `origin` are used
    /// when the record carries no `id` / `lineage` of its own.
    public static func decode(_ value: JSONValue, as kind: RecordKind, fallbackID: String, origin: Origin)
        throws(RecordDecodingError) -> Record
    {
        guard case .object(var o) = value else {
            throw RecordDecodingError("expected a JSON object, found \(value.typeName)")
        }
        let (id, lineage) = try RecordEnvelope.take(&o, fallbackID: fallbackID, origin: origin)
        switch kind {
        case .conversation:
            guard let raw = o.removeValue(forKey: "messages") else { throw .missing("messages") }
            guard case .array(let items) = raw else { throw .wrongType("messages", expected: "array", found: raw) }
            var messages: [Message] = []
            messages.reserveCapacity(items.count)
            for (i, item) in items.enumerated() { messages.append(try decodeMessage(item, path: "messages[\(i)]")) }
            var tools: [JSONValue]?
            if let t = o.removeValue(forKey: "tools"), !t.isNull {
                guard case .array(let a) = t else { throw .wrongType("tools", expected: "array", found: t) }
                tools = a
            }
            let metadata = try metadataField(&o)
            return .conversation(
                Conversation(
                    id: id, messages: messages, tools: tools, metadata: metadata, extra: o,
                    lineage: lineage))
        case .pair:
            guard let raw = o.removeValue(forKey: "translation") else { throw .missing("translation") }
            guard case .object(let t) = raw else { throw .wrongType("translation", expected: "object", found: raw) }
            guard t.count == 2 else {
                throw RecordDecodingError("field \"translation\": expected exactly 2 languages, found \(t.count)")
            }
            var texts: [String] = []
            for e in t.entries {
                guard case .string(let s) = e.value else {
                    throw .wrongType("translation.\(e.key)", expected: "string", found: e.value)
                }
                texts.append(s)
            }
            let metadata = try metadataField(&o)
            return .pair(
                ParallelPair(
                    id: id, sourceLanguage: t.entries[0].key, targetLanguage: t.entries[1].key,
                    source: texts[0], target: texts[1], metadata: metadata, lineage: lineage))
        case .document:
            guard let raw = o.removeValue(forKey: "text") else { throw .missing("text") }
            guard case .string(let text) = raw else { throw .wrongType("text", expected: "string", found: raw) }
            let metadata = try metadataField(&o)
            return .document(Document(id: id, text: text, metadata: metadata, extra: o, lineage: lineage))
        case .norm:
            return .norm(try decodeNorm(o, id: id, lineage: lineage))
        case .eval:
            guard let raw = o.removeValue(forKey: "input") else { throw .missing("input") }
            var input: [Message] = []
            switch raw {
            case .array(let items):
                for (i, item) in items.enumerated() { input.append(try decodeMessage(item, path: "input[\(i)]")) }
            case .string(let s):
                input = [Message(role: .user, content: s)]
            default:
                throw .wrongType("input", expected: "array of messages or string", found: raw)
            }
            guard let idealRaw = o.removeValue(forKey: "ideal") else { throw .missing("ideal") }
            var ideal: [String]
            var isList = false
            switch idealRaw {
            case .string(let s): ideal = [s]
            case .array(let a):
                isList = true
                ideal = []
                for v in a {
                    guard case .string(let s) = v else { throw .wrongType("ideal[]", expected: "string", found: v) }
                    ideal.append(s)
                }
            default: throw .wrongType("ideal", expected: "string or array of strings", found: idealRaw)
            }
            return .eval(EvalItem(id: id, input: input, ideal: ideal, idealIsList: isList, extra: o, lineage: lineage))
        }
    }

    /// Normalises a column name for matching: lower case, spaces and hyphens as underscores.
    public static func normaliseColumn(_ name: String) -> String {
        String(name.trimmingWhitespace().lowercased().map { $0 == " " || $0 == "-" ? "_" : $0 })
    }

    /// Builds a CultureBank norm from a row object (JSONL row or CSV row as strings).
    public static func decodeNorm(_ row: JSONObject, id: String, lineage: Lineage) throws(RecordDecodingError)
        -> CultureNorm
    {
        var norm = CultureNorm(id: id, lineage: lineage)
        var known = Set<String>()
        var sawAny = false
        for (column, kp) in cultureBankColumns {
            let key = normaliseColumn(column)
            known.insert(key)
            guard let entry = row.entries.first(where: { normaliseColumn($0.key) == key }) else { continue }
            switch entry.value {
            case .string(let s): norm[keyPath: kp] = s; sawAny = true
            case .null: break
            case .number(let n): norm[keyPath: kp] = n; sawAny = true
            default: throw .wrongType(column, expected: "string", found: entry.value)
            }
        }
        guard sawAny else {
            throw RecordDecodingError("no CultureBank columns found (expected e.g. \"cultural group\", \"actor_behavior\")")
        }
        known.insert("agreement")
        if let a = row.entries.first(where: { normaliseColumn($0.key) == "agreement" })?.value {
            switch a {
            case .null: break
            case .number: norm.agreement = a.doubleValue
            case .string(let s) where s.trimmingWhitespace().isEmpty: break
            case .string(let s):
                guard let d = Double(s.trimmingWhitespace()) else {
                    throw RecordDecodingError("field \"agreement\": not a number: \"\(s.prefix(40))\"")
                }
                norm.agreement = d
            default: throw .wrongType("agreement", expected: "number", found: a)
            }
        }
        norm.extra = JSONObject(row.entries.filter { !known.contains(normaliseColumn($0.key)) && $0.key != "id" })
        return norm
    }

    static func idField(_ o: inout JSONObject) throws(RecordDecodingError) -> String? {
        guard let raw = o.removeValue(forKey: "id") else { return nil }
        switch raw {
        case .string(let s): return s
        case .number(let n): return n
        case .null: return nil
        default: throw .wrongType("id", expected: "string", found: raw)
        }
    }

    static func metadataField(_ o: inout JSONObject) throws(RecordDecodingError) -> JSONObject {
        guard let raw = o.removeValue(forKey: "metadata") else { return JSONObject() }
        switch raw {
        case .object(let m): return m
        case .null: return JSONObject()
        default: throw .wrongType("metadata", expected: "object", found: raw)
        }
    }

    /// Decodes one OpenAI chat message. Reasoning comes from `reasoning_content` (or `reasoning`),
    /// else from a leading inline `<think>…</think>` block in `content`. `content` may be a
    /// string, null (assistant turns with tool calls) or a list of `{"type":"text","text":…}` parts.
    public static func decodeMessage(_ value: JSONValue, path: String) throws(RecordDecodingError) -> Message {
        guard case .object(var o) = value else { throw .wrongType(path, expected: "object", found: value) }
        guard let roleRaw = o.removeValue(forKey: "role") else { throw .missing("\(path).role") }
        guard case .string(let roleName) = roleRaw else { throw .wrongType("\(path).role", expected: "string", found: roleRaw) }
        guard let role = Role(alias: roleName) else {
            throw RecordDecodingError("\(path).role: unknown role \"\(roleName.prefix(40))\"")
        }
        var content = ""
        switch o.removeValue(forKey: "content") ?? .null {
        case .string(let s): content = s
        case .null: content = ""
        case .array(let parts):
            var texts: [String] = []
            for (i, part) in parts.enumerated() {
                guard let type = part["type"]?.stringValue else {
                    throw RecordDecodingError("\(path).content[\(i)]: content part without \"type\"")
                }
                guard type == "text", let t = part["text"]?.stringValue else {
                    throw RecordDecodingError("\(path).content[\(i)]: unsupported content part type \"\(type.prefix(40))\"")
                }
                texts.append(t)
            }
            content = texts.joined()
        case let other: throw .wrongType("\(path).content", expected: "string", found: other)
        }
        var reasoning: String?
        for key in ["reasoning_content", "reasoning"] {
            guard let r = o.removeValue(forKey: key) else { continue }
            switch r {
            case .string(let s): reasoning = reasoning ?? s
            case .null: break
            default: throw .wrongType("\(path).\(key)", expected: "string", found: r)
            }
        }
        if reasoning == nil, role == .assistant {
            let split = Message.splitInlineReasoning(content)
            if split.answer != content || split.reasoning != nil {
                reasoning = split.reasoning
                content = split.answer
            }
        }
        var toolCalls: [ToolCall] = []
        if let tc = o.removeValue(forKey: "tool_calls"), !tc.isNull {
            guard case .array(let calls) = tc else { throw .wrongType("\(path).tool_calls", expected: "array", found: tc) }
            for (i, call) in calls.enumerated() {
                let p = "\(path).tool_calls[\(i)]"
                guard let fn = call["function"]?.objectValue else { throw .missing("\(p).function") }
                guard let name = fn["name"]?.stringValue else { throw .missing("\(p).function.name") }
                let args: String
                switch fn["arguments"] ?? .string("{}") {
                case .string(let s): args = s
                case let structured: args = JSONWriter.string(structured)
                }
                toolCalls.append(ToolCall(id: call["id"]?.stringValue, name: name, arguments: args))
            }
        }
        var toolCallID: String?
        if let v = o.removeValue(forKey: "tool_call_id"), !v.isNull {
            guard case .string(let s) = v else { throw .wrongType("\(path).tool_call_id", expected: "string", found: v) }
            toolCallID = s
        }
        var name: String?
        if let v = o.removeValue(forKey: "name"), !v.isNull {
            guard case .string(let s) = v else { throw .wrongType("\(path).name", expected: "string", found: v) }
            name = s
        }
        return Message(
            role: role, content: content, reasoning: reasoning, toolCalls: toolCalls, toolCallID: toolCallID,
            name: name, extra: o)
    }

    /// Decodes a record of whatever kind its fields say (see ``detectKind(_:)``), as written by a
    /// run between steps and into `kept.jsonl.gz`.
    public static func decodeAnyKind(_ value: JSONValue, fallbackID: String, origin: Origin)
        throws(RecordDecodingError) -> Record
    {
        guard let kind = detectKind(value) else { throw RecordDecodingError("not a Jupiter record") }
        return try decode(value, as: kind, fallbackID: fallbackID, origin: origin)
    }

    /// Which record kind a parsed JSON object holds, by its fields; `nil` when it fits none.
    public static func detectKind(_ value: JSONValue) -> RecordKind? {
        guard case .object(let o) = value else { return nil }
        if o["messages"] != nil { return .conversation }
        if o["translation"] != nil { return .pair }
        if o["input"] != nil, o["ideal"] != nil { return .eval }
        if o["text"] != nil { return .document }
        let keys = Set(o.keys.map(normaliseColumn))
        if keys.contains("cultural_group") || keys.contains("actor_behavior") { return .norm }
        return nil
    }
}
