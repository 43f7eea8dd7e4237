import Foundation
import GRDB
import JupiterCore
import JupiterLLM
import JupiterTesting
import Testing

@testable import JupiterSynth

/// The rule for every model stage: a request that fails for transport reasons after all its
/// retries never becomes a result; the rest of the batch is answered (and cached), the batch
/// fails, and a rerun resends exactly the failed requests.
@Suite struct ModelFailureTests {
    /// 120 real prompts through a generate stage while every fault kind hits some of them, and one
    /// prompt's server keeps answering 500: no record is quarantined or lost, the batch throws a
    /// server error naming the count, and once the server recovers a rerun sends only that prompt.
    @Test func aPersistentOutageIsNeverTurnedIntoAResult() async throws {
        let prompts = legislationPrompts(120)
        let dir = try ScratchDirectory.make("outage")
        let pool = try DatabasePool(path: dir + "/state.sqlite")
        let batch = prompts.enumerated().map { conversation("r\($0.offset)", $0.element) }
        let ctx = StageContext(stageID: "generate", dataset: "d", seed: 3)
        try await withServer { server in
            server.inject(.rateLimited(retryAfter: 0.05), times: 15)
            server.inject(.serverError, times: 15)
            server.inject(.dropConnection, times: 10)
            server.inject(.truncatedJSON, times: 10)
            server.inject(.slow(3), times: 5)
            server.inject(.serverError, times: 1000, when: .promptContains(prompts[7]))
            let model = testModel(server, maxInFlight: 8, maxAttempts: 6, timeout: 1)
            try await withService([model], database: pool) { llm in
                let stage = GenerateStage(
                    model: try #require(llm.model(named: "m")), reasoning: .off,
                    sampling: Sampling(maxTokens: 4096), client: llm)
                do {
                    let out = try await stage.process(batch, context: ctx)
                    Issue.record("a failed request became \(out.count) outputs")
                } catch let error as LLMError {
                    #expect(error.kind == .serverError)
                    #expect(error.isTransportFailure)
                    #expect(error.message.contains("1 of 120 requests"))
                    #expect(error.attempts == 6)
                }
                let chats = server.requests(path: "/v1/chat/completions")
                let perPrompt = Dictionary(grouping: chats, by: { $0.prompt ?? "" }).mapValues(\.count)
                #expect(perPrompt.values.allSatisfy { $0 <= 6 })
                #expect(perPrompt[prompts[7]] == 6)
                #expect(Set(perPrompt.keys) == Set(prompts))
                #expect(llm.accounting["m"]?["failures"] == .int(1))
                #expect(llm.accounting["m"]?["answered"] == .int(119))
            }
            // The server recovers: the same batch again sends exactly the one failed prompt.
            server.clearFaults()
            server.resetLog()
            try await withService([model], database: pool) { llm in
                let stage = GenerateStage(
                    model: try #require(llm.model(named: "m")), reasoning: .off,
                    sampling: Sampling(maxTokens: 4096), client: llm)
                let out = try await stage.process(batch, context: ctx)
                #expect(server.requests(path: "/v1/chat/completions").compactMap(\.prompt) == [prompts[7]])
                #expect(out.count == 120)
                for (i, o) in out.enumerated() {
                    guard case .kept(.conversation(let c)) = o else { Issue.record("record \(i) not kept: \(o)"); continue }
                    #expect(c.id == "r\(i)")
                    #expect(c.messages.last?.content.hasSuffix(prompts[i]) == true)
                }
            }
        }
    }

    /// A request the server rejects (HTTP 400: a prompt over the context) is not a transport
    /// failure: its record is quarantined with the server's reason and the batch goes on.
    @Test func aRejectedRequestIsQuarantinedWithItsReason() async throws {
        let prompts = legislationPrompts(6)
        try await withServer { server in
            server.inject(
                .status(400, body: "{\"error\":\"prompt is longer than the context\"}"), times: 100,
                when: .promptContains(prompts[2]))
            try await withService([testModel(server)]) { llm in
                let stage = GenerateStage(
                    model: try #require(llm.model(named: "m")), reasoning: nil, sampling: Sampling(),
                    client: llm)
                let out = try await stage.process(
                    prompts.enumerated().map { conversation("p\($0.offset)", $0.element) },
                    context: StageContext(stageID: "generate", dataset: "d", seed: 1))
                #expect(out.count == 6)
                guard case .quarantined(let r, let error) = out[2] else { Issue.record("not quarantined: \(out[2])"); return }
                #expect(r.id == "p2")
                #expect(error.contains("bad-request") && error.contains("longer than the context"))
                #expect(out.enumerated().filter { $0.offset != 2 }.allSatisfy { if case .kept = $0.element { true } else { false } })
            }
        }
    }
}
