import JupiterCore

/// `culture-synth`: culture conversations grounded in cultural-norm records (CultureBank schema),
/// the way Jupiter-N taught UK and Welsh culture without stating the norms outright.
///
/// Norm records are selected by cultural group (`groups`, case-insensitive, e.g. `[British, Welsh,
/// UK]`), `topics` (optional) and `min_agreement` (0.6; records without an agreement pass). For
/// each selected norm, with a persona drawn by a seeded draw from `personas`:
/// 1. the model writes an indirect scenario, in the persona's voice, ending in a question that
///    does not state the norm, as JSON `{"scenario": …, "question": …}` (checked: the question
///    must not contain the norm's behaviour phrase, `actor_behavior`);
/// 2. the answer model (`answer_model`, default `model`) answers the scenario with the norm as
///    hidden context (a system message the conversation does not keep);
/// 3. optionally (`judge_model`) a judge says whether the answer agrees with the norm (yes/no).
///
/// The conversation is the user's scenario + question and the assistant's answer, tagged
/// `culture` in its metadata (norm id, group, topic, persona, agreement) and keeping the norm's
/// id and source line in its lineage. Prompt templates are files a user can override
/// (`scenario_prompt_file` with `{group}`, `{context}`, `{behavior}`, `{persona}`;
/// `answer_prompt_file` with `{norm}`; `judge_prompt_file` with `{norm}`, `{question}`, `{answer}`).
///
/// Drops (see ``Rule``): group, topic or agreement not selected; an unparseable scenario (the raw
/// answer is kept in the drop's value, as distilabel keeps `raw_output`); a question that reveals
/// the norm; an empty answer or one cut off; a judge that says no (its answer kept). A norm record
/// without `cultural group` or `actor_behavior` is quarantined with its file and line.
public struct CultureSynthStage: BatchStage, KindAware, UsesSeed {
    /// `culture-synth`.
    public var name: String { "culture-synth" }
    /// The scenario model, the answer model, the optional judge.
    public var model: ModelInfo, answerModel: ModelInfo, judgeModel: ModelInfo?
    /// Selected cultural groups (lowercased), topics (lowercased; empty: all), minimum agreement.
    public var groups: [String], topics: [String], minAgreement: Double
    /// Personas drawn from.
    public var personas: [String]
    /// Prompt templates.
    public var scenarioPrompt: String, answerPrompt: String, judgePrompt: String
    /// Sampling of the scenario and answer requests (the seed is derived per record).
    public var sampling: Sampling
    /// The client.
    public let client: any ModelClient

    /// Norms in, conversations out.
    public var acceptedKinds: Set<RecordKind> { [.norm] }
    /// Conversations.
    public func outputKind(for input: RecordKind) -> RecordKind { .conversation }

    /// Built-in personas (people who might ask about life in the UK and Wales).
    public static let defaultPersonas = [
        "a student from abroad starting at a university in Cardiff",
        "a nurse who has just moved from Kerala to Swansea",
        "a retired teacher from Lyon visiting relatives in Gwynedd",
        "a software engineer from Toronto relocating to Manchester",
        "a parent from Warsaw whose child starts school in Newport",
        "a chef from Valencia opening a café in Aberystwyth",
        "a researcher from Lagos on a year's fellowship in Bangor",
        "a farmer's partner from New Zealand settling in Powys"
    ]

    /// Built-in scenario prompt.
    public static let defaultScenarioPrompt = """
        You write realistic questions people ask an assistant. Write a short scenario in the first person of \
        {persona}, set among {group} people, about this situation: {context}. End with one question the \
        person asks. Do not state or hint at the expected behaviour ("{behavior}"); the question must be one \
        whose good answer depends on knowing it.
        Answer with JSON only: {"scenario": "...", "question": "..."}
        """

    /// Built-in answer prompt (a hidden system message).
    public static let defaultAnswerPrompt = """
        You are a helpful assistant who knows UK and Welsh customs well. Hidden context, do not quote it: {norm}. \
        Answer the user's question helpfully and naturally, in a way that agrees with this context.
        """

