import JupiterCore

/// `parallel-to-chat`: turns sentence pairs into translation conversations, the way Jupiter-N's
/// Welsh data was built.
///
/// Within each input batch, pairs are taken in order. Each conversation is, by seeded draw:
/// - **single** (share `1 - series_share`, default 70%): one instruction + one pair;
/// - **series** (default 30%): "one sentence at a time" — an opening instruction with the first
///   sentence, then each following sentence as its own user turn, up to `max_series` pairs
///   (default 5, at least 2).
/// Direction is drawn per conversation (`forward_share` of source→target, default 50%), and the
/// instruction template is drawn from English- or Welsh-language templates (`welsh_prompt_share`
/// of prompts written in Welsh when Welsh is one of the languages, default 0.3). Assistant turns
/// have reasoning off. Everything is a pure function of (seed, batch), so runs are reproducible.
public struct ParallelToChatStage: BatchStage, KindAware, UsesSeed {
    public let name = "parallel-to-chat"
    /// Share of conversations that are multi-turn series.
    public var seriesShare: Double
    /// Most pairs in one series conversation.
    public var maxSeries: Int
    /// Share of conversations translating source→target (the rest go target→source).
    public var forwardShare: Double
    /// Share of prompts written in Welsh (when one language is `cy`).
    public var welshPromptShare: Double
    /// Optional system prompt added to every conversation.
    public var systemPrompt: String?

    /// Creates the stage.
    public init(
        seriesShare: Double = 0.3, maxSeries: Int = 5, forwardShare: Double = 0.5,
        welshPromptShare: Double = 0.3, systemPrompt: String? = nil
    ) {
        self.seriesShare = seriesShare
        self.maxSeries = maxSeries
        self.forwardShare = forwardShare
        self.welshPromptShare = welshPromptShare
        self.systemPrompt = systemPrompt
    }

    public var acceptedKinds: Set<RecordKind> { [.pair] }
    public func outputKind(for input: RecordKind) -> RecordKind { .conversation }

    public var configuration: JSONValue {
        var o: JSONObject = [
            "series_share": .double(seriesShare), "max_series": .int(maxSeries),
            "forward_share": .double(forwardShare), "welsh_prompt_share": .double(welshPromptShare)
        ]
        if let systemPrompt { o["system_prompt"] = .string(systemPrompt) }
        return .object(o)
    }

    /// The recipe factory.
    public static let factory = StageFactory(
        name: "parallel-to-chat",
        summary: "Turn sentence pairs into single and multi-turn translation conversations (seeded)."
    ) { o, _ in
        ParallelToChatStage(
            seriesShare: o.double("series_share", default: 0.3, range: 0...1),
            maxSeries: o.int("max_series", default: 5, range: 2...50),
            forwardShare: o.double("forward_share", default: 0.5, range: 0...1),
            welshPromptShare: o.double("welsh_prompt_share", default: 0.3, range: 0...1),
            systemPrompt: o.string("system_prompt"))
    }

    public func process(_ batch: [Record], context: StageContext) async throws -> [StageOutput] {
        var out: [StageOutput] = []
        var pending: [ParallelPair] = []
        for record in batch {
            guard case .pair(let p) = record else {
                out.append(.quarantined(record, error: "parallel-to-chat expects pairs, got \(record.kind.rawValue)"))
                continue
            }
            pending.append(p)
        }
        var rng = SeededRandom(
            context.seed, context.stageID, String(context.batchIndex),
            pending.first?.id ?? "")
        var i = 0
        while i < pending.count {
            let series = rng.unit() < seriesShare
            let length = series ? min(2 + Int(rng.next() % UInt64(maxSeries - 1)), pending.count - i) : 1
            let group = Array(pending[i..<(i + length)])
            i += length
            out.append(.kept(.conversation(makeConversation(group, series: length > 1, rng: &rng))))
        }
        return out
    }

    func makeConversation(_ pairs: [ParallelPair], series: Bool, rng: inout SeededRandom) -> Conversation {
        let first = pairs[0]
        let forward = rng.unit() < forwardShare
        let from = forward ? first.sourceLanguage : first.targetLanguage
        let to = forward ? first.targetLanguage : first.sourceLanguage
        let welshPossible = from == "cy" || to == "cy"
        let inWelsh = welshPossible && rng.unit() < welshPromptShare
        let pool: [String] =
            series
            ? (inWelsh ? TranslationTemplates.seriesWelsh : TranslationTemplates.seriesEnglish)
            : (inWelsh ? TranslationTemplates.singleWelsh : TranslationTemplates.singleEnglish)
        let templateIndex = Int(rng.next() % UInt64(pool.count))
        var messages: [Message] = []
        if let systemPrompt { messages.append(Message(role: .system, content: systemPrompt)) }
        for (k, pair) in pairs.enumerated() {
            let text = forward ? pair.source : pair.target
            let answer = forward ? pair.target : pair.source
            let prompt =
                k == 0
                ? TranslationTemplates.fill(pool[templateIndex], text: text, source: from, target: to)
                : text
            messages.append(Message(role: .user, content: prompt))
            messages.append(Message(role: .assistant, content: answer))
        }
        let id = pairs.count == 1 ? "\(first.id)/chat" : "\(first.id)/series\(pairs.count)"
        let metadata: JSONObject = [
            "task": .string("translation"), "direction": .string("\(from)-\(to)"),
            "style": .string(series ? "series" : "single"),
            "template": .string("\(series ? "series" : "single")-\(inWelsh ? "cy" : "en")-\(templateIndex)"),
            "pairs": .int(pairs.count)
        ]
        return Conversation(
            id: id, messages: messages, metadata: metadata,
            lineage: Lineage(
                origins: pairs.flatMap(\.lineage.origins),
                stages: first.lineage.stages))
    }
}
