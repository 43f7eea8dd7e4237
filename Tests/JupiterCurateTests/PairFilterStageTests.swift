import JupiterCore
import Testing

@testable import JupiterCurate

@Suite struct PairFilterStageTests {
    func rule(_ en: String, _ cy: String, _ stage: PairFilterStage = PairFilterStage()) -> String? {
        stage.check(ParallelPair(id: "x", sourceLanguage: "en", targetLanguage: "cy", source: en, target: cy))?.rule
    }

    @Test("the letter share equals one read from Unicode properties, for every scalar below U+0300 and beyond")
    func letterShareEqualsProperties() {
        func reference(_ s: String) -> Double {
            let visible = s.unicodeScalars.filter { !$0.properties.isWhitespace }
            return visible.isEmpty ? 1 : Double(visible.filter { $0.properties.isAlphabetic }.count) / Double(visible.count)
        }
        var texts = ["", "   ", "Bore da ŵ ŷ", "12 — “dyfynnu” …", "Groß Ǆ ﬁ 🐉 日本\u{2003}\u{3000}x"]
        // Every scalar below U+0300, and some beyond, in runs of 16.
        let scalars = (0..<0x300).compactMap(Unicode.Scalar.init) + (0x2000..<0x2070).compactMap(Unicode.Scalar.init)
        for start in stride(from: 0, to: scalars.count, by: 16) {
            var t = ""
            t.unicodeScalars.append(contentsOf: scalars[start..<min(scalars.count, start + 16)])
            texts.append(t)
        }
        for t in texts { #expect(PairFilterStage.letterShare(t) == reference(t), "\(t.debugDescription)") }
    }

    @Test func eachRuleFiresWithItsName() {
        #expect(rule("  ", "Helo") == "pair.empty")
        #expect(rule("Cardiff Bay", "cardiff bay") == "pair.identical")
        #expect(rule("A", "Ie") == "pair.too-short")
        #expect(rule(String(repeating: "word ", count: 1000), String(repeating: "gair ", count: 1000)) == "pair.too-long")
        #expect(rule("Yes.", "Mae hynny'n hollol gywir ac yn wir yn bwysig iawn.") == "pair.length-ratio")
        #expect(rule("2006/2603 (C.88) 45(3)", "2006/2603 (C.88) 45(4)") == "pair.non-letters")
    }

    @Test func realLegislationPairsMostlyPass() throws {
        let stage = PairFilterStage()
        let reader = try LineReader(path: SharedData.path("welsh-legislation-translation.jsonl"))
        var total = 0
        var dropped: [String: Int] = [:]
        while let line = try reader.next() {
            let v = try JSONParser.parse(line.bytes)
            guard let en = v["input"]?.arrayValue?.last?["content"]?.stringValue, let cy = v["ideal"]?.stringValue else { continue }
            total += 1
            if let r = rule(en, cy, stage) { dropped[r, default: 0] += 1 }
        }
        #expect(total == 3003)
        let n = dropped.values.reduce(0, +)
        #expect(n < total / 20, "dropped \(dropped)")
    }

    @Test func dropsNameTheValueAndTheBound() {
        let r = PairFilterStage().check(
            ParallelPair(
                id: "x", sourceLanguage: "en", targetLanguage: "cy", source: "Yes.",
                target: "Mae hynny'n hollol gywir ac yn wir yn bwysig iawn."))
        #expect(r?.message == "length ratio 12.5 > 3.0")
        #expect(r?.value == .double(12.5))
    }

    /// Texts for the fast-path checks: the bundled legislation sides, with case, whitespace, CRLF,
    /// typographic and non-simple variants.
    static func variants() throws -> [String] {
        let tsv = try FileSystem.read(CurateTestSupport.repoRoot + "/examples/cymru/data/legislation-en-cy.tsv")
        var out: [String] = []
        for line in String(decoding: tsv, as: UTF8.self).split(separator: "\n") {
            for side in line.split(separator: "\t") {
                let s = String(side)
                out += [
                    s, s.uppercased(), "  " + s + "\r\n", s.replacing(" ", with: "\u{00A0}"), s + " ’‘—…",
                    s.replacing("a", with: "a\u{0302}"), s.replacing("w", with: "Ŵ"), String(s.prefix(3)), "\t\n"
                ]
            }
        }
        return out + [
            "", " ", "İstanbul", "ISTANBUL", "ǅemal", "ﬁne", "12345", "Ω Ω", "e\r\n\r\n", "àB", "Ⱥx", "ŷ Ŵ", "ÀB", "a\r\nB", "A\rb"
        ]
    }

    @Test("the simple-text fast path decides as the general code on legislation text and its variants")
    func fastPathMatchesGeneral() throws {
        let stage = PairFilterStage(minChars: 2, maxChars: 300, maxRatio: 2.0, ratioMinChars: 5, minLetterShare: 0.6)
        let texts = try Self.variants()
        var fast = 0
        for (i, a) in texts.enumerated() {
            for b in [texts[(i * 7 + 1) % texts.count], texts[(i * 13 + 5) % texts.count], a.lowercased(), a] {
                let p = ParallelPair(id: "x", sourceLanguage: "en", targetLanguage: "cy", source: a, target: b)
                let general = stage.checkGeneral(p)
                let simple = SimpleText.withUTF8(a) { ua in
                    SimpleText.withUTF8(b) { ub in stage.checkSimple(p.sourceLanguage, p.targetLanguage, ua, ub) }
                }
                if let simple {
                    fast += 1
                    #expect(simple == general, "\(a.debugDescription) / \(b.debugDescription)")
                }
                #expect(stage.check(p) == general)
            }
        }
        #expect(fast > texts.count * 2)
    }

    @Test func optionsAreReadAndCheckedThroughTheFactory() throws {
        var options = StageOptions(stage: "pair-filter", ["max_ratio": "2", "min_chars": "-1"])
        let stage = try PairFilterStage.factory.make(&options, StageBuildContext(baseDirectory: "."))
        let problems = options.finish()
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("min_chars") == true)
        #expect((stage as? PairFilterStage)?.maxRatio == 2)
    }
}

enum SharedData {
    static func path(_ name: String) -> String {
        let here = #filePath
        var parts = here.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/") + "/../shared/data/llm-evals-cy/" + name
    }
}