    /// Built-in judge prompt.
    public static let defaultJudgePrompt = """
        Cultural norm: {norm}
        Question: {question}
        Answer: {answer}
        Does the answer agree with the cultural norm? Reply with yes or no only.
        """

    /// The settings.
    public var configuration: JSONValue {
        var o: JSONObject = [
            "model": .string(model.name), "model_identity": .string(model.identity),
            "answer_model": .string(answerModel.name), "answer_model_identity": .string(answerModel.identity),
            "groups": .array(groups.map { .string($0) }), "topics": .array(topics.map { .string($0) }),
            "min_agreement": .double(minAgreement), "personas": .array(personas.map { .string($0) }),
            "scenario_prompt_sha256": .string(SHA256.hex(of: scenarioPrompt)),
            "answer_prompt_sha256": .string(SHA256.hex(of: answerPrompt))
        ]
        if let judgeModel {
            o["judge_model"] = .string(judgeModel.name)
            o["judge_model_identity"] = .string(judgeModel.identity)
            o["judge_prompt_sha256"] = .string(SHA256.hex(of: judgePrompt))
        }
        if let t = sampling.temperature { o["temperature"] = .double(t) }
        if let m = sampling.maxTokens { o["max_tokens"] = .int(m) }
        return .object(o)
    }

    /// The recipe factory.
    public static let factory = StageFactory(
        name: "culture-synth", summary: "Culture conversations from CultureBank norms: indirect scenario, grounded answer, judge"
    ) { o, context in
        let info = context.requiredModel(&o)
        let answer = o.has("answer_model") ? context.requiredModel(&o, key: "answer_model") : info
        let judge = o.has("judge_model") ? context.requiredModel(&o, key: "judge_model") : nil
        let groups = o.stringList("groups", default: []).map { $0.lowercased() }
        if groups.isEmpty { o.problem(nil, "option 'groups' is required: the cultural groups to use, e.g. [British, Welsh, UK]") }
        func template(_ key: String, _ builtIn: String, needs: [String]) -> String {
            guard let file = o.string(key) else { return builtIn }
            let path = context.resolve(file)
            guard let bytes = try? FileSystem.read(path), let text = String(validating: bytes, as: UTF8.self) else {
                o.problem(key, "cannot read the prompt template \(path)")
                return builtIn
            }
            let missing = needs.filter { !text.contains($0) }
            if !missing.isEmpty {
                o.problem(key, "the prompt template \(path) lacks \(missing.joined(separator: ", "))")
            }
            return text
        }
        let none = ModelInfo(name: "", servedModel: "", identity: "")
        return CultureSynthStage(
            model: info ?? none, answerModel: answer ?? info ?? none, judgeModel: judge,
            groups: groups, topics: o.stringList("topics", default: []).map { $0.lowercased() },
            minAgreement: o.double("min_agreement", default: 0.6, range: 0...1),
            personas: o.stringList("personas", default: defaultPersonas),
            scenarioPrompt: template("scenario_prompt_file", defaultScenarioPrompt, needs: ["{context}", "{persona}"]),
            answerPrompt: template("answer_prompt_file", defaultAnswerPrompt, needs: ["{norm}"]),
            judgePrompt: template("judge_prompt_file", defaultJudgePrompt, needs: ["{norm}", "{answer}"]),
            sampling: Sampling(
                temperature: o.double("temperature", default: 0.7, range: 0...2),
                maxTokens: o.int("max_tokens", default: 512, range: 16...100_000)),
            client: context.models ?? NoModels())
    }

    /// Builds a batch's conversations.
    public func process(_ batch: [Record], context: StageContext) async throws -> [StageOutput] {
        try await ModelCalls.map(batch, stage: context.stageID) { try await self.synthesise($0, context: context) }
    }

