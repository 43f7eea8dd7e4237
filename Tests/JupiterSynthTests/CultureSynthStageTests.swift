import Foundation
import JupiterCore
import JupiterLLM
import JupiterTesting
import Testing

@testable import JupiterSynth

@Suite struct CultureSynthStageTests {
    static func norm(
        _ id: String, group: String = "Welsh", topic: String = "Social norms and etiquette",
        behavior: String = "greet people with 'bore da' in the morning", agreement: Double? = 0.8
    ) -> JupiterCore.Record {
        .norm(
            CultureNorm(
                id: id, culturalGroup: group, context: "meeting neighbours in a village", goal: "be polite",
                relation: "neighbours", actor: "people", actorBehavior: behavior, recipient: "", recipientBehavior: "",
                otherDescriptions: "", topic: topic, agreement: agreement, lineage: Lineage(file: "norms.jsonl", line: 3)))
    }

    func stage(_ llm: LLMService, judge: Bool = false) throws -> CultureSynthStage {
        let m = try #require(llm.model(named: "m"))
        return CultureSynthStage(
            model: m, answerModel: m, judgeModel: judge ? m : nil, groups: ["welsh", "uk"], topics: [],
            minAgreement: 0.6, personas: CultureSynthStage.defaultPersonas,
            scenarioPrompt: CultureSynthStage.defaultScenarioPrompt,
            answerPrompt: CultureSynthStage.defaultAnswerPrompt,
            judgePrompt: CultureSynthStage.defaultJudgePrompt, sampling: Sampling(temperature: 0.7, maxTokens: 512),
            client: llm)
    }

    /// The scenario prompt the stage sends for a norm and persona (what the scripted server is keyed on).
    static func scenarioPrompt(_ record: JupiterCore.Record, persona: String, stage: CultureSynthStage) -> String {
        guard case .norm(let n) = record else { return "" }
        return stage.fill(stage.scenarioPrompt, n, persona: persona)
    }

    static func persona(_ id: String, seed: UInt64) -> String {
        var rng = SeededRandom(seed, "culture-persona", id)
        return CultureSynthStage.defaultPersonas[Int(rng.next() % UInt64(CultureSynthStage.defaultPersonas.count))]
    }

