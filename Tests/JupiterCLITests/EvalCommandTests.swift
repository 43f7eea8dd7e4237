import Foundation
import GRDB
import JupiterCore
import JupiterTesting
import Testing

/// `jupiter eval` through the real binary against the scripted server: killed with SIGKILL and
/// rerun it re-asks nothing that was answered and writes the same files; failed requests exit 4
/// and a rerun sends only them; comparing runs with different settings is refused.
@Suite(.serialized) struct EvalCommandTests {
    static func workspace(_ server: ScriptedLLMServer, items: Int = 60, limit: String = "", extra: String = "") throws -> String {
        let dir = try ScratchDirectory.make("eval-cli")
        try EvalFixtures.welshMultipleChoice(items).jsonl.write(toFile: dir + "/welsh-mcq.jsonl", atomically: true, encoding: .utf8)
        try """
        name: eval-cli
        seed: 7
        models:
          base: { endpoint: "\(server.baseURL)", model: test-model, max_in_flight: 4, max_attempts: 2, retry_base_s: 0.01 }
        eval:
          models:
            base: base
            tuned: { model: base, system_prompt: "Rwyt ti'n gynorthwyydd sy'n siarad Cymraeg." }
          concurrency: 4
          tasks:
            welsh-mcq: { kind: openai-evals, path: welsh-mcq.jsonl, scoring: mcq-letter \(limit) }
            gsm8k: { kind: gsm8k, path: \(Peers.repoRoot)/Tests/Fixtures/Eval/gsm8k-test-200.jsonl, limit: 30 }
        \(extra)
        output: { dir: run }
        """.write(toFile: dir + "/recipe.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    static func storedAnswers(_ runDir: String) throws -> Int {
        guard FileManager.default.fileExists(atPath: runDir + "/state.sqlite") else { return 0 }
        let db = try DatabaseQueue(path: runDir + "/state.sqlite")
        return try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM llm_responses") ?? 0 }
    }

    static func files(_ run: String) -> [String: Data] {
        var out: [String: Data] = [:]
        for m in ["base", "tuned"] {
            for t in ["welsh-mcq", "gsm8k"] {
                out["\(m)/\(t)"] = FileManager.default.contents(atPath: "\(run)/eval/\(m)/\(t).jsonl")
            }
        }
        return out
    }

    @Test func killedAndRerunReasksNothingAnsweredAndWritesTheSameFiles() async throws {
        try await withServer(.init(logBodies: false, latency: 0.02)) { server in
            let dir = try Self.workspace(server)
            let reference = try CLI.run(["eval", "recipe.yaml", "--output", "reference", "--quiet"], in: dir)
            #expect(reference.status == 0, "\(reference.stderr)")
            #expect(reference.stdout.contains("| welsh-mcq | target | accuracy |"))
            let total = try Self.storedAnswers(dir + "/reference")
            #expect(total == 2 * (60 + 30))

            server.resetLog()
            let (p, _, _) = try CLI.start(["eval", "recipe.yaml", "--output", "killed", "--quiet"], in: dir)
            let deadline = Date().addingTimeInterval(120)
            while p.isRunning && Date() < deadline && server.requestCount < total / 3 { usleep(5000) }
            #expect(p.isRunning, "the evaluation finished before it could be killed")
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let stored = try Self.storedAnswers(dir + "/killed")
            #expect(stored > 0 && stored < total)
            server.resetLog()
            let resumed = try CLI.run(["eval", "recipe.yaml", "--output", "killed", "--quiet"], in: dir)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let sent = server.requests(path: "/v1/chat/completions").count
            #expect(sent == total - stored, "rerun sent \(sent); \(total) in all, \(stored) stored before the kill")
            let a = Self.files(dir + "/reference"), b = Self.files(dir + "/killed")
            #expect(a.count == 4 && a.values.allSatisfy { !$0.isEmpty } && a == b)
            #expect(FileManager.default.fileExists(atPath: dir + "/killed/report/eval.html"))
        }
    }

    @Test func failedRequestsExit4AndARerunSendsOnlyThem() async throws {
        try await withServer(.init(logBodies: false)) { server in
            let dir = try Self.workspace(server, items: 20)
            let pairs = EvalFixtures.legislationPairs()
            for i in [2, 9] { server.inject(.serverError, times: 1000, when: .promptContains(pairs[i].cy)) }
            let failed = try CLI.run(["eval", "recipe.yaml", "--quiet"], in: dir)
            #expect(failed.status == 4, "\(failed.stderr)")
            #expect(failed.stderr.contains("4 request(s) failed after every retry") && failed.stderr.contains("Rerun"))
            #expect(!FileManager.default.fileExists(atPath: dir + "/run/eval/results.json"))

            let allowed = try CLI.run(["eval", "recipe.yaml", "--quiet", "--allow-errors", "--output", "allowed"], in: dir)
            #expect(allowed.status == 0, "\(allowed.stderr)")
            #expect(allowed.stdout.contains("2 errors") && allowed.stdout.contains("item(s) not scored (errors, counted apart)"))
            let html = (try? String(contentsOfFile: dir + "/allowed/report/eval.html", encoding: .utf8)) ?? ""
            #expect(html.contains("request errors"))

            server.clearFaults()
            server.resetLog()
            let rerun = try CLI.run(["eval", "recipe.yaml", "--quiet"], in: dir)
            #expect(rerun.status == 0, "\(rerun.stderr)")
            #expect(server.requests(path: "/v1/chat/completions").count == 4)
        }
    }

    @Test func comparingRunsWithDifferentSettingsIsRefusedNamingTheSetting() async throws {
        try await withServer(.init(logBodies: false)) { server in
            let dir = try Self.workspace(server, items: 20)
            #expect(try CLI.run(["eval", "recipe.yaml", "--quiet", "--output", "a", "--models", "base"], in: dir).status == 0)
            #expect(
                try CLI.run(["eval", "recipe.yaml", "--quiet", "--output", "b", "--models", "tuned", "--limit", "10"], in: dir).status == 0)
            #expect(try CLI.run(["eval", "recipe.yaml", "--quiet", "--output", "c", "--models", "tuned"], in: dir).status == 0)
            let refused = try CLI.run(["eval", "compare", "a", "b"], in: dir)
            #expect(refused.status == 2)
            #expect(refused.stderr.contains("setting 'limit' differs: null in a/eval, 10 in b/eval"), "\(refused.stderr)")
            let ok = try CLI.run(["eval", "compare", "a", "c"], in: dir)
            #expect(ok.status == 0, "\(ok.stderr)")
            #expect(ok.stdout.contains("## tuned vs base") && FileManager.default.fileExists(atPath: dir + "/c/report/eval.html"))
        }
    }
}
