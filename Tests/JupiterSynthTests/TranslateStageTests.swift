import Foundation
import JupiterCore
import JupiterCurate
import JupiterLLM
import JupiterTesting
import Testing

@testable import JupiterSynth

@Suite struct TranslateStageTests {
    static let lid = Peers.repoRoot + "/examples/cymru/models/lid.176.ftz"

    /// The request text the stage sends for `text` (what the scripted server is keyed on).
    static func prompt(_ text: String) -> String {
        TranslateStage.defaultPrompt.replacingOccurrences(of: "{source}", with: "English")
            .replacingOccurrences(of: "{target}", with: "Welsh").replacingOccurrences(of: "{text}", with: text)
    }

    /// Pairs from the OGL legislation fixture whose Welsh side lid.176 recognises as Welsh.
    static func pairs(_ n: Int) throws -> [(en: String, cy: String)] {
        let model = try FastTextModelCache.shared.model(at: lid)
        let text = try String(contentsOfFile: Peers.repoRoot + "/Tests/Fixtures/Legislation/legislation-en-cy.tsv", encoding: .utf8)
        var out: [(String, String)] = []
        for line in text.split(separator: "\n") where out.count < n {
            let cols = line.split(separator: "\t").map(String.init)
            guard cols.count == 2, cols[0].count > 60, cols[0].count < 200, !cols[0].contains(where: \.isNumber),
                !cols[1].contains(where: \.isNumber)
            else { continue }
            if let top = model.predict(cols[1]).first, top.label == "cy", top.probability > 0.8 { out.append((cols[0], cols[1])) }
        }
        guard out.count == n else { throw LLMError(.invalidResponse, "only \(out.count) clearly Welsh sentences in the fixture") }
        return out
    }

    /// One such pair.
    static func pair() throws -> (en: String, cy: String) { try pairs(1)[0] }

    func stage(_ llm: LLMService, judge: Bool = false, whole: Bool = false, minBackChrF: Double? = nil) throws -> TranslateStage {
        let model = try #require(llm.model(named: "m"))
        return TranslateStage(
            model: model, source: "en", target: "cy", wholeConversation: whole,
            roles: [.system, .user, .assistant], prompt: TranslateStage.defaultPrompt,
            promptSource: "built-in", sampling: Sampling(temperature: 0), minRatio: 0.5, maxRatio: 2.0,
            langid: try FastTextModelCache.shared.model(at: Self.lid), minLangidProbability: 0.5,
            minBackChrF: minBackChrF, judge: judge ? (model, 3) : nil, client: llm)
    }

    /// Each gate, triggered by a crafted answer; a good Welsh answer passes them all.
    @Test func everyGateFiresOnACraftedAnswer() async throws {
        // A different sentence for each case, so each request (the scripted server's key) is distinct.
        let p = try Self.pairs(9)
        let (en, cy) = p[0]
        let url = "See https://www.legislation.gov.uk/wsi/2020/1 for details."
        let code = "Run `make test` with {name} set."
        var script: [String: String] = [:]
        let cases: [(id: String, input: String, answer: String, rule: String?)] = [
            ("good", en, cy, nil),
            ("structure-url", p[1].en + " " + url, p[1].cy + " Gweler y wefan am fanylion.", TranslateStage.Rule.structure),
            ("structure-code", code + " " + p[2].en, p[2].cy + " Rhedwch make test.", TranslateStage.Rule.structure),
            ("structure-markdown", "# Title\n\n- " + p[3].en, "Teitl\n\n" + p[3].cy, TranslateStage.Rule.structure),
            ("unchanged", p[4].en, p[4].en, TranslateStage.Rule.unchanged),
            ("commentary", p[5].en, "Here is the translation: " + p[5].cy, TranslateStage.Rule.commentary),
            ("loop", p[6].en, Array(repeating: "y mae y mae y mae", count: 12).joined(separator: " "), TranslateStage.Rule.loop),
            ("ratio", p[7].en, "Ie.", TranslateStage.Rule.lengthRatio),
            // English words of the same length: right size, wrong language.
            ("language", p[8].en, p[8].en.split(separator: " ").reversed().joined(separator: " "), TranslateStage.Rule.wrongLanguage)
        ]
        for c in cases { script[Self.prompt(c.input)] = c.answer }
        try await withServer(.init(script: script)) { server in
            try await withService([testModel(server)]) { llm in
                let translate = try stage(llm)
                let out = try await translate.process(
                    cases.map { conversation($0.id, $0.input) },
                    context: StageContext(stageID: "translate", dataset: "d", seed: 1))
                for (c, o) in zip(cases, out) {
                    switch o {
                    case .kept(.conversation(let conv)):
                        #expect(c.rule == nil, "\(c.id) was kept")
                        #expect(conv.messages[0].content == cy)
                        #expect(conv.metadata["translate"]?["target"] == .string("cy"))
                    case .dropped(_, let reason):
                        #expect(reason.rule == c.rule, "\(c.id): \(reason.rule) \(reason.message)")
                    default:
                        Issue.record("\(c.id): \(o)")
                    }
                }
            }
        }
    }