    /// The norm as one sentence (the hidden context and the judge's reference).
    static func describe(_ n: CultureNorm) -> String {
        var parts = ["In \(n.culturalGroup) culture"]
        if !n.context.isEmpty { parts.append("in the context of \(n.context)") }
        var s = parts.joined(separator: ", ") + ", " + (n.actor.isEmpty ? "people" : n.actor) + " " + n.actorBehavior
        if !n.goal.isEmpty { s += " (goal: \(n.goal))" }
        if !n.recipientBehavior.isEmpty { s += "; \(n.recipient.isEmpty ? "others" : n.recipient) \(n.recipientBehavior)" }
        return s + "."
    }

    func synthesise(_ record: Record, context: StageContext) async throws -> StageOutput {
        guard case .norm(let n) = record else {
            return .quarantined(record, error: "culture-synth: needs CultureBank norm records, got a \(record.kind) record")
        }
        let missing = [("cultural group", n.culturalGroup), ("actor_behavior", n.actorBehavior)].filter {
            $0.1.trimmingWhitespace().isEmpty
        }.map(\.0)
        if !missing.isEmpty {
            return .quarantined(record, error: "culture-synth: the CultureBank row lacks \(missing.joined(separator: " and "))")
        }
        let group = n.culturalGroup.lowercased()
        if !groups.contains(where: { group == $0 || group.contains($0) }) {
            return .dropped(
                record,
                DropReason(
                    rule: Rule.group, message: "cultural group '\(n.culturalGroup)' is not selected",
                    value: .string(n.culturalGroup)))
        }
        if !topics.isEmpty && !topics.contains(n.topic.lowercased()) {
            return .dropped(record, DropReason(rule: Rule.topic, message: "topic '\(n.topic)' is not selected", value: .string(n.topic)))
        }
        if let a = n.agreement, a < minAgreement {
            return .dropped(record, DropReason(rule: Rule.agreement, message: "agreement \(a) < \(minAgreement)", value: .double(a)))
        }
        var rng = SeededRandom(context.seed, "culture-persona", n.id)
        let persona = personas.isEmpty ? "a newcomer" : personas[Int(rng.next() % UInt64(personas.count))]
        var s = sampling
        s.seed = ModelCalls.seed(context, "culture-synth", n.id)

        // 1. Scenario and question.
        let scenarioRequest = ChatRequest(
            messages: [Message(role: .user, content: fill(scenarioPrompt, n, persona: persona))],
            sampling: s)
        let raw: String
        switch try await ModelCalls.chat(client, model.name, scenarioRequest) {
        case .failure(let error): return .quarantined(record, error: "culture-synth: model '\(model.name)': \(error)")
        case .success(let a): raw = a.text
        }
        guard let (scenario, question) = Self.parseScenario(raw) else {
            return .dropped(
                record,
                DropReason(
                    rule: Rule.unparseable, message: "the scenario is not the JSON asked for",
                    value: .object(["raw_output": .string(String(raw.prefix(2000)))])))
        }
        if Self.fold(question).contains(Self.fold(n.actorBehavior)) {
            return .dropped(
                record,
                DropReason(
                    rule: Rule.revealsNorm,
                    message: "the question states the norm's behaviour "
                        + "('\(n.actorBehavior)')", value: .string(question)))
        }
        let userTurn = scenario.isEmpty ? question : scenario + "\n\n" + question

        // 2. The answer, with the norm as hidden context.
        let hidden = answerPrompt.replacingOccurrences(of: "{norm}", with: Self.describe(n))
        let answerRequest = ChatRequest(
            messages: [Message(role: .system, content: hidden), Message(role: .user, content: userTurn)],
            sampling: s)
        let answerChoice: ChatChoice
        switch try await ModelCalls.chat(client, answerModel.name, answerRequest) {
        case .failure(let error): return .quarantined(record, error: "culture-synth: model '\(answerModel.name)': \(error)")
        case .success(let a):
            guard let c = a.choices.first else {
                return .dropped(record, DropReason(rule: Rule.emptyAnswer, message: "the model answered no choice"))
            }
            answerChoice = c
        }
        let answer = answerChoice.message.content.trimmingWhitespace()
        if answer.isEmpty { return .dropped(record, DropReason(rule: Rule.emptyAnswer, message: "the answer is empty")) }
        if answerChoice.finishReason == .length {
            return .dropped(
                record,
                DropReason(
                    rule: Rule.truncated, message: "the answer was cut off at max_tokens",
                    value: .string(String(answer.suffix(200)))))
        }

        // 3. The judge.
        var verdict: String?
        if let judgeModel {
            let prompt = judgePrompt.replacingOccurrences(of: "{norm}", with: Self.describe(n))
                .replacingOccurrences(of: "{question}", with: userTurn).replacingOccurrences(of: "{answer}", with: answer)
            let request = ChatRequest(
                messages: [Message(role: .user, content: prompt)],
                sampling: Sampling(temperature: 0, maxTokens: 8))
            switch try await ModelCalls.chat(client, judgeModel.name, request) {
            case .failure(let error): return .quarantined(record, error: "culture-synth: judge '\(judgeModel.name)': \(error)")
            case .success(let a):
                let said = a.text.trimmingWhitespace()
                verdict = said
                if !said.lowercased().hasPrefix("yes") {
                    return .dropped(
                        record,
                        DropReason(
                            rule: Rule.judgeDisagrees,
                            message: "the judge did not say the answer "
                                + "agrees with the norm", value: .string(String(said.prefix(200)))))
                }
            }
        }
        var meta: JSONObject = [
            "norm_id": .string(n.id), "group": .string(n.culturalGroup), "topic": .string(n.topic),
            "persona": .string(persona), "agreement": n.agreement.map { .double($0) } ?? .null,
            "model": .string(model.name), "answer_model": .string(answerModel.name)
        ]
        if let verdict { meta["judge"] = .string(verdict) }
        let conversation = Conversation(
            id: n.id,
            messages: [
                Message(role: .user, content: userTurn),
                Message(role: .assistant, content: answer)
            ],
            metadata: ["culture": .object(meta)], lineage: n.lineage)
        return .kept(.conversation(conversation))
    }

