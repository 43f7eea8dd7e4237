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

    @Test("one pass over the text counts as a scalar at a time does, printable ASCII runs included")
    func scanMatchesScalars() {
        let pieces = [
            "Mae", " ", "hi'n", "braf", "\n", "\t", "\r\n", "\u{0B}", "\u{0C}", "\u{01}", "\u{7F}", "ŵyl", "â", "’",
            "\u{00E2}\u{20AC}\u{2122}", "\u{00C3}\u{00A2}", "12", "…", "🙂", "\u{00A0}", "x"
        ]
        var rng = SeededRandom(seed: 3)
        var withBad = 0
        for _ in 0..<3_000 {
            let text = (0..<Int.random(in: 0...40, using: &rng)).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &rng)] }
                .joined()
            var visible = false, letterOrDigit = false, bad = 0, total = 0
            var previous: Unicode.Scalar = " "
            for c in text.unicodeScalars {
                total += 1
                if c.value < 0x80 {
                    let f = BasicTextRules.asciiFacts[Int(c.value)]
                    if f & 1 != 0 { visible = true }
                    if f & 2 != 0 { letterOrDigit = true }
                    if f & 4 != 0 { bad += 1 }
                } else {
                    if !c.properties.isWhitespace { visible = true }
                    if c.properties.numericType != nil || CharacterCategories.isLetter(c) { letterOrDigit = true }
                    bad += BasicTextRules.badness(previous, c)
                }
                previous = c
            }
            let got = BasicTextRules.scan(text)
            #expect(
                got.visible == visible && got.letterOrDigit == letterOrDigit && got.bad == bad && got.total == total,
                "\(text.debugDescription)")
            if bad > 0 { withBad += 1 }
        }
        #expect(withBad > 1_000)
    }
}
