import Foundation
import JupiterCore
import JupiterLLM
import JupiterTesting
import Testing

@testable import JupiterSynth

@Suite struct ReplayStageTests {
    func stage(_ llm: LLMService, reasoningOn: Double? = nil, maxTokens: Int = 4096, system: String? = nil) throws -> ReplayStage {
        ReplayStage(
            model: try #require(llm.model(named: "m")), reasoningOn: reasoningOn,
            sampling: Sampling(temperature: 1.0, topP: 0.95, maxTokens: maxTokens), systemPrompt: system, client: llm)
    }

    /// 10,000 records in batches of 500 with `reasoning_on: 0.3`: the on share is within one
    /// point (the draw is stratified per batch), each record's request carries its switch, and the
    /// reasoning the server gave is stored apart from the answer.
    @Test func theReasoningShareHoldsOnTenThousandRecords() async throws {
        let prompts = legislationPrompts(10_000)
        try await withServer(.init(logBodies: true, threads: 2)) { server in
            try await withService([testModel(server, maxInFlight: 64, reasoning: .toggle)]) { llm in
                let replay = try stage(llm, reasoningOn: 0.3, maxTokens: 100_000)
                var on = 0, total = 0
                for b in 0..<20 {
                    let batch = (0..<500).map { i in conversation("p\(b * 500 + i)", prompts[b * 500 + i]) }
                    let out = try await replay.process(
                        batch, context: StageContext(stageID: "replay", dataset: "d", seed: 7, batchIndex: b))
                    for o in out {
                        guard case .kept(.conversation(let c)) = o, let answer = c.messages.last else {
                            Issue.record("not kept: \(o)"); continue
                        }
                        total += 1
                        let mode = c.metadata["replay"]?["reasoning"]?.stringValue
                        #expect((mode == "on") == (answer.reasoning != nil))
                        #expect(!(answer.reasoning.map { answer.content.contains($0) } ?? false))
                        if mode == "on" { on += 1 }
                    }
                }
                #expect(total == 10_000)
                #expect(abs(Double(on) / Double(total) - 0.3) <= 0.01, "on share \(Double(on) / Double(total))")
                let sentOn = server.requests(path: "/v1/chat/completions")
                    .filter { $0.body?["chat_template_kwargs"]?["enable_thinking"] == .bool(true) }.count
                #expect(sentOn == on)
                // NVIDIA's sampling settings and a per-record seed.
                let first = try #require(server.requests(path: "/v1/chat/completions").first?.body)
                #expect(first["temperature"]?.doubleValue == 1.0 && first["top_p"]?.doubleValue == 0.95)
                let seeds = Set(server.requests(path: "/v1/chat/completions").compactMap { $0.body?["seed"]?.intValue })
                #expect(seeds.count > 9_990)
            }
        }
    }

    /// Every drop rule, each triggered by a crafted answer.
    @Test func everyDropRuleFires() async throws {
        let loop = Array(repeating: "the same few words again", count: 7).joined(separator: " ")
        let script = [
            "empty please": "", "loop please": loop, "think inline": "<think>I should not think.</think>Done.",
            "long please": Array(repeating: "word", count: 50).joined(separator: " ")
        ]
        try await withServer(.init(script: script, reasons: false)) { server in
            try await withService([testModel(server, reasoning: .toggle)]) { llm in
                let off = try stage(llm, reasoningOn: 0, maxTokens: 40)
                let out = try await off.process(
                    [
                        conversation("e", "empty please"), conversation("l", "loop please"), conversation("t", "think inline"),
                        conversation("x", "long please"),
                        .conversation(Conversation(id: "n", messages: [Message(role: .system, content: "s")])),
                        .document(Document(id: "d", text: "   "))
                    ], context: StageContext(stageID: "replay", dataset: "d", seed: 1))
                func rule(_ i: Int) -> String? { if case .dropped(_, let r) = out[i] { r.rule } else { nil } }
                #expect(rule(0) == ReplayStage.Rule.emptyAnswer)
                #expect(rule(1) == ReplayStage.Rule.loop)
                #expect(rule(2) == ReplayStage.Rule.reasoningPresent)
                #expect(rule(3) == ReplayStage.Rule.truncated)
                #expect(rule(4) == ReplayStage.Rule.noPrompt)
                #expect(rule(5) == ReplayStage.Rule.noPrompt)
                // Reasoning on, but this model never reasons.
                let on = try stage(llm, reasoningOn: 1)
                let missing = try await on.process(
                    [conversation("m", "any question")], context: StageContext(stageID: "replay", dataset: "d", seed: 1))
                guard case .dropped(_, let r) = missing[0] else { Issue.record("kept without reasoning"); return }
                #expect(r.rule == ReplayStage.Rule.reasoningMissing)
            }
        }
    }