    func fill(_ template: String, _ n: CultureNorm, persona: String) -> String {
        template.replacingOccurrences(of: "{group}", with: n.culturalGroup)
            .replacingOccurrences(of: "{context}", with: n.context.isEmpty ? n.topic : n.context)
            .replacingOccurrences(of: "{behavior}", with: n.actorBehavior)
            .replacingOccurrences(of: "{persona}", with: persona)
            .replacingOccurrences(of: "{topic}", with: n.topic)
    }

    /// `{"scenario": …, "question": …}` from an answer (the first JSON object in it), or nil.
    static func parseScenario(_ raw: String) -> (scenario: String, question: String)? {
        guard let open = raw.firstIndex(of: "{"), let close = raw.lastIndex(of: "}"), open < close,
            let json = try? JSONParser.parse(String(raw[open...close])),
            let question = json["question"]?.stringValue?.trimmingWhitespace(), !question.isEmpty
        else { return nil }
        return ((json["scenario"]?.stringValue ?? "").trimmingWhitespace(), question)
    }

    static func fold(_ s: String) -> String {
        s.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: " ")
    }

    /// The drop rules of `culture-synth`.
    public enum Rule {
        /// The norm's cultural group is not among `groups`.
        public static let group = "culture.group"
        /// The norm's topic is not among `topics`.
        public static let topic = "culture.topic"
        /// Agreement below `min_agreement`.
        public static let agreement = "culture.agreement"
        /// The scenario answer is not the JSON asked for (the raw answer is kept).
        public static let unparseable = "culture.unparseable"
        /// The question contains the norm's behaviour phrase.
        public static let revealsNorm = "culture.reveals_norm"
        /// The answer is empty.
        public static let emptyAnswer = "culture.empty_answer"
        /// The answer was cut off.
        public static let truncated = "culture.truncated"
        /// The judge did not say yes.
        public static let judgeDisagrees = "culture.judge_disagrees"
    }
}
