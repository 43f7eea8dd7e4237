import Foundation
import GRDB
import JupiterCore
import JupiterTesting
import Testing

/// The four synthesis stages through a real `jupiter run` against the scripted server: killed
/// with SIGKILL in the middle and rerun, the run sends only requests without a stored answer,
/// and the outputs equal an uninterrupted run's.
@Suite(.serialized) struct SynthesisResumeTests {
    static func workspace(server: ScriptedLLMServer) throws -> String {
        let dir = try ScratchDirectory.make("synth")
        let prompts = legislationPrompts(120)
        func line(_ v: JSONValue) -> String { JSONWriter.string(v) + "\n" }
        var terminal = "", questions = "", chats = "", norms = ""
        for (i, p) in prompts.prefix(40).enumerated() {
            terminal += line(
                .object([
                    "id": .string("t\(i)"),
                    "messages": .array([
                        .object(["role": .string("system"), "content": .string("You operate a Linux terminal. Answer with JSON actions.")]),
                        .object(["role": .string("user"), "content": .string("Task \(i): find the file that mentions: \(p)")]),
                        .object(["role": .string("assistant"), "content": .string(#"{"cmd": "grep -rl pattern ."}"#)])
                    ])
                ]))
        }
        for (i, p) in prompts[40..<80].enumerated() { questions += line(.object(["id": .string("q\(i)"), "question": .string(p)])) }
        for (i, p) in prompts[80..<100].enumerated() {
            chats += line(
                .object(["id": .string("c\(i)"), "messages": .array([.object(["role": .string("user"), "content": .string(p)])])]))
        }
        for (i, p) in prompts[100..<120].enumerated() {
            norms += line(
                .object([
                    "id": .string("n\(i)"), "cultural group": .string("Welsh"), "context": .string(p),
                    "actor": .string("people"), "actor_behavior": .string("behaviour number \(i)"), "topic": .string("etiquette"),
                    "agreement": .double(0.9)
                ]))
        }
        try terminal.write(toFile: dir + "/terminal.jsonl", atomically: true, encoding: .utf8)
        try questions.write(toFile: dir + "/questions.jsonl", atomically: true, encoding: .utf8)
        try chats.write(toFile: dir + "/chats.jsonl", atomically: true, encoding: .utf8)
        try norms.write(toFile: dir + "/norms.jsonl", atomically: true, encoding: .utf8)
        try """
        name: synth
        seed: 3
        models:
          base: { endpoint: "\(server.baseURL)", model: test-model, reasoning: toggle, max_in_flight: 4, retry_base_s: 0.01 }
        sources:
          terminal: { path: terminal.jsonl, format: openai-messages }
          questions: { path: questions.jsonl, format: documents, text_field: question }
          chats: { path: chats.jsonl, format: openai-messages }
          norms: { path: norms.jsonl, format: culturebank }
        datasets:
          agentic: { from: terminal, steps: [{ uncertainty: { model: base, keep: 10 } }] }
          replay: { from: questions, steps: [{ replay: { model: base, reasoning_on: 0.5, max_tokens: 400 } }] }
          welsh: { from: chats, steps: [{ translate: { model: base, max_ratio: 100 } }] }
          culture: { from: norms, steps: [{ culture-synth: { model: base, groups: [Welsh] } }] }
        mix:
          weights: { replay: 0.4, agentic: 0.3, welsh: 0.2, culture: 0.1 }
          unit: records
        output: { dir: run, batch_size: 8 }
        """.write(toFile: dir + "/recipe.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    static func storedAnswers(_ runDir: String) throws -> Int {
        guard FileManager.default.fileExists(atPath: runDir + "/state.sqlite") else { return 0 }
        let db = try DatabaseQueue(path: runDir + "/state.sqlite")
        return try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM llm_responses") ?? 0 }
    }

    @Test func killedAndRerunSendsOnlyUnansweredRequestsAndGivesTheSameBytes() async throws {
        try await withServer(.init(logBodies: false, latency: 0.02)) { server in try await Self.killAndResume(server) }
    }

    static func killAndResume(_ server: ScriptedLLMServer) async throws {
        let dir = try Self.workspace(server: server)

        let reference = try CLI.run(["run", "recipe.yaml", "--output", "reference", "--quiet"], in: dir)
        #expect(reference.status == 0, "\(reference.stderr)")
        let total = try Self.storedAnswers(dir + "/reference")
        #expect(total > 120)  // 40 uncertainty + probe, 40 replay, 20 translations, 20 culture scenarios, …

        // Kill once a quarter of the answers are stored, then rerun.
        server.resetLog()
        let (p, _, _) = try CLI.start(["run", "recipe.yaml", "--output", "killed", "--quiet"], in: dir)
        let deadline = Date().addingTimeInterval(120)
        while p.isRunning && Date() < deadline && server.requestCount < total / 4 { usleep(5000) }
        #expect(p.isRunning, "the run finished before it could be killed")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let stored = try Self.storedAnswers(dir + "/killed")
        #expect(stored > 0 && stored < total)
        // Requests the killed run sent just before it died can still be on their way in: the
        // rerun's count starts once the server has read them all (their connections closed).
        #expect(await server.waitUntilNoConnections(), "the killed run's connections stayed open")
        server.resetLog()
        let resumed = try CLI.run(["run", "recipe.yaml", "--output", "killed", "--quiet"], in: dir)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let sent = server.requests(path: "/v1/chat/completions").count
        // A starved machine can make a request time out and be sent again: the run counts its
        // retries, and apart from them it sent exactly the requests without a stored answer.
        let manifest = try JSONParser.parse(try FileSystem.read(dir + "/killed/manifest.json"))
        let usage = manifest["timings"]?["models"]?["base"]
        let requests = try #require(usage?["requests"]?.intValue), retries = try #require(usage?["retries"]?.intValue)
        #expect(sent == requests, "the server saw \(sent) requests, the run counts \(requests)")
        #expect(
            requests - retries == total - stored,
            "rerun sent \(requests) requests (\(retries) retries); \(total) in all, \(stored) stored before")

        for d in ["agentic", "replay", "welsh", "culture"] {
            for f in ["kept.jsonl.gz", "dropped.jsonl.gz", "quarantine.jsonl"] {
                let a = FileManager.default.contents(atPath: "\(dir)/reference/datasets/\(d)/\(f)")
                let b = FileManager.default.contents(atPath: "\(dir)/killed/datasets/\(d)/\(f)")
                #expect(a != nil && a == b, "\(d)/\(f) differs")
            }
        }
        let shard = "mixture/part-00000.jsonl.gz"
        #expect(
            FileManager.default.contents(atPath: "\(dir)/reference/\(shard)")
                == FileManager.default.contents(atPath: "\(dir)/killed/\(shard)"))
    }
}
