import Foundation
import JupiterCore
import JupiterLLM
import JupiterTesting
import Testing

@testable import JupiterEval

/// The evaluation runner against the scripted server: every figure is what the task scorers give
/// the server's (computable) answers; the cache is keyed by endpoint and settings; failures are
/// never scored; log-likelihood scoring refuses misaligned servers.
@Suite(.serialized) struct EvalRunnerTests {
    static let seed = 1234
    static let gsm8k = Peers.repoRoot + "/Tests/Fixtures/Eval/gsm8k-test-200.jsonl"
    static let ifeval = Peers.repoRoot + "/Tests/Fixtures/Eval/ifeval-input-150.jsonl"

    /// What the MCQ scorer gives the server's answers: the scripted answer, or the default one cut
    /// to the protocol's 10 tokens (`maxTokens`) as the server cuts it.
    static func expectedLetters(
        _ items: [(user: String, ideal: String)], script: [String: String] = [:],
        maxTokens: Int = 10
    ) -> [Double] {
        items.map { it in
            let full = script[it.user] ?? ScriptedAnswers.chatAnswer(prompt: it.user, seed: seed, temperature: 0)
            let answer = ScriptedAnswers.tokens(full).prefix(maxTokens).joined()
            return MCQLetterScorer.standard.score(response: answer, ideal: [it.ideal]).score
        }
    }

    static func mean(_ xs: [Double]) -> Double { 100 * xs.reduce(0, +) / Double(xs.count) }