    @Test func selectionScenarioAnswerAndJudge() async throws {
        let ok = Self.norm("ok")
        let reveal = Self.norm("reveal")
        let unparseable = Self.norm("raw")
        let disagree = Self.norm("judged", behavior: "queue patiently at the bus stop")
        let records = [
            ok, reveal, unparseable, disagree, Self.norm("fr", group: "French"), Self.norm("weak", agreement: 0.2),
            .norm(CultureNorm(id: "broken", culturalGroup: "Welsh", lineage: Lineage(file: "norms.jsonl", line: 9)))
        ]
        let seed: UInt64 = 4
        do {
            let offline = try LLMService(
                models: [ModelConfig(name: "m", endpoints: ["http://127.0.0.1:9/v1"], model: "test-model")],
                database: nil)
            let s = try stage(offline, judge: true)
            let question = "What should I say when I pass someone on the street early in the day?"
            let scenario = #"{"scenario": "I have just moved to a village in Gwynedd.", "question": "\#(question)"}"#
            var script: [String: String] = [
                Self.scenarioPrompt(ok, persona: Self.persona("ok", seed: seed), stage: s): scenario,
                Self.scenarioPrompt(reveal, persona: Self.persona("reveal", seed: seed), stage: s):
                    #"{"scenario": "x", "question": "Should I Greet people with 'bore da' in the morning?"}"#,
                Self.scenarioPrompt(unparseable, persona: Self.persona("raw", seed: seed), stage: s):
                    "Sure! Here is a scenario about mornings.",
                Self.scenarioPrompt(disagree, persona: Self.persona("judged", seed: seed), stage: s): scenario
            ]
            let userTurn = "I have just moved to a village in Gwynedd.\n\n" + question
            // The answer to the scenario (same prompt for both norms: the hidden context differs,
            // the scripted server answers by the user turn), then the judge's verdicts.
            script[userTurn] = "A friendly 'bore da' is what most people say."
            func judgePrompt(_ r: JupiterCore.Record) -> String {
                guard case .norm(let n) = r else { return "" }
                return CultureSynthStage.defaultJudgePrompt.replacingOccurrences(of: "{norm}", with: CultureSynthStage.describe(n))
                    .replacingOccurrences(of: "{question}", with: userTurn)
                    .replacingOccurrences(of: "{answer}", with: "A friendly 'bore da' is what most people say.")
            }
            script[judgePrompt(ok)] = "Yes."
            script[judgePrompt(disagree)] = "No, it is about queueing."
            try await withServer(.init(script: script)) { server in
                try await withService([testModel(server)]) { llm in
                    let out = try await stage(llm, judge: true).process(
                        records,
                        context: StageContext(
                            stageID: "culture-synth",
                            dataset: "d", seed: seed))
                    guard case .kept(.conversation(let c)) = out[0] else { Issue.record("\(out[0])"); return }
                    #expect(c.id == "ok")
                    #expect(c.messages.map(\.role) == [.user, .assistant])
                    #expect(c.messages[0].content == userTurn)
                    #expect(!c.messages[0].content.lowercased().contains("bore da"))
                    #expect(c.metadata["culture"]?["norm_id"] == .string("ok"))
                    #expect(c.metadata["culture"]?["persona"] == .string(Self.persona("ok", seed: seed)))
                    #expect(c.metadata["culture"]?["judge"] == .string("Yes."))
                    #expect(c.lineage.origins == [Origin(file: "norms.jsonl", line: 3)])
                    // The answer request carried the norm as hidden context (a system message).
                    let answerRequests = server.requests(path: "/v1/chat/completions").filter {
                        $0.prompt == userTurn && $0.body?["messages"]?.arrayValue?.count == 2
                    }
                    #expect(
                        answerRequests.contains {
                            $0.body?["messages"]?[0]?["role"] == .string("system")
                                && $0.body?["messages"]?[0]?["content"]?.stringValue?.contains("greet people with 'bore da'") == true
                        })
                    func rule(_ i: Int) -> DropReason? { if case .dropped(_, let r) = out[i] { r } else { nil } }
                    #expect(rule(1)?.rule == CultureSynthStage.Rule.revealsNorm)
                    #expect(rule(2)?.rule == CultureSynthStage.Rule.unparseable)
                    #expect(rule(2)?.value?["raw_output"] == .string("Sure! Here is a scenario about mornings."))
                    #expect(rule(3)?.rule == CultureSynthStage.Rule.judgeDisagrees)
                    #expect(rule(3)?.value == .string("No, it is about queueing."))
                    #expect(rule(4)?.rule == CultureSynthStage.Rule.group)
                    #expect(rule(5)?.rule == CultureSynthStage.Rule.agreement)
                    guard case .quarantined(let r, let error) = out[6] else { Issue.record("\(out[6])"); return }
                    #expect(r.lineage.origins.first?.line == 9)
                    #expect(error.contains("actor_behavior"))
                }
            }
        }
    }

    @Test func personasVaryBySeededDraw() {
        let ids = (0..<200).map { "n\($0)" }
        let personas = Set(ids.map { Self.persona($0, seed: 1) })
        #expect(personas.count == CultureSynthStage.defaultPersonas.count)
        #expect(ids.map { Self.persona($0, seed: 1) } == ids.map { Self.persona($0, seed: 1) })
        #expect(ids.map { Self.persona($0, seed: 1) } != ids.map { Self.persona($0, seed: 2) })
    }

    @Test func groupsAreRequiredAndTemplatesChecked() throws {
        let dir = try ScratchDirectory.make("culture")
        try "Write about {group}.".write(toFile: dir + "/scenario.txt", atomically: true, encoding: .utf8)
        let llm = try LLMService(models: [ModelConfig(name: "m", endpoints: ["http://127.0.0.1:9/v1"], model: "x")], database: nil)
        var o = StageOptions(stage: "culture-synth", ["model": "m", "scenario_prompt_file": "scenario.txt"])
        _ = try CultureSynthStage.factory.make(&o, StageBuildContext(baseDirectory: dir, models: llm))
        let problems = o.finish().map(\.message)
        #expect(problems.contains { $0.contains("'groups' is required") })
        #expect(problems.contains { $0.contains(dir + "/scenario.txt") && $0.contains("{context}") })
    }
}
