import JupiterCore
import Testing

@testable import JupiterCurate

/// The `quality` stage: groups per kind, options, reasons, degenerate and huge inputs.
@Suite struct QualityStageTests {
    static let ctx = StageContext(stageID: "quality", dataset: "test", seed: 1)

    static func welshStage() -> QualityStage {
        var o = StageOptions(stage: "quality", ["language": "cy"])
        let s = QualityStage(options: &o)
        return s
    }

    @Test("a real Welsh document passes all default document groups with language cy")
    func welshDocumentKept() throws {
        let text = try QualityTestTexts.welshDocument(minWords: 700)
        let lines = text.split(separator: "\n").filter { $0.hasSuffix(".") }.joined(separator: "\n")
        let out = try Self.welshStage().process(.document(Document(id: "d", text: lines)), context: Self.ctx)
        guard case .kept(.document(let d)) = out else { Issue.record("\(out)"); return }
        #expect(d.text == lines)
        #expect(d.metadata["quality"] == nil)
    }

    @Test("C4 line removal is recorded in metadata")
    func c4Rewrite() throws {
        let text = try QualityTestTexts.welshDocument(minWords: 700)
        let lines = text.split(separator: "\n").filter { $0.hasSuffix(".") }.joined(separator: "\n")
        let out = try Self.welshStage().process(
            .document(Document(id: "d", text: lines + "\nRhannu'r dudalen hon")),
            context: Self.ctx)
        guard case .kept(.document(let d)) = out else { Issue.record("\(out)"); return }
        #expect(d.text == lines)
        #expect(d.metadata["quality"]?["c4_removed_lines"]?.intValue == 1)
    }

    @Test(
        "empty, whitespace and punctuation-only texts are dropped by the basic rules",
        arguments: [
            ("", "basic.empty"), (" \n\t ", "basic.empty"), ("!!! ... ??? — ***", "basic.no_text")
        ])
    func degenerate(text: String, rule: String) throws {
        let stage = QualityStage()
        for record in [
            Record.document(Document(id: "d", text: text)),
            .pair(ParallelPair(id: "p", sourceLanguage: "en", targetLanguage: "cy", source: "Hello there.", target: text))
        ] {
            let out = try stage.process(record, context: Self.ctx)
            guard case .dropped(_, let r) = out else { Issue.record("\(out)"); continue }
            #expect(r.rule == rule)
        }
    }

    @Test("a 10 MB document is handled and dropped with a Gopher reason")
    func tenMegabytes() throws {
        let base = try QualityTestTexts.welshDocument(minWords: 400)
        var text = ""
        text.reserveCapacity(10_500_000)
        var i = 0
        while text.utf8.count < 10_000_000 {
            text += base.replacing("Gweinidogion", with: "Gweinidogion \(i)") + "\n\n"  // keep paragraphs distinct
            i += 1
        }
        let out = try Self.welshStage().process(.document(Document(id: "big", text: text)), context: Self.ctx)
        guard case .dropped(_, let r) = out else { Issue.record("kept"); return }
        #expect(r.rule.hasPrefix("gopher."), "\(r.rule): \(r.message)")
        #expect(r.value != nil)
    }

    @Test("conversations get the conversation rules by default, Gopher on assistant text when asked")
    func conversationGroups() throws {
        let pair = try #require(try CurateTestSupport.legislationPairs().first { $0.cy.hasSuffix(".") && $0.cy.count > 60 })
        let conv = Conversation(
            id: "c",
            messages: [
                Message(role: .user, content: pair.en),
                Message(role: .assistant, content: pair.cy)
            ])
        guard case .kept = try QualityStage().process(.conversation(conv), context: Self.ctx) else {
            Issue.record("dropped by default rules"); return
        }
        var o = StageOptions(
            stage: "quality",
            node: ConfigNode(
                .map([
                    (
                        "rules", 1,
                        ConfigNode(
                            .map([
                                (
                                    "conversation", 1,
                                    ConfigNode(
                                        .list([
                                            ConfigNode(.scalar("conversation")),
                                            ConfigNode(.scalar("gopher_quality"))
                                        ]))
                                )
                            ]))
                    ),
                    ("language", 2, ConfigNode(.scalar("cy")))
                ])))
        let stage = QualityStage(options: &o)
        #expect(o.finish().isEmpty)
        guard case .dropped(_, let r) = try stage.process(.conversation(conv), context: Self.ctx) else {
            Issue.record("a one-sentence answer passed Gopher's 50-word minimum"); return
        }
        #expect(r.rule == "gopher.min_words")
        #expect(r.message.hasSuffix("(assistant turns)"))
    }

    @Test("options: datatrove names, null turns a bound off, n-gram maps, unknown groups are problems")
    func options() throws {
        var o = StageOptions(
            stage: "quality",
            node: ConfigNode(
                .map([
                    ("min_doc_words", 1, ConfigNode(.null)),
                    ("max_avg_word_length", 2, ConfigNode(.scalar("12"))),
                    ("top_n_grams", 3, ConfigNode(.map([("2", 3, ConfigNode(.scalar("0.25")))]))),
                    ("stop_words", 4, ConfigNode(.list([ConfigNode(.scalar("y")), ConfigNode(.scalar("yr"))]))),
                    ("rules", 5, ConfigNode(.list([ConfigNode(.scalar("basic")), ConfigNode(.scalar("gopher_qualty"))])))
                ])))
        let stage = QualityStage(options: &o)
        #expect(stage.gopherQuality.minDocWords == nil)
        #expect(stage.gopherQuality.maxAvgWordLength == 12)
        #expect(stage.gopherRepetition.topNGrams.count == 1 && stage.gopherRepetition.topNGrams[0].frac == 0.25)
        #expect(stage.gopherQuality.stopWords == ["y", "yr"])
        let problems = o.finish().map(\.message)
        #expect(problems.count == 1)
        #expect(problems.first?.contains("unknown rule group 'gopher_qualty'") == true)
        #expect(stage.configuration["min_doc_words"] == .null)
    }

    @Test("an unknown language without stop_words is a recipe problem")
    func unknownLanguage() {
        var o = StageOptions(stage: "quality", ["language": "br"])
        _ = QualityStage(options: &o)
        #expect(o.finish().map(\.message).contains { $0.contains("no stop-word list ships for language 'br'") })
    }

    @Test("the factory builds the stage by name")
    func factory() throws {
        var o = StageOptions(stage: "quality", [:])
        let stage = try QualityStage.factory.make(&o, StageBuildContext(baseDirectory: "."))
        #expect(stage.name == "quality")
        #expect(o.finish().isEmpty)
    }
}