    /// Fenced code and JSON payloads are never sent and come back verbatim; tool turns are kept.
    @Test func codeAndJSONAreCarriedOverVerbatim() async throws {
        let (en, cy) = try Self.pair()
        let fenced = "```bash\nls -la /tmp  # list files\n```"
        let user = en + "\n\n" + fenced + "\n\n" + en
        let json = #"{"cmd": "ls", "args": ["-la"]}"#
        try await withServer(.init(script: [Self.prompt(en): cy])) { server in
            try await withService([testModel(server)]) { llm in
                let convo = Conversation(
                    id: "c",
                    messages: [
                        Message(role: .user, content: user), Message(role: .assistant, content: json),
                        Message(role: .tool, content: "total 0")
                    ])
                let out = try await stage(llm).process([.conversation(convo)], context: StageContext(stageID: "t", dataset: "d", seed: 1))
                guard case .kept(.conversation(let c)) = out[0] else { Issue.record("\(out[0])"); return }
                #expect(c.messages[0].content == cy + "\n\n" + fenced + "\n\n" + cy)
                #expect(c.messages[1].content == json)
                #expect(c.messages[2].content == "total 0")
                let sent = server.requests(path: "/v1/chat/completions").compactMap(\.prompt)
                #expect(sent.count == 2 && sent.allSatisfy { !$0.contains("ls -la") && !$0.contains("\"cmd\"") })
            }
        }
    }

    @Test func theJudgeDropsLowScoresAndUnreadableVerdicts() async throws {
        let (en, cy) = try Self.pair()
        let other = "Note: " + en
        func judgePrompt(_ original: String) -> String {
            TranslateStage.judgePrompt.replacingOccurrences(of: "{source}", with: "English")
                .replacingOccurrences(of: "{target}", with: "Welsh").replacingOccurrences(of: "{original}", with: original)
                .replacingOccurrences(of: "{translation}", with: cy)
        }
        let script = [
            Self.prompt(en): cy, Self.prompt(other): cy,
            judgePrompt(en): #"{"fluency": 5, "accuracy": 2, "terminology": 4, "format": 5}"#,
            judgePrompt(other): "It reads well."
        ]
        try await withServer(.init(script: script)) { server in
            try await withService([testModel(server)]) { llm in
                let out = try await stage(llm, judge: true).process(
                    [conversation("low", en), conversation("raw", other)],
                    context: StageContext(stageID: "t", dataset: "d", seed: 1))
                guard case .dropped(_, let low) = out[0], case .dropped(_, let raw) = out[1] else { Issue.record("\(out)"); return }
                #expect(low.rule == TranslateStage.Rule.judge && low.message.contains("accuracy 2 < 3"))
                #expect(raw.rule == TranslateStage.Rule.judgeUnparseable && raw.value == .string("It reads well."))
            }
        }
    }

