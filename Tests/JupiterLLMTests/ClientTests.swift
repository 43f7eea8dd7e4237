import JupiterCore
import JupiterTesting
import Testing

@testable import JupiterLLM

@Suite struct ClientTests {
    @Test func chatParsesAnswerReasoningUsageAndFinishReason() async throws {
        try await withServer { server in
            try await withService([testModel(server)]) { llm in
                let prompt = legislationPrompts(1)[0]
                let r = try await llm.chat(
                    "m",
                    ChatRequest(
                        messages: [Message(role: .user, content: prompt)],
                        sampling: Sampling(temperature: 0.7, seed: 5)))
                #expect(r.text == ScriptedAnswers.chatAnswer(prompt: prompt, seed: 5, temperature: 0.7))
                #expect(r.choices[0].message.reasoning == ScriptedAnswers.reasoning(prompt: prompt, seed: 5, temperature: 0.7))
                #expect(r.choices[0].finishReason == .stop)
                #expect(r.usage.promptTokens == prompt.split(separator: " ").count)
                #expect(r.usage.completionTokens == ScriptedAnswers.tokens(r.text).count)
                #expect(!r.cached)
                let body = try #require(server.requests(path: "/v1/chat/completions").first?.body)
                #expect(body["seed"] == .int(5))
                #expect(body["temperature"]?.doubleValue == 0.7)
                #expect(body["model"] == .string("test-model"))
            }
        }
    }

    @Test func inlineThinkBlocksAreSplitOff() async throws {
        try await withServer(.init(inlineReasoning: true)) { server in
            try await withService([testModel(server)]) { llm in
                let r = try await llm.chat("m", ChatRequest(messages: [Message(role: .user, content: "Bore da")]))
                #expect(r.text == ScriptedAnswers.chatAnswer(prompt: "Bore da"))
                #expect(r.choices[0].message.reasoning == ScriptedAnswers.reasoning(prompt: "Bore da"))
            }
        }
    }

    @Test func reasoningOffSendsChatTemplateKwargsAndPassesExtraFields() async throws {
        try await withServer { server in
            var m = testModel(server)
            m.extraBody = ["repetition_penalty": .double(1.1)]
            try await withService([m]) { llm in
                let req = ChatRequest(
                    messages: [Message(role: .user, content: "hi")], reasoning: .off,
                    extraBody: ["chat_template_kwargs": .object(["custom": .bool(true)]), "min_p": .double(0.05)])
                let r = try await llm.chat("m", req)
                #expect(r.choices[0].message.reasoning == nil)
                let body = try #require(server.requestLog.last?.body)
                #expect(body["chat_template_kwargs"]?["enable_thinking"] == .bool(false))
                #expect(body["chat_template_kwargs"]?["custom"] == .bool(true))
                #expect(body["min_p"]?.doubleValue == 0.05)
                #expect(body["repetition_penalty"]?.doubleValue == 1.1)
            }
        }
    }

    @Test func earlierReasoningIsNotSent() async throws {
        try await withServer { server in
            try await withService([testModel(server)]) { llm in
                let turns = [
                    Message(role: .user, content: "one"), Message(role: .assistant, content: "two", reasoning: "secret plan"),
                    Message(role: .user, content: "three")
                ]
                _ = try await llm.chat("m", ChatRequest(messages: turns))
                let sent = try #require(server.requestLog.last?.body?["messages"]?.arrayValue)
                #expect(sent.count == 3)
                #expect(sent[1]["reasoning_content"] == nil)
                #expect(sent[1]["content"] == .string("two"))
            }
        }
    }

    @Test func logprobsTopLogprobsNAndMaxTokens() async throws {
        try await withServer { server in
            try await withService([testModel(server)]) { llm in
                let req = ChatRequest(
                    messages: [Message(role: .user, content: "Croeso i Gymru")],
                    sampling: Sampling(maxTokens: 3, seed: 1, n: 2), logprobs: true, topLogprobs: 4)
                let r = try await llm.chat("m", req)
                #expect(r.choices.count == 2)
                for c in r.choices {
                    #expect(c.finishReason == .length)
                    let lps = try #require(c.logprobs)
                    #expect(lps.count == 3)
                    #expect(lps.map(\.token).joined() == c.message.content)
                    for (i, t) in lps.enumerated() {
                        #expect(t.logprob == ScriptedAnswers.logprob(t.token, position: i))
                        #expect(t.top.count == 4)
                        #expect(t.top[0].token == t.token)
                    }
                }
                #expect(r.choices[0].message.content != r.choices[1].message.content)
            }
        }
    }

