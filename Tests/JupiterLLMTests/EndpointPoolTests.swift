import Foundation
import JupiterCore
import JupiterTesting
import Testing

@testable import JupiterLLM

@Suite struct EndpointPoolTests {
    @Test func inFlightIsBoundedPerEndpoint() async throws {
        try await withServer(.init(threads: 2)) { server in
            server.inject(.slow(0.05), times: 1000)
            try await withService([testModel(server, maxInFlight: 4)]) { llm in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<40 {
                        group.addTask { _ = try await llm.chat("m", ChatRequest(messages: [Message(role: .user, content: "q\(i)")])) }
                    }
                    try await group.waitForAll()
                }
            }
            #expect(server.peakInFlight == 4)
            #expect(server.requests(path: "/v1/chat/completions").count == 40)
        }
    }

    @Test func aLimitedViewHoldsRequestsOnTheWireToItsLimit() async throws {
        try await withServer(.init(threads: 2)) { server in
            // Answers slow enough that every place is taken at once even on a busy machine.
            server.inject(.slow(0.25), times: 1000)
            try await withService([testModel(server, maxInFlight: 8)]) { llm in
                let limited = llm.limitingRequests(to: 3)
                let twice = limited.limitingRequests(to: 2)
                #expect(limited.declaredModels.map(\.name) == ["m"])
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<24 {
                        group.addTask {
                            _ = try await limited.chat("m", ChatRequest(messages: [Message(role: .user, content: "q\(i)")]))
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(server.peakInFlight == 3)
                server.resetLog()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<12 {
                        group.addTask {
                            _ = try await twice.chat("m", ChatRequest(messages: [Message(role: .user, content: "r\(i)")]))
                        }
                    }
                    try await group.waitForAll()
                }
                // Nested limits: the tighter one holds.
                #expect(server.peakInFlight == 2)
                // The unlimited service still sends up to the model's own bound.
                server.resetLog()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<24 {
                        group.addTask { _ = try await llm.chat("m", ChatRequest(messages: [Message(role: .user, content: "s\(i)")])) }
                    }
                    try await group.waitForAll()
                }
                #expect(server.peakInFlight == 8)
            }
            #expect(server.requests(path: "/v1/chat/completions").count == 24)
        }
    }

    @Test func aLimitedViewAnswersFromTheCacheWithoutAPlace() async throws {
        let dir = try temporaryDirectory()
        try await withServer(.init(threads: 2)) { server in
            try await withService([testModel(server, maxInFlight: 4)], database: try statePool(dir)) { llm in
                let limited = llm.limitingRequests(to: 1)
                let request = ChatRequest(messages: [Message(role: .user, content: "cached")])
                _ = try await limited.chat("m", request)
                // One slow request holds the only place; a cached answer still comes back at once.
                server.inject(.slow(2), times: 1)
                async let slow = limited.chat("m", ChatRequest(messages: [Message(role: .user, content: "slow")]))
                while server.requests(path: "/v1/chat/completions").count < 2 { try await Task.sleep(nanoseconds: 5_000_000) }
                let again = try await limited.chat("m", request)
                #expect(again.cached)
                #expect(server.requests(path: "/v1/chat/completions").count == 2)
                _ = try await slow
            }
        }
    }

    @Test func waitersCancelledBeforeTheirTurnSendNothing() async throws {
        try await withServer(.init(threads: 2)) { server in
            // The first request holds the only place for 30 s unless cancelled: the waiters are
            // cancelled long before it frees, however slowly this test's tasks are scheduled.
            server.inject(.slow(30), times: 1)
            try await withService([testModel(server, maxInFlight: 1, timeout: 60)]) { llm in
                let first = Task { try await llm.chat("m", ChatRequest(messages: [Message(role: .user, content: "first")])) }
                while server.requestCount < 1 { try await Task.sleep(for: .milliseconds(5)) }
                let waiters = (0..<5).map { i in
                    Task { try await llm.chat("m", ChatRequest(messages: [Message(role: .user, content: "waiting \(i)")])) }
                }
                try await Task.sleep(for: .milliseconds(100))
                for w in waiters { w.cancel() }
                // Then the first is cancelled too: its place passes to each cancelled waiter in turn.
                first.cancel()
                for w in waiters + [first] {
                    do {
                        _ = try await w.value
                        Issue.record("a cancelled request was answered")
                    } catch let error as LLMError {
                        #expect(error.kind == .cancelled, "\(error)")
                    }
                }
                // The place is free again: the next request goes out and is answered.
                _ = try await llm.chat("m", ChatRequest(messages: [Message(role: .user, content: "after")]))
                #expect(server.requests(path: "/v1/chat/completions").map(\.prompt) == ["first", "after"])
            }
        }
    }

    @Test func theGateServesWaitersInOrderAndNeverPastItsWidth() async throws {
        let gate = AsyncGate(width: 2)
        await gate.acquire()
        await gate.acquire()
        let order = Locked<[Int]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<3 {
                group.addTask {
                    await gate.acquire()
                    order.withLock { $0.append(i) }
                }
                // Each waiter queues before the next one is started.
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            #expect(order.withLock { $0 }.isEmpty)
            gate.release()
            gate.release()
            try await Task.sleep(nanoseconds: 50_000_000)
            #expect(order.withLock { $0 } == [0, 1])
            gate.release()
            try await group.waitForAll()
        }
        #expect(order.withLock { $0 } == [0, 1, 2])
        #expect(gate.width == 2)
    }

    @Test func leastOutstandingSpreadsLoadAcrossEndpoints() async throws {
        let a = try await ScriptedLLMServer.start()
        let b = try await ScriptedLLMServer.start()
        a.inject(.slow(0.05), times: 1000)
        b.inject(.slow(0.05), times: 1000)
        let model = ModelConfig(name: "p", endpoints: [a.baseURL, b.baseURL], model: "test-model", maxInFlight: 3)
        try await withService([model]) { llm in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<30 {
                    group.addTask { _ = try await llm.chat("p", ChatRequest(messages: [Message(role: .user, content: "q\(i)")])) }
                }
                try await group.waitForAll()
            }
        }
        let na = a.requests(path: "/v1/chat/completions").count
        let nb = b.requests(path: "/v1/chat/completions").count
        #expect(na + nb == 30)
        #expect(na >= 10 && nb >= 10)
        #expect(a.peakInFlight <= 3 && b.peakInFlight <= 3)
        try await a.stop()
        try await b.stop()
    }

    @Test func poolPrefersTheLeastBusyEndpoint() async {
        let pool = EndpointPool(baseURLs: ["a", "b", "c"], maxInFlight: 2)
        let s1 = await pool.acquire()
        let s2 = await pool.acquire()
        let s3 = await pool.acquire()
        #expect([s1.baseURL, s2.baseURL, s3.baseURL] == ["a", "b", "c"])
        pool.release(s2)
        let s4 = await pool.acquire()
        #expect(s4.baseURL == "b")
        #expect(pool.outstanding == [1, 1, 1])
    }

    @Test func requestsPerMinuteLimitPacesRequests() async throws {
        try await withServer { server in
            var m = testModel(server)
            m.requestsPerMinute = 600  // 10/s, burst of 10 s worth = 100
            try await withService([m]) { llm in
                // Within the burst nothing is held back: every request is sent and answered (the
                // pacing itself is checked deterministically on the bucket below, not by wall time).
                for i in 0..<5 { _ = try await llm.chat("m", ChatRequest(messages: [Message(role: .user, content: "r\(i)")])) }
                #expect(server.requests(path: "/v1/chat/completions").count == 5)
            }
            let bucket = TokenBucket(perMinute: 60, burstSeconds: 2)  // 1/s, holds 2
            #expect(bucket.reserve(1) == 0)
            #expect(bucket.reserve(1) == 0)
            let wait = bucket.reserve(1)
            #expect(wait > 0.9 && wait <= 1.01)
        }
    }

    @Test func tokensPerMinuteLimitDelaysBigRequests() async throws {
        try await withServer { server in
            var m = testModel(server)
            m.tokensPerMinute = 6000  // 100 tokens/s, bucket holds 1000
            try await withService([m]) { llm in
                let start = Date()
                // Estimated at body bytes/4 + max_tokens ≈ 1180 tokens: 180 over the bucket, so ≈ 1.8 s wait.
                _ = try await llm.chat(
                    "m", ChatRequest(messages: [Message(role: .user, content: "t")], sampling: Sampling(maxTokens: 1150)))
                #expect(Date().timeIntervalSince(start) > 1.2)
            }
        }
    }
}
