import Foundation
import JupiterCore

/// `uncertainty`: Jupiter-N's selection of agentic trajectories — keep those where the model
/// has most to learn, measured by how unsure it is when it starts to answer.
///
/// For each conversation: prompt = the system message (if any) + the first user message only;
/// a greedy request (temperature 0; reasoning on when the model can reason, see
/// ``ModelInfo/reasoning``) for `window` (32) new tokens with the `top_k` (20) most likely tokens
/// and their log-probabilities at each generated position. At each position the `top_k`
/// probabilities are renormalised to sum to 1 and their Shannon entropy taken (nats); the score is
/// the mean over the generated positions (fewer than `window` when generation stops: the count is
/// recorded). Then one selection over all records keeps the `keep` (K) highest scores, or the top
/// `keep_fraction`, or every score ≥ `min_score` (exactly one of the three); ties are broken by
/// record id. Each record's metadata gets `uncertainty: {score, tokens, rank, model}`; a dropped
/// record says "below top-K" with its score and the cut-off.
///
/// Before any work, one probe request checks that the server returns `top_k` log-probabilities
/// (at one position at least: the server honours the setting); if not, the run stops with one error
/// naming the model and the setting — never NaN scores, never silent zeros. Some servers return
/// fewer alternatives at a few positions although they honour the setting: llama-cpp-python keys
/// the alternatives by their text, so byte tokens that decode to the same text (often `""`) merge
/// into one (measured with SmolLM2 on 0.3.36: 18 of 20 at a digit position). Such a position is
/// scored over the alternatives returned, as long as it has at least half of `top_k`, and the
/// record's metadata counts it (`short_positions`); a position with fewer is a drop
/// (`uncertainty.missing_logprobs`). Answers are cached like every model answer, so a rerun sends only
/// the requests not answered yet.
///
/// ```yaml
/// - uncertainty: { model: base, keep: 30000 }            # or keep_fraction: 0.25, or min_score: 1.2
/// ```
public struct UncertaintyStage: GlobalStage, KindAware, Preflighted {
    /// `uncertainty`.
    public var name: String { "uncertainty" }
    /// The model.
    public var model: ModelInfo
    /// Generated positions scored.
    public var window: Int
    /// Alternatives per position.
    public var topK: Int
    /// Which records are kept.
    public var selection: Selection
    /// The client.
    public let client: any ModelClient

    /// Which records the selection keeps.
    public enum Selection: Sendable, Hashable {
        /// The K highest scores.
        case top(Int)
        /// The highest `fraction` of records (rounded to the nearest record, at least one when any).
        case fraction(Double)
        /// Every score at or above the threshold.
        case atLeast(Double)
    }

    /// Creates the stage.
    public init(model: ModelInfo, window: Int = 32, topK: Int = 20, selection: Selection, client: any ModelClient) {
        self.model = model
        self.window = window
        self.topK = topK
        self.selection = selection
        self.client = client
    }

    /// Conversations.
    public var acceptedKinds: Set<RecordKind> { [.conversation] }
    /// Conversations.
    public func outputKind(for input: RecordKind) -> RecordKind { .conversation }

    /// Thinking on where the model can reason; left to the server otherwise.
    var reasoning: ReasoningMode? { model.reasoning.canReason ? .on : nil }

    /// The settings (the model's identity included).
    public var configuration: JSONValue {
        var o: JSONObject = [
            "model": .string(model.name), "model_identity": .string(model.identity),
            "window": .int(window), "top_k": .int(topK)
        ]
        switch selection {
        case .top(let k): o["keep"] = .int(k)
        case .fraction(let f): o["keep_fraction"] = .double(f)
        case .atLeast(let t): o["min_score"] = .double(t)
        }
        if let reasoning { o["reasoning"] = .string(reasoning.rawValue) }
        return .object(o)
    }

    /// The recipe factory.
    public static let factory = StageFactory(
        name: "uncertainty",
        summary: "Keep the conversations whose first 32 greedy tokens have the highest mean top-20 entropy (Jupiter-N)"
    ) { o, context in
        let info = context.requiredModel(&o)
        let window = o.int("window", default: 32, range: 1...4096)
        let topK = o.int("top_k", default: 20, range: 2...20)
        let k = o.int("keep", range: 1...Int.max)
        let f = o.double("keep_fraction", range: 0...1)
        let t = o.double("min_score")
        let given = [k != nil, f != nil, t != nil].filter { $0 }.count
        var selection = Selection.top(k ?? 1)
        if let f { selection = .fraction(f) }
        if let t { selection = .atLeast(t) }
        if given != 1 {
            o.problem(
                nil,
                given == 0
                    ? "give one of 'keep' (top K), 'keep_fraction' or 'min_score'"
                    : "give only one of 'keep', 'keep_fraction' and 'min_score'")
        }
        return UncertaintyStage(
            model: info ?? ModelInfo(name: "", servedModel: "", identity: ""), window: window,
            topK: topK, selection: selection, client: context.models ?? NoModels())
    }

