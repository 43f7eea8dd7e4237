import Foundation
import JupiterCore
import JupiterTesting
import Testing

@testable import JupiterLLM

@Suite struct FaultToleranceTests {
    /// Every fault kind, injected twice for one prompt: the call succeeds on the third request,
    /// the answer is the normal one, and the counters say two retries.
    @Test(arguments: [
        Fault.rateLimited(retryAfter: nil), .serverError, .dropConnection, .truncatedJSON, .slow(4),
        .status(503, body: "{\"error\":\"overloaded\"}"), .status(200, body: "{\"choices\": \"not a list\"}")
    ])
    func eachFaultIsRetriedUntilAnswered(fault: Fault) async throws {
        try await withServer { server in
            server.inject(fault, times: 2, when: .promptContains("Senedd"))
            // 1.5 s: well under the 4 s slow answer, well over a normal answer on a loaded machine.
            let model = testModel(server, timeout: 1.5)
            try await withService([model]) { llm in
                let r = try await llm.chat("m", ChatRequest(messages: [Message(role: .user, content: "the Senedd sits")]))
                #expect(r.text == ScriptedAnswers.chatAnswer(prompt: "the Senedd sits"))
                // Requests are logged on arrival, so the three are all in the log by now.
                let chats = server.requests(path: "/v1/chat/completions")
                try #require(chats.count == 3)
                #expect(chats.prefix(2).allSatisfy { $0.fault == fault })
                #expect(chats[2].fault == nil)
                let acc = llm.accounting["m"]
                #expect(acc?["requests"] == .int(3))
                #expect(acc?["retries"] == .int(2))
                #expect(acc?["failures"] == .int(0))
                #expect(acc?["answered"] == .int(1))
            }
        }
    }

    /// The timeout is decided on the network thread. With every cooperative thread busy (CPU-bound
    /// stages on all cores), an answer that comes after the timeout is still a timeout, not a late
    /// success: the `async` AsyncHTTPClient API cancelled through a `Task` that could not run.
    @Test func aTimeoutHoldsWhileEveryCooperativeThreadIsBusy() async throws {
        try await withServer { server in
            server.inject(.slow(1.5), times: 1)
            try await withService([testModel(server, maxAttempts: 1, timeout: 0.3)]) { llm in
                let call = Task {
                    try await llm.chat("m", ChatRequest(messages: [Message(role: .user, content: "the Senedd sits")]))
                }
                let arrival = Date().addingTimeInterval(20)
                while server.requestCount == 0 && Date() < arrival { try await Task.sleep(for: .milliseconds(5)) }
                // Busy past the slow answer (1.5 s): no cooperative thread is free when it comes.
                let busyUntil = Date().addingTimeInterval(2.5)
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<ProcessInfo.processInfo.activeProcessorCount + 2 {
                        group.addTask { while Date() < busyUntil {} }
                    }
                }
                do {
                    let r = try await call.value
                    Issue.record("a 1.5 s answer beat a 0.3 s timeout: \(r.text)")
                } catch let error as LLMError {
                    #expect(error.kind == .timeout)
                    #expect(error.message.contains("0.3 s"))
                }
                #expect(server.requests(path: "/v1/chat/completions").count == 1)
            }
        }
    }

    @Test func retryAfterIsHonoured() async throws {
        try await withServer { server in
            server.inject(.rateLimited(retryAfter: 0.6), times: 1)
            try await withService([testModel(server)]) { llm in
                let start = Date()
                _ = try await llm.chat("m", ChatRequest(messages: [Message(role: .user, content: "x")]))
                let elapsed = Date().timeIntervalSince(start)
                // Backoff alone would wait about 0.01 s; Retry-After asks for 0.6 s.
                #expect(elapsed >= 0.55)
                #expect(server.requests(path: "/v1/chat/completions").count == 2)
            }
        }
    }

    @Test func attemptsAreBoundedAndTheErrorIsKept() async throws {
        try await withServer { server in
            server.inject(.serverError, times: 100)
            try await withService([testModel(server, maxAttempts: 4)]) { llm in
                do {
                    _ = try await llm.chat("m", ChatRequest(messages: [Message(role: .user, content: "x")]))
                    Issue.record("should fail")
                } catch let error as LLMError {
                    #expect(error.kind == .serverError)
                    #expect(error.attempts == 4)
                    #expect(error.status == 500)
                    #expect(error.message.contains(server.baseURL))
                }
                #expect(server.requests(path: "/v1/chat/completions").count == 4)
                #expect(llm.accounting["m"]?["failures"] == .int(1))
                #expect(llm.accounting["m"]?["errors"]?["server-error"] == .int(4))
            }
        }
    }

    @Test func clientErrorsAreNotRetried() async throws {
        try await withServer { server in
            server.inject(.status(400, body: "{\"error\":\"context too long\"}"), times: 5)
            try await withService([testModel(server)]) { llm in
                do {
                    _ = try await llm.chat("m", ChatRequest(messages: [Message(role: .user, content: "x")]))
                    Issue.record("should fail")
                } catch let error as LLMError {
                    #expect(error.kind == .badRequest)
                    #expect(error.attempts == 1)
                    #expect(error.message.contains("context too long"))
                }
                #expect(server.requests(path: "/v1/chat/completions").count == 1)
            }
        }
    }
}
