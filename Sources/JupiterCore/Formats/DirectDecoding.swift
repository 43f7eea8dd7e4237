#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Records decoded straight from a JSONL line's bytes for the common shapes (openai-messages,
/// documents), without building a ``JSONValue`` tree for the fields the record model knows.
///
/// This is only a faster road to the same place: it returns `nil` for anything it does not handle
/// exactly like the general path (``NativeCodec/decode(_:as:fallbackID:origin:)``): invalid JSON,
/// a field of an unexpected type, a key written with escapes, a known key given twice, content
/// parts, tool calls, an unknown role, a malformed lineage. The caller then runs the general path,
/// so every record that is quarantined, and why, stays the same. Unknown fields are parsed with
/// the general parser and kept in order, as the general path keeps them.
public enum DirectDecoding {
    /// An openai-messages conversation on a line (where it lies), or nil (use the general path).
    static func conversation(
        _ line: UnsafeBufferPointer<UInt8>, fallbackID: @autoclosure () -> String, origin: @autoclosure () -> Origin
    ) -> Record? {
        var d = Reader(line)
        return d.conversation(fallbackID: fallbackID, origin: origin)
    }

    /// A document whose text is in `text`, on a line (where it lies), or nil (use the general path).
    static func document(
        _ line: UnsafeBufferPointer<UInt8>, fallbackID: @autoclosure () -> String, origin: @autoclosure () -> Origin
    ) -> Record? {
        var d = Reader(line)
        return d.document(fallbackID: fallbackID, origin: origin)
    }

    /// A parallel pair in the HF translation shape, on a line (where it lies), or nil (use the
    /// general path).
    static func pair(
        _ line: UnsafeBufferPointer<UInt8>, fallbackID: @autoclosure () -> String, origin: @autoclosure () -> Origin
    ) -> Record? {
        var d = Reader(line)
        return d.pair(fallbackID: fallbackID, origin: origin)
    }

    /// A record of whatever kind its fields say, as ``NativeCodec/decodeAnyKind(_:fallbackID:origin:)``
    /// decodes it (a step's own output read back), or nil (use the general path). The kind is
    /// taken from the first member after `id` (the order Jupiter writes); the field that decides
    /// the kind in the general path (`messages`, then `translation`, then `text`) must agree.
    public static func anyKind(
        _ bytes: [UInt8], fallbackID: @autoclosure () -> String,
        origin: @autoclosure () -> Origin
    ) -> Record? {
        bytes.withUnsafeBufferPointer { anyKind($0, fallbackID: fallbackID(), origin: origin()) }
    }

    /// ``anyKind(_:fallbackID:origin:)-([UInt8],_,_)`` of a line in a larger buffer.
    public static func anyKind(
        _ line: UnsafeBufferPointer<UInt8>, fallbackID: @autoclosure () -> String,
        origin: @autoclosure () -> Origin
    ) -> Record? {
        var d = Reader(line)
        switch d.kindHint() {
        case .pair: return d.pair(fallbackID: fallbackID, origin: origin)
        case .conversation: return d.conversation(fallbackID: fallbackID, origin: origin)
        case .document:
            guard case .document(let doc)? = d.document(fallbackID: fallbackID, origin: origin),
                doc.extra["messages"] == nil, doc.extra["translation"] == nil,
                doc.extra["input"] == nil || doc.extra["ideal"] == nil
            else { return nil }
            return .document(doc)
        default: return nil
        }
    }

    /// Key names, compared with a key's bytes without making strings (computed static text: no lazy
    /// global to check on every comparison).
    enum Key {
        static var id: StaticString { "id" }
        static var messages: StaticString { "messages" }
        static var metadata: StaticString { "metadata" }
        static var tools: StaticString { "tools" }
        static var lineage: StaticString { "lineage" }
        static var text: StaticString { "text" }
        static var role: StaticString { "role" }
        static var content: StaticString { "content" }
        static var reasoningContent: StaticString { "reasoning_content" }
        static var reasoning: StaticString { "reasoning" }
        static var toolCalls: StaticString { "tool_calls" }
        static var toolCallID: StaticString { "tool_call_id" }
        static var name: StaticString { "name" }
        static var translation: StaticString { "translation" }
        static var origins: StaticString { "origins" }
        static var stages: StaticString { "stages" }
        static var file: StaticString { "file" }
        static var line: StaticString { "line" }
    }

    struct Reader {
        var c: JSONParser.Cursor

        init(_ buf: UnsafeBufferPointer<UInt8>) { c = JSONParser.Cursor(buf) }

        /// True for a line JSONLUnit treats as blank (the general path gives no record).
        var isBlank: Bool {
            for i in 0..<c.end {
                let b = c.base[i]
                if b != 0x20 && b != 0x09 && b != 0x0D { return false }
            }
            return true
        }

