import Foundation
import JupiterCore
import Testing

@testable import JupiterLLM

/// The `jupiter` executable next to the test bundle (built by `swift build`/`swift test`).
func jupiterBinary() -> String? {
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for dir in [runner, runner.deletingLastPathComponent()] {
        let p = dir.appendingPathComponent("jupiter").path
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
}

/// A running `jupiter models serve` process.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let stdout = Pipe()

    init(binary: String, recipe: String) throws {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["models", "serve", recipe]
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// The first stdout line (blocking read on a helper thread), or nil after `timeout` seconds.
    func firstLine(timeout: Double) async -> String? {
        let handle = stdout.fileHandleForReading
        return await withTaskGroup(of: String?.self) { group in
            group.addTask {
                await withCheckedContinuation { (c: CheckedContinuation<String?, Never>) in
                    Thread.detachNewThread {
                        var buffer = Data()
                        while true {
                            let chunk = handle.availableData
                            if chunk.isEmpty { c.resume(returning: nil); return }
                            buffer.append(chunk)
                            if let nl = buffer.firstIndex(of: 0x0A) {
                                c.resume(returning: String(decoding: buffer[..<nl], as: UTF8.self))
                                return
                            }
                        }
                    }
                }
            }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    func wait(timeout: Double) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { try? await Task.sleep(nanoseconds: 50_000_000) }
        return process.isRunning ? nil : process.terminationStatus
    }
}

/// Polls until `url` stops answering (the server is gone); true when it did within `timeout`.
func becomesUnreachable(_ url: String, timeout: Double) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        do { _ = try await LLMService.listModels(baseURL: url, timeout: 1) } catch { if error.kind == .connection { return true } }
        try? await Task.sleep(nanoseconds: 200_000_000)
    }
    return false
}

@Suite(.serialized) struct LocalBackendSignalTests {
    /// `jupiter models serve` starts the llama.cpp server; SIGTERM, SIGINT and even SIGKILL of
    /// Jupiter all leave no server behind.
    @Test(
        .enabled(if: LlamaCppToolchain.shouldRun, LlamaCppToolchain.skipReason),
        arguments: [SIGTERM, SIGINT, SIGKILL])
    func localServerStopsWhenJupiterIsInterrupted(signal: Int32) async throws {
        #expect(LlamaCppToolchain.available, "CI must install llama-cpp-python[server] and gguf")
        guard LlamaCppToolchain.available else { return }
        let binary = try #require(jupiterBinary(), "the jupiter executable is built next to the tests")
        let dir = try temporaryDirectory()
        _ = try LlamaCppToolchain.makeTinyModel(in: dir)
        let recipe = dir + "/recipe.yaml"
        try """
        name: serve-test
        models:
          local: { backend: llama-cpp, model: tiny.gguf, ctx: 256, threads: 1 }
        sources: {}
        datasets: {}
        """.write(toFile: recipe, atomically: true, encoding: .utf8)
        let serve = try ServeProcess(binary: binary, recipe: recipe)
        let line = await serve.firstLine(timeout: 120)
        let parts = try #require(line?.split(separator: " ").map(String.init), "serve printed no URL")
        #expect(parts.first == "local")
        let url = try #require(parts.last)
        #expect(try await LLMService.listModels(baseURL: url) == ["local"])

        kill(serve.process.processIdentifier, signal)
        let status = await serve.wait(timeout: 30)
        switch signal {
        case SIGTERM: #expect(status == 128 + SIGTERM)
        case SIGINT: #expect(status == 130)
        default: #expect(status != nil)
        }
        #expect(await becomesUnreachable(url, timeout: 20), "llama.cpp server still answers after Jupiter got signal \(signal)")
    }
}