    // MARK: Scoring

    /// The prompt: the system message (if any) and the first user message.
    static func prompt(_ c: Conversation) -> [Message]? {
        guard let user = c.messages.first(where: { $0.role == .user }) else { return nil }
        let system = c.messages.first.flatMap { $0.role == .system ? $0 : nil }
        return (system.map { [$0] } ?? []) + [user]
    }

    /// The greedy request for a prompt.
    func request(_ messages: [Message]) -> ChatRequest {
        ChatRequest(
            messages: messages, sampling: Sampling(temperature: 0, maxTokens: window), logprobs: true,
            topLogprobs: topK, reasoning: reasoning)
    }

    /// The renormalised Shannon entropy (nats) of one position's top alternatives.
    public static func entropy(_ logprobs: [Double]) -> Double {
        guard let m = logprobs.max(), m.isFinite else { return 0 }
        let weights = logprobs.map { $0.isFinite ? exp($0 - m) : 0 }
        let z = weights.reduce(0, +)
        var h = 0.0
        for w in weights where w > 0 {
            let p = w / z
            h -= p * log(p)
        }
        return h
    }

    /// A score, or why the record cannot be scored.
    enum Scored: Sendable {
        /// The mean entropy over `tokens` positions, `short` of them with fewer than `top_k` alternatives.
        case score(Double, tokens: Int, short: Int)
        /// Dropped with the reason.
        case unusable(DropReason)
        /// The server rejected the request (quarantined with the error).
        case rejected(String)
    }

    /// Scores one answer's token log-probabilities.
    func score(_ tokens: [TokenLogprob]) -> Scored {
        let positions = Array(tokens.prefix(window))
        guard !positions.isEmpty else {
            return .unusable(DropReason(rule: Rule.noTokens, message: "the model generated no token to score"))
        }
        var total = 0.0
        var short = 0
        for (i, t) in positions.enumerated() {
            guard 2 * t.top.count >= topK, t.top.count > 0 else {
                return .unusable(
                    DropReason(
                        rule: Rule.missingLogprobs,
                        message: "position \(i) has \(t.top.count) top log-probabilities of the \(topK) asked",
                        value: .int(t.top.count)))
            }
            if t.top.count < topK { short += 1 }
            total += Self.entropy(t.top.prefix(topK).map(\.logprob))
        }
        return .score(total / Double(positions.count), tokens: positions.count, short: short)
    }

    /// One probe request: the server must return `top_k` alternatives (at one generated position at
    /// least: see the type's notes on merged alternatives) with finite log-probabilities.
    public func preflight() async throws {
        let probe = ChatRequest(
            messages: [Message(role: .user, content: "Count on: 1, 2, 3, 4,")],
            sampling: Sampling(temperature: 0, maxTokens: 4), logprobs: true, topLogprobs: topK,
            reasoning: reasoning)
        let answer = try await client.chat(model.name, probe)
        let tokens = answer.choices.first?.logprobs ?? []
        let counts = tokens.map(\.top.count)
        guard let most = counts.max(), most >= topK,
            tokens.allSatisfy({ $0.top.prefix(topK).contains { $0.logprob.isFinite } })
        else {
            throw LLMError(
                .badRequest,
                "stage 'uncertainty' needs \(topK) top log-probabilities per generated token, "
                    + "but model '\(model.name)' (serving '\(model.servedModel)') returned "
                    + (tokens.isEmpty ? "no log-probabilities" : "at most \(counts.max() ?? 0) per position")
                    + " for `logprobs: true, top_logprobs: \(topK)`; the server must allow it (vLLM: "
                    + "--max-logprobs \(topK) or more; SGLang and llama.cpp return them when asked)")
        }
    }

    // MARK: Selection

