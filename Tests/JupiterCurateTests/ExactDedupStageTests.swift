import JupiterCore
import Testing

@testable import JupiterCurate

struct ArrayBatches: RecordBatches {
    let batches: [[Record]]
    var count: Int { batches.reduce(0) { $0 + $1.count } }
    func forEachBatch(_ body: ([Record]) async throws -> Void) async throws {
        for b in batches { try await body(b) }
    }
}

@Suite struct ExactDedupStageTests {
    func doc(_ id: String, _ text: String) -> Record { .document(Document(id: id, text: text)) }

    func run(_ stage: ExactDedupStage, _ batches: [[Record]]) async throws -> [StageOutput] {
        var out: [StageOutput] = []
        try await stage.run(ArrayBatches(batches: batches), context: StageContext(stageID: "dd", dataset: "d", seed: 0)) {
            out.append($0)
        }
        return out
    }

    @Test func normalisationCoversNFCCaseAndWhitespace() {
        // "ŵ" precomposed vs "w" + combining circumflex.
        #expect(ExactDedupStage.normalise("Mae\u{0175}") == ExactDedupStage.normalise("MAEW\u{0302}"))
        #expect(ExactDedupStage.normalise("  Bore \n\t da  ") == "bore da")
    }

    @Test("the simple-text fast path normalises as the general code")
    func fastNormalisationMatchesGeneral() throws {
        var scratch: [UInt8] = []
        var fast = 0
        for t in try PairFilterStageTests.variants() {
            let general = ExactDedupStage.normaliseGeneral(t)
            if SimpleText.withUTF8(t, { ExactDedupStage.normaliseSimple($0, into: &scratch) }) {
                fast += 1
                #expect(String(decoding: scratch, as: UTF8.self) == general, "\(t.debugDescription)")
                #expect(scratch.elementsEqual(general.utf8))
            }
            #expect(ExactDedupStage.normalise(t) == general)
        }
        #expect(fast > 1000)
    }

    @Test func keepsTheFirstAndNamesItInDrops() async throws {
        let out = try await run(
            ExactDedupStage(),
            [
                [doc("a", "Bore da"), doc("b", "Nos da")],
                [doc("c", "bore  DA"), doc("d", "Prynhawn da")]
            ])
        #expect(out.count == 4)
        guard case .dropped(let r, let reason) = out[2] else { Issue.record("expected a drop"); return }
        #expect(r.id == "c")
        #expect(reason.rule == "exact-dedup.duplicate")
        #expect(reason.message == "duplicate of a")
        #expect(out.filter { if case .kept = $0 { true } else { false } }.count == 3)
    }

    @Test func fieldSelectsOneSideOfPairs() async throws {
        func pair(_ id: String, _ en: String, _ cy: String) -> Record {
            .pair(ParallelPair(id: id, sourceLanguage: "en", targetLanguage: "cy", source: en, target: cy))
        }
        let input = [[pair("1", "Hello", "Helo"), pair("2", "Hello", "Shwmae")]]
        let bySource = try await run(ExactDedupStage(field: "source"), input)
        let byText = try await run(ExactDedupStage(field: "text"), input)
        #expect(bySource.filter { if case .dropped = $0 { true } else { false } }.count == 1)
        #expect(byText.filter { if case .dropped = $0 { true } else { false } }.count == 0)
    }
}
