import Foundation
import JupiterCore
import Testing

@testable import JupiterLLM

/// Facts about the local llama.cpp toolchain (llama-cpp-python[server] + gguf).
enum LlamaCppToolchain {
    /// The interpreter tests use: `$JUPITER_LLAMA_PYTHON` or `python3`.
    static var python: String { ProcessInfo.processInfo.environment["JUPITER_LLAMA_PYTHON"] ?? "python3" }

    /// Whether `python -c "import llama_cpp.server, gguf"` works.
    static let available: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, "-c", "import llama_cpp.server, gguf, uvicorn"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    /// True on CI (`CI=true`), where the toolchain must be installed and the test must run.
    static var onCI: Bool { ProcessInfo.processInfo.environment["CI"].map { $0 == "true" || $0 == "1" } ?? false }

    /// Runs when the toolchain is installed, and always on CI (where a missing toolchain fails).
    static var shouldRun: Bool { available || onCI }

    static let skipReason: Comment =
        "llama.cpp server absent: `pip install 'llama-cpp-python[server]' gguf` (or set JUPITER_LLAMA_PYTHON) to run this test"

    /// Writes the tiny random GGUF model with Tests/Fixtures/LLM/make_tiny_gguf.py.
    static func makeTinyModel(in dir: String) throws -> String {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/LLM/make_tiny_gguf.py").path
        let out = dir + "/tiny.gguf"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, script, out]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw LLMError(.backend, "make_tiny_gguf.py failed (\(p.terminationStatus))") }
        return out
    }

    static func isAlive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 }
}

@Suite(.serialized) struct LlamaCppBackendTests {
    @Test(.enabled(if: LlamaCppToolchain.shouldRun, LlamaCppToolchain.skipReason))
    func startsUsesAndStopsARealLlamaCppServer() async throws {
        #expect(LlamaCppToolchain.available, "CI must install llama-cpp-python[server] and gguf")
        guard LlamaCppToolchain.available else { return }
        let dir = try temporaryDirectory()
        let gguf = try LlamaCppToolchain.makeTinyModel(in: dir)
        let (models, problems) = ModelsSection.parse(
            ConfigNode(
                .map([
                    (
                        key: "tiny", keyLine: 2,
                        value: ConfigNode(
                            .map([
                                (key: "backend", keyLine: 3, value: ConfigNode(.scalar("llama-cpp"))),
                                (key: "model", keyLine: 4, value: ConfigNode(.scalar("tiny.gguf"))),
                                (key: "ctx", keyLine: 5, value: ConfigNode(.scalar("512"))),
                                (key: "threads", keyLine: 6, value: ConfigNode(.scalar("1")))
                            ]))
                    )
                ])),
            context: StageBuildContext(baseDirectory: dir))
        #expect(problems.isEmpty)
        guard case .llamaCpp(let options) = models.first?.backend else { Issue.record("no llama-cpp model"); return }
        #expect(options.modelPath == gguf)

        let llm = try LLMService(models: models, database: try statePool(dir), logDirectory: dir)
        var pid: Int32 = 0
        do {
            try await llm.start()
            pid = try #require(llm.localServerPIDs.first)
            #expect(LlamaCppToolchain.isAlive(pid))
            let url = try #require(llm.endpoints(of: "tiny").first)
            #expect(url.hasPrefix("http://127.0.0.1:"))
            #expect(try await LLMService.listModels(baseURL: url) == ["tiny"])

            let request = ChatRequest(
                messages: [Message(role: .user, content: "hello world, bore da")],
                sampling: Sampling(temperature: 0, maxTokens: 6, seed: 1), logprobs: true, topLogprobs: 2)
            let a = try await llm.chat("tiny", request)
            #expect(a.choices.count == 1)
            #expect(a.usage.promptTokens > 0)
            // llama-cpp-python 0.3 may count one token past max_tokens in chat usage.
            #expect(a.usage.completionTokens > 0 && a.usage.completionTokens <= 7)
            #expect([FinishReason.stop, .length].contains(a.choices[0].finishReason))
            let lps = try #require(a.choices[0].logprobs)
            #expect(lps.count == a.usage.completionTokens)
            #expect(lps.allSatisfy { ($0.logprob ?? 1) <= 0 && $0.top.count <= 2 })

            // Same request again: answered from the cache, identical.
            let b = try await llm.chat("tiny", request)
            #expect(b.cached)
            #expect(b.text == a.text)

            // Prompt scoring through /v1/completions with echo.
            let scored = try await llm.complete(
                "tiny",
                CompletionRequest(
                    prompt: "the answer is Wales", sampling: Sampling(maxTokens: 1),
                    logprobs: 1, echo: true))
            let plp = try #require(scored.choices[0].logprobs)
            #expect(plp.count >= 2)
            #expect(scored.text.hasPrefix("the answer is Wales"))
            #expect(plp.dropFirst().contains { $0.logprob != nil })

            let acc = llm.accounting["tiny"]
            #expect(acc?["cache_hits"] == .int(1))
            #expect(acc?["requests"] == .int(2))
        } catch {
            await llm.shutdown()
            throw error
        }
        await llm.shutdown()
        #expect(!LlamaCppToolchain.isAlive(pid), "the llama.cpp server must stop with the service")
        #expect(llm.localServerPIDs.isEmpty)
    }

    @Test func missingModelFileIsAClearError() async throws {
        let m = ModelConfig(name: "x", backend: .llamaCpp(.init(modelPath: "/nonexistent/m.gguf")), model: "x")
        let llm = try LLMService(models: [m], database: nil)
        do {
            try await llm.start()
            Issue.record("should fail")
        } catch {
            #expect(error.kind == .backend)
            #expect(error.message.contains("/nonexistent/m.gguf"))
        }
        await llm.shutdown()
    }

    @Test func serverThatExitsAtStartIsReportedWithItsLog() async throws {
        let dir = try temporaryDirectory()
        let bogus = dir + "/broken.gguf"
        _ = FileManager.default.createFile(atPath: bogus, contents: Data("not a gguf".utf8))
        // An interpreter that exits at once stands in for a server that cannot load its model.
        let m = ModelConfig(name: "b", backend: .llamaCpp(.init(modelPath: bogus, python: "false", startupTimeout: 20)), model: "b")
        let llm = try LLMService(models: [m], database: nil, logDirectory: dir)
        do {
            try await llm.start()
            Issue.record("should fail")
        } catch {
            #expect(error.kind == .backend)
            #expect(error.message.contains("exited during start-up"))
            #expect(error.message.contains("llama-cpp-b.log"))
        }
        #expect(llm.localServerPIDs.isEmpty)
        await llm.shutdown()
    }
}
