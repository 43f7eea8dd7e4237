#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Who speaks in a conversation turn.
public enum Role: String, Sendable, Hashable, CaseIterable, Codable {
    case system, user, assistant, tool
}

extension Role {
    /// The role a source's `role` text names: the four names, and the aliases other chat formats
    /// use (`developer`; `human`; `gpt`, `model`; `function`, `ipython`). Nil for any other text.
    package init?(alias name: UnsafeBufferPointer<UInt8>) {
        if spells(name, "user") || spells(name, "human") {
            self = .user
        } else if spells(name, "assistant") || spells(name, "gpt") || spells(name, "model") {
            self = .assistant
        } else if spells(name, "system") || spells(name, "developer") {
            self = .system
        } else if spells(name, "tool") || spells(name, "function") || spells(name, "ipython") {
            self = .tool
        } else {
            return nil
        }
    }

    /// ``init(alias:)-(UnsafeBufferPointer<UInt8>)`` for a string.
    package init?(alias name: String) {
        var name = name
        guard let role = name.withUTF8({ Role(alias: $0) }) else { return nil }
        self = role
    }
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
    /// The fields most turns leave empty (tool calls, tool-call id, name, extra fields), in one
    /// shared box; nil when all are empty. Stored apart so that a message is three references:
    /// with seven stored fields, Swift 6.3's optimizer made each message in an explicit `init` and
    /// then copied and destroyed it whole (a retain and a release of every field: 6.9% of reading
    /// conversations on the JSONL bench, whose records hold about six messages), and arrays of
    /// messages were slower to copy and free.
    private var rare: Rare?

    /// Tool calls made by this (assistant) turn.
    public var toolCalls: [ToolCall] {
        get { rare?.toolCalls ?? [] }
        set { rare = Rare.make(newValue, toolCallID, name, extra) }
    }
    /// For tool turns: the id of the call being answered.
    public var toolCallID: String? {
        get { rare?.toolCallID }
        set { rare = Rare.make(toolCalls, newValue, name, extra) }
    }
    /// Optional speaker or tool name.
    public var name: String? {
        get { rare?.name }
        set { rare = Rare.make(toolCalls, toolCallID, newValue, extra) }
    }
    /// Extra fields of the source message, kept and written back unchanged.
    public var extra: JSONObject {
        get { rare?.extra ?? JSONObject() }
        set { rare = Rare.make(toolCalls, toolCallID, name, newValue) }
    }

    /// The rarely set fields, never changed in place (a setter makes a new box).
    private final class Rare: Sendable {
        let toolCalls: [ToolCall]
        let toolCallID: String?
        let name: String?
        let extra: JSONObject

        private init(_ toolCalls: [ToolCall], _ toolCallID: String?, _ name: String?, _ extra: JSONObject) {
            self.toolCalls = toolCalls
            self.toolCallID = toolCallID
            self.name = name
            self.extra = extra
        }

        /// A box of the fields, or nil when all are empty.
        static func make(_ toolCalls: [ToolCall], _ toolCallID: String?, _ name: String?, _ extra: JSONObject) -> Rare? {
            toolCalls.isEmpty && toolCallID == nil && name == nil && extra.entries.isEmpty
                ? nil : Rare(toolCalls, toolCallID, name, extra)
        }
    }

    /// Creates a message.
    public init(
        role: Role, content: String, reasoning: String? = nil, toolCalls: [ToolCall] = [],
        toolCallID: String? = nil, name: String? = nil, extra: JSONObject = JSONObject()
    ) {
        self.role = role
        self.content = content
        self.reasoning = Message.normaliseReasoning(reasoning)
        self.rare = Rare.make(toolCalls, toolCallID, name, extra)
    }

    /// Equal roles, content, reasoning and rare fields.
    public static func == (a: Message, b: Message) -> Bool {
        guard a.role == b.role, a.content == b.content, a.reasoning == b.reasoning else { return false }
        if a.rare === b.rare { return true }
        return a.toolCalls == b.toolCalls && a.toolCallID == b.toolCallID && a.name == b.name && a.extra == b.extra
    }

