/// Records written straight to JSON bytes, without building a ``JSONValue`` tree: the same bytes
/// as `JSONWriter.write(NativeCodec.encode(record))` with `extra` members appended, faster. Records
/// whose shape the direct road does not reproduce exactly (a norm or an eval item, an `extra`
/// member named `lineage`, which the general encoder overwrites in place) take the general road.
public enum DirectEncoding {
    /// Appends the native JSON form of `record` (lineage included), then `extra`'s members.
    public static func write(_ record: Record, extra: JSONObject = JSONObject(), into out: inout [UInt8]) {
        switch record {
        case .pair(let p):
            key("id", &out, first: true)
            JSONWriter.writeString(p.id, into: &out)
            key("translation", &out)
            out.append(UInt8(ascii: "{"))
            JSONWriter.writeString(p.sourceLanguage, into: &out)
            out.append(UInt8(ascii: ":"))
            JSONWriter.writeString(p.source, into: &out)
            out.append(UInt8(ascii: ","))
            JSONWriter.writeString(p.targetLanguage, into: &out)
            out.append(UInt8(ascii: ":"))
            JSONWriter.writeString(p.target, into: &out)
            out.append(UInt8(ascii: "}"))
            metadata(p.metadata, &out)
            lineage(p.lineage, &out)
        case .document(let d) where d.extra["lineage"] == nil:
            key("id", &out, first: true)
            JSONWriter.writeString(d.id, into: &out)
            key("text", &out)
            JSONWriter.writeString(d.text, into: &out)
            metadata(d.metadata, &out)
            members(d.extra, &out)
            lineage(d.lineage, &out)
        case .conversation(let c) where c.extra["lineage"] == nil:
            key("id", &out, first: true)
            JSONWriter.writeString(c.id, into: &out)
            key("messages", &out)
            out.append(UInt8(ascii: "["))
            for (i, m) in c.messages.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                message(m, &out)
            }
            out.append(UInt8(ascii: "]"))
            if let tools = c.tools {
                key("tools", &out)
                JSONWriter.write(.array(tools), into: &out)
            }
            metadata(c.metadata, &out)
            members(c.extra, &out)
            lineage(c.lineage, &out)
        default:
            var value = NativeCodec.encode(record)
            if !extra.isEmpty, case .object(var o) = value {
                o.entries.append(contentsOf: extra.entries)
                value = .object(o)
            }
            JSONWriter.write(value, into: &out)
            return
        }
        members(extra, &out)
        out.append(UInt8(ascii: "}"))
    }

    /// `{"key":` (first member) or `,"key":`; keys here need no escapes.
    @inline(__always) static func key(_ k: StaticString, _ out: inout [UInt8], first: Bool = false) {
        out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }

    static func metadata(_ m: JSONObject, _ out: inout [UInt8]) {
        guard !m.isEmpty else { return }
        key("metadata", &out)
        JSONWriter.write(.object(m), into: &out)
    }

    /// `,"k":v` for each member.
    static func members(_ o: JSONObject, _ out: inout [UInt8]) {
        for e in o.entries {
            out.append(UInt8(ascii: ","))
            JSONWriter.writeString(e.key, into: &out)
            out.append(UInt8(ascii: ":"))
            JSONWriter.write(e.value, into: &out)
        }
    }

    static func lineage(_ l: Lineage, _ out: inout [UInt8]) {
        key("lineage", &out)
        out.append(contentsOf: #"{"origins":["#.utf8)
        for (i, o) in l.origins.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"file":"#.utf8)
            JSONWriter.writeString(o.file, into: &out)
            out.append(contentsOf: #","line":"#.utf8)
            integer(o.line, &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: #"],"stages":["#.utf8)
        for (i, s) in l.stages.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(s, into: &out)
        }
        out.append(contentsOf: "]}".utf8)
    }

    /// Decimal digits of `n` (as `String(n)` writes them).
    @inline(__always) static func integer(_ n: Int, _ out: inout [UInt8]) {
        if n >= 0 && n < 10 {
            out.append(UInt8(ascii: "0") + UInt8(n))
            return
        }
        out.append(contentsOf: String(n).utf8)
    }

    static func message(_ m: Message, _ out: inout [UInt8]) {
        guard m.toolCalls.isEmpty else {
            JSONWriter.write(NativeCodec.encodeMessage(m), into: &out)
            return
        }
        key("role", &out, first: true)
        JSONWriter.writeString(m.role.rawValue, into: &out)
        key("content", &out)
        JSONWriter.writeString(m.content, into: &out)
        if let r = m.reasoning {
            key("reasoning_content", &out)
            JSONWriter.writeString(r, into: &out)
        }
        if let id = m.toolCallID {
            key("tool_call_id", &out)
            JSONWriter.writeString(id, into: &out)
        }
        if let name = m.name {
            key("name", &out)
            JSONWriter.writeString(name, into: &out)
        }
        members(m.extra, &out)
        out.append(UInt8(ascii: "}"))
    }
}
