import Foundation
import JupiterCore
import Testing

/// String scanning in the JSON parser (8-byte fast path plus escapes) agrees with the writer.
@Suite struct JSONParserStringTests {
    @Test func randomStringsRoundTrip() throws {
        let alphabet: [String] = ["a", "b", " ", "\"", "\\", "\n", "\t", "\u{01}", "\u{1F}", "ŵ", "ŷ", "🐉", "/", "xxxxxxxx"]
        var state: UInt64 = 17
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33)
        }
        for _ in 0..<2000 {
            let s = (0..<(next() % 40)).map { _ in alphabet[next() % alphabet.count] }.joined()
            let text = JSONWriter.string(.array([.string(s), .object(JSONObject([JSONObject.Entry(key: s, value: .string(s))]))]))
            let parsed = try JSONParser.parse(text)
            #expect(parsed == .array([.string(s), .object(JSONObject([JSONObject.Entry(key: s, value: .string(s))]))]))
        }
    }

    @Test func problemsDeepInLongRunsAreFound() {
        let long = String(repeating: "abcdefgh", count: 8)
        #expect(throws: JSONParseError("unescaped control character in string", offset: 70)) {
            try JSONParser.parse("\"" + long + "abcde\u{02}fg\"")
        }
        var bytes = Array(("\"" + long + "ab").utf8) + [0xC3, 0x28] + Array("cdefgh\"".utf8)
        #expect(throws: JSONParseError("invalid UTF-8 in string", offset: 1)) { try JSONParser.parse(bytes) }
        bytes = Array(("\"" + long + "\\n" + long).utf8) + [0xFF] + Array("\"".utf8)
        #expect(throws: JSONParseError("invalid UTF-8 in string", offset: 1)) { try JSONParser.parse(bytes) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse("\"" + long + "\\q\"") }
        #expect(throws: JSONParseError("unterminated string", offset: 0)) { try JSONParser.parse("\"" + long + "\\n" + long) }
        #expect(throws: JSONParseError("unterminated string", offset: 0)) { try JSONParser.parse("\"" + long) }
    }

    @Test func escapesBetweenLongRuns() throws {
        let long = String(repeating: "ŵ-abc ", count: 5)
        let value = try JSONParser.parse("\"" + long + "\\n\\t\\\"\\u0175\\ud83d\\udc09" + long + "\"")
        #expect(value == .string(long + "\n\t\"ŵ🐉" + long))
    }

    @Test("the writer's eight-byte runs escape exactly what one byte at a time escapes")
    func writerEscapesAsBytewise() {
        func reference(_ s: String) -> [UInt8] {
            var out: [UInt8] = [0x22]
            for c in s.utf8 {
                switch c {
                case 0x22: out += Array(#"\""#.utf8)
                case 0x5C: out += Array(#"\\"#.utf8)
                case 0x0A: out += Array(#"\n"#.utf8)
                case 0x0D: out += Array(#"\r"#.utf8)
                case 0x09: out += Array(#"\t"#.utf8)
                case 0x08: out += Array(#"\b"#.utf8)
                case 0x0C: out += Array(#"\f"#.utf8)
                case ..<0x20: out += Array(String(format: "\\u%04x", Int(c)).utf8)
                default: out.append(c)
                }
            }
            return out + [0x22]
        }
        let alphabet: [String] = [
            "abcdefg", "h", " ", "\"", "\\", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{01}", "\u{1F}", "\u{7F}", "ŵ", "’", "🐉"
        ]
        var rng = SeededRandom(seed: 3)
        for _ in 0..<5000 {
            let s = (0..<Int(rng.next() % 30)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined()
            var out: [UInt8] = []
            JSONWriter.writeString(s, into: &out)
            #expect(out == reference(s), "\(s.debugDescription)")
        }
    }
}
