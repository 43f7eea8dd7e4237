import JupiterCore
import Testing

@testable import JupiterCurate

/// Gopher repetition rules (datatrove defaults): each fires on a crafted case, none on real text.
@Suite struct GopherRepetitionRulesTests {
    @Test("real Welsh and English legislation passes (boilerplate aside)")
    func realTextPasses() throws {
        var dropped: [String] = []
        var checked = 0
        for skip in stride(from: 0, to: 200, by: 20) {
            for doc in [
                try QualityTestTexts.welshDocument(minWords: 300, skip: skip),
                try QualityTestTexts.englishDocument(minWords: 300, skip: skip)
            ] {
                checked += 1
                if let r = GopherRepetitionRules().check(doc) { dropped.append(r.message) }
            }
        }
        // Legal boilerplate ("the Welsh Ministers may …") can reach Gopher's top-n-gram bounds.
        #expect(dropped.count <= 2, "\(dropped)")
        print("gopher repetition on \(checked) legislation documents: \(dropped.count) dropped \(dropped)")
    }

    @Test("repeated paragraphs")
    func paragraphs() throws {
        let paras = try QualityTestTexts.welshDocument(minWords: 200).split(separator: "\n").map(String.init)
        let doc = (paras.prefix(4) + paras.prefix(4)).joined(separator: "\n\n")
        let r = try #require(GopherRepetitionRules().check(doc))
        #expect(r.rule == "gopher.dup_para_frac")
        #expect(r.value == .double(0.5))
        #expect(r.message.contains("4 of 8 paragraphs are repeats"))
    }

    @Test("repeated lines")
    func lines() throws {
        var rules = GopherRepetitionRules()
        rules.dupParaFrac = nil
        rules.dupParaCharFrac = nil
        let lines = try QualityTestTexts.englishDocument(minWords: 200).split(separator: "\n").map(String.init)
        try #require(lines.count >= 6)
        let doc = (lines.prefix(6) + lines.prefix(4)).joined(separator: "\n")
        let r = try #require(rules.check(doc))
        #expect(r.rule == "gopher.dup_line_frac")
        #expect(r.value == .double(0.4))
        #expect(r.message.hasPrefix("4 of 10 lines are repeats"))
    }

    @Test("repeated-line characters without many repeated lines")
    func lineChars() throws {
        var rules = GopherRepetitionRules()
        rules.dupParaFrac = nil
        rules.dupParaCharFrac = nil
        let lines = try QualityTestTexts.englishDocument(minWords: 400).split(separator: "\n").map(String.init)
        let longest = try #require(lines.max { $0.count < $1.count })
        let short = (1...8).map { "Item \($0)." }
        let doc = ([longest] + short + [longest]).joined(separator: "\n")
        let r = try #require(rules.check(doc))
        #expect(r.rule == "gopher.dup_line_char_frac")
    }

    @Test("one bigram dominating the text")
    func topBigram() throws {
        let base = try QualityTestTexts.englishDocument(minWords: 60)
        let doc = base + " " + String(repeating: "Welsh Ministers ", count: 40)
        let r = try #require(GopherRepetitionRules().check(doc))
        #expect(r.rule == "gopher.top_2_gram")
    }

    @Test("duplicated 5-grams spread through the text")
    func duplicateNGrams() throws {
        var rules = GopherRepetitionRules()
        rules.topNGrams = []
        let sentences = try CurateTestSupport.legislationPairs().map(\.en).filter { $0.split(separator: " ").count > 12 }
        let phrase = "in accordance with section 12"
        let doc = sentences.prefix(20).map { $0 + " " + phrase + " " + phrase + " of the Act." }.joined(separator: " ")
        let r = try #require(rules.check(doc))
        #expect(r.rule.hasPrefix("gopher.dup_") && r.rule.hasSuffix("_gram"))
        #expect((r.value?.doubleValue ?? 0) > 0.1)
    }

    @Test("datatrove's duplicate walk: repeats are counted once per jump")
    func duplicateWalk() {
        var t = QualityScratch()
        t.load("a b c a b c a b c")
        t.idHash.buildIDs(t.words)
        t.scalars.withUnsafeBufferPointer { t.charHash.buildCharacters(t.words, $0) }
        // n=3: "abc" seen, "bca", "cab", then "abc" again at 3 (jump 3), then "abc" at 6 → 2 × 3 chars.
        #expect(GopherRepetitionRules.duplicateNGramChars(t.words, 3, t.charHash, t.table) == 6)
        // top 2-gram "a b" occurs 3 times: 3 chars × 3.
        #expect(GopherRepetitionRules.topNGramChars(t.words, 2, t.idHash, t.table) == 9)
    }

    @Test("repeated n-grams are compared as datatrove's \"\".join strings: 'ab c' repeats 'a bc'")
    func joinedNGrams() {
        var t = QualityScratch()
        t.load("a bc ab c")
        t.scalars.withUnsafeBufferPointer { t.charHash.buildCharacters(t.words, $0) }
        // 2-grams "abc" (words 0–1), "bcab", then "abc" again (words 2–3): 3 characters repeat.
        #expect(GopherRepetitionRules.duplicateNGramChars(t.words, 2, t.charHash, t.table) == 3)
    }

    @Test("an empty text is dropped as datatrove's 'empty'")
    func empty() {
        #expect(GopherRepetitionRules().check("")?.rule == "gopher.empty")
    }
}