        /// Consumes `byte` after optional whitespace.
        mutating func expect(_ byte: UInt8) -> Bool {
            c.skipWhitespace()
            guard c.pos < c.end, c.base[c.pos] == byte else { return false }
            c.pos += 1
            return true
        }

        /// The raw bytes of an object key without escapes (the cursor is on its quote), or nil.
        mutating func key() -> UnsafeBufferPointer<UInt8>? {
            c.skipWhitespace()
            guard let k = plainString(), expect(0x3A) else { return nil }
            c.skipWhitespace()
            return k
        }

        /// After a member: true to go on (`,`), false at `}`; nil on anything else.
        mutating func next(close: UInt8) -> Bool? {
            c.skipWhitespace()
            guard c.pos < c.end else { return nil }
            let b = c.base[c.pos]
            c.pos += 1
            if b == 0x2C { return true }
            if b == close { return false }
            return nil
        }

        /// A string value, or nil (not a string, or invalid).
        mutating func string() -> String? {
            guard c.pos < c.end, c.base[c.pos] == 0x22 else { return nil }
            return try? c.parseString()
        }

        /// The bytes of a string written without escapes or control bytes (the cursor is on its
        /// quote; ``RawRecordLine/plainString(_:_:)``), or nil. The cursor moves past it.
        mutating func plainString() -> UnsafeBufferPointer<UInt8>? {
            let all = UnsafeBufferPointer(start: c.base, count: c.end)
            guard let text = RawRecordLine.plainString(all, c.pos) else { return nil }
            c.pos = text.upperBound + 1
            return UnsafeBufferPointer(rebasing: all[text])
        }

        /// A string or null value: .some(nil) for null, nil for anything else.
        mutating func optionalString() -> String?? {
            guard c.pos < c.end else { return nil }
            if c.base[c.pos] == 0x6E { return (try? c.expectLiteral("null")) != nil ? .some(nil) : nil }
            return string().map { .some($0) }
        }

        /// Any value through the general parser, or nil when invalid.
        mutating func value(depth: Int) -> JSONValue? { try? c.parseValue(depth: depth) }