    /// The round trip: the translation back into English must score chrF ≥ 40 against the original.
    @Test func theBackTranslationGateComparesTheRoundTripWithChrF() async throws {
        let p = try Self.pairs(2)
        func back(_ cy: String) -> String {
            TranslateStage.defaultPrompt.replacingOccurrences(of: "{source}", with: "Welsh")
                .replacingOccurrences(of: "{target}", with: "English").replacingOccurrences(of: "{text}", with: cy)
        }
        let script = [
            Self.prompt(p[0].en): p[0].cy, back(p[0].cy): p[0].en,
            Self.prompt(p[1].en): p[1].cy, back(p[1].cy): "Something else entirely about fishing boats."
        ]
        try await withServer(.init(script: script)) { server in
            try await withService([testModel(server)]) { llm in
                let out = try await stage(llm, minBackChrF: 40).process(
                    [conversation("round", p[0].en), conversation("lost", p[1].en)],
                    context: StageContext(stageID: "t", dataset: "d", seed: 1))
                guard case .kept = out[0] else { Issue.record("\(out[0])"); return }
                guard case .dropped(_, let r) = out[1] else { Issue.record("\(out[1])"); return }
                #expect(r.rule == TranslateStage.Rule.backTranslation)
                let expected = ChrF().sentenceScore(hypothesis: "Something else entirely about fishing boats.", references: [p[1].en])
                #expect(r.value?["chrf"]?.doubleValue == TranslateStage.round(expected))
                #expect(expected < 40)
            }
        }
    }

    @Test func wholeConversationModeSplitsOnTurnMarkers() async throws {
        let (en, cy) = try Self.pair()
        let marked = "[[TURN 1]]\n\(en)\n\n[[TURN 2]]\n\(en)"
        let good = "[[TURN 1]]\n\(cy)\n\n[[TURN 2]]\n\(cy)"
        let other = en + " Again."
        let markedOther = "[[TURN 1]]\n\(other)\n\n[[TURN 2]]\n\(en)"
        try await withServer(.init(script: [Self.prompt(marked): good, Self.prompt(markedOther): "[[TURN 1]]\n\(cy)"])) { server in
            try await withService([testModel(server)]) { llm in
                let two = Conversation(id: "ok", messages: [Message(role: .user, content: en), Message(role: .assistant, content: en)])
                let bad = Conversation(id: "bad", messages: [Message(role: .user, content: other), Message(role: .assistant, content: en)])
                let out = try await stage(llm, whole: true).process(
                    [.conversation(two), .conversation(bad)],
                    context: StageContext(stageID: "t", dataset: "d", seed: 1))
                guard case .kept(.conversation(let c)) = out[0] else { Issue.record("\(out[0])"); return }
                #expect(c.messages.map(\.content) == [cy, cy])
                guard case .dropped(_, let r) = out[1] else { Issue.record("\(out[1])"); return }
                #expect(r.rule == TranslateStage.Rule.turnsMismatch)
            }
        }
    }

    /// A prompt template without its placeholders is a recipe error naming the file.
    @Test func aTemplateWithoutItsPlaceholdersIsAValidateError() throws {
        let dir = try ScratchDirectory.make("template")
        try "Translate this into {target}, please.".write(toFile: dir + "/prompt.txt", atomically: true, encoding: .utf8)
        let llm = try LLMService(models: [ModelConfig(name: "m", endpoints: ["http://127.0.0.1:9/v1"], model: "x")], database: nil)
        var o = StageOptions(stage: "translate", ["model": "m", "prompt_file": "prompt.txt", "langid_model": Self.lid])
        _ = try TranslateStage.factory.make(&o, StageBuildContext(baseDirectory: dir, models: llm))
        #expect(o.finish().contains { $0.message.contains(dir + "/prompt.txt") && $0.message.contains("{text}") })
    }

    @Test func protectedSpansAndPieces() {
        #expect(
            TranslationText.protected("Visit https://example.org/a?b=1. Then `x = 2` and {user_name}, {{id}} or 3,000.5 %s")
                == ["%s", "3,000.5", "`x = 2`", "https://example.org/a?b=1", "{user_name}", "{{id}}"].sorted())
        let text = "Intro\n```swift\nlet x = 1\n```\nOutro"
        #expect(TranslationText.join(TranslationText.pieces(text)) == text)
        #expect(TranslationText.pieces(text) == [.text("Intro\n"), .verbatim("```swift\nlet x = 1\n```\n"), .text("Outro")])
        #expect(TranslationText.pieces(#"[{"a": 1}]"#) == [.verbatim(#"[{"a": 1}]"#)])
        #expect(TranslationText.skeleton("# A\n\n- b\n1. c\n| x | y |\ntext") == ["h1", "blank", "bullet", "numbered", "table3", "text"])
    }
}
