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
        #"{"messages":[{"role":"user","content":"a"}]} x"#,
        #"{"m\u0065ssages":[{"role":"user","content":"a"}]}"#,
        #"{"messages":[{"role":"tool","content":"ok","tool_call_id":"c1","name":"f","weird":[{}]}],"tools":[{"type":"function"}]}"#,
        "   ", "",
    ]

    static let documents = [
        #"{"id":"d1","text":"Bore da","metadata":{"lang":"cy"},"source":"x"}"#,
        #"{"text":"Nos da","lineage":{"origins":[{"file":"f","line":1}],"stages":[]},"id":7}"#,
        #"{"text":5}"#, #"{"id":"x"}"#, #"{"text":"a","text":"b"}"#, #"{"text":"a","metadata":[]}"#, #"[1]"#,
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
        let direct = kind == .conversation
            ? DirectDecoding.conversation(line, fallbackID: "f:9", origin: Origin(file: "f", line: 9))
            : DirectDecoding.document(line, fallbackID: "f:9", origin: Origin(file: "f", line: 9))
        guard let direct else { return false }
        switch general {
        case .success(let r): #expect(r == direct, "\(String(decoding: line, as: UTF8.self))")
        case .failure(let e): Issue.record("direct decoded a line the general path rejects (\(e.reason)): \(String(decoding: line, as: UTF8.self))")
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
}