        /// Parses `{` members `}`: `member` gets each key (returns false to give up).
        mutating func object(_ member: (inout Reader, UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
            guard expect(0x7B) else { return false }
            c.skipWhitespace()
            if c.pos < c.end && c.base[c.pos] == 0x7D {
                c.pos += 1
                return true
            }
            while true {
                guard let k = key(), member(&self, k) else { return false }
                guard let more = next(close: 0x7D) else { return false }
                if !more { return true }
            }
        }

        /// A lineage object read without building its JSON value: `origins` (objects of a string
        /// `file` and an integer `line`) and `stages` (strings), each at most once, in any order.
        /// Nil for any other shape (a number that is not a plain integer, a non-string stage, an
        /// unknown key): the caller then reads it through the general parser, as before.
        mutating func lineage() -> Lineage? {
            var origins: [Origin] = []
            var stages: [String] = []
            var sawOrigins = false, sawStages = false
            let ok = object { r, k in
                if spells(k, Key.origins) {
                    guard !sawOrigins else { return false }
                    sawOrigins = true
                    return r.array { r in
                        var file: String?
                        var line: Int?
                        let ok = r.object { r, k in
                            if spells(k, Key.file) {
                                guard file == nil, let f = r.string() else { return false }
                                file = f
                                return true
                            }
                            if spells(k, Key.line) {
                                guard line == nil, let n = r.integer() else { return false }
                                line = n
                                return true
                            }
                            return false
                        }
                        guard ok, let file, let line else { return false }
                        origins.append(Origin(file: file, line: line))
                        return true
                    }
                }
                if spells(k, Key.stages) {
                    guard !sawStages else { return false }
                    sawStages = true
                    return r.array { r in
                        guard let s = r.string() else { return false }
                        stages.append(s)
                        return true
                    }
                }
                return false
            }
            guard ok else { return nil }
            return Lineage(origins: origins, stages: stages)
        }

        /// Parses `[` elements `]`: `element` reads each (returns false to give up).
        mutating func array(_ element: (inout Reader) -> Bool) -> Bool {
            guard expect(0x5B) else { return false }
            c.skipWhitespace()
            if c.pos < c.end && c.base[c.pos] == 0x5D {
                c.pos += 1
                return true
            }
            while true {
                c.skipWhitespace()
                guard element(&self) else { return false }
                guard let more = next(close: 0x5D) else { return false }
                if !more { return true }
            }
        }

        /// A plain decimal integer (optional minus, at most 18 digits, no fraction or exponent)
        /// followed by a delimiter; nil otherwise.
        mutating func integer() -> Int? {
            var p = c.pos
            let negative = p < c.end && c.base[p] == 0x2D
            if negative { p += 1 }
            let first = p
            var n = 0
            while p < c.end, c.base[p] >= 0x30, c.base[p] <= 0x39 {
                guard p - first < 18 else { return nil }
                n = n * 10 + Int(c.base[p] - 0x30)
                p += 1
            }
            // JSON allows a leading zero only alone; a fraction or exponent goes to the general path.
            guard p > first, !(c.base[first] == 0x30 && p - first > 1) else { return nil }
            if p < c.end, c.base[p] == 0x2E || c.base[p] == 0x65 || c.base[p] == 0x45 { return nil }
            c.pos = p
            return negative ? -n : n
        }

        /// The end of the line: only whitespace left.
        mutating func atEnd() -> Bool {
            c.skipWhitespace()
            return c.pos == c.end
        }

        /// The envelope fields every shape shares: `id`, `lineage`, `metadata`.
        struct Envelope {
            var id: String?
            var sawID = false
            var lineage: Lineage?
            var metadata: JSONObject?
            var extra: [JSONObject.Entry] = []

            /// Handles an envelope key; nil when `k` is not one, false to give up.
            mutating func take(_ r: inout Reader, _ k: UnsafeBufferPointer<UInt8>) -> Bool? {
                if spells(k, Key.id) {
                    guard !sawID else { return false }
                    sawID = true
                    guard r.c.pos < r.c.end else { return false }
                    switch r.c.base[r.c.pos] {
                    case 0x22: id = r.string(); return id != nil
                    case 0x6E: return (try? r.c.expectLiteral("null")) != nil
                    case 0x2D, 0x30...0x39: id = try? r.c.parseNumber(); return id != nil
                    default: return false
                    }
                }
                if spells(k, Key.lineage) {
                    guard lineage == nil else { return false }
                    let start = r.c
                    if let l = r.lineage() {
                        lineage = l
                        return !l.origins.isEmpty
                    }
                    r.c = start
                    guard let v = r.value(depth: 1), let l = Lineage(json: v), !l.origins.isEmpty else { return false }
                    lineage = l
                    return true
                }
                if spells(k, Key.metadata) {
                    guard metadata == nil, let v = r.value(depth: 1) else { return false }
                    switch v {
                    case .object(let o): metadata = o
                    case .null: metadata = JSONObject()
                    default: return false
                    }
                    return true
                }
                return nil
            }

            /// An unknown field, kept in order.
            mutating func keep(_ r: inout Reader, _ k: UnsafeBufferPointer<UInt8>) -> Bool {
                guard let key = UTF8Text.string(k), let v = r.value(depth: 1) else { return false }
                // A later duplicate of an unknown key stays, as in the general path.
                extra.append(JSONObject.Entry(key: key, value: v))
                return true
            }
        }

        /// The kind named by the first member after an optional leading `id` (not consuming).
        func kindHint() -> RecordKind? {
            var r = self
            guard r.expect(0x7B), var k = r.key() else { return nil }
            if spells(k, Key.id) {
                guard r.c.pos < r.c.end, r.c.base[r.c.pos] == 0x22, r.string() != nil, r.next(close: 0x7D) == true,
                    let second = r.key()
                else { return nil }
                k = second
            }
            if spells(k, Key.messages) { return .conversation }
            if spells(k, Key.translation) { return .pair }
            if spells(k, Key.text) { return .document }
            return nil
        }

        /// A pair: `translation` with exactly two string members; other unknown fields are
        /// skipped, as the general path drops them (`messages`, which would make the record a
        /// conversation, gives up).
        mutating func pair(fallbackID: () -> String, origin: () -> Origin) -> Record? {
            if isBlank { return nil }
            var env = Envelope()
            var languages: [String] = []
            var texts: [String] = []
            var sawTranslation = false
            let ok = object { r, k in
                if let handled = env.take(&r, k) { return handled }
                if spells(k, Key.translation) {
                    guard !sawTranslation else { return false }
                    sawTranslation = true
                    return r.object { r, lang in
                        guard languages.count < 2, let l = UTF8Text.string(lang), let t = r.string() else {
                            return false
                        }
                        languages.append(l)
                        texts.append(t)
                        return true
                    }
                }
                if spells(k, Key.messages) { return false }
                // Dropped, but checked as the general parser checks it (valid UTF-8, valid JSON).
                return UTF8Text.validate(k) != nil && r.value(depth: 1) != nil
            }
            guard ok, atEnd(), languages.count == 2 else { return nil }
            return .pair(
                ParallelPair(
                    id: env.id ?? fallbackID(), sourceLanguage: languages[0], targetLanguage: languages[1],
                    source: texts[0], target: texts[1], metadata: env.metadata ?? JSONObject(),
                    lineage: env.lineage ?? Lineage(origins: [origin()])))
        }

        mutating func document(fallbackID: () -> String, origin: () -> Origin) -> Record? {
            if isBlank { return nil }
            var env = Envelope()
            var text: String?
            let ok = object { r, k in
                if let handled = env.take(&r, k) { return handled }
                if spells(k, Key.text) {
                    guard text == nil else { return false }
                    text = r.string()
                    return text != nil
                }
                return env.keep(&r, k)
            }
            guard ok, atEnd(), let text else { return nil }
            return .document(
                Document(
                    id: env.id ?? fallbackID(), text: text, metadata: env.metadata ?? JSONObject(),
                    extra: JSONObject(env.extra), lineage: env.lineage ?? Lineage(origins: [origin()])))
        }

        mutating func conversation(fallbackID: () -> String, origin: () -> Origin) -> Record? {
            if isBlank { return nil }
            var env = Envelope()
            var messages: [Message]?
            var tools: [JSONValue]??
            let ok = object { r, k in
                if let handled = env.take(&r, k) { return handled }
                if spells(k, Key.messages) {
                    guard messages == nil else { return false }
                    messages = r.messages()
                    return messages != nil
                }
                if spells(k, Key.tools) {
                    guard tools == nil, let v = r.value(depth: 1) else { return false }
                    switch v {
                    case .array(let a): tools = .some(a)
                    case .null: tools = .some(nil)
                    default: return false
                    }
                    return true
                }
                return env.keep(&r, k)
            }
            guard ok, atEnd(), let messages else { return nil }
            return .conversation(
                Conversation(
                    id: env.id ?? fallbackID(), messages: messages, tools: tools ?? nil,
                    metadata: env.metadata ?? JSONObject(), extra: JSONObject(env.extra),
                    lineage: env.lineage ?? Lineage(origins: [origin()])))
        }

        /// `[` message objects `]`.
        mutating func messages() -> [Message]? {
            guard c.pos < c.end, c.base[c.pos] == 0x5B else { return nil }
            c.pos += 1
            var out: [Message] = []
            out.reserveCapacity(8)
            c.skipWhitespace()
            if c.pos < c.end && c.base[c.pos] == 0x5D {
                c.pos += 1
                return out
            }
            while true {
                guard let m = message() else { return nil }
                out.append(m)
                guard let more = next(close: 0x5D) else { return nil }
                if !more { return out }
            }
        }

        /// One message object with string (or null) content, no tool calls.
        mutating func message() -> Message? {
            var role: Role?
            var content: String??
            var reasoningContent: String??
            var reasoning: String??
            var toolCallID: String??
            var name: String??
            var extra: [JSONObject.Entry] = []
            let ok = object { r, k in
                func single(_ slot: inout String??) -> Bool {
                    guard slot == nil, let v = r.optionalString() else { return false }
                    slot = .some(v)
                    return true
                }
                if spells(k, Key.role) {
                    guard role == nil, let name = r.plainString() else { return false }
                    // An unknown role, or one written with escapes, goes to the general path.
                    role = Role(alias: name)
                    return role != nil
                }
                if spells(k, Key.content) { return single(&content) }
                if spells(k, Key.reasoningContent) { return single(&reasoningContent) }
                if spells(k, Key.reasoning) { return single(&reasoning) }
                if spells(k, Key.toolCallID) { return single(&toolCallID) }
                if spells(k, Key.name) { return single(&name) }
                if spells(k, Key.toolCalls) {
                    // Only an absent or null list is handled here.
                    guard r.c.pos < r.c.end, r.c.base[r.c.pos] == 0x6E else { return false }
                    return (try? r.c.expectLiteral("null")) != nil
                }
                guard let key = UTF8Text.string(k), let v = r.value(depth: 3) else { return false }
                extra.append(JSONObject.Entry(key: key, value: v))
                return true
            }
            guard ok, let parsedRole = role else { return nil }
            // Taken, not copied, out of their slots.
            var text = (content.take() ?? nil) ?? ""
            var trace: String? = (reasoningContent.take() ?? nil) ?? (reasoning.take() ?? nil)
            if trace == nil, parsedRole == .assistant {
                let split = Message.splitInlineReasoning(text)
                if split.answer != text || split.reasoning != nil {
                    trace = split.reasoning
                    text = split.answer
                }
            }
            return Message(
                role: parsedRole, content: text, reasoning: trace, toolCallID: toolCallID.take() ?? nil,
                name: name.take() ?? nil, extra: JSONObject(extra))
        }
    }
}

/// True when key bytes `k` spell `name`.
@inline(__always) func spells(_ k: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
    guard k.count == name.utf8CodeUnitCount else { return false }
    guard let base = k.baseAddress else { return k.isEmpty }
    return memcmp(base, name.utf8Start, k.count) == 0
}
