import JupiterCore
import JupiterTokenize

/// Turns a mixture record into one line of a shard. Training files hold what trainers read and
/// nothing else: `id` and `dataset` (to find the record, and its full lineage, in
/// `datasets/<dataset>/kept.jsonl.gz`) and the conversation in the chosen format.
struct MixExport {
    let format: MixFormat
    let template: ChatTemplate?

    /// Why a record cannot be exported.
    struct Failure: Error { var message: String }

    func line(_ record: Record, dataset: String) throws(Failure) -> [UInt8] {
        guard case .conversation(let c) = record else {
            throw Failure(message: "record \(record.id) is a \(record.kind.rawValue), not a conversation")
        }
        var o: JSONObject = ["id": .string(c.id), "dataset": .string(dataset)]
        switch format {
        case .messages:
            o["messages"] = .array(c.messages.map(NativeCodec.encodeMessage))
            if let tools = c.tools { o["tools"] = .array(tools) }
        case .sharegpt:
            guard case .object(let s) = ShareGPTCodec.encode(c, includeLineage: false) else {
                throw Failure(message: "record \(c.id): cannot be written as ShareGPT")
            }
            for e in s.entries where e.key != "id" { o[e.key] = e.value }
        case .text:
            guard let template else { throw Failure(message: "format 'text' needs a chat template") }
            let rendered: RenderedConversation
            do { rendered = try template.render(c) } catch {
                throw Failure(message: "record \(c.id): the chat template failed: \(error)")
            }
            o["text"] = .string(rendered.text)
            o["assistant_spans"] = .array(
                rendered.assistantSpans.map {
                    .array([.int($0.scalars.lowerBound), .int($0.scalars.upperBound)])
                })
        }
        var out: [UInt8] = []
        JSONWriter.write(.object(o), into: &out)
        out.append(0x0A)
        return out
    }
}
