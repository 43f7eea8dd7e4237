/// The fields every JSONL record shape shares (`id`, `lineage`, `metadata`), read and written
/// the same way by every adapter.
enum RecordEnvelope {
    /// Parses a unit's JSON and requires an object; nil for a blank line.
    static func object(_ unit: SourceUnit) throws(RecordDecodingError) -> JSONObject? {
        guard let value = try JSONLUnit.parse(unit) else { return nil }
        guard case .object(let o) = value else {
            throw RecordDecodingError("expected a JSON object, found \(value.typeName)")
        }
        return o
    }

    /// Removes `lineage` and `id` from `o`: the record's lineage (or one from `origin`) and id
    /// (or `fallbackID`).
    static func take(_ o: inout JSONObject, fallbackID: String, origin: Origin) throws(RecordDecodingError)
        -> (id: String, lineage: Lineage)
    {
        let lineage: Lineage
        if let l = o.removeValue(forKey: "lineage") {
            guard let parsed = Lineage(json: l), !parsed.origins.isEmpty else {
                throw RecordDecodingError("field \"lineage\": malformed")
            }
            lineage = parsed
        } else {
            lineage = Lineage(origins: [origin])
        }
        let id = try NativeCodec.idField(&o) ?? fallbackID
        return (id, lineage)
    }

    /// Removes and returns `metadata` (an object, or absent/null).
    static func metadata(_ o: inout JSONObject) throws(RecordDecodingError) -> JSONObject {
        try NativeCodec.metadataField(&o)
    }

    /// Removes a required string field.
    static func requiredString(_ o: inout JSONObject, _ key: String, path: String? = nil) throws(RecordDecodingError)
        -> String
    {
        guard let raw = o.removeValue(forKey: key) else { throw .missing(path ?? key) }
        guard case .string(let s) = raw else { throw .wrongType(path ?? key, expected: "string", found: raw) }
        return s
    }

    /// Removes an optional string field (absent or null gives nil).
    static func optionalString(_ o: inout JSONObject, _ key: String, path: String? = nil) throws(RecordDecodingError)
        -> String?
    {
        guard let raw = o.removeValue(forKey: key) else { return nil }
        switch raw {
        case .string(let s): return s
        case .null: return nil
        default: throw .wrongType(path ?? key, expected: "string", found: raw)
        }
    }

    /// Appends `metadata`, extra fields and (optionally) lineage to an encoded record.
    static func finish(_ o: inout JSONObject, metadata: JSONObject, extra: JSONObject, lineage: Lineage?) {
        if !metadata.isEmpty { o["metadata"] = .object(metadata) }
        for e in extra.entries where o[e.key] == nil { o.entries.append(e) }
        if let lineage { o["lineage"] = lineage.json }
    }

    /// An assistant answer with its reasoning inline, as reasoning-model chat templates render it:
    /// `<think>\nREASONING\n</think>\n\nANSWER`; the answer alone when reasoning is off.
    static func inlineReasoning(_ m: Message) -> String {
        guard let r = m.reasoning else { return m.content }
        return "<think>\n" + r + "\n</think>\n\n" + m.content
    }

    /// Splits inline reasoning off an assistant answer (see ``Message/splitInlineReasoning(_:)``).
    static func assistant(_ text: String, extra: JSONObject = JSONObject()) -> Message {
        let split = Message.splitInlineReasoning(text)
        return Message(role: .assistant, content: split.answer, reasoning: split.reasoning, extra: extra)
    }
}
