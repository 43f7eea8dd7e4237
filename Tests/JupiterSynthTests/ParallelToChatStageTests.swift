import JupiterCore
import Testing

@testable import JupiterSynth

@Suite struct ParallelToChatStageTests {
    func pairs(_ n: Int) -> [Record] {
        (1...n).map { i in
            .pair(
                ParallelPair(
                    id: "p\(i)", sourceLanguage: "en", targetLanguage: "cy", source: "Sentence number \(i).",
                    target: "Brawddeg rhif \(i).", lineage: Lineage(file: "x.tsv", line: i)))
        }
    }

    func conversations(_ outputs: [StageOutput]) -> [Conversation] {
        outputs.compactMap { if case .kept(.conversation(let c)) = $0 { c } else { nil } }
    }

    @Test func everyPairIsUsedOnceInOrder() async throws {
        let stage = ParallelToChatStage()
        let out = conversations(try await stage.process(pairs(500), context: StageContext(stageID: "p2c", dataset: "d", seed: 1)))
        let lines = out.flatMap { $0.lineage.origins.map(\.line) }
        #expect(lines == Array(1...500))
        #expect(out.allSatisfy { $0.messages.count == 2 * $0.lineage.origins.count })
        #expect(out.map(\.lineage.origins.count).max() == 5)
    }

    @Test func sameSeedSameOutputDifferentSeedDifferentOutput() async throws {
        let stage = ParallelToChatStage()
        let a = try await stage.process(pairs(200), context: StageContext(stageID: "p2c", dataset: "d", seed: 1))
        let b = try await stage.process(pairs(200), context: StageContext(stageID: "p2c", dataset: "d", seed: 1))
        let c = try await stage.process(pairs(200), context: StageContext(stageID: "p2c", dataset: "d", seed: 2))
        #expect(a == b)
        #expect(a != c)
    }

    @Test func proportionsAreConfigurable() async throws {
        let all = ParallelToChatStage(seriesShare: 1, maxSeries: 3, forwardShare: 1, welshPromptShare: 0)
        let out = conversations(try await all.process(pairs(300), context: StageContext(stageID: "s", dataset: "d", seed: 3)))
        #expect(out.allSatisfy { $0.metadata["style"] == .string("series") || $0.lineage.origins.count == 1 })
        #expect(out.allSatisfy { $0.lineage.origins.count <= 3 })
        #expect(out.allSatisfy { $0.metadata["direction"] == .string("en-cy") })
        // Forward: the user gives English, the assistant answers Welsh.
        #expect(out.allSatisfy { $0.messages[1].content.hasPrefix("Brawddeg") })
        #expect(out.allSatisfy { $0.messages[0].content.contains("Sentence number") })
        let none = ParallelToChatStage(seriesShare: 0)
        let singles = conversations(try await none.process(pairs(100), context: StageContext(stageID: "s", dataset: "d", seed: 3)))
        #expect(singles.count == 100)
    }

    @Test func welshPromptsAreWrittenInWelsh() async throws {
        let stage = ParallelToChatStage(seriesShare: 0, welshPromptShare: 1)
        let out = conversations(try await stage.process(pairs(100), context: StageContext(stageID: "s", dataset: "d", seed: 4)))
        #expect(out.allSatisfy { ($0.metadata["template"]?.stringValue ?? "").hasPrefix("single-cy-") })
        #expect(out.allSatisfy { c in ["Cymraeg", "Saesneg"].contains { c.messages[0].content.contains($0) } })
        #expect(out.allSatisfy { !$0.messages[0].content.contains("{") })
    }

    @Test func templatesAreCompleteAndDistinct() {
        #expect(TranslationTemplates.singleEnglish.count >= 8)
        #expect(TranslationTemplates.singleWelsh.count >= 8)
        #expect(Set(TranslationTemplates.singleEnglish).count == TranslationTemplates.singleEnglish.count)
        for t in TranslationTemplates.singleEnglish + TranslationTemplates.singleWelsh + TranslationTemplates.seriesEnglish
            + TranslationTemplates.seriesWelsh
        {
            #expect(t.contains("{text}"))
            let filled = TranslationTemplates.fill(t, text: "X", source: "en", target: "cy")
            #expect(!filled.contains("{"), "unfilled placeholder in \(t)")
        }
    }

    @Test func nonPairsAreQuarantinedNotLost() async throws {
        let doc = Record.document(Document(id: "d1", text: "hello"))
        let out = try await ParallelToChatStage().process([doc], context: StageContext(stageID: "s", dataset: "d", seed: 0))
        guard case .quarantined(let r, let e) = out.first else { Issue.record("expected quarantine"); return }
        #expect(r.id == "d1")
        #expect(e.contains("expects pairs"))
    }
}
