import JupiterCore
import Testing

@testable import JupiterCurate

/// C4 line rules (datatrove defaults).
@Suite struct C4LineRulesTests {
    static func doc() throws -> [String] {
        try QualityTestTexts.englishDocument(minWords: 700).split(separator: "\n").map(String.init)
            .filter { $0.hasSuffix(".") }
    }

    @Test("real sentences ending in full stops are all kept")
    func realTextKept() throws {
        let lines = try Self.doc()
        try #require(lines.count >= 5)
        guard case .kept(let text, let removed) = C4LineRules().apply(lines.joined(separator: "\n")) else {
            Issue.record("dropped"); return
        }
        #expect(removed == 0)
        #expect(text == lines.joined(separator: "\n"))
    }

    @Test("lines without terminal punctuation, with javascript or cookie notices, or too short are removed")
    func lineRemoval() throws {
        let lines = try Self.doc()
        let noisy =
            [
                "Home | About | Contact", "Please enable JavaScript to view this page.",
                "This site uses cookies to improve your experience.", "Next."
            ] + lines
            + ["Share this page", "Read more..."]
        guard case .kept(let text, let removed) = C4LineRules().apply(noisy.joined(separator: "\n")) else {
            Issue.record("dropped"); return
        }
        #expect(removed == 6)
        #expect(text == lines.joined(separator: "\n"))
    }

    @Test("citation marks are removed")
    func citations() throws {
        let lines = try Self.doc()
        let cited = [lines[0].dropLast() + "[1][citation needed]."] + lines.dropFirst()
        guard case .kept(let text, _) = C4LineRules().apply(cited.joined(separator: "\n")) else {
            Issue.record("dropped"); return
        }
        #expect(text.hasPrefix(lines[0]))
    }

    @Test("lorem ipsum drops the document")
    func lorem() throws {
        let lines = try Self.doc() + ["Lorem ipsum dolor sit amet, consectetur adipiscing elit."]
        guard case .dropped(let r) = C4LineRules().apply(lines.joined(separator: "\n")) else {
            Issue.record("kept"); return
        }
        #expect(r.rule == "c4.lorem_ipsum")
    }

    @Test("a curly bracket drops the document")
    func curly() throws {
        let lines = try Self.doc() + ["The function returns {\"ok\": true} to the caller."]
        guard case .dropped(let r) = C4LineRules().apply(lines.joined(separator: "\n")) else {
            Issue.record("kept"); return
        }
        #expect(r.rule == "c4.curly_bracket")
    }

    @Test("fewer than five sentences drops the document")
    func fewSentences() throws {
        let lines = try Self.doc().prefix(2)
        guard case .dropped(let r) = C4LineRules().apply(lines.joined(separator: "\n")) else {
            Issue.record("kept"); return
        }
        #expect(r.rule == "c4.min_sentences")
        #expect((r.value?.intValue ?? 99) < 5)
    }

    @Test("a line with a word over 1000 characters is removed")
    func longWord() throws {
        let lines = try Self.doc()
        let blob = "Data: " + String(repeating: "QUJD", count: 300) + "."
        guard case .kept(let text, let removed) = C4LineRules().apply(([blob] + lines).joined(separator: "\n")) else {
            Issue.record("dropped"); return
        }
        #expect(removed == 1)
        #expect(!text.contains("QUJD"))
    }
}
