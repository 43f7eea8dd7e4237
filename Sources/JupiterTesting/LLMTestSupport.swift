import Foundation
import GRDB
import JupiterCore
import JupiterLLM

/// A model pointing at `server`, with fast retries for tests.
public func testModel(
    _ server: ScriptedLLMServer, name: String = "m", model: String = "test-model", maxInFlight: Int = 16,
    maxAttempts: Int = 5, timeout: Double = 10, apiKeyEnv: String? = nil,
    reasoning: ReasoningSupport = .unspecified
) -> ModelConfig {
    ModelConfig(
        name: name, endpoints: [server.baseURL], model: model, apiKeyEnv: apiKeyEnv, maxInFlight: maxInFlight,
        timeout: timeout, retry: RetryPolicy(maxAttempts: maxAttempts, baseDelay: 0.01, maxDelay: 0.5),
        reasoning: reasoning)
}

/// Runs `body` with a started scripted server, stopping it afterwards.
public func withServer<T>(_ options: ScriptedLLMServer.Options = .init(), _ body: (ScriptedLLMServer) async throws -> T)
    async throws -> T
{
    let server = try await ScriptedLLMServer.start(options)
    do {
        let r = try await body(server)
        try await server.stop()
        return r
    } catch {
        try? await server.stop()
        throw error
    }
}

/// Runs `body` with a service over `models`, shutting it down afterwards.
public func withService<T>(
    _ models: [ModelConfig], database: (any DatabaseWriter)? = nil,
    environment: [String: String] = [:], log: @escaping @Sendable (String) -> Void = { _ in },
    _ body: (LLMService) async throws -> T
) async throws -> T {
    let service = try LLMService(models: models, database: database, environment: environment, log: log)
    do {
        let r = try await body(service)
        await service.shutdown()
        return r
    } catch {
        await service.shutdown()
        throw error
    }
}

/// A conversation with one user turn (and an optional system turn).
public func conversation(_ id: String, _ text: String, system: String? = nil) -> JupiterCore.Record {
    var messages: [Message] = []
    if let system { messages.append(Message(role: .system, content: system)) }
    messages.append(Message(role: .user, content: text))
    return .conversation(Conversation(id: id, messages: messages))
}

/// Real English sentences of UK legislation (the OGL pairs bundled with the example), `n` of
/// them, distinct, in file order (repeated with a number when more are asked for than exist).
public func legislationPrompts(_ n: Int) -> [String] {
    let path = Peers.repoRoot + "/examples/cymru/data/legislation-en-cy.tsv"
    var seen = Set<String>()
    var english: [String] = []
    if let data = FileManager.default.contents(atPath: path) {
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let en = line.split(separator: "\t", maxSplits: 1).first.map(String.init), seen.insert(en).inserted
            else { continue }
            english.append(en)
        }
    }
    if english.isEmpty { english = ["Translate this sentence into Welsh."] }
    return (0..<n).map { i in i < english.count ? english[i] : "\(english[i % english.count]) (\(i / english.count))" }
}