    @Test(
        "Welsh MCQ and GSM8K: figures and items as the scorers score the answers; tuned vs base paired by hash; a rerun asks nothing and writes the same bytes"
    )
    func generationTasksAndComparison() async throws {
        let dir = try ScratchDirectory.make("eval-runner")
        let (mcq, items) = try EvalFixture.welshMCQ(40)
        let mcqPath = try EvalFixture.write(mcq, "welsh-mcq.jsonl", in: dir)
        var script: [String: String] = [:]
        for it in items.prefix(24) { script[it.user] = "Yr ateb yw \(it.ideal)." }
        try await withServer(.init(logBodies: false)) { baseServer in
            try await withServer(.init(script: script, logBodies: false)) { tunedServer in
                let spec = EvalSpec(
                    models: [EvalModelSpec(name: "base"), EvalModelSpec(name: "tuned")],
                    tasks: [
                        EvalTaskSpec(name: "welsh-mcq", kind: .openAIEvals(.mcqLetter), file: mcqPath, role: .target),
                        EvalTaskSpec(name: "gsm8k", kind: .gsm8k(GSM8KOptions()), file: Self.gsm8k, role: .retention, limit: 15)
                    ],
                    seeds: EvalSeeds(UInt64(Self.seed)))
                func run() async throws -> EvalResults {
                    let llm = try EvalFixture.service(
                        [testModel(baseServer, name: "base"), testModel(tunedServer, name: "tuned")], dir: dir)
                    defer { Task { await llm.shutdown() } }
                    return try await EvalRunner(client: llm, spec: spec, directory: dir + "/eval").run()
                }
                let results = try await run()

                // MCQ by letter.
                let base = Self.expectedLetters(items), tuned = Self.expectedLetters(items, script: script)
                #expect(results.result(model: "base", task: "welsh-mcq")?.value("accuracy") == Self.mean(base))
                #expect(results.result(model: "tuned", task: "welsh-mcq")?.value("accuracy") == Self.mean(tuned))
                let baseRecords = try EvalFixture.records(dir, "base", "welsh-mcq")
                let tunedRecords = try EvalFixture.records(dir, "tuned", "welsh-mcq")
                #expect(baseRecords.count == 40 && tunedRecords.count == 40)
                #expect(baseRecords.map(\.score) == base.map { Optional($0) })
                #expect(baseRecords.map(\.hash) == tunedRecords.map(\.hash))
                #expect(Set(baseRecords.map(\.hash)).count == 40)
                #expect(baseRecords[0].id == "line 1" && baseRecords[0].prompt[1]?["content"]?.stringValue == items[0].user)
                #expect(tunedRecords[0].response == "Yr ateb yw \(items[0].ideal).")

                // GSM8K: flexible-extract and strict-match of the scripted answers.
                let task = try GSM8KTask()
                let gsmItems = try GSM8KTask.read(path: Self.gsm8k).items.prefix(15)
                let gsm = gsmItems.map {
                    task.score($0, response: ScriptedAnswers.chatAnswer(prompt: task.promptText($0), seed: Self.seed, temperature: 0))
                }
                #expect(
                    results.result(model: "base", task: "gsm8k")?.value("exact_match,flexible-extract")
                        == Self.mean(gsm.map(\.flexible.score)))
                #expect(
                    results.result(model: "base", task: "gsm8k")?.value("exact_match,strict-match") == Self.mean(gsm.map(\.strict.score)))

                // The comparison.
                let c = try #require(results.comparisons.first)
                #expect(c.base == "base" && c.tuned == "tuned")
                let m = try #require(c.tasks[0].primary)
                #expect(c.tasks[0].items == 40)
                #expect(abs(m.interval.difference - (Self.mean(tuned) - Self.mean(base))) < 1e-9)
                let onlyBase = zip(base, tuned).filter { $0 == 1 && $1 == 0 }.count
                let onlyTuned = zip(base, tuned).filter { $0 == 0 && $1 == 1 }.count
                #expect(m.baseOnly == onlyBase && m.tunedOnly == onlyTuned)
                #expect(m.pValue == PairedComparison.mcNemarExact(onlyA: onlyBase, onlyB: onlyTuned))
                // The interval is the proven mean bootstrap's (same draws), in points.
                let seed = StableHash.fnv1a64(seed: UInt64(Self.seed), ["paired-bootstrap", "welsh-mcq", "accuracy"])
                let reference = try PairedComparison.bootstrap(a: base, b: tuned, resamples: 10_000, seed: seed)
                #expect(abs(m.interval.lower - 100 * reference.lower) < 1e-9 && abs(m.interval.upper - 100 * reference.upper) < 1e-9)
                #expect(c.tasks[0].verdict == (m.interval.lower > 0 ? .gain : .noClearChange))
                #expect(c.tasks[0].won.count == min(5, onlyTuned) && c.tasks[0].lost.count == min(5, onlyBase))
                // Same answers on GSM8K: retained, no difference.
                #expect(c.tasks[1].verdict == .retained && c.tasks[1].primary?.interval.difference == 0)

                // Rerun: everything from the cache, same bytes.
                let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/eval/base/welsh-mcq.jsonl"))
                baseServer.resetLog()
                tunedServer.resetLog()
                let again = try await run()
                #expect(baseServer.requestCount == 0 && tunedServer.requestCount == 0)
                #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/eval/base/welsh-mcq.jsonl")) == before)
                var a = results.json.objectValue ?? JSONObject(), b = again.json.objectValue ?? JSONObject()
                _ = a.removeValue(forKey: "timings")
                _ = b.removeValue(forKey: "timings")
                #expect(a == b)
            }
        }
    }

    @Test(
        "concurrency bounds the requests on the wire, not the items under way: never more than it at once, every item answered once, in file order"
    )
    func concurrencyBoundsRequestsOnTheWire() async throws {
        let dir = try ScratchDirectory.make("eval-concurrency")
        let (mcq, items) = try EvalFixture.welshMCQ(30)
        let mcqPath = try EvalFixture.write(mcq, "welsh-mcq.jsonl", in: dir)
        try await withServer(.init(logBodies: false, latency: 0.02)) { server in
            let spec = EvalSpec(
                models: [EvalModelSpec(name: "base")],
                tasks: [EvalTaskSpec(name: "welsh-mcq", kind: .openAIEvals(.mcqLetter), file: mcqPath, role: .target)],
                seeds: EvalSeeds(UInt64(Self.seed)), concurrency: 3)
            // The model itself would take 16 at once: the evaluation's concurrency is the bound.
            let llm = try EvalFixture.service([testModel(server, name: "base", maxInFlight: 16)], dir: dir)
            let results = try await EvalRunner(client: llm, spec: spec, directory: dir + "/eval").run()
            await llm.shutdown()
            #expect(server.peakInFlight == 3)
            #expect(server.requests(path: "/v1/chat/completions").count == 30)
            #expect(results.result(model: "base", task: "welsh-mcq")?.value("accuracy") == Self.mean(Self.expectedLetters(items)))
            #expect(try EvalFixture.records(dir, "base", "welsh-mcq").map(\.id) == (1...30).map { "line \($0)" })
        }
    }

    @Test("the cache is keyed by endpoint and settings: two servers serving the same model id never share answers (lm-eval #4063, #2715)")
    func cacheKeyedByEndpointAndSettings() async throws {
        let dir = try ScratchDirectory.make("eval-cache")
        let (mcq, items) = try EvalFixture.welshMCQ(12)
        let path = try EvalFixture.write(mcq, "mcq.jsonl", in: dir)
        var scriptB: [String: String] = [:]
        for it in items { scriptB[it.user] = "B" }
        try await withServer(.init()) { serverA in
            try await withServer(.init(script: scriptB)) { serverB in
                // Both serve "test-model"; one state.sqlite for all runs.
                func run(_ model: String, maxTokens: Int? = nil) async throws -> [ItemRecord] {
                    let llm = try EvalFixture.service([testModel(serverA, name: "a"), testModel(serverB, name: "b")], dir: dir)
                    defer { Task { await llm.shutdown() } }
                    let spec = EvalSpec(
                        models: [EvalModelSpec(name: model)],
                        tasks: [
                            EvalTaskSpec(
                                name: "mcq", kind: .openAIEvals(.mcqLetter), file: path, role: .target,
                                maxTokens: maxTokens)
                        ], seeds: EvalSeeds(UInt64(Self.seed)))
                    _ = try await EvalRunner(client: llm, spec: spec, directory: dir + "/eval").run()
                    return try EvalFixture.records(dir, model, "mcq")
                }
                let a = try await run("a")
                #expect(serverA.requests(path: "/v1/chat/completions").count == 12)
                let b = try await run("b")
                #expect(serverB.requests(path: "/v1/chat/completions").count == 12, "b's answers must not come from a's cache")
                #expect(b.allSatisfy { $0.response == "B" && $0.extracted == "B" })
                #expect(a.allSatisfy { $0.response?.hasPrefix("Answer ") == true })
                // Each request carries its settings; a changed one is a new request.
                let body = try #require(serverB.requests(path: "/v1/chat/completions").first?.body)
                #expect(body["temperature"]?.doubleValue == 0 && body["max_tokens"]?.intValue == 10 && body["seed"]?.intValue == Self.seed)
                serverB.resetLog()
                _ = try await run("b")
                #expect(serverB.requestCount == 0)
                _ = try await run("b", maxTokens: 20)
                #expect(serverB.requests(path: "/v1/chat/completions").count == 12)
            }
        }
    }

    @Test(
        "requests failing after every retry are never scored: the rest is recorded, a rerun sends only them; allowErrors counts them apart")
    func transportFailures() async throws {
        let dir = try ScratchDirectory.make("eval-faults")
        let (mcq, items) = try EvalFixture.welshMCQ(20)
        let path = try EvalFixture.write(mcq, "mcq.jsonl", in: dir)
        let failing = [3, 7, 11]
        let pairs = try EvalPeer.legislationPairs()
        try await withServer(.init()) { server in
            for i in failing { server.inject(.serverError, times: 1000, when: .promptContains(pairs[i].cy)) }
            let spec = EvalSpec(
                models: [EvalModelSpec(name: "m")],
                tasks: [EvalTaskSpec(name: "mcq", kind: .openAIEvals(.mcqLetter), file: path, role: .target)],
                seeds: EvalSeeds(UInt64(Self.seed)))
            func run(_ spec: EvalSpec, _ folder: String) async throws -> EvalResults {
                let llm = try EvalFixture.service([testModel(server, maxAttempts: 2)], dir: folder)
                defer { Task { await llm.shutdown() } }
                return try await EvalRunner(client: llm, spec: spec, directory: folder + "/eval").run()
            }
            let failure = await #expect(throws: EvalError.self) { _ = try await run(spec, dir) }
            #expect(failure?.kind == .modelFailed && failure?.message.contains("Rerun to send only the failed requests") == true)
            let records = try EvalFixture.records(dir, "m", "mcq")
            #expect(records.filter { $0.error?.kind == .transport }.map { $0.line - 1 } == failing)
            #expect(records.filter { $0.error != nil }.allSatisfy { $0.score == nil && $0.stats.isEmpty })
            #expect(!FileManager.default.fileExists(atPath: dir + "/eval/results.json"))

            // --allow-errors: finished, the failures counted apart, accuracy over the scored items.
            var allowing = spec
            allowing.allowErrors = true
            let other = try ScratchDirectory.make("eval-faults-allowed")
            let partial = try await run(allowing, other)
            let r = try #require(partial.result(model: "m", task: "mcq"))
            #expect(r.transportErrors == 3 && r.scored == 17 && r.items == 20)
            let expected = Self.expectedLetters(items)
            let kept = expected.enumerated().filter { !failing.contains($0.offset) }.map(\.element)
            #expect(r.value("accuracy") == Self.mean(kept))

            // The server recovers: the rerun sends exactly the failed requests.
            server.clearFaults()
            server.resetLog()
            let done = try await run(spec, dir)
            #expect(server.requests(path: "/v1/chat/completions").count == failing.count)
            #expect(done.result(model: "m", task: "mcq")?.value("accuracy") == Self.mean(expected))
        }
    }

    @Test("a task file with bad lines: quarantined with file:line, the task scored on the rest, the count in the results")
    func badLinesQuarantined() async throws {
        let dir = try ScratchDirectory.make("eval-bad-lines")
        let (mcq, items) = try EvalFixture.welshMCQ(10)
        var lines = mcq.split(separator: "\n").map(String.init)
        lines.insert("{\"input\": [{\"role\": \"user\", \"content\": \"cut off", at: 4)  // line 5: not JSON
        lines.insert("{\"input\": [{\"role\": \"user\", \"content\": \"Beth?\"}]}", at: 8)  // line 9: no ideal
        let path = try EvalFixture.write(lines.joined(separator: "\n") + "\n", "mcq.jsonl", in: dir)
        try await withServer(.init()) { server in
            let llm = try EvalFixture.service([testModel(server)], dir: dir)
            defer { Task { await llm.shutdown() } }
            let spec = EvalSpec(
                models: [EvalModelSpec(name: "m")],
                tasks: [EvalTaskSpec(name: "mcq", kind: .openAIEvals(.mcqLetter), file: path, role: .target)],
                seeds: EvalSeeds(UInt64(Self.seed)))
            let results = try await EvalRunner(client: llm, spec: spec, directory: dir + "/eval").run()
            let r = try #require(results.result(model: "m", task: "mcq"))
            #expect(r.items == 10 && r.scored == 10)
            #expect(r.quarantined.map(\.line) == [5, 9] && r.quarantined.allSatisfy { $0.file == path })
            #expect(r.quarantined[1].error.contains("ideal"))
            #expect(r.value("accuracy") == Self.mean(Self.expectedLetters(items)))
            #expect(results.json["results"]?["m"]?["mcq"]?["quarantined"] == .int(2))
            #expect(EvalSummary.markdown(results).contains("2 line(s) of the task file skipped, first \(path):5"))
        }
    }

    /// The scripted model's log-likelihood of `continuation` after `context` (what the runner must find).
    static func logLikelihood(context: String, continuation: String) -> Double {
        let prompt = context + continuation
        let tokens = ScriptedAnswers.tokens(prompt)
        var offset = 0, sum = 0.0
        let start = context.unicodeScalars.count
        for (i, t) in tokens.enumerated() {
            let end = offset + t.unicodeScalars.count
            if end > start && i > 0 { sum += ScriptedAnswers.modelLogprob(previous: tokens[i - 1], token: t) }
            offset = end
        }
        return sum
    }

    @Test(
        "multiple choice by log-likelihood: acc and acc_norm from aligned prompt log-probabilities",
        arguments: MultipleChoiceTask.Choices.allCases)
    func multipleChoice(_ choices: MultipleChoiceTask.Choices) async throws {
        let dir = try ScratchDirectory.make("eval-mc")
        let (mcq, _) = try EvalFixture.welshMCQ(16)
        let path = try EvalFixture.write(mcq, "mcq.jsonl", in: dir)
        try await withServer(.init(promptLogprobs: .aligned)) { server in
            let llm = try EvalFixture.service([testModel(server)], dir: dir)
            defer { Task { await llm.shutdown() } }
            let spec = EvalSpec(
                models: [EvalModelSpec(name: "m", systemPrompt: "Rwyt ti'n arholwr.")],
                tasks: [EvalTaskSpec(name: "mc", kind: .multipleChoice(choices), file: path, role: .target)])
            let results = try await EvalRunner(client: llm, spec: spec, directory: dir + "/eval").run()
            let task = MultipleChoiceTask(choices: choices)
            let items = try task.read(path: path).items
            var acc: [Double] = [], norm: [Double] = []
            for item in items {
                let context = "Rwyt ti'n arholwr.\n\n" + item.context
                let lls = item.continuations.map { Self.logLikelihood(context: context, continuation: $0) }
                let perChar = zip(lls, item.continuations).map { $0 / Double($1.unicodeScalars.count - 1) }
                acc.append(MultipleChoiceTask.argmax(lls) == item.answer ? 1 : 0)
                norm.append(MultipleChoiceTask.argmax(perChar) == item.answer ? 1 : 0)
            }
            let r = try #require(results.result(model: "m", task: "mc"))
            #expect(r.value("acc") == Self.mean(acc) && r.value("acc_norm") == Self.mean(norm))
            if choices == .letters { #expect(acc == norm) }
            // One probe, then one request per choice.
            #expect(server.requests(path: "/v1/completions").count == 1 + 16 * 4)
            let first = try #require(server.requests(path: "/v1/completions").dropFirst().first?.body)
            #expect(first["echo"] == .bool(true) && first["logprobs"]?.intValue == 1 && first["max_tokens"]?.intValue == 1)
        }
    }

    @Test(
        "a server with shifted or missing prompt log-probabilities gets one clear error naming task and server, never scores",
        arguments: [ScriptedLLMServer.PromptLogprobs.shiftedByOne, .none])
    func probeRefusesMisalignedServers(_ mode: ScriptedLLMServer.PromptLogprobs) async throws {
        let dir = try ScratchDirectory.make("eval-probe")
        let (mcq, _) = try EvalFixture.welshMCQ(8)
        let path = try EvalFixture.write(mcq, "mcq.jsonl", in: dir)
        try await withServer(.init(promptLogprobs: mode)) { server in
            let llm = try EvalFixture.service([testModel(server)], dir: dir)
            defer { Task { await llm.shutdown() } }
            let spec = EvalSpec(
                models: [EvalModelSpec(name: "m")],
                tasks: [EvalTaskSpec(name: "welsh-mmlu-ll", kind: .multipleChoice(.letters), file: path, role: .target)])
            do {
                _ = try await EvalRunner(client: llm, spec: spec, directory: dir + "/eval").run()
                Issue.record("a misaligned server was not refused")
            } catch let error as EvalError {
                #expect(error.kind == .modelCapability)
                #expect(error.message.contains("task 'welsh-mmlu-ll'") && error.message.contains(server.baseURL))
                #expect(error.message.contains(mode == .none ? "no prompt log-probabilities" : "shifted by one token"))
            }
            #expect(server.requests(path: "/v1/completions").count == 1, "only the probe may be sent")
            #expect(!FileManager.default.fileExists(atPath: dir + "/eval/m/welsh-mmlu-ll.jsonl"))
        }
        // The judge itself: aligned passes.
        try await withServer(.init(promptLogprobs: .aligned)) { server in
            try await withService([testModel(server)]) { llm in
                let answer = try await llm.complete("m", LogprobProbe.request)
                #expect(LogprobProbe.judge(answer) == .aligned)
            }
        }
    }

    @Test(
        "reasoning on: removed before scoring (reasoning_content or inline <think>), its tokens counted apart; off: enable_thinking false",
        arguments: [false, true])
    func reasoning(_ inline: Bool) async throws {
        let dir = try ScratchDirectory.make("eval-reasoning")
        let (mcq, items) = try EvalFixture.welshMCQ(6)
        let path = try EvalFixture.write(mcq, "mcq.jsonl", in: dir)
        try await withServer(.init(inlineReasoning: inline)) { server in
            let llm = try EvalFixture.service([testModel(server, reasoning: .toggle)], dir: dir)
            defer { Task { await llm.shutdown() } }
            let spec = EvalSpec(
                models: [EvalModelSpec(name: "on", model: "m", reasoning: .on), EvalModelSpec(name: "off", model: "m", reasoning: .off)],
                tasks: [EvalTaskSpec(name: "mcq", kind: .openAIEvals(.mcqLetter), file: path, role: .target, maxTokens: 200)],
                seeds: EvalSeeds(UInt64(Self.seed)))
            let results = try await EvalRunner(client: llm, spec: spec, directory: dir + "/eval").run()
            let on = try EvalFixture.records(dir, "on", "mcq"), off = try EvalFixture.records(dir, "off", "mcq")
            for (i, it) in items.enumerated() {
                #expect(on[i].response == ScriptedAnswers.chatAnswer(prompt: it.user, seed: Self.seed, temperature: 0))
                #expect(on[i].score == Self.expectedLetters([it], maxTokens: 200)[0])
                #expect(on[i].reasoning == ScriptedAnswers.reasoning(prompt: it.user, seed: Self.seed, temperature: 0))
                #expect(on[i].tokens.reasoning > 0 && on[i].tokens.reasoningEstimated)
                #expect(off[i].reasoning == nil && off[i].tokens.reasoning == 0)
            }
            #expect(results.result(model: "on", task: "mcq")?.value("accuracy") == Self.mean(Self.expectedLetters(items, maxTokens: 200)))
            #expect(results.result(model: "on", task: "mcq")!.tokens.reasoning == on.reduce(0) { $0 + $1.tokens.reasoning })
            let bodies = server.requests(path: "/v1/chat/completions").compactMap(\.body)
            #expect(bodies.filter { $0["chat_template_kwargs"]?["enable_thinking"] == .bool(true) }.count == 6)
            #expect(bodies.filter { $0["chat_template_kwargs"]?["enable_thinking"] == .bool(false) }.count == 6)
        }
    }

    @Test(
        "IFEval through the runner: the four accuracies of the scripted answers",
        .enabled(if: EvalPeer.detector != nil, "needs langdetect's profiles (scripts/test installs langdetect)"))
    func ifevalTask() async throws {
        let dir = try ScratchDirectory.make("eval-ifeval")
        try await withServer(.init()) { server in
            let llm = try EvalFixture.service([testModel(server)], dir: dir)
            defer { Task { await llm.shutdown() } }
            let spec = EvalSpec(
                models: [EvalModelSpec(name: "m")],
                tasks: [EvalTaskSpec(name: "ifeval", kind: .ifeval, file: Self.ifeval, role: .retention, limit: 25)],
                seeds: EvalSeeds(UInt64(Self.seed)), languageDetector: EvalPeer.detector)
            let results = try await EvalRunner(client: llm, spec: spec, directory: dir + "/eval").run()
            let task = IFEvalTask(detector: EvalPeer.detector)
            let items = try IFEvalTask.read(path: Self.ifeval).items.prefix(25)
            let verdicts = try items.map {
                try task.score($0, response: ScriptedAnswers.chatAnswer(prompt: $0.prompt, seed: Self.seed, temperature: 0))
            }
            let acc = IFEvalTask.aggregate(verdicts)
            let r = try #require(results.result(model: "m", task: "ifeval"))
            #expect(abs(r.value("prompt_level_strict_acc")! - 100 * acc.promptStrict) < 1e-9)
            #expect(abs(r.value("inst_level_strict_acc")! - 100 * acc.instructionStrict) < 1e-9)
            #expect(abs(r.value("prompt_level_loose_acc")! - 100 * acc.promptLoose) < 1e-9)
            #expect(abs(r.value("inst_level_loose_acc")! - 100 * acc.instructionLoose) < 1e-9)
        }
    }

    @Test("IFEval without language profiles: refused before any request, naming the item and how to fix it")
    func ifevalNeedsProfiles() async throws {
        let spec = EvalTaskSpec(name: "ifeval", kind: .ifeval, file: Self.ifeval, role: .retention, limit: 10)
        let error = #expect(throws: EvalError.self) { _ = try TaskLoader.load(spec, seeds: EvalSeeds(0), detector: nil) }
        #expect(error?.kind == .languageProfiles && error?.line == 5 && error?.message.contains("langdetect") == true)
    }

    @Test("comparing two evaluations with a different task setting is refused, naming the setting; equal settings pair by hash")
    func runComparison() async throws {
        let dir = try ScratchDirectory.make("eval-compare")
        let (mcq, items) = try EvalFixture.welshMCQ(30)
        let path = try EvalFixture.write(mcq, "mcq.jsonl", in: dir)
        var script: [String: String] = [:]
        for it in items.prefix(20) { script[it.user] = it.ideal }
        try await withServer(.init()) { baseServer in
            try await withServer(.init(script: script)) { tunedServer in
                func run(_ server: ScriptedLLMServer, _ folder: String, limit: Int?) async throws {
                    let llm = try EvalFixture.service([testModel(server, name: "model")], dir: folder)
                    defer { Task { await llm.shutdown() } }
                    let spec = EvalSpec(
                        models: [EvalModelSpec(name: "model")],
                        tasks: [EvalTaskSpec(name: "mcq", kind: .openAIEvals(.mcqLetter), file: path, role: .target, limit: limit)],
                        seeds: EvalSeeds(UInt64(Self.seed)))
                    _ = try await EvalRunner(client: llm, spec: spec, directory: folder + "/eval").run()
                }
                try await run(baseServer, dir + "/base", limit: nil)
                try await run(tunedServer, dir + "/tuned", limit: nil)
                try await run(tunedServer, dir + "/tuned-20", limit: 20)
                let base = try RunComparison.Evaluation(directory: dir + "/base/eval")
                let error = #expect(throws: EvalError.self) {
                    _ = try RunComparison.compare(
                        base: base, tuned: RunComparison.Evaluation(directory: dir + "/tuned-20/eval"),
                        settings: ComparisonSettings())
                }
                #expect(error?.kind == .mismatch && error?.message.contains("task 'mcq': setting 'limit' differs: null in") == true)
                let (results, left) = try RunComparison.compare(
                    base: base, tuned: RunComparison.Evaluation(directory: dir + "/tuned/eval"),
                    settings: ComparisonSettings(seed: 9))
                #expect(left.isEmpty)
                #expect(results.models == ["base/model", "tuned/model"])
                let t = try #require(results.comparisons.first?.tasks.first)
                let b = Self.expectedLetters(items), tu = Self.expectedLetters(items, script: script)
                #expect(t.items == 30 && abs(t.primary!.interval.difference - (Self.mean(tu) - Self.mean(b))) < 1e-9)
            }
        }
    }

    @Test("the metric bootstrap equals the mean bootstrap on 0/1 scores and resamples corpus BLEU by sentence statistics")
    func metricBootstrap() throws {
        var rng = SeededRandom(seed: 4)
        let a = (0..<300).map { _ in rng.unit() < 0.55 ? 1.0 : 0 }, b = (0..<300).map { _ in rng.unit() < 0.65 ? 1.0 : 0 }
        let mean = try PairedComparison.bootstrap(a: a, b: b, resamples: 10_000, seed: 7)
        let metric = try PairedComparison.bootstrap(
            metric: .accuracy("acc"), a: a.map { [$0] }, b: b.map { [$0] }, resamples: 10_000, seed: 7)
        #expect(abs(metric.lower - 100 * mean.lower) < 1e-9 && abs(metric.upper - 100 * mean.upper) < 1e-9)
        #expect(abs(metric.difference - 100 * mean.difference) < 1e-9)
        // Corpus BLEU: the observed difference is the difference of corpus scores.
        let pairs = try EvalPeer.legislationPairs().prefix(60)
        let refs = pairs.map(\.cy)
        let hypA = pairs.map { $0.en }, hypB = pairs.enumerated().map { $0.offset % 2 == 0 ? $0.element.cy : $0.element.en }
        let sa = zip(hypA, refs).map { BLEU().statistics(hypothesis: $0, references: [$1]).map(Double.init) }
        let sb = zip(hypB, refs).map { BLEU().statistics(hypothesis: $0, references: [$1]).map(Double.init) }
        let iv = try PairedComparison.bootstrap(metric: Metric("bleu", .bleu), a: sa, b: sb, resamples: 2_000, seed: 1)
        let observed = BLEU().corpusScore(hypotheses: hypB, references: refs) - BLEU().corpusScore(hypotheses: hypA, references: refs)
        #expect(abs(iv.difference - observed) < 1e-9)
        #expect(iv.lower > 0 && iv.lower < iv.difference && iv.difference < iv.upper)
    }
}