    @Test func completionWithEchoScoresThePrompt() async throws {
        try await withServer { server in
            try await withService([testModel(server)]) { llm in
                let prompt = "Mae hi'n braf heddiw"
                let r = try await llm.complete(
                    "m",
                    CompletionRequest(
                        prompt: prompt, sampling: Sampling(maxTokens: 0),
                        logprobs: 2, echo: true))
                #expect(r.text == prompt)
                let lps = try #require(r.choices[0].logprobs)
                #expect(lps.map(\.token) == ScriptedAnswers.tokens(prompt))
                #expect(lps[0].logprob == nil)
                #expect(lps[1].logprob == ScriptedAnswers.logprob(lps[1].token, position: 1))
                #expect(lps[1].top.count == 2)
                #expect(lps[1].top[0].logprob >= lps[1].top[1].logprob)
                let gen = try await llm.complete("m", CompletionRequest(prompt: prompt, sampling: Sampling(maxTokens: 2)))
                #expect(gen.choices[0].finishReason == .length)
                #expect(ScriptedAnswers.tokens(gen.text).count == 2)
            }
        }
    }

    @Test func embeddingsInInputOrder() async throws {
        try await withServer { server in
            try await withService([testModel(server)]) { llm in
                let texts = legislationPrompts(3)
                let r = try await llm.embed("m", EmbeddingRequest(input: texts))
                #expect(r.embeddings == texts.map(ScriptedAnswers.embedding))
            }
        }
    }

    @Test func rawSendAndUnknownModel() async throws {
        try await withServer { server in
            try await withService([testModel(server)]) { llm in
                let raw = try await llm.send(
                    "m", path: "/chat/completions",
                    body: ["messages": .array([.object(["role": .string("user"), "content": .string("x")])])])
                #expect(raw["choices"]?.arrayValue?.count == 1)
                await #expect(throws: LLMError.self) { _ = try await llm.chat("nope", ChatRequest(messages: [])) }
                do {
                    _ = try await llm.chat("nope", ChatRequest(messages: []))
                } catch let error as LLMError {
                    #expect(error.kind == .unknownModel)
                    #expect(error.message.contains("declared: m"))
                }
            }
        }
    }

    @Test func healthCheckNamesTheEndpoint() async throws {
        // A port nobody listens on: bind-and-release gives a free one.
        let port = try FreePort.find(loopback: true)
        let dead = ModelConfig(name: "gone", endpoints: ["http://127.0.0.1:\(port)/v1"], model: "x", timeout: 2)
        try await withService([dead]) { llm in
            do {
                try await llm.start()
                Issue.record("start() should fail")
            } catch let error as LLMError {
                #expect(error.message.contains("http://127.0.0.1:\(port)/v1"))
                #expect(error.kind == .connection)
            }
        }
        try await withServer { server in
            let wrong = ModelConfig(name: "w", endpoints: [server.baseURL], model: "other-model")
            try await withService([wrong]) { llm in
                do {
                    try await llm.start()
                    Issue.record("start() should fail")
                } catch let error as LLMError {
                    #expect(error.message.contains("does not serve 'other-model'"))
                    #expect(error.message.contains("test-model"))
                    #expect(error.message.contains(server.baseURL))
                }
            }
            try await withService([testModel(server)]) { llm in try await llm.start() }
            #expect(server.requests(path: "/v1/models").count == 2)
        }
    }

    @Test func listModelsSuggestsV1() async throws {
        try await withServer { server in
            let ids = try await LLMService.listModels(baseURL: server.baseURL)
            #expect(ids == ["test-model"])
            do {
                _ = try await LLMService.listModels(baseURL: "http://127.0.0.1:\(server.port)")
                Issue.record("should fail")
            } catch let error as LLMError {
                #expect(error.message.contains("404"))
                #expect(error.message.contains("/v1"))
            }
        }
    }
}