    /// Scores every record (concurrently, a batch at a time), selects, and emits in input order.
    public func run(_ input: any RecordBatches, context: StageContext, emit: (StageOutput) async throws -> Void) async throws {
        var scores: [Scored] = []
        var ids: [String] = []
        scores.reserveCapacity(input.count)
        let stage = self
        try await input.forEachBatch { batch in
            scores += try await ModelCalls.map(batch, stage: context.stageID) { record -> Scored in
                guard case .conversation(let c) = record, let prompt = Self.prompt(c) else {
                    return .unusable(DropReason(rule: Rule.noUserTurn, message: "no user message to score"))
                }
                switch try await ModelCalls.chat(stage.client, stage.model.name, stage.request(prompt)) {
                case .success(let answer): return stage.score(answer.choices.first?.logprobs ?? [])
                case .failure(let error): return .rejected("uncertainty: model '\(stage.model.name)': \(error)")
                }
            }
            ids += batch.map(\.id)
        }
        // Rank the scored records: highest score first, ties by id.
        let ranked = scores.indices.compactMap { i -> (Int, Double)? in
            if case .score(let s, _, _) = scores[i] { return (i, s) }
            return nil
        }.sorted { a, b in a.1 != b.1 ? a.1 > b.1 : ids[a.0].utf8.lexicographicallyPrecedes(ids[b.0].utf8) }
        var rank = [Int](repeating: 0, count: scores.count)
        for (r, (i, _)) in ranked.enumerated() { rank[i] = r + 1 }
        let keepCount: Int
        switch selection {
        case .top(let k): keepCount = min(k, ranked.count)
        case .fraction(let f): keepCount = ranked.isEmpty ? 0 : max(1, Int((f * Double(ranked.count)).rounded()))
        case .atLeast(let t): keepCount = ranked.prefix { $0.1 >= t }.count
        }
        let cutoff = keepCount > 0 ? ranked[keepCount - 1].1 : nil
        var index = 0
        try await input.forEachBatch { batch in
            for record in batch {
                defer { index += 1 }
                guard index < scores.count else { throw UncertaintyError.inputChanged }
                switch scores[index] {
                case .rejected(let error):
                    try await emit(.quarantined(record, error: error))
                case .unusable(let reason):
                    try await emit(.dropped(record, reason))
                case .score(let s, let n, let short):
                    guard case .conversation(var c) = record else { throw UncertaintyError.inputChanged }
                    var facts: JSONObject = [
                        "score": .double(Self.round(s)), "tokens": .int(n),
                        "rank": .int(rank[index]), "model": .string(model.name)
                    ]
                    if short > 0 { facts["short_positions"] = .int(short) }
                    c.metadata["uncertainty"] = .object(facts)
                    if rank[index] <= keepCount {
                        try await emit(.kept(.conversation(c)))
                    } else {
                        try await emit(
                            .dropped(
                                .conversation(c),
                                DropReason(
                                    rule: Rule.belowTop,
                                    message: "below top-K: mean entropy \(Self.format(s)) nats, rank \(rank[index]) of \(ranked.count); "
                                        + "cut-off \(cutoff.map(Self.format) ?? "none") (\(selectionText))",
                                    value: .object([
                                        "score": .double(Self.round(s)), "rank": .int(rank[index]),
                                        "cutoff": cutoff.map { .double(Self.round($0)) } ?? .null
                                    ]))))
                    }
                }
            }
        }
    }

    var selectionText: String {
        switch selection {
        case .top(let k): "keep \(k)"
        case .fraction(let f): "keep the top \(Self.format(f * 100))%"
        case .atLeast(let t): "keep scores ≥ \(Self.format(t))"
        }
    }

    static func round(_ x: Double) -> Double { (x * 1e6).rounded() / 1e6 }
    static func format(_ x: Double) -> String { String(format: "%.4f", x) }

    /// The drop rules of `uncertainty`.
    public enum Rule {
        /// The score is below the selection's cut-off.
        public static let belowTop = "uncertainty.below_top_k"
        /// The conversation has no user message.
        public static let noUserTurn = "uncertainty.no_user_turn"
        /// The model generated nothing.
        public static let noTokens = "uncertainty.no_tokens"
        /// A position had fewer alternatives than `top_k`.
        public static let missingLogprobs = "uncertainty.missing_logprobs"
    }
}

/// The input of a global stage changed between its two passes.
enum UncertaintyError: Error, CustomStringConvertible {
    case inputChanged
    var description: String { "uncertainty: the input changed between the scoring and the selection pass" }
}
