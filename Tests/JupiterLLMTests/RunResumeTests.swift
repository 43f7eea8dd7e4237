import Foundation
import GRDB
import JupiterCore
import JupiterTesting
import Testing

@testable import JupiterLLM

/// Runs the `jupiter` executable; returns its exit status.
private func runJupiter(_ binary: String, _ args: [String]) async throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: binary)
    p.arguments = args
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    while p.isRunning { try await Task.sleep(nanoseconds: 20_000_000) }
    return p.terminationStatus
}

/// Writes a recipe whose `generate` step asks the scripted server to answer every prompt.
private func writeRecipe(dir: String, server: ScriptedLLMServer, prompts: [String]) throws -> String {
    var lines = ""
    for p in prompts {
        let record: JSONValue = .object([
            "messages": .array([
                .object(["role": .string("system"), "content": .string("Translate the English text into Welsh.")]),
                .object(["role": .string("user"), "content": .string(p)])
            ])
        ])
        lines += JSONWriter.string(record) + "\n"
    }
    try lines.write(toFile: dir + "/prompts.jsonl", atomically: true, encoding: .utf8)
    let recipe = dir + "/recipe.yaml"
    try """
    name: resume-test
    seed: 5
    models:
      base: { endpoint: \(server.baseURL), model: test-model, max_in_flight: 4, retry_base_s: 0.01 }
    sources:
      prompts: { path: prompts.jsonl, format: openai-messages }
    datasets:
      gen:
        from: prompts
        steps:
          - generate: { model: base, reasoning: off, max_tokens: 512, temperature: 0.7 }
    output: { dir: run, batch_size: 16 }
    """.write(toFile: recipe, atomically: true, encoding: .utf8)
    return recipe
}

/// The prompts whose answers are stored in a run's cache (the scripted answer ends with the prompt).
private func storedPrompts(_ runDir: String, among prompts: [String]) async throws -> Set<String> {
    let pool = try DatabasePool(path: runDir + "/state.sqlite")
    let bodies = try await pool.read { db in try Data.fetchAll(db, sql: "SELECT response FROM llm_responses") }
    var out: Set<String> = []
    for b in bodies {
        let json = try JSONParser.parse([UInt8](b))
        let content = json["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue ?? ""
        if let p = prompts.first(where: { content.hasSuffix(": " + $0) }) { out.insert(p) }
    }
    return out
}

@Suite(.serialized) struct RunResumeTests {
    /// `jupiter run` killed with SIGKILL in the middle of a generate step, then run again:
    /// the rerun sends exactly the requests that had no answer stored, the manifest accounts for
    /// them, and the output equals an uninterrupted run's byte for byte.
    @Test func sigkillThenRerunResendsOnlyUnansweredRequests() async throws {
        let binary = try #require(jupiterBinary(), "the jupiter executable is built next to the tests")
        let prompts = legislationPrompts(160)
        try await withServer(.init(threads: 2)) { server in
            server.inject(.slow(0.08), times: 1_000_000)
            let dir = try temporaryDirectory()
            let recipe = try writeRecipe(dir: dir, server: server, prompts: prompts)
            let runDir = dir + "/run"

            // 1. Start, and SIGKILL once about a third of the answers came back.
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = ["run", recipe, "--quiet", "--workers", "1"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            let deadline = Date().addingTimeInterval(120)
            // Poll without suspending: with the whole suite running in parallel, a sleeping task can
            // wait for a cooperative thread longer than the run takes to finish.
            while server.requests(path: "/v1/chat/completions").count < 55 && p.isRunning && Date() < deadline {
                usleep(2000)
            }
            #expect(p.isRunning, "the run ended before it could be killed")
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            #expect(p.terminationReason == .uncaughtSignal)
            let firstRequests = server.requests(path: "/v1/chat/completions").count
            let stored = try await storedPrompts(runDir, among: prompts)
            #expect(stored.count > 0 && stored.count < prompts.count)
            #expect(firstRequests >= stored.count)

            // 2. Rerun to the end: only prompts without a stored answer reach the server. Requests
            // the killed run sent just before it died are read first (their connections closed).
            #expect(await server.waitUntilNoConnections(), "the killed run's connections stayed open")
            server.resetLog()
            #expect(try await runJupiter(binary, ["run", recipe, "--quiet"]) == 0)
            let resent = server.requests(path: "/v1/chat/completions").compactMap(\.prompt)
            #expect(resent.count == prompts.count - stored.count)
            #expect(Set(resent).isDisjoint(with: stored))
            #expect(Set(resent).union(stored) == Set(prompts))
            let manifest = try JSONParser.parse(String(contentsOfFile: runDir + "/manifest.json", encoding: .utf8))
            let base = manifest["timings"]?["models"]?["base"]
            #expect(base?["requests"] == .int(resent.count))
            #expect(base?["failures"] == .int(0))
            #expect(base?["latency_ms"]?["p95"]?.doubleValue != nil)
            #expect(manifest["datasets"]?["gen"]?["counts"]?["kept"] == .int(prompts.count))

            // 3. A third run has nothing left to do: zero requests.
            server.resetLog()
            #expect(try await runJupiter(binary, ["run", recipe, "--quiet"]) == 0)
            #expect(server.requests(path: "/v1/chat/completions").isEmpty)

            // 4. Same output as an uninterrupted run into a fresh folder.
            server.resetLog()
            #expect(try await runJupiter(binary, ["run", recipe, "--quiet", "--output", dir + "/clean"]) == 0)
            #expect(server.requests(path: "/v1/chat/completions").count == prompts.count)
            let resumed = FileManager.default.contents(atPath: runDir + "/datasets/gen/kept.jsonl.gz")
            let clean = FileManager.default.contents(atPath: dir + "/clean/datasets/gen/kept.jsonl.gz")
            #expect(resumed != nil && resumed == clean)
        }
    }
}
