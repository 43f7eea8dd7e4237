import JupiterCore

/// A model response made ready for scoring: reasoning taken out of the answer and measured apart.
///
/// Scorers see only ``answer``. Reasoning comes from the response's separate `reasoning_content`
/// field, or from an inline block `<think>…</think>` at the start of the content (leading
/// whitespace allowed), which is removed with the whitespace after it. A leading `<think>` that is
/// never closed (generation stopped inside the reasoning) makes the whole content reasoning and
/// the answer empty. When both are present, the separate field and the inline block are joined
/// (field first) for ``reasoning``.
public struct ScorableResponse: Sendable, Hashable {
    /// The answer the scorers see.
    public var answer: String
    /// The reasoning trace, `nil` when there was none.
    public var reasoning: String?
    /// Length of the reasoning in Unicode code points (0 without reasoning).
    public var reasoningLength: Int { reasoning?.unicodeScalars.count ?? 0 }

    /// Splits a response's `content` (and optional `reasoning_content`).
    public init(content: String, reasoningContent: String? = nil) {
        var reasoningParts: [String] = []
        if let r = Message.normaliseReasoning(reasoningContent) { reasoningParts.append(r) }
        let (inline, rest) = Message.splitInlineReasoning(content)
        var answer = rest
        if let inline {
            reasoningParts.append(inline)
        } else if rest == content {
            // An unclosed leading <think>: everything is reasoning.
            let trimmed = content.drop(while: { $0.unicodeScalars.allSatisfy { $0.properties.isWhitespace } })
            if trimmed.hasPrefix("<think>") {
                if let r = Message.normaliseReasoning(String(trimmed.dropFirst(7))) { reasoningParts.append(r) }
                answer = ""
            }
        }
        self.answer = answer
        self.reasoning = reasoningParts.isEmpty ? nil : reasoningParts.joined(separator: "\n")
    }

    /// A response with no reasoning.
    public init(answer: String) {
        self.answer = answer
        self.reasoning = nil
    }
}
