/// Who speaks in a conversation turn.
public enum Role: String, Sendable, Hashable, CaseIterable, Codable {
    case system, user, assistant, tool
}

/// A function call made by an assistant turn (OpenAI `tool_calls` shape).
public struct ToolCall: Sendable, Hashable {
    /// Call id, referenced by the tool turn that answers it.
    public var id: String?
    /// Function name.
    public var name: String
    /// Arguments as a JSON text, as OpenAI sends them.
    public var arguments: String
    /// Creates a tool call.
    public init(id: String? = nil, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// One turn of a conversation.
///
/// Reasoning is kept apart from the answer. On assistant turns, `reasoning == nil` means the turn
/// was produced with **reasoning off**; a non-empty string means reasoning on, with that trace.
/// Readers normalise empty or whitespace-only traces (e.g. `<think></think>`) to `nil`, so a
/// Nemotron-3 style template can render `<think></think>` exactly for reasoning-off turns.
public struct Message: Sendable, Hashable {
    /// Speaker.
    public var role: Role
    /// The visible answer/content (never includes the reasoning).
    public var content: String
    /// Reasoning trace; `nil` = reasoning off.
    public var reasoning: String?
    /// Tool calls made by this (assistant) turn.
    public var toolCalls: [ToolCall]
    /// For tool turns: the id of the call being answered.
    public var toolCallID: String?
    /// Optional speaker or tool name.
    public var name: String?
    /// Extra fields of the source message, kept and written back unchanged.
    public var extra: JSONObject

    /// Creates a message.
    public init(
        role: Role, content: String, reasoning: String? = nil, toolCalls: [ToolCall] = [],
        toolCallID: String? = nil, name: String? = nil, extra: JSONObject = JSONObject()
    ) {
        self.role = role
        self.content = content
        self.reasoning = Message.normaliseReasoning(reasoning)
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
        self.name = name
        self.extra = extra
    }

    /// True when this turn carries a reasoning trace.
    public var reasoningOn: Bool { reasoning != nil }

    /// Empty or whitespace-only reasoning means reasoning off.
    public static func normaliseReasoning(_ r: String?) -> String? {
        guard let r, r.contains(where: { !$0.isWhitespace }) else { return nil }
        return r
    }

    /// Splits a leading `<think>…</think>` block off `content`: returns (reasoning, answer).
    /// Content without a leading think block is returned unchanged with `nil` reasoning.
    public static func splitInlineReasoning(_ content: String) -> (reasoning: String?, answer: String) {
        var rest = Substring(content)
        while let f = rest.first, f.isWhitespace { rest = rest.dropFirst() }
        guard rest.hasPrefix("<think>") else { return (nil, content) }
        let body = rest.dropFirst("<think>".count)
        guard let close = body.firstRange(of: "</think>") else { return (nil, content) }
        let reasoning = String(body[body.startIndex..<close.lowerBound])
        var answer = body[close.upperBound...]
        while let f = answer.first, f.isNewline || f == " " { answer = answer.dropFirst() }
        return (normaliseReasoning(reasoning.trimmingWhitespace()), String(answer))
    }
}

extension String {
    /// The string without leading and trailing whitespace and newlines (no Foundation needed).
    public func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