    /// GSM8K questions as documents (the `question` field) and eval items become conversations
    /// of the prompt and the model's own answer; a declared context drops prompts that cannot fit.
    @Test func documentsAndEvalItemsBecomeConversations() async throws {
        try await withServer { server in
            var model = testModel(server)
            model.contextTokens = 120
            try await withService([model]) { llm in
                let replay = try stage(llm, maxTokens: 40, system: "Solve the problem step by step.")
                let question = "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May."
                let out = try await replay.process(
                    [
                        .document(Document(id: "gsm-1", text: question)),
                        .eval(EvalItem(id: "ev", input: [Message(role: .user, content: "2+2?")], ideal: ["4"])),
                        .document(Document(id: "long", text: String(repeating: "a long question ", count: 20)))
                    ], context: StageContext(stageID: "replay", dataset: "d", seed: 1))
                guard case .kept(.conversation(let c)) = out[0] else { Issue.record("not kept: \(out[0])"); return }
                #expect(c.id == "gsm-1")
                #expect(c.messages.map(\.role) == [.system, .user, .assistant])
                #expect(c.messages[1].content == question)
                #expect(c.metadata["replay"]?["model"] == .string("m"))
                guard case .kept(.conversation(let e)) = out[1] else { Issue.record("not kept: \(out[1])"); return }
                #expect(e.extra["ideal"] == .string("4"))
                guard case .dropped(_, let r) = out[2] else { Issue.record("a prompt over the context was sent"); return }
                #expect(r.rule == ReplayStage.Rule.promptTooLong)
                #expect(server.requests(path: "/v1/chat/completions").count == 2)
            }
        }
    }

    /// `reasoning_on` needs a model that declares it can switch reasoning.
    @Test func reasoningOnNeedsAToggleModel() throws {
        let llm = try LLMService(
            models: [
                ModelConfig(name: "smol", endpoints: ["http://127.0.0.1:9/v1"], model: "x", reasoning: .never),
                ModelConfig(name: "nemotron", endpoints: ["http://127.0.0.1:9/v1"], model: "y", reasoning: .toggle)
            ], database: nil)
        let context = StageBuildContext(baseDirectory: ".", models: llm)
        var bad = StageOptions(stage: "replay", ["model": "smol", "reasoning_on": "0.5"])
        _ = try ReplayStage.factory.make(&bad, context)
        #expect(bad.finish().contains { $0.message.contains("cannot switch reasoning") && $0.message.contains("reasoning: never") })
        var good = StageOptions(stage: "replay", ["model": "nemotron", "reasoning_on": "0.5"])
        _ = try ReplayStage.factory.make(&good, context)
        #expect(good.finish().isEmpty)
        var plain = StageOptions(stage: "replay", ["model": "smol"])
        let s = try #require(try ReplayStage.factory.make(&plain, context) as? ReplayStage)
        #expect(plain.finish().isEmpty)
        #expect(s.sampling.temperature == 1.0 && s.sampling.topP == 0.95 && s.reasoningOn == nil)
    }
}