    /// Hashes the fields in declaration order.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(role)
        hasher.combine(content)
        hasher.combine(reasoning)
        hasher.combine(toolCalls)
        hasher.combine(toolCallID)
        hasher.combine(name)
        hasher.combine(extra)
    }

    /// True when this turn carries a reasoning trace.
    public var reasoningOn: Bool { reasoning != nil }

    /// Empty or whitespace-only reasoning means reasoning off.
    public static func normaliseReasoning(_ r: String?) -> String? {
        guard let r, r.unicodeScalars.contains(where: { !$0.isWhitespaceScalar }) else { return nil }
        return r
    }

    /// Splits a leading `<think>…</think>` block off `content`: returns (reasoning, answer).
    /// Content without a leading think block is returned unchanged with `nil` reasoning.
    /// Works on UTF-8 bytes (no grapheme breaking), as this runs on every assistant turn read:
    /// on the JSONL bench, whose answers hold a think block one time in five, the road by
    /// `String` indices was 7.9% of reading conversations. Whitespace before the block that is
    /// not ASCII goes by scalars (``splitByScalars(_:)``), which decides the same.
    public static func splitInlineReasoning(_ content: String) -> (reasoning: String?, answer: String) {
        // Most answers start with neither `<` nor whitespace (Unicode's is ASCII or from 0x85).
        if let first = content.utf8.first, first != 0x3C, !isASCIIWhitespace(first), first < 0x80 {
            return (nil, content)
        }
        enum Found {
            case none, byScalars
            case split(reasoning: String?, answer: String)
        }
        var text = content
        let found: Found = text.withUTF8 { u in
            var i = 0
            while i < u.count, isASCIIWhitespace(u[i]) { i += 1 }
            if i < u.count, u[i] >= 0x80 { return .byScalars }
            guard RawRecordLine.matches(u, i, thinkOpen), let close = find(thinkClose, in: u, from: i + 7) else { return .none }
            var a = close + 8
            // After the block: spaces and line breaks (U+0085, U+2028 and U+2029 too), not tabs.
            while a < u.count {
                if u[a] == 0x20 || (u[a] >= 0x0A && u[a] <= 0x0D) {
                    a += 1
                } else if u[a] == 0xC2, a + 1 < u.count, u[a + 1] == 0x85 {
                    a += 2
                } else if u[a] == 0xE2, a + 2 < u.count, u[a + 1] == 0x80, u[a + 2] == 0xA8 || u[a + 2] == 0xA9 {
                    a += 3
                } else {
                    break
                }
            }
            // The reasoning without ASCII whitespace at its ends (`trimmingWhitespace` takes any
            // other), and the answer: slices of valid UTF-8 cut at ASCII bytes, so well-formed,
            // and only whether they are ASCII is asked.
            var lo = i + 7, hi = close
            while lo < hi, isASCIIWhitespace(u[lo]) { lo += 1 }
            while hi > lo, isASCIIWhitespace(u[hi - 1]) { hi -= 1 }
            func string(_ r: Range<Int>) -> String {
                let part = UnsafeBufferPointer(rebasing: u[r])
                return UTF8Text.string(checked: part, ascii: UTF8Text.isASCII(part))
            }
            return .split(reasoning: normaliseReasoning(string(lo..<hi).trimmingWhitespace()), answer: string(a..<u.count))
        }
        switch found {
        case .none: return (nil, content)
        case .byScalars: return splitByScalars(content)
        case .split(let reasoning, let answer): return (reasoning, answer)
        }
    }

    /// Tab, line feed, vertical tab, form feed, carriage return or space.
    @inline(__always) private static func isASCIIWhitespace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    private static let thinkOpen: StaticString = "<think>"
    private static let thinkClose: [UInt8] = Array("</think>".utf8)

    /// ``splitInlineReasoning(_:)`` by Unicode scalars, for content whose leading whitespace is
    /// not all ASCII.
    package static func splitByScalars(_ content: String) -> (reasoning: String?, answer: String) {
        let scalars = content.unicodeScalars
        var i = scalars.startIndex
        while i < scalars.endIndex, scalars[i].isWhitespaceScalar { i = scalars.index(after: i) }
        let utf8 = content.utf8
        guard utf8[i...].starts(with: "<think>".utf8) else { return (nil, content) }
        let bodyStart = utf8.index(i, offsetBy: 7)
        let from = utf8.distance(from: utf8.startIndex, to: bodyStart)
        guard let offset = Message.find(thinkClose, in: content, from: from) else { return (nil, content) }
        let closeStart = utf8.index(utf8.startIndex, offsetBy: offset)
        let reasoning = String(content[bodyStart..<closeStart])
        var a = utf8.index(closeStart, offsetBy: 8)
        while a < scalars.endIndex {
            let c = scalars[a]
            guard c == " " || (0x0A...0x0D).contains(c.value) || c.value == 0x85 || c.value == 0x2028 || c.value == 0x2029
            else { break }
            a = scalars.index(after: a)
        }
        return (normaliseReasoning(reasoning.trimmingWhitespace()), String(content[a...]))
    }
}

extension Message {
    /// Byte offset of the first occurrence of `needle` in `text`'s UTF-8 at or after `from`.
    package static func find(_ needle: [UInt8], in text: String, from: Int) -> Int? {
        if let r = text.utf8.withContiguousStorageIfAvailable({ find(needle, in: $0, from: from) }) { return r }
        return Array(text.utf8).withUnsafeBufferPointer { find(needle, in: $0, from: from) }
    }

    /// Offset of the first occurrence of `needle` in `hay` at or after `from`.
    package static func find(_ needle: [UInt8], in hay: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard let base = hay.baseAddress, !needle.isEmpty, from >= 0, hay.count - from >= needle.count else {
            return nil
        }
        return needle.withUnsafeBufferPointer { n -> Int? in
            guard let first = n.baseAddress else { return nil }
            // memchr to each candidate first byte, then compare the rest.
            var i = from
            let last = hay.count - n.count
            while i <= last {
                guard let p = memchr(base + i, Int32(first.pointee), last - i + 1) else { return nil }
                i = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(p))
                if memcmp(base + i, first, n.count) == 0 { return i }
                i += 1
            }
            return nil
        }
    }
}

extension Unicode.Scalar {
    /// Whitespace (Unicode `White_Space`), with an ASCII fast path.
    @inline(__always) var isWhitespaceScalar: Bool {
        value < 0x80 ? (value == 0x20 || (0x09...0x0D).contains(value)) : properties.isWhitespace
    }
}

extension String {
    /// The string without leading and trailing whitespace and newlines (no Foundation needed).
    public func trimmingWhitespace() -> String {
        let sc = unicodeScalars
        var lo = sc.startIndex, hi = sc.endIndex
        while lo < hi, sc[lo].isWhitespaceScalar { lo = sc.index(after: lo) }
        while hi > lo {
            let p = sc.index(before: hi)
            guard sc[p].isWhitespaceScalar else { break }
            hi = p
        }
        if lo == sc.startIndex && hi == sc.endIndex { return self }
        return String(self[lo..<hi])
    }
}
