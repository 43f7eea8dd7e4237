import Foundation
import GRDB
import JupiterCore
import JupiterTesting
@testable import JupiterLLM

/// A model pointing at `server`, with fast retries for tests.
func testModel(_ server: ScriptedLLMServer, name: String = "m", model: String = "test-model", maxInFlight: Int = 16,
               maxAttempts: Int = 5, timeout: Double = 10, apiKeyEnv: String? = nil) -> ModelConfig {
    ModelConfig(name: name, endpoints: [server.baseURL], model: model, apiKeyEnv: apiKeyEnv, maxInFlight: maxInFlight,
                timeout: timeout, retry: RetryPolicy(maxAttempts: maxAttempts, baseDelay: 0.01, maxDelay: 0.5))
}

/// A fresh temporary directory.
func temporaryDirectory() throws -> String {
    try ScratchDirectory.make("llm")
}

/// A WAL database pool like the run engine's `state.sqlite`.
func statePool(_ dir: String) throws -> DatabasePool {
    try DatabasePool(path: dir + "/state.sqlite")
}

/// Runs `body` with a started scripted server, stopping it afterwards.
func withServer<T>(_ options: ScriptedLLMServer.Options = .init(), _ body: (ScriptedLLMServer) async throws -> T)
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
func withService<T>(_ models: [ModelConfig], database: (any DatabaseWriter)? = nil,
                    environment: [String: String] = [:], log: @escaping @Sendable (String) -> Void = { _ in },
                    _ body: (LLMService) async throws -> T) async throws -> T
{
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

/// A conversation with one user turn.
func conversation(_ id: String, _ text: String, system: String? = nil) -> JupiterCore.Record {
    var messages: [Message] = []
    if let system { messages.append(Message(role: .system, content: system)) }
    messages.append(Message(role: .user, content: text))
    return .conversation(Conversation(id: id, messages: messages))
}

/// Collects log lines.
final class LogSink: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return storage }
    func add(_ s: String) { lock.lock(); storage.append(s); lock.unlock() }
}

/// Real Welsh-legislation prompts from the shared eval set (English source sentences), or a
/// fallback list when the shared data is absent.
func legislationPrompts(_ n: Int) -> [String] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let path = root.deletingLastPathComponent().appendingPathComponent("shared/data/llm-evals-cy/welsh-legislation-translation.jsonl").path
    var out: [String] = []
    if let data = FileManager.default.contents(atPath: path) {
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where out.count < n {
            guard let v = try? JSONParser.parse(String(line)), let input = v["input"]?.arrayValue,
                  let user = input.last(where: { $0["role"]?.stringValue == "user" })?["content"]?.stringValue,
                  !out.contains(user)
            else { continue }
            out.append(user)
        }
    }
    var i = 0
    while out.count < n { out.append("Translate sentence \(i) into Welsh."); i += 1 }
    return out
}
