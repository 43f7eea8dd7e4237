import Testing

@testable import JupiterCore

/// ``UTF8Text`` accepts exactly the bytes `String(validating:as:)` accepts, says rightly whether
/// they are all ASCII, finds the first error where the standard library's decoder does, and makes
/// the same string, wherever a sequence falls against its eight-byte words.
@Suite struct UTF8TextTests {
    /// The standard library's verdict and ours on `bytes`, and the strings both make.
    static func check(_ bytes: [UInt8]) {
        let expected = String(validating: bytes, as: UTF8.self)
        let verdict = bytes.withUnsafeBufferPointer { UTF8Text.validate($0) }
        #expect(bytes.withUnsafeBufferPointer { UTF8Text.isASCII($0) } == bytes.allSatisfy { $0 < 0x80 }, "\(bytes)")
        #expect((verdict != nil) == (expected != nil), "\(bytes)")
        if let verdict { #expect(verdict == bytes.allSatisfy { $0 < 0x80 }, "\(bytes)") }
        #expect(UTF8Text.firstInvalidOffset(bytes) == Self.firstError(bytes), "\(bytes)")
        let made = UTF8Text.string(bytes)
        #expect(made == expected, "\(bytes)")
        if let made, let expected {
            // The string is a well-behaved one: its UTF-8 and scalars are the bytes', and its
            // UTF-16 is counted as the standard library's (a string wrongly marked ASCII counts
            // one unit per byte).
            #expect(Array(made.utf8) == bytes)
            #expect(made.utf16.count == expected.utf16.count)
            #expect(String(made.unicodeScalars) == expected)
        }
    }

    /// Where the standard library's UTF-8 decoder reports its first error: the offset after the
    /// scalars it decoded.
    static func firstError(_ bytes: [UInt8]) -> Int? {
        var offset = 0
        var it = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&it) {
            case .scalarValue(let s): offset += UTF8.width(s)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    /// Every one- and two-byte text, each behind 0 to 9 ASCII bytes (so on either side of a word's
    /// end and in the byte-at-a-time tail) and before 0 or 9.
    @Test func everyShortTextAgreesWithTheStandardLibrary() {
        var mismatches = 0
        for pad in 0...9 {
            let prefix = [UInt8](repeating: 0x61, count: pad)
            for a in 0...255 {
                for suffix in [[], [UInt8](repeating: 0x62, count: 9)] {
                    let one = prefix + [UInt8(a)] + suffix
                    if (String(validating: one, as: UTF8.self) == nil) != (one.withUnsafeBufferPointer { UTF8Text.validate($0) } == nil) {
                        mismatches += 1
                    }
                }
                for b in 0...255 {
                    let two = prefix + [UInt8(a), UInt8(b)]
                    if (String(validating: two, as: UTF8.self) == nil) != (two.withUnsafeBufferPointer { UTF8Text.validate($0) } == nil) {
                        mismatches += 1
                    }
                }
            }
        }
        #expect(mismatches == 0)
    }

    /// Every three- and four-byte sequence lead (E0…FF) with every second byte and the boundary
    /// values of the others, whole, followed by ASCII, and cut short, placed so that it starts a
    /// word, crosses a word's end, or lies in the byte-at-a-time tail.
    @Test func everyLongSequenceLeadAgreesWithTheStandardLibrary() {
        let edges: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xF4, 0xFF]
        let fourths: [UInt8] = [0x41, 0x7F, 0x80, 0xBF, 0xC0]
        var mismatches: [[UInt8]] = []
        var accepted = 0
        for pad in [0, 6, 7, 9] {
            let prefix = [UInt8](repeating: 0x20, count: pad)
            for lead in 0xE0...0xFF {
                for second in 0...255 {
                    let head = prefix + [UInt8(lead), UInt8(second)]
                    var texts = [head]
                    for third in edges {
                        texts.append(head + [third])
                        texts.append(head + [third, 0x7A])
                        if lead >= 0xF0 { for fourth in fourths { texts.append(head + [third, fourth]) } }
                    }
                    for t in texts {
                        let expected = String(validating: t, as: UTF8.self)
                        let verdict = t.withUnsafeBufferPointer { UTF8Text.validate($0) }
                        if (verdict == nil) != (expected == nil) { mismatches.append(t) }
                        if expected != nil { accepted += 1 }
                    }
                }
            }
        }
        #expect(mismatches.isEmpty, "first: \(mismatches.prefix(5))")
        // Valid ones are among them to be accepted (per placing: 5,760 three-byte sequences, twice,
        // and the four-byte ones).
        #expect(accepted > 4 * 2 * 5_760)
    }

    /// Random texts of ASCII runs, valid scalars of every length (Welsh letters, the curly
    /// apostrophe, CJK, emoji, the last scalars before the surrogates and U+10FFFF) and random bytes.
    @Test func randomTextsAgreeWithTheStandardLibrary() {
        let scalars = ["ŵ", "ŷ", "â", "’", "中", "🐉", "\u{D7FF}", "\u{E000}", "\u{FFFD}", "\u{10FFFF}", "\u{80}", "\u{7FF}", "\u{800}"]
            .map { Array($0.utf8) }
        var rng = SeededRandom(seed: 20_261_130)
        var invalid = 0, ascii = 0
        for _ in 0..<30_000 {
            var bytes: [UInt8] = []
            let pieces = Int(rng.next() % 12)
            for _ in 0..<pieces {
                switch rng.next() % 10 {
                case 0..<5: bytes += (0..<Int(rng.next() % 17)).map { _ in UInt8(0x20 + rng.next() % 0x5F) }
                case 5..<9: bytes += scalars[Int(rng.next() % UInt64(scalars.count))]
                default: bytes.append(UInt8(truncatingIfNeeded: rng.next()))
                }
            }
            if String(validating: bytes, as: UTF8.self) == nil { invalid += 1 }
            if bytes.allSatisfy({ $0 < 0x80 }) { ascii += 1 }
            Self.check(bytes)
        }
        // Each kind is there in numbers.
        #expect(invalid > 3_000)
        #expect(ascii > 3_000)
    }

    /// Escapes and the text each stands for.
    static let escapes: [(json: String, text: String)] = [
        (#"\n"#, "\n"), (#"\u00e2"#, "â"), (#"\u2019"#, "’"), (#"\ud83d\udc09"#, "🐉"), (#"\u0041"#, "A")
    ]

    /// JSON strings of ASCII runs, valid scalars, stray bytes from 0x80, control bytes and escapes
    /// (``escapes``), closed or not: the parser (which checks the UTF-8 as it scans) gives the
    /// text or the error that checking after the scan gives: a control byte first, then a missing
    /// closing quote, then UTF-8 that is not well-formed. The strings it makes are well made
    /// (not marked ASCII when an escape brought the only non-ASCII).
    @Test func theParserChecksStringsAsAfterTheScan() {
        let scalars = ["ŵ", "’", "中", "🐉", "\u{10FFFF}"].map { Array($0.utf8) }
        var rng = SeededRandom(seed: 7_301)
        var outcomes: [String: Int] = [:]
        for _ in 0..<20_000 {
            var content: [UInt8] = []
            for _ in 0..<Int(rng.next() % 10) {
                switch rng.next() % 20 {
                case 0..<9: content += (0..<Int(rng.next() % 19)).map { _ in UInt8(0x23 + rng.next() % 0x39) }
                case 9..<16: content += scalars[Int(rng.next() % UInt64(scalars.count))]
                case 16, 17: content.append(UInt8(0x80 + rng.next() % 0x80))
                case 18: content += Array(Self.escapes[Int(rng.next() % UInt64(Self.escapes.count))].json.utf8)
                default: content.append(UInt8(rng.next() % 0x20))
                }
            }
            let closed = rng.next() % 8 != 0
            let text = [0x22] + content + (closed ? [0x22] : [])
            // What checking after the scan gives.
            let expected: Result<String, JSONParseError>
            if let k = content.firstIndex(where: { $0 < 0x20 }) {
                expected = .failure(JSONParseError("unescaped control character in string", offset: 1 + k))
            } else if !closed {
                expected = .failure(JSONParseError("unterminated string", offset: 0))
            } else {
                var decoded: [UInt8] = []
                var i = 0
                while i < content.count {
                    if content[i] == 0x5C {
                        // The escapes the texts hold, decoded.
                        for (escape, text) in Self.escapes {
                            let e = Array(escape.utf8)
                            if content.count - i >= e.count && Array(content[i..<(i + e.count)]) == e {
                                decoded += Array(text.utf8)
                                i += e.count
                                break
                            }
                        }
                    } else {
                        decoded.append(content[i])
                        i += 1
                    }
                }
                if let s = String(validating: decoded, as: UTF8.self) {
                    expected = .success(s)
                } else {
                    expected = .failure(JSONParseError("invalid UTF-8 in string", offset: 1))
                }
            }
            let got: Result<String, JSONParseError>
            do throws(JSONParseError) {
                guard case .string(let s) = try JSONParser.parse(text) else {
                    Issue.record("not a string: \(text)")
                    continue
                }
                got = .success(s)
            } catch {
                got = .failure(error)
            }
            #expect(got == expected, "\(text)")
            if case .success(let s) = got {
                // A well-made string: its scalars, characters, UTF-16 (counted from the UTF-8 unless
                // the string is marked ASCII) and hash agree with one made anew.
                let anew = String(String.UnicodeScalarView(s.unicodeScalars))
                #expect(s.unicodeScalars.count == anew.unicodeScalars.count && s.count == anew.count)
                #expect(s.utf16.count == anew.utf16.count)
                #expect(Set([s]).contains(anew))
            }
            switch expected {
            case .success: outcomes["text", default: 0] += 1
            case .failure(let e): outcomes[e.message, default: 0] += 1
            }
        }
        // Every outcome is there in numbers.
        #expect(outcomes.count == 4)
        #expect(outcomes.values.allSatisfy { $0 > 1_000 }, "\(outcomes)")
    }

    /// A JSON string with bytes that are not UTF-8 is refused, raw or next to escapes; one that is
    /// keeps its text.
    @Test func theParserRefusesWhatIsNotUTF8() throws {
        for bad: [UInt8] in [[0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x80], [0xC0, 0xAF]] {
            for (before, after) in [([UInt8](), [UInt8]()), (Array("abcdefghij".utf8), []), (Array(#"\n"#.utf8), Array(#"\t"#.utf8))] {
                let text = [0x22] + before + bad + after + [0x22]
                #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
            }
        }
        let good = Array(#""Mae’r tŷ\nyn \u00e2 🐉 a ŵyr, words enough to fill some eight-byte words""#.utf8)
        #expect(try JSONParser.parse(good) == .string("Mae’r tŷ\nyn â 🐉 a ŵyr, words enough to fill some eight-byte words"))
        #expect(try JSONParser.parse(Array(#""plain ASCII, long enough for words""#.utf8)) == .string("plain ASCII, long enough for words"))
        // Only escapes bring the non-ASCII: the string must not be marked ASCII.
        let onlyEscaped = [
            (#""\u00e2""#, "â"), (#""ascii then \u2019 and more ascii text""#, "ascii then ’ and more ascii text"),
            (#""\ud83d\udc09""#, "🐉")
        ]
        for (json, text) in onlyEscaped {
            guard case .string(let s) = try JSONParser.parse(Array(json.utf8)) else {
                Issue.record("not a string: \(json)")
                continue
            }
            #expect(s == text)
            #expect(s.count == text.count)
            #expect(s.utf16.count == text.utf16.count)  // a string marked ASCII counts one per byte
            #expect(Array(s.unicodeScalars) == Array(text.unicodeScalars))
            #expect(s.hasSuffix(String(text.unicodeScalars.last.map(Character.init) ?? " ")))
            #expect(Set([s]).contains(text))
        }
    }
}
