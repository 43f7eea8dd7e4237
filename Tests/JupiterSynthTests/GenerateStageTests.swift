import JupiterCore
import JupiterLLM
import JupiterTesting
import Testing

@testable import JupiterSynth

@Suite struct GenerateStageTests {
    @Test func answersLastUserTurnReplacingTheOldAnswer() async throws {
        try await withServer { server in
            try await withService([testModel(server)]) { llm in
                let stage = GenerateStage(
                    model: try #require(llm.model(named: "m")), reasoning: .on,
                    sampling: Sampling(temperature: 0.6), client: llm)
                let convo = Conversation(
                    id: "c1",
                    messages: [
                        Message(role: .system, content: "Ateb yn Gymraeg."),
                        Message(role: .user, content: "Beth yw prifddinas Cymru?"),
                        Message(role: .assistant, content: "old answer")
                    ])
                let out = try await stage.process(
                    [.conversation(convo), .document(Document(id: "d", text: "t"))],
                    context: StageContext(stageID: "generate", dataset: "x", seed: 9))
                guard case .kept(.conversation(let c)) = out[0] else { Issue.record("not kept: \(out[0])"); return }
                #expect(c.messages.count == 3)
                #expect(c.messages[2].role == .assistant)
                let sentSeed = try #require(server.requestLog.last?.body?["seed"]?.intValue)
                #expect(
                    c.messages[2].content
                        == ScriptedAnswers.chatAnswer(prompt: "Beth yw prifddinas Cymru?", seed: sentSeed, temperature: 0.6))
                #expect(
                    c.messages[2].reasoning
                        == ScriptedAnswers.reasoning(prompt: "Beth yw prifddinas Cymru?", seed: sentSeed, temperature: 0.6))
                #expect(c.metadata["generate"]?["model"] == .string("m"))
                let sent = try #require(server.requestLog.last?.body?["messages"]?.arrayValue)
                #expect(sent.count == 2)
                #expect(server.requestLog.last?.body?["chat_template_kwargs"]?["enable_thinking"] == .bool(true))
                guard case .quarantined(_, let error) = out[1] else { Issue.record("document should be quarantined"); return }
                #expect(error.contains("conversation"))
            }
        }
    }

    @Test func reasoningOffAndDeterministicPerRecordSeeds() async throws {
        let prompts = legislationPrompts(12)
        let batch = prompts.enumerated().map { conversation("id\($0.offset)", $0.element, system: "Translate to Welsh.") }
        let ctx = StageContext(stageID: "generate", dataset: "x", seed: 42)
        try await withServer { server in
            try await withService([testModel(server)]) { llm in
                let stage = GenerateStage(
                    model: try #require(llm.model(named: "m")), reasoning: .off,
                    sampling: Sampling(temperature: 1.0, maxTokens: 200), client: llm)
                let a = try await stage.process(batch, context: ctx)
                let b = try await stage.process(batch, context: ctx)
                #expect(a == b)
                let seeds = Set(server.requestLog.compactMap { $0.body?["seed"]?.intValue })
                #expect(seeds.count == 12)  // one seed per record, the same on both passes
                for (i, o) in a.enumerated() {
                    guard case .kept(.conversation(let c)) = o else { Issue.record("not kept"); continue }
                    #expect(c.id == "id\(i)")
                    #expect(c.messages.last?.reasoning == nil)
                    #expect(c.messages.last?.content.hasSuffix(prompts[i]) == true)
                }
                #expect(server.requestLog.allSatisfy { $0.body?["chat_template_kwargs"]?["enable_thinking"] == .bool(false) })
                let other = try await stage.process(batch, context: StageContext(stageID: "generate", dataset: "x", seed: 43))
                #expect(other != a)
            }
        }
    }

    @Test func factoryReadsOptionsAndReportsProblems() throws {
        let llm = try LLMService(models: [ModelConfig(name: "base", endpoints: ["http://127.0.0.1:9/v1"], model: "x")], database: nil)
        let factory = GenerateStage.factory
        let context = StageBuildContext(baseDirectory: ".", models: llm)
        var good = StageOptions(stage: "generate", ["model": "base", "reasoning": "off", "max_tokens": "128", "temperature": "0.3"])
        let stage = try #require(try factory.make(&good, context) as? GenerateStage)
        #expect(good.finish().isEmpty)
        #expect(stage.reasoning == .off)
        #expect(stage.sampling.maxTokens == 128)
        #expect(stage.configuration["temperature"]?.doubleValue == 0.3)
        var bad = StageOptions(stage: "generate", ["model": "nope", "reasoning": "maybe", "colour": "red"])
        _ = try factory.make(&bad, context)
        let problems = bad.finish().map(\.message)
        #expect(problems.contains { $0.contains("unknown model 'nope'") && $0.contains("base") })
        #expect(problems.contains { $0.contains("'reasoning' must be one of on, off") })
        #expect(problems.contains { $0.contains("unknown option 'colour'") })
        var missing = StageOptions(stage: "generate", [:])
        _ = try factory.make(&missing, context)
        #expect(missing.finish().contains { $0.message.contains("'model' is required") })
    }
}
