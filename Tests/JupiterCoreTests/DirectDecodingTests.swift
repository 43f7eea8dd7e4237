import Testing

@testable import JupiterCore

/// The direct decoders (records straight from bytes) against the general path
/// (`JSONParser` → `NativeCodec`): on every fixture line and on thousands of mutated lines, a
/// direct result must equal the general one, and whenever the general path quarantines a line
/// (throws), the direct path must step aside (nil), so the same error is reported.
@Suite struct DirectDecodingTests {
    static func fixtureLines(_ format: String) throws -> [[UInt8]] {
        let bytes = try FileSystem.read(TestSupport.fixture("\(format)/input.jsonl"))
        return bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
    }

    /// Extra lines exercising the envelope and message fields.
    static let conversations = [
        #"{"id":"a","messages":[{"role":"user","content":"Helo"},{"role":"assistant","content":"<think>x</think> Hi","name":"bot"}],"metadata":{"k":[1,2.5e3]},"tools":null,"x":{"y":null}}"#,
        #"  {"messages":[{"role":"developer","content":null,"reasoning":"r","reasoning_content":null,"tool_call_id":null,"tool_calls":null,"extra":true}],"id":null} "#,
        #"{"messages":[],"lineage":{"origins":[{"file":"f","line":3}],"stages":["s"]},"id":-12.5}"#,
        #"{"messages":[{"role":"gpt","content":"a\u00e9\n\"q\""}],"metadata":null,"id":"dup","id":"twice"}"#,
        #"{"messages":[{"role":"user","content":"a","content":"b"}]}"#,
        #"{"messages":[{"role":"user","content":"a"}],"lineage":{"origins":[]}}"#,
        #"{"messages":[{"role":"alien","content":"a"}]}"#,
        // Every role alias, and roles the direct path leaves to the general one (escaped, near miss).
        #"{"messages":[{"role":"system","content":"s"},{"role":"human","content":"h"},{"role":"model","content":"m"},{"role":"function","content":"f"},{"role":"ipython","content":"i"},{"role":"tool","content":"t"},{"role":"user","content":"u"},{"role":"assistant","content":"a"}]}"#,
        #"{"messages":[{"role":"us\u0065r","content":"a"}]}"#,
        #"{"messages":[{"role":"users","content":"a"}]}"#,
        #"{"messages":[{"role":"Assistant","content":"a"}]}"#,
        #"{"messages":[{"role":"gpté","content":"a"}]}"#,
        #"{"messages":[{"role":"user","content":"a"}]} x"#,
        #"{"m\u0065ssages":[{"role":"user","content":"a"}]}"#,
        #"{"messages":[{"role":"tool","content":"ok","tool_call_id":"c1","name":"f","weird":[{}]}],"tools":[{"type":"function"}]}"#,
        "   ", ""
    ]

    static let documents = [
        #"{"id":"d1","text":"Bore da","metadata":{"lang":"cy"},"source":"x"}"#,
        #"{"text":"Nos da","lineage":{"origins":[{"file":"f","line":1}],"stages":[]},"id":7}"#,
        // Lineages the direct reader takes, and shapes it leaves to the general parser.
        #"{"text":"a","lineage":{"stages":["s","t"],"origins":[{"line":2,"file":"f"},{"file":"g","line":-3}]}}"#,
        #"{"text":"a","lineage": { "origins" : [ { "file" : "f" , "line" : 0 } ] , "stages" : [ ] } }"#,
        #"{"text":"a","lineage":{"origins":[{"file":"f","line":1.0}],"stages":[]}}"#,
        #"{"text":"a","lineage":{"origins":[{"file":"f","line":2e1}],"stages":[]}}"#,
        #"{"text":"a","lineage":{"origins":[{"file":"f","line":012}],"stages":[]}}"#,
        #"{"text":"a","lineage":{"origins":[{"file":"f","line":123456789012345678901}],"stages":[]}}"#,
        #"{"text":"a","lineage":{"origins":[{"file":"f","line":3,"x":1}],"stages":[1,"s",null]}}"#,
        #"{"text":"a","lineage":{"origins":[{"file":"fé","line":3}],"stages":["a"b"],"more":{}}}"#,
        #"{"text":"a","lineage":{"origins":[{"file":"f","line":3}],"origins":[]}}"#,
        #"{"text":"a","lineage":{"origins":[{"file":"f","file":"g","line":3}]}}"#,
        #"{"text":"a","lineage":{"origins":[{"file":"f"}]}}"#,
        #"{"text":5}"#, #"{"id":"x"}"#, #"{"text":"a","text":"b"}"#, #"{"text":"a","metadata":[]}"#, #"[1]"#
    ]

