import JupiterCore
import Testing

/// Line numbers, lengths and terminators as the line reader reports them.
@Suite struct LineReaderTests {
    @Test func lengthsAndTerminators() throws {
        let dir = try TempDir()
        try TestSupport.write("abc\r\n\nŵŷ\nlast", to: dir.file("l.txt"))
        let reader = try LineReader(path: dir.file("l.txt"))
        var lines: [Line] = []
        while let l = try reader.next() { lines.append(l) }
        #expect(lines.map(\.number) == [1, 2, 3, 4])
        #expect(lines.map { String(decoding: $0.bytes, as: UTF8.self) } == ["abc", "", "ŵŷ", "last"])
        #expect(lines.map(\.length) == [3, 0, 4, 4])
        #expect(lines.allSatisfy { !$0.tooLong })
    }
}

/// Inline reasoning is split the same way however the text is spaced.
@Suite struct InlineReasoningTests {
    @Test(
        arguments: [
            ("<think>\nR\n</think>\n\nA", "R", "A"),
            ("  \n<think>ŵ ŷ 🐉</think> \r\n\u{2028}Ateb", "ŵ ŷ 🐉", "Ateb"),
            ("<think></think>\n\n7", nil, "7"),
            ("<think> \n\t</think>x", nil, "x"),
            ("\u{00A0}<think>nbsp first</think>y", "nbsp first", "y"),
            ("\t\u{0B}\u{0C}\r<think>v</think>w", "v", "w")
        ] as [(String, String?, String)])
    func splits(_ content: String, _ reasoning: String?, _ answer: String) {
        let split = Message.splitInlineReasoning(content)
        #expect(split.reasoning == reasoning)
        #expect(split.answer == answer)
    }

    @Test(arguments: ["Plain answer", "<think>never closed", "Answer <think>late</think>", "", "<thin>k"])
    func leavesOtherContentAlone(_ content: String) {
        let split = Message.splitInlineReasoning(content)
        #expect(split.reasoning == nil)
        #expect(split.answer == content)
    }

    /// The byte road (``Message/splitInlineReasoning(_:)``) splits as the scalar road, on answers
    /// made of think tags, ASCII and Unicode whitespace (U+0085, U+2028, U+2029, no-break and
    /// ideographic spaces) and Welsh letters and emoji, half of them opening with a think block.
    @Test func bytesSplitAsScalars() {
        let pieces = [
            "<think>", "</think>", " ", "\t", "\n", "\r\n", "\u{0B}", "\u{85}", "\u{2028}", "\u{2029}", "\u{A0}",
            "\u{3000}", "a", "ŵ", "🐉", "<", "think>", "x y"
        ]
        var rng = SeededRandom(seed: 59)
        var split = 0
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<Int(rng.next() % 9) { text += pieces[Int(rng.next() % UInt64(pieces.count))] }
            if rng.next() % 2 == 0 { text = [" ", "\n", "", "\u{A0}", "\t "][Int(rng.next() % 5)] + "<think>" + text }
            let bytes = Message.splitInlineReasoning(text)
            let scalars = Message.splitByScalars(text)
            #expect(bytes.reasoning == scalars.reasoning, "\(Array(text.unicodeScalars))")
            #expect(bytes.answer == scalars.answer, "\(Array(text.unicodeScalars))")
            // Well-made strings (not marked ASCII when they are not).
            #expect(bytes.answer.utf16.count == scalars.answer.utf16.count)
            #expect(bytes.reasoning?.utf16.count == scalars.reasoning?.utf16.count)
            if scalars.reasoning != nil || scalars.answer != text { split += 1 }
        }
        // Blocks are split in numbers (2,122 of the 20,000 with this seed).
        #expect(split > 2_000)
    }

    @Test("finding a needle in UTF-8 equals a byte-by-byte search, for every start offset")
    func findEqualsNaiveSearch() {
        var rng = SeededRandom(seed: 41)
        let pieces = ["<", "</", "</think", "</think>", "ŵ", "a", " ", "<<", "</thin", ">"]
        for _ in 0..<2_000 {
            var text = ""
            for _ in 0..<Int(rng.next() % 12) { text += pieces[Int(rng.next() % UInt64(pieces.count))] }
            let hay = Array(text.utf8), needle = Array("</think>".utf8)
            for from in 0...hay.count {
                var expected: Int?
                if hay.count >= needle.count, from <= hay.count - needle.count {
                    expected = (from...(hay.count - needle.count)).first { Array(hay[$0..<($0 + needle.count)]) == needle }
                }
                #expect(Message.find(needle, in: text, from: from) == expected, "\(text) from \(from)")
            }
        }
    }

    @Test("role names and aliases, from bytes and from strings")
    func roleAliases() {
        let cases: [(String, Role?)] = [
            ("system", .system), ("developer", .system), ("user", .user), ("human", .user),
            ("assistant", .assistant), ("gpt", .assistant), ("model", .assistant), ("tool", .tool),
            ("function", .tool), ("ipython", .tool), ("", nil), ("users", nil), ("User", nil), ("too", nil),
            ("assistant ", nil), ("gptŵ", nil)
        ]
        for (name, role) in cases { #expect(Role(alias: name) == role, "\(name)") }
    }

    @Test func trimming() {
        #expect(" \t ŵ ŷ \n\u{3000}".trimmingWhitespace() == "ŵ ŷ")
        #expect("   ".trimmingWhitespace() == "")
        #expect("x".trimmingWhitespace() == "x")
    }
}
