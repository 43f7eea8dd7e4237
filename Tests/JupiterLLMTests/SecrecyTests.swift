import Foundation
import GRDB
import JupiterCore
import JupiterTesting
import Testing

@testable import JupiterLLM

@Suite struct SecrecyTests {
    static let key = "sk-jupiter-test-7f3a9c1e5b2d4f60"

    /// The key is sent in the Authorization header, and appears nowhere Jupiter writes: not in
    /// log lines, error messages (even when a careless server echoes the header back), the
    /// accounting/manifest JSON, or the cache table.
    @Test func apiKeyNeverLeaks() async throws {
        let dir = try temporaryDirectory()
        let env = ["JUPITER_TEST_KEY": Self.key]
        let sink = LogSink()
        var errors: [String] = []
        // 1. Accepted key: answers are cached; retries logged.
        try await withServer(.init(requiredKey: Self.key)) { server in
            server.inject(.serverError, times: 2)
            let m = testModel(server, apiKeyEnv: "JUPITER_TEST_KEY")
            try await withService([m], database: try statePool(dir), environment: env, log: sink.add) { llm in
                try await llm.start()
                _ = try await llm.chat("m", ChatRequest(messages: [Message(role: .user, content: "Diolch \(Self.key)?")]))
                let acc = JSONWriter.string(llm.accounting)
                #expect(!acc.contains(Self.key))
                // The manifest records the model's settings: the variable's name, never its value.
                let settings = JSONWriter.string(m.json)
                #expect(settings.contains("JUPITER_TEST_KEY") && !settings.contains(Self.key))
            }
            #expect(server.requestLog.allSatisfy { $0.authorization == "Bearer \(Self.key)" })
        }
        // 2. Rejected key: the server echoes the Authorization header in its 401 body.
        try await withServer(.init(requiredKey: "another-key")) { server in
            let m = testModel(server, apiKeyEnv: "JUPITER_TEST_KEY")
            try await withService([m], database: try statePool(dir), environment: env, log: sink.add) { llm in
                do {
                    _ = try await llm.chat("m", ChatRequest(messages: [Message(role: .user, content: "x")]))
                } catch let error as LLMError {
                    errors.append("\(error)")
                    errors.append(error.message)
                }
                do { try await llm.start() } catch { errors.append("\(error)") }
                #expect(!JSONWriter.string(llm.accounting).contains(Self.key))
            }
            // The server did see it (so the redaction is what kept it out).
            #expect(server.requestLog.contains { $0.authorization?.contains(Self.key) == true })
        }
        // 3. Retries of the rejected kind never happen, but log lines from 1 exist.
        #expect(sink.lines.count >= 2)
        #expect(errors.count == 3)
        #expect(errors.allSatisfy { $0.contains("401") && $0.contains("[redacted]") }, "\(errors)")
        for line in sink.lines + errors { #expect(!line.contains(Self.key), "leaked in: \(line)") }
        // 4. The cache table holds no key (the prompt mentioning it is the user's own text, so
        //    check raw rows other than the answer to that prompt: keys, models, paths).
        let pool = try statePool(dir)
        let rows = try pool.read { db in try Row.fetchAll(db, sql: "SELECT key, model, path FROM llm_responses") }
        #expect(rows.count == 1)
        for row in rows { #expect(!row.description.contains(Self.key)) }
        // The stored request hash does not depend on the key: same request, other key → same key.
        let blob = try await pool.read { db in try Data.fetchOne(db, sql: "SELECT response FROM llm_responses") } ?? Data()
        #expect(!String(decoding: blob, as: UTF8.self).contains("Bearer"))
    }
}
