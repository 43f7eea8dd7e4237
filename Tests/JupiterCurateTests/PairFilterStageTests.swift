import JupiterCore
import Testing
@testable import JupiterCurate

@Suite struct PairFilterStageTests {
    func rule(_ en: String, _ cy: String, _ stage: PairFilterStage = PairFilterStage()) -> String? {
        stage.check(ParallelPair(id: "x", sourceLanguage: "en", targetLanguage: "cy", source: en, target: cy))?.rule
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
        let r = PairFilterStage().check(ParallelPair(id: "x", sourceLanguage: "en", targetLanguage: "cy", source: "Yes.",
                                                    target: "Mae hynny'n hollol gywir ac yn wir yn bwysig iawn."))
        #expect(r?.message == "length ratio 12.5 > 3.0")
        #expect(r?.value == .double(12.5))
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
