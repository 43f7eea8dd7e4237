import Foundation
import GRDB
import JupiterCore
import JupiterTesting
import Testing

@testable import JupiterLLM

@Suite struct ResponseCacheTests {
    @Test func rerunSendsZeroRequestsForAnsweredOnes() async throws {
        let dir = try temporaryDirectory()
        let prompts = legislationPrompts(40)
        try await withServer { server in
            let first: [String] = try await withService([testModel(server)], database: try statePool(dir)) { llm in
                var out: [String] = []
                for p in prompts.prefix(30) {
                    out.append(try await llm.chat("m", ChatRequest(messages: [Message(role: .user, content: p)])).text)
                }
                #expect(try await llm.cache?.count() == 30)
                return out
            }
            #expect(server.requests(path: "/v1/chat/completions").count == 30)
            server.resetLog()
            // A new service over the same state.sqlite (as a rerun opens it).
            try await withService([testModel(server)], database: try statePool(dir)) { llm in
                var again: [String] = []
                for p in prompts {
                    let r = try await llm.chat("m", ChatRequest(messages: [Message(role: .user, content: p)]))
                    again.append(r.text)
                    #expect(r.cached == prompts.prefix(30).contains(p))
                }
                #expect(Array(again.prefix(30)) == first)
                #expect(llm.accounting["m"]?["cache_hits"] == .int(30))
                #expect(llm.accounting["m"]?["requests"] == .int(10))
            }
            // Only the 10 new prompts reached the server.
            #expect(server.requests(path: "/v1/chat/completions").map(\.prompt) == prompts.suffix(10).map { Optional($0) })
        }
    }

    /// Two different servers that report the same model id never share answers: the cache is
    /// keyed by the model's identity as configured (its endpoints), not by the served id.
    @Test func twoServersWithTheSameModelIdDoNotShareAnswers() async throws {
        let dir = try temporaryDirectory()
        let prompt = legislationPrompts(1)[0]
        try await withServer { a in
            try await withServer { b in
                let request = ChatRequest(messages: [Message(role: .user, content: prompt)])
                try await withService([testModel(a)], database: try statePool(dir)) { llm in
                    _ = try await llm.chat("m", request)
                }
                try await withService([testModel(b)], database: try statePool(dir)) { llm in
                    let r = try await llm.chat("m", request)
                    #expect(!r.cached)
                }
                #expect(b.requests(path: "/v1/chat/completions").count == 1)
                // The same server again: answered from the cache.
                try await withService([testModel(a)], database: try statePool(dir)) { llm in
                    let r = try await llm.chat("m", request)
                    #expect(r.cached)
                }
                #expect(a.requests(path: "/v1/chat/completions").count == 1)
            }
        }
    }

    /// A local llama.cpp model's identity is its GGUF file's hash and settings (its port changes
    /// every run), so a rerun hits the cache and another file or context size does not.
    @Test func aLocalModelIsKnownByItsFileAndSettings() throws {
        let dir = try temporaryDirectory()
        try Data("GGUF one".utf8).write(to: URL(fileURLWithPath: dir + "/a.gguf"))
        try Data("GGUF two".utf8).write(to: URL(fileURLWithPath: dir + "/b.gguf"))
        func identity(_ file: String, ctx: Int) -> String {
            LLMService.identity(
                of: ModelConfig(
                    name: "local", backend: .llamaCpp(.init(modelPath: dir + "/" + file, contextSize: ctx)),
                    model: "local"))
        }
        #expect(identity("a.gguf", ctx: 512) == identity("a.gguf", ctx: 512))
        #expect(identity("a.gguf", ctx: 512) != identity("b.gguf", ctx: 512))
        #expect(identity("a.gguf", ctx: 512) != identity("a.gguf", ctx: 1024))
        #expect(identity("a.gguf", ctx: 512).contains(try SHA256.hex(ofFile: dir + "/a.gguf")))
    }

    @Test func keyIgnoresFieldOrderButNotContent() {
        let a: JSONValue = .object(["model": .string("m"), "messages": .array([]), "temperature": .double(0.5)])
        let b: JSONValue = .object(["temperature": .double(0.5), "messages": .array([]), "model": .string("m")])
        let c: JSONValue = .object(["model": .string("m"), "messages": .array([]), "temperature": .double(0.6)])
        let k = ResponseCache.key(path: "/chat/completions", model: "m", body: a)
        #expect(k == ResponseCache.key(path: "/chat/completions", model: "m", body: b))
        #expect(k != ResponseCache.key(path: "/chat/completions", model: "m", body: c))
        #expect(k != ResponseCache.key(path: "/completions", model: "m", body: a))
        #expect(k != ResponseCache.key(path: "/chat/completions", model: "m2", body: a))
        #expect(k.count == 64)
    }

    @Test func failedRequestsAreNotCachedAndEmbeddingsAre() async throws {
        let dir = try temporaryDirectory()
        try await withServer { server in
            server.inject(.serverError, times: 10)
            try await withService([testModel(server, maxAttempts: 2)], database: try statePool(dir)) { llm in
                await #expect(throws: LLMError.self) {
                    _ = try await llm.chat("m", ChatRequest(messages: [Message(role: .user, content: "a")]))
                }
                let stored = try await llm.cache?.count()
                #expect(stored == 0)
            }
            server.clearFaults()
            server.resetLog()
            for _ in 0..<2 {
                try await withService([testModel(server)], database: try statePool(dir)) { llm in
                    _ = try await llm.chat("m", ChatRequest(messages: [Message(role: .user, content: "a")]))
                    let e = try await llm.embed("m", EmbeddingRequest(input: ["un", "dau"]))
                    #expect(e.embeddings.count == 2)
                }
            }
            #expect(server.requests(path: "/v1/chat/completions").count == 1)
            #expect(server.requests(path: "/v1/embeddings").count == 1)
        }
    }

    @Test func tablesLiveInTheRunDatabaseInWALMode() async throws {
        let dir = try temporaryDirectory()
        let pool = try statePool(dir)
        _ = try ResponseCache(database: pool)
        let (mode, tables) = try await pool.read { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            )
        }
        #expect(mode == "wal")
        #expect(tables == ["llm_responses"])
        // Opening again (a rerun) keeps the data and does not fail.
        _ = try ResponseCache(database: pool)
    }
}