    /// Seeded mutations of `line`: a byte deleted, duplicated, or replaced by a JSON-significant one.
    static func mutations(_ line: [UInt8], count: Int, seed: UInt64) -> [[UInt8]] {
        guard !line.isEmpty else { return [] }
        var rng = SeededRandom(seed: seed)
        let alphabet = Array(#"{}[]":,\ nul0-e"#.utf8) + [0x80, 0xC3, 0xFF]
        return (0..<count).map { _ in
            var l = line
            let i = Int(rng.next() % UInt64(l.count))
            switch rng.next() % 3 {
            case 0: l.remove(at: i)
            case 1: l.insert(l[i], at: i)
            default: l[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
            }
            return l
        }
    }

    /// Compares the two paths on one line; returns true when the direct path decoded it.
    @discardableResult
    static func check(_ line: [UInt8], kind: RecordKind) -> Bool {
        let unit = SourceUnit(line: 9, bytes: line)
        let general: Result<Record?, RecordDecodingError> = {
            do throws(RecordDecodingError) {
                guard let v = try JSONLUnit.parse(unit) else { return .success(nil) }
                return .success(try NativeCodec.decode(v, as: kind, fallbackID: "f:9", origin: Origin(file: "f", line: 9)))
            } catch { return .failure(error) }
        }()
        let direct: Record? = line.withUnsafeBufferPointer { u in
            switch kind {
            case .conversation: DirectDecoding.conversation(u, fallbackID: "f:9", origin: Origin(file: "f", line: 9))
            case .pair: DirectDecoding.pair(u, fallbackID: "f:9", origin: Origin(file: "f", line: 9))
            default: DirectDecoding.document(u, fallbackID: "f:9", origin: Origin(file: "f", line: 9))
            }
        }
        guard let direct else { return false }
        switch general {
        case .success(let r): #expect(r == direct, "\(String(decoding: line, as: UTF8.self))")
        case .failure(let e):
            Issue.record("direct decoded a line the general path rejects (\(e.reason)): \(String(decoding: line, as: UTF8.self))")
        }
        return true
    }

    @Test("conversations: fixtures, edge cases and 6,000 mutations agree with the general path")
    func conversations() throws {
        let lines = try Self.fixtureLines("openai-messages") + Self.conversations.map { Array($0.utf8) }
        var direct = 0, total = 0
        for (n, line) in lines.enumerated() {
            for l in [line] + Self.mutations(line, count: 400, seed: UInt64(n)) {
                total += 1
                if Self.check(l, kind: .conversation) { direct += 1 }
            }
        }
        // The direct path takes the plain lines (not content parts, tool calls, broken JSON).
        #expect(direct > total / 10, "\(direct) of \(total)")
    }

    @Test("documents: fixtures, edge cases and mutations agree with the general path")
    func documents() throws {
        let lines = try Self.fixtureLines("documents") + Self.documents.map { Array($0.utf8) }
        var direct = 0
        for (n, line) in lines.enumerated() {
            for l in [line] + Self.mutations(line, count: 400, seed: UInt64(100 + n)) where Self.check(l, kind: .document) {
                direct += 1
            }
        }
        #expect(direct > 100)
    }

    static let pairs = [
        #"{"id":"p1","translation":{"en":"Hello","cy":"Helo"},"metadata":{"k":1},"lineage":{"origins":[{"file":"f","line":2}],"stages":["pair-filter"]}}"#,
        #"{"translation":{"cy":"Nos da","en":"Good night"},"other":[1,{"a":null}],"id":3}"#,
        #"{"translation":{"en":"a","en":"b"}}"#, #"{"translation":{"en":"a"}}"#, #"{"translation":{"en":"a","cy":"b","fr":"c"}}"#,
        #"{"translation":{"en":"a","cy":5}}"#, #"{"translation":{"e\u006e":"a","cy":"b"}}"#, #"{"translation":[]}"#,
        #"{"translation":{"en":"a","cy":"b"},"translation":{"en":"a","cy":"b"}}"#,
        #"{"translation":{"en":"a","cy":"b"},"messages":[]}"#, #"{"translation":{"en":"a","cy":"b"},"text":"t"}"#
    ]

    @Test("pairs: fixtures, edge cases and mutations agree with the general path")
    func pairs() throws {
        let lines = try Self.fixtureLines("parallel-jsonl") + Self.pairs.map { Array($0.utf8) }
        var direct = 0
        for (n, line) in lines.enumerated() {
            for l in [line] + Self.mutations(line, count: 400, seed: UInt64(200 + n)) where Self.check(l, kind: .pair) {
                direct += 1
            }
        }
        #expect(direct > 100)
    }

    /// `anyKind` against `NativeCodec.decodeAnyKind` (how a step's output is read back).
    @Test("any kind: the kind and record the general path gives, or the general path")
    func anyKind() throws {
        let lines =
            try Self.fixtureLines("parallel-jsonl") + Self.fixtureLines("openai-messages") + Self.fixtureLines("documents")
            + (Self.pairs + Self.conversations + Self.documents).map { Array($0.utf8) }
            + [
                #"{"id":"x","text":"t","messages":[]}"#, #"{"id":"x","text":"t","translation":{"en":"a","cy":"b"}}"#,
                #"{"id":"x","text":"t","input":"q","ideal":"a"}"#, #"{"id":"x","text":"t","input":"q"}"#,
                #"{"id":"x","messages":[],"translation":{"en":"a","cy":"b"}}"#
            ].map { Array($0.utf8) }
        var direct = 0
        for (n, line) in lines.enumerated() {
            for l in [line] + Self.mutations(line, count: 200, seed: UInt64(300 + n)) {
                let general: Record? = try? {
                    let v = try JSONParser.parse(l)
                    return try NativeCodec.decodeAnyKind(v, fallbackID: "f:9", origin: Origin(file: "f", line: 9))
                }()
                guard let d = DirectDecoding.anyKind(l, fallbackID: "f:9", origin: Origin(file: "f", line: 9)) else { continue }
                direct += 1
                #expect(general == d, "\(String(decoding: l, as: UTF8.self))")
            }
        }
        #expect(direct > 300)
    }

    /// `DirectEncoding.write` against `JSONWriter.write(NativeCodec.encode(_:))` with the extra
    /// members appended, on every record the decoders give (edge cases included) and on records
    /// with reasoning, tool turns, tools, metadata, several origins and an extra `lineage`.
    @Test("direct encoding writes the general encoder's bytes")
    func encoding() throws {
        var records: [Record] = []
        let lines =
            try Self.fixtureLines("parallel-jsonl") + Self.fixtureLines("openai-messages") + Self.fixtureLines("documents")
            + (Self.pairs + Self.conversations + Self.documents).map { Array($0.utf8) }
        for line in lines {
            if let v = try? JSONParser.parse(line),
                let r = try? NativeCodec.decodeAnyKind(v, fallbackID: "f:9", origin: Origin(file: "f", line: 9))
            {
                records.append(r)
            }
        }
        let lineage = Lineage(origins: [Origin(file: "a \"b\".tsv", line: 12), Origin(file: "c", line: 0)], stages: ["x", "y\n"])
        records.append(
            .conversation(
                Conversation(
                    id: "c\u{1}",
                    messages: [
                        Message(role: .assistant, content: "Helo", reasoning: "meddwl", name: "bot", extra: ["k": .null]),
                        Message(role: .assistant, content: "", toolCalls: [ToolCall(id: "t1", name: "f", arguments: "{}")]),
                        Message(role: .tool, content: "ok", toolCallID: "t1")
                    ],
                    tools: [.object(["type": .string("function")])], metadata: ["m": .int(1)], extra: ["z": .bool(true)], lineage: lineage))
        )
        records.append(
            .conversation(Conversation(id: "l", messages: [], extra: ["lineage": .string("theirs"), "q": .null], lineage: lineage)))
        records.append(.document(Document(id: "d", text: "t", extra: ["lineage": .int(3)], lineage: lineage)))
        records.append(
            .pair(
                ParallelPair(
                    id: "p", sourceLanguage: "cy", targetLanguage: "cy", source: "a\tb", target: "é",
                    metadata: ["m": .array([])], lineage: lineage)))
        records.append(.eval(EvalItem(id: "e", input: [Message(role: .user, content: "q")], ideal: ["a"], lineage: lineage)))
        #expect(records.count > 20)
        for r in records {
            for extra: JSONObject in [JSONObject(), ["dropped": .object(["stage": .string("s"), "rule": .string("r")])]] {
                var general = NativeCodec.encode(r)
                if !extra.isEmpty, case .object(var o) = general {
                    o.entries.append(contentsOf: extra.entries)
                    general = .object(o)
                }
                var direct: [UInt8] = []
                DirectEncoding.write(r, extra: extra, into: &direct)
                #expect(direct == JSONWriter.bytes(general), "\(String(decoding: direct, as: UTF8.self))")
            }
        }
    }
}
