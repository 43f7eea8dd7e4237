import JupiterCore
import Testing

@testable import JupiterCurate

/// The `langid` stage: decisions, reasons and metadata on documents, pairs and conversations.
/// Behaviour tests use the small committed model (labels `en`, `cy`, `q`); the last test runs
/// lid.176 on the shared legislation pairs when the model is present.
@Suite struct LanguageIDStageTests {
    static let model: FastTextModel? = try? FastTextModelCache.shared.model(
        at: CurateTestSupport.fixtures + "/tiny-softmax.bin")
    static let ctx = StageContext(stageID: "langid", dataset: "test", seed: 1)

    static func pairs() throws -> [(en: String, cy: String)] {
        Array(try CurateTestSupport.legislationPairs().suffix(200))  // not the tiny model's training lines
    }

    static func stage(_ expect: LanguageExpectation = .any, minProb: Double = 0.5) throws -> LanguageIDStage {
        LanguageIDStage(model: try #require(model), expect: expect, minProbability: minProb)
    }

    @Test("a Welsh document expected to be Welsh is kept with its label and probability in metadata")
    func welshDocumentKept() throws {
        let (_, cy) = try #require(try Self.pairs().first { $0.cy.count > 80 })
        let out = try Self.stage(.oneOf(["cy"])).process(.document(Document(id: "d", text: cy)), context: Self.ctx)
        guard case .kept(.document(let d)) = out else { Issue.record("\(out)"); return }
        #expect(d.metadata["langid"]?["label"]?.stringValue == "cy")
        let p = try #require(d.metadata["langid"]?["prob"]?.doubleValue)
        #expect(p >= 0.5 && p <= 1.0001)
    }

    @Test("an English document expected to be Welsh is dropped as a mismatch naming the language")
    func englishDocumentDropped() throws {
        let (en, _) = try #require(try Self.pairs().first { $0.en.count > 80 })
        let out = try Self.stage(.oneOf(["cy"])).process(.document(Document(id: "d", text: en)), context: Self.ctx)
        guard case .dropped(_, let r) = out else { Issue.record("\(out)"); return }
        #expect(r.rule == "langid.mismatch")
        #expect(r.value == .string("en"))
        #expect(r.message.hasPrefix("text is en (p="))
        #expect(r.message.hasSuffix("expected cy"))
    }

    @Test("a probability below min_prob is dropped with the probability as value")
    func lowProbability() throws {
        let (_, cy) = try #require(try Self.pairs().first { $0.cy.count > 80 })
        let top = try #require(Self.model?.predict(cy).first)
        let stage = try Self.stage(.any, minProb: min(Double(top.probability) + 0.00001, 1))
        let out = try stage.process(.document(Document(id: "d", text: cy)), context: Self.ctx)
        guard case .dropped(_, let r) = out else { Issue.record("\(out)"); return }
        #expect(r.rule == "langid.low_prob")
        #expect(abs((r.value?.doubleValue ?? 0) - Double(top.probability)) < 1e-5)
    }

    @Test("pairs are checked against their own language codes by default, side by side")
    func pairSides() throws {
        let stage = try Self.stage()
        let (en, cy) = try #require(try Self.pairs().first { $0.en.count > 60 && $0.cy.count > 60 })
        let good = ParallelPair(id: "p", sourceLanguage: "en", targetLanguage: "cy", source: en, target: cy)
        guard case .kept(.pair(let kept)) = try stage.process(.pair(good), context: Self.ctx) else {
            Issue.record("pair dropped"); return
        }
        #expect(kept.metadata["langid"]?["source"]?["label"]?.stringValue == "en")
        #expect(kept.metadata["langid"]?["target"]?["label"]?.stringValue == "cy")

        let swapped = ParallelPair(id: "p", sourceLanguage: "en", targetLanguage: "cy", source: cy, target: en)
        guard case .dropped(_, let r) = try stage.process(.pair(swapped), context: Self.ctx) else {
            Issue.record("swapped pair kept"); return
        }
        #expect(r.rule == "langid.mismatch")
        #expect(r.message.hasPrefix("source side is cy"))
    }

    @Test("conversations are checked per turn in scope; the failing turn is named")
    func conversationTurns() throws {
        let (en, cy) = try #require(try Self.pairs().first { $0.en.count > 60 && $0.cy.count > 60 })
        let stage = try Self.stage(.perSlot(["user": ["en"], "assistant": ["cy"]]))
        let system = Message(role: .system, content: "Translate the user's English text into Welsh.")
        let good = Conversation(
            id: "c",
            messages: [
                system, Message(role: .user, content: en),
                Message(role: .assistant, content: cy)
            ])
        guard case .kept(.conversation(let c)) = try stage.process(.conversation(good), context: Self.ctx) else {
            Issue.record("conversation dropped"); return
        }
        let turns = try #require(c.metadata["langid"]?["turns"]?.arrayValue)
        #expect(turns.count == 2, "the system turn is out of scope")
        #expect(turns.first?["turn"]?.intValue == 2)
        #expect(turns.last?["label"]?.stringValue == "cy")

        let bad = Conversation(
            id: "c",
            messages: [
                system, Message(role: .user, content: en),
                Message(role: .assistant, content: en)
            ])
        guard case .dropped(_, let r) = try stage.process(.conversation(bad), context: Self.ctx) else {
            Issue.record("English answer kept"); return
        }
        #expect(r.rule == "langid.mismatch")
        #expect(r.message.hasPrefix("turn 3 (assistant) is en"))
    }

    @Test("short turns are recorded as skipped and do not decide")
    func shortTurnsSkipped() throws {
        let (_, cy) = try #require(try Self.pairs().first { $0.cy.count > 60 })
        let stage = try Self.stage(.oneOf(["cy"]))
        let conv = Conversation(
            id: "c",
            messages: [
                Message(role: .user, content: cy),
                Message(role: .assistant, content: "Ydw.")
            ])
        guard case .kept(.conversation(let c)) = try stage.process(.conversation(conv), context: Self.ctx) else {
            Issue.record("dropped"); return
        }
        #expect(c.metadata["langid"]?["turns"]?.arrayValue?.last?["skipped"]?.stringValue == "short")
    }

    @Test("empty and punctuation-only texts are dropped as having no text", arguments: ["", "   \n\t", "?!... — ***"])
    func noText(text: String) throws {
        let stage = try Self.stage(.oneOf(["cy"]))
        let out = try stage.process(.document(Document(id: "d", text: text)), context: Self.ctx)
        guard case .dropped(_, let r) = out else { Issue.record("\(out)"); return }
        #expect(r.rule == "langid.no_text")
        let conv = Conversation(
            id: "c",
            messages: [
                Message(role: .user, content: text),
                Message(role: .assistant, content: "...")
            ])
        guard case .dropped(_, let r2) = try stage.process(.conversation(conv), context: Self.ctx) else {
            Issue.record("kept"); return
        }
        #expect(r2.rule == "langid.no_text")
    }

    @Test("a 10 MB document is identified")
    func tenMegabytes() throws {
        let (_, cy) = try #require(try Self.pairs().first { $0.cy.count > 80 })
        var text = ""
        text.reserveCapacity(10_500_000)
        while text.utf8.count < 10_000_000 { text += cy + "\n" }
        let out = try Self.stage(.oneOf(["cy"])).process(.document(Document(id: "big", text: text)), context: Self.ctx)
        guard case .kept(.document(let d)) = out else { Issue.record("\(out)"); return }
        #expect(d.metadata["langid"]?["label"]?.stringValue == "cy")
    }

    @Test("expect accepts a code, a list or a mapping; labels match codes with a script suffix")
    func expectOptions() throws {
        var o = StageOptions(
            stage: "langid",
            node: ConfigNode(
                .map([
                    ("model", 1, ConfigNode(.scalar(CurateTestSupport.fixtures + "/tiny-softmax.bin"))),
                    (
                        "expect", 2,
                        ConfigNode(
                            .map([
                                ("user", 2, ConfigNode(.scalar("en"))),
                                ("assistant", 3, ConfigNode(.list([ConfigNode(.scalar("cy")), ConfigNode(.scalar("en"))]))),
                                ("robot", 4, ConfigNode(.scalar("xx")))
                            ]))
                    ),
                    ("scope", 5, ConfigNode(.list([ConfigNode(.scalar("user")), ConfigNode(.scalar("narrator"))]))),
                    ("min_prob", 6, ConfigNode(.scalar("0.3")))
                ])))
        let stage = try #require(try LanguageIDStage.factory.make(&o, StageBuildContext(baseDirectory: ".")) as? LanguageIDStage)
        let problems = o.finish().map(\.message)
        #expect(problems.count == 2)
        #expect(problems.contains { $0.contains("unknown key 'robot'") })
        #expect(problems.contains { $0.contains("unknown role 'narrator'") })
        #expect(stage.expect == .perSlot(["user": ["en"], "assistant": ["cy", "en"]]))
        #expect(stage.scope == [.user])
        #expect(stage.minProbability == 0.3)
        #expect(LanguageExpectation.matches("cym_Latn", ["cym"]))
        #expect(LanguageExpectation.matches("cy", ["CY"]))
        #expect(!LanguageExpectation.matches("cym_Latn", ["cy"]))
    }

    @Test(
        "lid.176 decisions on the legislation pairs agree with the fasttext-wheel golden",
        .enabled(if: CurateTestSupport.lidModelPath != nil, Comment(rawValue: CurateTestSupport.noModelMessage)),
        .enabled(if: CurateTestSupport.hasEvals, "needs ../shared/data/llm-evals-cy (the golden's texts)"))
    func lid176OnLegislation() throws {
        let model = try CurateTestSupport.lidModel()
        let golden = try FastTextParityTests.golden().rows
        var reference: [String: (String, Double)] = [:]
        for g in golden { reference[g.key] = (g.label, g.probability) }
        let stage = LanguageIDStage(model: model)
        let texts = try CurateTestSupport.evalTexts().filter { $0.file == "welsh-legislation-translation.jsonl" }
        var byLine: [Int: (en: String, cy: String)] = [:]
        for t in texts {
            if t.field == "u0" { byLine[t.line, default: ("", "")].en = t.text }
            if t.field == "i0" { byLine[t.line, default: ("", "")].cy = t.text }
        }
        var kept = 0
        var checked = 0
        for (line, p) in byLine.sorted(by: { $0.key < $1.key }) where !p.en.isEmpty && !p.cy.isEmpty {
            guard let en = reference["welsh-legislation-translation.jsonl:\(line):u0"],
                let cy = reference["welsh-legislation-translation.jsonl:\(line):i0"]
            else { continue }
            let letters = { (s: String) in s.unicodeScalars.filter { $0.properties.isAlphabetic }.count }
            let judged = { (s: String, r: (String, Double), code: String) in
                letters(s) < 10 || (r.0 == code && r.1 >= LanguageIDStage.defaultMinProbability)
            }
            let expectKeep = judged(p.en, en, "en") && judged(p.cy, cy, "cy")
            let pair = ParallelPair(id: "\(line)", sourceLanguage: "en", targetLanguage: "cy", source: p.en, target: p.cy)
            let out = try stage.process(.pair(pair), context: Self.ctx)
            var isKept = false
            if case .kept = out { isKept = true }
            #expect(isKept == expectKeep, "line \(line)")
            checked += 1
            if isKept { kept += 1 }
        }
        #expect(checked > 2900)
        print("langid on legislation pairs (lid.176, min_prob 0.65): kept \(kept) of \(checked)")
    }
}
