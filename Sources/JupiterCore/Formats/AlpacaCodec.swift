/// The Alpaca JSON shape: `{"instruction","input","output","system"?,"history"?}`.
///
/// Read as: an optional system turn; each `history` entry (`[prompt, answer]`) as a user and an
/// assistant turn; then a user turn of `instruction` joined to `input` by a blank line (when
/// `input` is not empty) and an assistant turn of `output` (a leading `<think>…</think>` is its
/// reasoning). Written back with the whole prompt in `instruction` and `input` empty; only
/// conversations of alternating user/assistant turns (after an optional system turn) without
/// tool calls can be written.
public enum AlpacaCodec {
    /// Decodes one Alpaca record.
    public static func decode(_ object: JSONObject, fallbackID: String, origin: Origin) throws(RecordDecodingError)
        -> Conversation
    {
        var o = object
        let (id, lineage) = try RecordEnvelope.take(&o, fallbackID: fallbackID, origin: origin)
        let instruction = try RecordEnvelope.requiredString(&o, "instruction")
        let input = try RecordEnvelope.optionalString(&o, "input") ?? ""
        let output = try RecordEnvelope.requiredString(&o, "output")
        var messages: [Message] = []
        if let system = try RecordEnvelope.optionalString(&o, "system"), !system.isEmpty {
            messages.append(Message(role: .system, content: system))
        }
        if let h = o.removeValue(forKey: "history"), !h.isNull {
            guard case .array(let pairs) = h else { throw .wrongType("history", expected: "array", found: h) }
            for (i, pair) in pairs.enumerated() {
                guard case .array(let two) = pair, two.count == 2,
                    case .string(let prompt) = two[0], case .string(let answer) = two[1]
                else { throw RecordDecodingError("field \"history[\(i)]\": expected [prompt, answer] strings") }
                messages.append(Message(role: .user, content: prompt))
                messages.append(RecordEnvelope.assistant(answer))
            }
        }
        messages.append(Message(role: .user, content: input.isEmpty ? instruction : instruction + "\n\n" + input))
        messages.append(RecordEnvelope.assistant(output))
        let metadata = try RecordEnvelope.metadata(&o)
        return Conversation(id: id, messages: messages, metadata: metadata, extra: o, lineage: lineage)
    }

    /// Encodes a conversation in Alpaca form, or explains why it cannot be.
    public static func encode(_ c: Conversation, includeLineage: Bool) throws(RecordWriteError) -> JSONValue {
        var turns = c.messages[...]
        var system: String?
        if let first = turns.first, first.role == .system {
            system = first.content
            turns = turns.dropFirst()
        }
        guard !turns.isEmpty, turns.count % 2 == 0 else {
            throw RecordWriteError("conversation \(c.id): alpaca needs alternating user/assistant turns ending with an assistant turn")
        }
        var pairs: [(String, String)] = []
        var i = turns.startIndex
        while i < turns.endIndex {
            let u = turns[i], a = turns[i + 1]
            guard u.role == .user, a.role == .assistant else {
                throw RecordWriteError(
                    "conversation \(c.id): alpaca needs alternating user/assistant turns, found \(u.role.rawValue) then \(a.role.rawValue)")
            }
            guard a.toolCalls.isEmpty else {
                throw RecordWriteError("conversation \(c.id): alpaca cannot hold tool calls")
            }
            pairs.append((u.content, RecordEnvelope.inlineReasoning(a)))
            i += 2
        }
        let last = pairs.removeLast()
        var o: JSONObject = [
            "id": .string(c.id), "instruction": .string(last.0), "input": .string(""),
            "output": .string(last.1)
        ]
        if let system { o["system"] = .string(system) }
        if !pairs.isEmpty { o["history"] = .array(pairs.map { .array([.string($0.0), .string($0.1)]) }) }
        if c.tools != nil { throw RecordWriteError("conversation \(c.id): alpaca cannot hold tool schemas") }
        RecordEnvelope.finish(&o, metadata: c.metadata, extra: c.extra, lineage: includeLineage ? c.lineage : nil)
        return .object(o)
    }
}

/// Decoder for Alpaca JSONL.
public struct AlpacaDecoder: UnitDecoder {
    /// Creates a decoder.
    public init() {}
    /// Decodes one line.
    public func decode(_ unit: SourceUnit, file: String) throws(RecordDecodingError) -> Record? {
        guard let o = try RecordEnvelope.object(unit) else { return nil }
        return .conversation(
            try AlpacaCodec.decode(
                o, fallbackID: JSONLUnit.fallbackID(file: file, line: unit.line),
                origin: Origin(file: file, line: unit.line)))
    }
}
