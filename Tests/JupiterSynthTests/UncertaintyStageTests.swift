import Foundation
import JupiterCore
import JupiterLLM
import JupiterTesting
import Testing

@testable import JupiterSynth

/// Batches of records over a plain array (a global stage's input).
struct Batches: RecordBatches {
    let records: [JupiterCore.Record]
    var size = 4
    var count: Int { records.count }
    func forEachBatch(_ body: ([JupiterCore.Record]) async throws -> Void) async throws {
        for start in stride(from: 0, to: records.count, by: size) {
            try await body(Array(records[start..<min(records.count, start + size)]))
        }
    }
}

/// Runs a global stage and collects its outputs.
func collect(_ stage: any GlobalStage, _ records: [JupiterCore.Record], seed: UInt64 = 1) async throws -> [StageOutput] {
    var out: [StageOutput] = []
    try await stage.run(Batches(records: records), context: StageContext(stageID: stage.name, dataset: "d", seed: seed)) {
        out.append($0)
    }
    return out
}

@Suite struct UncertaintyStageTests {
    /// Shannon entropy in nats of probabilities given directly (the test's own arithmetic).
    static func entropy(probabilities p: [Double]) -> Double {
        let z = p.reduce(0, +)
        return -p.map { $0 / z }.filter { $0 > 0 }.reduce(0) { $0 + $1 * Foundation.log($1) }
    }

    @Test func entropyIsThatOfTheRenormalisedTopK() {
        // 0.5, 0.25, 0.25: H = 0.5 ln 2 + 0.5 ln 4 = 1.5 ln 2.
        #expect(abs(UncertaintyStage.entropy([log(0.5), log(0.25), log(0.25)]) - 1.5 * log(2.0)) < 1e-12)
        // The same shape with mass missing (top-k of a larger vocabulary) renormalises to the same.
        #expect(abs(UncertaintyStage.entropy([log(0.2), log(0.1), log(0.1)]) - 1.5 * log(2.0)) < 1e-12)
        // A sure token has zero entropy; -inf alternatives count as zero probability.
        #expect(UncertaintyStage.entropy([0, -.infinity, -.infinity]) == 0)
        // Uniform over 20: ln 20.
        #expect(abs(UncertaintyStage.entropy(Array(repeating: -3, count: 20)) - log(20.0)) < 1e-12)
    }

    /// llama-cpp-python keys alternatives by their text, so byte tokens decoding to the same text
    /// merge (SmolLM2 on 0.3.36 returns 18 of 20 at a digit position): such a position is scored
    /// over what came back and counted; one with under half of `top_k` is a drop.
    @Test func positionsWithMergedAlternativesAreScoredAndCounted() {
        let stage = UncertaintyStage(
            model: ModelInfo(name: "m", servedModel: "m", identity: "test"), selection: .top(1), client: NoModels())
        func position(_ n: Int) -> TokenLogprob {
            TokenLogprob(token: "t", logprob: -0.1, top: (0..<n).map { TopLogprob(token: "a\($0)", logprob: -Double($0 + 1)) })
        }
        guard case .score(let s, let tokens, let short) = stage.score([position(20), position(18), position(20)]) else {
            Issue.record("not scored")
            return
        }
        #expect(tokens == 3 && short == 1)
        let expected =
            (2 * UncertaintyStage.entropy((0..<20).map { -Double($0 + 1) })
                + UncertaintyStage.entropy((0..<18).map { -Double($0 + 1) })) / 3
        #expect(abs(s - expected) < 1e-12)
        guard case .unusable(let reason) = stage.score([position(20), position(9)]) else {
            Issue.record("a position with 9 of 20 alternatives was scored")
            return
        }
        #expect(reason.rule == "uncertainty.missing_logprobs" && reason.value == JSONValue.int(9))
    }

    /// Top-20 distributions per position, built from probabilities the test chooses.
    static func positions(_ shapes: [[Double]]) -> [[Double]] {
        shapes.map { shape in
            var p = shape + Array(repeating: 0.001, count: max(0, 20 - shape.count))
            p = Array(p.prefix(20))
            return p.map { Foundation.log($0) }
        }
    }

