import JupiterCore
import Testing

@testable import JupiterCurate

/// Rules for every text: empty, punctuation-only, broken encoding.
@Suite struct BasicTextRulesTests {
    @Test("every Welsh and English text of the shared evals passes")
    func realTextPasses() throws {
        let texts = try CurateTestSupport.evalTexts()
        #expect(texts.count > 7000)
        for t in texts {
            #expect(BasicTextRules().check(t.text) == nil, "\(t.file):\(t.line)")
        }
    }

    @Test(
        "empty and punctuation-only",
        arguments: [
            ("", "basic.empty"), ("\u{00A0}\n", "basic.empty"),
            ("…", "basic.no_text"), ("* * *", "basic.no_text")
        ])
    func degenerate(text: String, rule: String) {
        #expect(BasicTextRules().check(text)?.rule == rule)
    }

    @Test("Welsh circumflexes are not mojibake; UTF-8 read as Latin-1 is")
    func mojibake() {
        let good = "Mae’r ŵyl yn dechrau ddydd Sadwrn â’r orymdaith; bydd tân gwyllt."
        #expect(BasicTextRules().check(good) == nil)
        let bad =
            "Mae\u{00E2}\u{20AC}\u{2122}r \u{00C5}\u{00B5}yl yn dechrau ddydd Sadwrn \u{00C3}\u{00A2}\u{00E2}\u{20AC}\u{2122}r orymdaith."
        let r = BasicTextRules().check(bad)
        #expect(r?.rule == "basic.garbage")
        #expect((r?.value?.doubleValue ?? 0) > 0.01)
    }

    @Test("control characters count as garbage")
    func controls() {
        let text = "Mae hi'n braf heddiw\u{0001}\u{0002}\u{0003}."
        #expect(BasicTextRules().check(text)?.rule == "basic.garbage")
    }
}