    @Test func scoresSelectsTopKWithTiesByIdAndSaysWhyTheRestWent() async throws {
        // Prompts and their answers' distributions (a few positions each; `short` stops after 3).
        let peaked = Self.positions(Array(repeating: [0.97, 0.01, 0.01], count: 32))
        let flat = Self.positions(Array(repeating: Array(repeating: 0.05, count: 20), count: 32))
        let mixed = Self.positions((0..<32).map { $0 % 2 == 0 ? [0.5, 0.3, 0.2] : [0.9, 0.05, 0.05] })
        let short = Self.positions([[0.4, 0.3, 0.3], [0.6, 0.2, 0.2], [0.34, 0.33, 0.33]])
        let script: [String: [[Double]]] = [
            "peaked task": peaked, "flat task": flat, "mixed task": mixed,
            "short task": short, "tie one": mixed, "tie two": mixed
        ]
        let records: [JupiterCore.Record] = [
            .conversation(
                Conversation(
                    id: "a-peaked",
                    messages: [
                        Message(role: .system, content: "You are a shell agent."),
                        Message(role: .user, content: "peaked task"),
                        Message(role: .assistant, content: "{\"cmd\": \"ls\"}"),
                        Message(role: .user, content: "second user turn")
                    ])),
            conversation("b-flat", "flat task"), conversation("c-mixed", "mixed task"), conversation("d-short", "short task"),
            conversation("f-tie", "tie two"), conversation("e-tie", "tie one"),
            .conversation(Conversation(id: "g-nouser", messages: [Message(role: .system, content: "nothing asked")]))
        ]
        func expected(_ positions: [[Double]]) -> Double {
            positions.prefix(32).map { Self.entropy(probabilities: $0.map { Foundation.exp($0) }) }.reduce(0, +)
                / Double(min(32, positions.count))
        }
        try await withServer(.init(logprobScript: script)) { server in
            try await withService([testModel(server, reasoning: .toggle)]) { llm in
                let stage = UncertaintyStage(model: try #require(llm.model(named: "m")), selection: .top(3), client: llm)
                try await stage.preflight()
                let out = try await collect(stage, records)
                #expect(out.count == 7)
                var kept: [String] = [], dropped: [String: DropReason] = [:]
                var meta: [String: JSONValue] = [:]
                for o in out {
                    switch o {
                    case .kept(.conversation(let c)): kept.append(c.id); meta[c.id] = c.metadata["uncertainty"]
                    case .dropped(let r, let reason):
                        dropped[r.id] = reason
                        if case .conversation(let c) = r { meta[c.id] = c.metadata["uncertainty"] }
                    default: Issue.record("unexpected \(o)")
                    }
                }
                // flat (ln 20) > short > mixed = ties > peaked; top 3: flat, short, then c-mixed (id order among equals).
                #expect(kept == ["b-flat", "c-mixed", "d-short"])
                #expect(abs((meta["b-flat"]?["score"]?.doubleValue ?? 0) - expected(flat)) < 1e-6)
                #expect(abs((meta["d-short"]?["score"]?.doubleValue ?? 0) - expected(short)) < 1e-6)
                #expect(meta["d-short"]?["tokens"] == .int(3))
                #expect(meta["b-flat"]?["tokens"] == .int(32))
                #expect(meta["b-flat"]?["rank"] == .int(1) && meta["d-short"]?["rank"] == .int(2))
                #expect(meta["c-mixed"]?["rank"] == .int(3) && meta["e-tie"]?["rank"] == .int(4) && meta["f-tie"]?["rank"] == .int(5))
                let below = try #require(dropped["a-peaked"])
                #expect(below.rule == UncertaintyStage.Rule.belowTop)
                #expect(below.message.hasPrefix("below top-K: mean entropy"))
                #expect(below.message.contains("cut-off \(UncertaintyStage.format(expected(mixed)))"))
                #expect(dropped["g-nouser"]?.rule == UncertaintyStage.Rule.noUserTurn)
                // The prompt is the system message and the first user message only; greedy, 32 tokens, top 20, thinking on.
                let sent = try #require(server.requests(path: "/v1/chat/completions").first { $0.prompt == "peaked task" }?.body)
                #expect(sent["messages"]?.arrayValue?.count == 2)
                #expect(sent["temperature"]?.doubleValue == 0 && sent["max_tokens"] == .int(32) && sent["top_logprobs"] == .int(20))
                #expect(sent["chat_template_kwargs"]?["enable_thinking"] == .bool(true))
            }
        }
    }

    @Test func fractionAndThresholdSelections() async throws {
        let records = (0..<10).map { i in conversation("r\(i)", "task \(i)") }
        var script: [String: [[Double]]] = [:]
        for i in 0..<10 { script["task \(i)"] = Self.positions(Array(repeating: [1.0 + Double(i), 1, 1], count: 4)) }
        try await withServer(.init(logprobScript: script)) { server in
            try await withService([testModel(server)]) { llm in
                let info = try #require(llm.model(named: "m"))
                let fraction = try await collect(UncertaintyStage(model: info, selection: .fraction(0.3), client: llm), records)
                // The flattest distributions are the lowest i: r0, r1, r2.
                #expect(fraction.compactMap { if case .kept(let r) = $0 { r.id } else { nil } } == ["r0", "r1", "r2"])
                let cut = Self.positions([[4, 1, 1]])[0]
                let threshold = UncertaintyStage.entropy(cut) - 1e-9  // r3's score, less rounding
                let above = try await collect(UncertaintyStage(model: info, selection: .atLeast(threshold), client: llm), records)
                #expect(above.compactMap { if case .kept(let r) = $0 { r.id } else { nil } } == ["r0", "r1", "r2", "r3"])
                // A model that cannot reason is asked without a thinking switch.
                #expect(server.requestLog.allSatisfy { $0.body?["chat_template_kwargs"] == nil })
            }
        }
    }

    /// A server that returns fewer than 20 alternatives: one clear error before any work, naming
    /// the model and the setting; never a NaN or zero score.
    @Test func aServerWithoutTwentyLogprobsIsRefusedBeforeAnyWork() async throws {
        try await withServer(.init(models: ["served-model"], maxTopLogprobs: 5)) { server in
            try await withService([testModel(server, name: "base", model: "served-model")]) { llm in
                let stage = UncertaintyStage(model: try #require(llm.model(named: "base")), selection: .top(1), client: llm)
                do {
                    try await stage.preflight()
                    Issue.record("a server returning 5 alternatives passed the probe")
                } catch let error as LLMError {
                    #expect(error.message.contains("model 'base'") && error.message.contains("served-model"))
                    #expect(error.message.contains("top_logprobs: 20"))
                    #expect(error.message.contains("returned at most 5 per position"))
                }
                #expect(server.requests(path: "/v1/chat/completions").count == 1)
            }
        }
    }

    @Test func factoryNeedsExactlyOneSelection() throws {
        let llm = try LLMService(models: [ModelConfig(name: "base", endpoints: ["http://127.0.0.1:9/v1"], model: "x")], database: nil)
        let context = StageBuildContext(baseDirectory: ".", models: llm)
        var none = StageOptions(stage: "uncertainty", ["model": "base"])
        _ = try UncertaintyStage.factory.make(&none, context)
        #expect(none.finish().contains { $0.message.contains("give one of 'keep'") })
        var two = StageOptions(stage: "uncertainty", ["model": "base", "keep": "10", "min_score": "1.5"])
        _ = try UncertaintyStage.factory.make(&two, context)
        #expect(two.finish().contains { $0.message.contains("give only one of") })
        var good = StageOptions(stage: "uncertainty", ["model": "base", "keep_fraction": "0.25", "window": "16"])
        let stage = try #require(try UncertaintyStage.factory.make(&good, context) as? UncertaintyStage)
        #expect(good.finish().isEmpty)
        #expect(stage.selection == .fraction(0.25) && stage.window == 16 && stage.topK == 20)
    }
}
