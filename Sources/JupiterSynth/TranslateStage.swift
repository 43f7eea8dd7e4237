import Foundation
import JupiterCore
import JupiterCurate

/// `translate`: LLM translation of conversations into the target language (Welsh first), with
/// quality gates, the way Jupiter-N made Welsh instruction data from English conversations.
///
/// `mode: turns` (default) translates each turn of the roles in `roles` (system, user, assistant)
/// in its own request; `mode: whole` sends the conversation in one request with `[[TURN n]]`
/// markers and splits the answer on them. Fenced code blocks and JSON payloads (a turn that is a
/// JSON object or array: tool results, structured answers) are never sent: they are carried over
/// verbatim, and tool calls and `tool` turns are kept as they are (see ``TranslationText``).
/// Reasoning (`reasoning_content`) is kept untranslated.
///
/// The prompt template is a file the user can override (`prompt_file`); it must contain `{text}`
/// and `{target}` (`{source}` is optional); the built-in one is ``defaultPrompt``.
///
/// Gates, each a drop rule with the measured value (in this order, first failing names the drop):
/// - `translate.structure` — inline code, URLs, numbers, placeholders or the Markdown skeleton of a
///   piece did not come back unchanged;
/// - `translate.unchanged` — the output equals the input (after case and space folding);
/// - `translate.commentary` — the output starts like a refusal or a comment ("Here is the
///   translation", "I'm sorry", "Dyma'r cyfieithiad", …) instead of a translation;
/// - `translate.loop` — a looping output (the quality stage's n-gram loop rule);
/// - `translate.length_ratio` — output/input characters outside `min_ratio`…`max_ratio` (0.5…2.0);
/// - `translate.wrong_language` — the fastText language ID (`langid_model`, the model the `langid`
///   stage uses) does not say `target` with probability ≥ `min_langid_prob` (0.5), for texts of at
///   least 20 letters;
/// - `translate.back_translation` — optional (`back_translation: { min_chrf: 40 }`): the output
///   translated back to the source language must score at least that chrF against the original
///   (NeMo Curator's translation stage defaults to chrF ≥ 40 on the round trip);
/// - `translate.judge` — optional (`judge: { model, min_score: 3 }`): a judge model scores each
///   turn's fluency, accuracy, terminology and format 1–5 (NeMo Curator's FAITH); any score below
///   the threshold drops the record; an unparseable verdict drops it too, keeping the raw answer.
/// Without `langid_model` the language gate is off (`jupiter validate` warns).
public struct TranslateStage: BatchStage, KindAware {
    /// `translate`.
    public var name: String { "translate" }
    /// The translating model.
    public var model: ModelInfo
    /// Language codes.
    public var source: String, target: String
    /// Turn by turn, or the whole conversation at once.
    public var wholeConversation: Bool
    /// Roles translated.
    public var roles: Set<Role>
    /// The prompt template (`{text}`, `{target}`, `{source}`) and where it came from.
    public var prompt: String, promptSource: String
    /// Sampling (temperature 0 by default: a translation is not a creative task).
    public var sampling: Sampling
    /// Length ratio bounds (output / input characters).
    public var minRatio: Double, maxRatio: Double
    /// The language-ID model (nil: the language gate is off).
    public var langid: FastTextModel?
    /// Smallest probability of the target language.
    public var minLangidProbability: Double
    /// Back-translation chrF threshold (nil: off).
    public var minBackChrF: Double?
    /// The judge model and its threshold (nil: off).
    public var judge: (model: ModelInfo, minScore: Int)?
    /// The client.
    public let client: any ModelClient

    /// Conversations.
    public var acceptedKinds: Set<RecordKind> { [.conversation] }
    /// Conversations.
    public func outputKind(for input: RecordKind) -> RecordKind { .conversation }

    /// The built-in prompt.
    public static let defaultPrompt = """
        Translate the following text from {source} into {target}. Keep code in backticks, URLs, numbers, \
        placeholders in curly braces and the Markdown formatting exactly as they are. Reply with the translation \
        only, without any comment.

        {text}
        """

    /// The settings (models' identities included).
    public var configuration: JSONValue {
        var o: JSONObject = [
            "model": .string(model.name), "model_identity": .string(model.identity),
            "source": .string(source), "target": .string(target),
            "mode": .string(wholeConversation ? "whole" : "turns"),
            "roles": .array(Role.allCases.filter(roles.contains).map { .string($0.rawValue) }),
            "prompt_sha256": .string(SHA256.hex(of: prompt)), "prompt_file": .string(promptSource),
            "min_ratio": .double(minRatio), "max_ratio": .double(maxRatio),
            "langid_model": langid.map { .string($0.sha256) } ?? .null,
            "min_langid_prob": .double(minLangidProbability),
            "back_translation_min_chrf": minBackChrF.map { .double($0) } ?? .null
        ]
        if let t = sampling.temperature { o["temperature"] = .double(t) }
        if let m = sampling.maxTokens { o["max_tokens"] = .int(m) }
        if let judge {
            o["judge"] = .object([
                "model": .string(judge.model.name), "model_identity": .string(judge.model.identity),
                "min_score": .int(judge.minScore)
            ])
        }
        return .object(o)
    }

    /// The recipe factory.
    public static let factory = StageFactory(
        name: "translate", summary: "Translate conversations into the target language with a model, behind quality gates"
    ) { o, context in
        let info = context.requiredModel(&o)
        let source = o.string("source", default: "en")
        let target = o.string("target", default: "cy")
        let mode = o.choice("mode", ["turns", "whole"], default: "turns")
        let roleNames = o.stringList("roles", default: ["system", "user", "assistant"])
        var roles = Set<Role>()
        for r in roleNames {
            if let role = Role(rawValue: r), role != .tool {
                roles.insert(role)
            } else {
                o.problem("roles", "option 'roles' takes system, user and assistant, found '\(r)'")
            }
        }
        var prompt = defaultPrompt, promptSource = "built-in"
        if let file = o.string("prompt_file") {
            let path = context.resolve(file)
            if let bytes = try? FileSystem.read(path), let text = String(validating: bytes, as: UTF8.self) {
                let missing = ["{text}", "{target}"].filter { !text.contains($0) }
                if missing.isEmpty {
                    prompt = text; promptSource = file
                } else {
                    o.problem(
                        "prompt_file",
                        "the prompt template \(path) lacks \(missing.joined(separator: " and ")): "
                            + "it must contain {text} and {target}")
                }
            } else {
                o.problem("prompt_file", "cannot read the prompt template \(path)")
            }
        }
        let sampling = Sampling(
            temperature: o.double("temperature", default: 0, range: 0...2),
            maxTokens: o.int("max_tokens", range: 1...1_000_000))
        let minRatio = o.double("min_ratio", default: 0.5, range: 0...100)
        let maxRatio = o.double("max_ratio", default: 2.0, range: 0...100)
        var langid: FastTextModel?
        if let m = o.string("langid_model") {
            do { langid = try FastTextModelCache.shared.model(at: context.resolve(m)) } catch {
                o.problem("langid_model", "\(error)")
            }
        } else {
            o.warning(
                nil,
                "no 'langid_model': the target-language gate is off (set it to the langid stage's "
                    + "fastText model, e.g. lid.176.ftz)")
        }
        let minProb = o.double("min_langid_prob", default: 0.5, range: 0...1)
        var minChrF: Double?
        if var bt = o.mapping("back_translation") {
            minChrF = bt.double("min_chrf", default: 40, range: 0...100)
            o.append(bt.finish())
        }
        var judge: (ModelInfo, Int)?
        if var j = o.mapping("judge") {
            let judgeModel = context.requiredModel(&j)
            let minScore = j.int("min_score", default: 3, range: 1...5)
            o.append(j.finish())
            if let judgeModel { judge = (judgeModel, minScore) }
        }
        return TranslateStage(
            model: info ?? ModelInfo(name: "", servedModel: "", identity: ""), source: source,
            target: target, wholeConversation: mode == "whole", roles: roles, prompt: prompt,
            promptSource: promptSource, sampling: sampling, minRatio: minRatio, maxRatio: maxRatio,
            langid: langid, minLangidProbability: minProb, minBackChrF: minChrF, judge: judge,
            client: context.models ?? NoModels())
    }

    // MARK: Processing

    /// Translates a batch, concurrently.
    public func process(_ batch: [Record], context: StageContext) async throws -> [StageOutput] {
        try await ModelCalls.map(batch, stage: context.stageID) { try await self.translate($0) }
    }

    /// A gate's verdict on one translated text.
    enum Failure: Error {
        case drop(DropReason)
        case rejected(String)
    }

    func translate(_ record: Record) async throws -> StageOutput {
        guard case .conversation(var c) = record else {
            return .quarantined(record, error: "translate: needs conversation records, got a \(record.kind) record")
        }
        do {
            if wholeConversation {
                c.messages = try await translateWhole(c.messages)
            } else {
                for (i, m) in c.messages.enumerated() where roles.contains(m.role) {
                    c.messages[i].content = try await translateContent(m.content)
                }
            }
            if let judge { try await self.judge(original: record, translated: c, judge: judge) }
        } catch let failure as Failure {
            switch failure {
            case .drop(let reason): return .dropped(record, reason)
            case .rejected(let error): return .quarantined(record, error: error)
            }
        }
        c.metadata["translate"] = .object(["model": .string(model.name), "source": .string(source), "target": .string(target)])
        return .kept(.conversation(c))
    }

    /// One turn: its text pieces translated, code and JSON carried over.
    func translateContent(_ content: String) async throws -> String {
        var out = ""
        for piece in TranslationText.pieces(content) {
            switch piece {
            case .verbatim(let v): out += v
            case .text(let t):
                let (leading, core, trailing) = TranslationText.trimmedParts(t)
                guard core.unicodeScalars.contains(where: { $0.properties.isAlphabetic }) else { out += t; continue }
                let translated = try await ask(core, from: source, to: target, model: model)
                try gate(original: core, translated: translated)
                try await backTranslate(original: core, translated: translated)
                out += leading + translated + trailing
            }
        }
        return out
    }

    /// The whole conversation in one request, with turn markers.
    func translateWhole(_ messages: [Message]) async throws -> [Message] {
        let indices = messages.indices.filter {
            roles.contains(messages[$0].role) && !TranslationText.isJSONPayload(messages[$0].content)
                && messages[$0].content.unicodeScalars.contains(where: { $0.properties.isAlphabetic })
        }
        guard !indices.isEmpty else { return messages }
        let marked = indices.enumerated().map { "[[TURN \($0.offset + 1)]]\n\(messages[$0.element].content)" }
            .joined(separator: "\n\n")
        let answer = try await ask(marked, from: source, to: target, model: model)
        var parts: [String] = []
        for (k, chunk) in answer.components(separatedBy: "[[TURN ").enumerated() where k > 0 || !chunk.trimmingWhitespace().isEmpty {
            guard k > 0, let close = chunk.range(of: "]]") else {
                throw Failure.drop(DropReason(rule: Rule.turnsMismatch, message: "the answer has text outside the turn markers"))
            }
            parts.append(String(chunk[close.upperBound...]).trimmingWhitespace())
        }
        guard parts.count == indices.count else {
            throw Failure.drop(
                DropReason(
                    rule: Rule.turnsMismatch,
                    message: "sent \(indices.count) turns, got \(parts.count) back", value: .int(parts.count)))
        }
        var out = messages
        for (i, text) in zip(indices, parts) {
            try gate(original: messages[i].content, translated: text)
            try await backTranslate(original: messages[i].content, translated: text)
            out[i].content = text
        }
        return out
    }

    /// Sends one translation request; returns the answer's text.
    func ask(_ text: String, from: String, to: String, model: ModelInfo) async throws -> String {
        let filled = prompt.replacingOccurrences(of: "{source}", with: Self.languageName(from))
            .replacingOccurrences(of: "{target}", with: Self.languageName(to))
            .replacingOccurrences(of: "{text}", with: text)
        var s = sampling
        if s.maxTokens == nil { s.maxTokens = max(64, text.utf8.count) }  // ≈ 2× the input's tokens
        switch try await ModelCalls.chat(
            client, model.name,
            ChatRequest(
                messages: [Message(role: .user, content: filled)],
                sampling: s))
        {
        case .failure(let error): throw Failure.rejected("translate: model '\(model.name)': \(error)")
        case .success(let answer):
            guard let choice = answer.choices.first else {
                throw Failure.drop(DropReason(rule: Rule.empty, message: "the model answered no choice"))
            }
            if choice.finishReason == .length {
                throw Failure.drop(
                    DropReason(
                        rule: Rule.truncated, message: "the translation was cut off at max_tokens",
                        value: .string(String(choice.message.content.suffix(200)))))
            }
            let out = choice.message.content.trimmingWhitespace()
            if out.isEmpty { throw Failure.drop(DropReason(rule: Rule.empty, message: "the translation is empty")) }
            return out
        }
    }

    /// Every gate on one piece; throws the first failure.
    func gate(original: String, translated: String) throws {
        let a = TranslationText.protected(original), b = TranslationText.protected(translated)
        if a != b {
            let lost = Set(a).subtracting(b).sorted().prefix(5), added = Set(b).subtracting(a).sorted().prefix(5)
            throw Failure.drop(
                DropReason(
                    rule: Rule.structure,
                    message: "code, URLs, numbers or placeholders changed (lost: \(lost.joined(separator: " ")); "
                        + "new: \(added.joined(separator: " ")))",
                    value: .object([
                        "lost": .array(lost.map { .string($0) }),
                        "new": .array(added.map { .string($0) })
                    ])))
        }
        let sa = TranslationText.skeleton(original), sb = TranslationText.skeleton(translated)
        if sa != sb {
            throw Failure.drop(
                DropReason(
                    rule: Rule.structure,
                    message: "the Markdown structure changed (\(sa.count) lines "
                        + "\(sa.prefix(6).joined(separator: ",")) → \(sb.count) lines \(sb.prefix(6).joined(separator: ",")))"))
        }
        if Self.fold(original) == Self.fold(translated) {
            throw Failure.drop(DropReason(rule: Rule.unchanged, message: "the output equals the input"))
        }
        if let opening = TranslationText.commentary(translated) {
            throw Failure.drop(
                DropReason(
                    rule: Rule.commentary,
                    message: "the output starts like a comment or a refusal "
                        + "(\"\(opening)\") instead of a translation",
                    value: .string(String(translated.prefix(200)))))
        }
        let rules = ConversationRules()
        if let loop = ConversationRules.loop(
            translated, maxPeriod: rules.loopMaxPeriod, minRepeats: rules.loopMinRepeats,
            minWords: rules.loopMinWords)
        {
            throw Failure.drop(
                DropReason(
                    rule: Rule.loop,
                    message: "the output repeats a \(loop.period)-word sequence \(loop.repeats) times",
                    value: .int(loop.repeats)))
        }
        let ratio = Double(translated.count) / Double(max(1, original.count))
        if ratio < minRatio || ratio > maxRatio {
            throw Failure.drop(
                DropReason(
                    rule: Rule.lengthRatio,
                    message: "output/input length \(Self.format(ratio)) outside "
                        + "\(Self.format(minRatio))…\(Self.format(maxRatio))", value: .double(Self.round(ratio))))
        }
        if let langid {
            let letters = translated.unicodeScalars.filter { $0.properties.isAlphabetic }.count
            if letters >= 20 {
                let text = translated.replacingOccurrences(of: "\n", with: " ")
                let top = langid.predict(text).first
                let label = top?.label ?? "?"
                let p = Double(top?.probability ?? 0)
                if !LanguageExpectation.matches(label, [target]) || p < minLangidProbability {
                    throw Failure.drop(
                        DropReason(
                            rule: Rule.wrongLanguage,
                            message: "language ID says \(label) (p \(Self.format(p))), not \(target) with "
                                + "p ≥ \(Self.format(minLangidProbability))",
                            value: .object(["label": .string(label), "prob": .double(Self.round(p))])))
                }
            }
        }
    }

    /// The optional round trip: the translation back into the source language must score at least
    /// `min_chrf` (sentence chrF, sacrebleu's definition) against the original.
    func backTranslate(original: String, translated: String) async throws {
        guard let minBackChrF else { return }
        let back = try await ask(translated, from: target, to: source, model: model)
        let score = ChrF().sentenceScore(hypothesis: back, references: [original])
        if score < minBackChrF {
            throw Failure.drop(
                DropReason(
                    rule: Rule.backTranslation,
                    message: "the round trip scores chrF \(Self.format(score)) < \(Self.format(minBackChrF)) "
                        + "against the original",
                    value: .object([
                        "chrf": .double(Self.round(score)),
                        "back_translation": .string(String(back.prefix(500)))
                    ])))
        }
    }

    /// The optional judge gate over the whole conversation.
    func judge(original: Record, translated: Conversation, judge: (model: ModelInfo, minScore: Int)) async throws {
        guard case .conversation(let before) = original else { return }
        for (i, m) in translated.messages.enumerated() where roles.contains(m.role) && m.content != before.messages[i].content {
            let question = Self.judgePrompt.replacingOccurrences(of: "{source}", with: Self.languageName(source))
                .replacingOccurrences(of: "{target}", with: Self.languageName(target))
                .replacingOccurrences(of: "{original}", with: before.messages[i].content)
                .replacingOccurrences(of: "{translation}", with: m.content)
            let request = ChatRequest(
                messages: [Message(role: .user, content: question)],
                sampling: Sampling(temperature: 0, maxTokens: 200))
            switch try await ModelCalls.chat(client, judge.model.name, request) {
            case .failure(let error): throw Failure.rejected("translate: judge '\(judge.model.name)': \(error)")
            case .success(let answer):
                let raw = answer.text
                guard let scores = Self.parseScores(raw) else {
                    throw Failure.drop(
                        DropReason(
                            rule: Rule.judgeUnparseable, message: "the judge's verdict cannot be read",
                            value: .string(String(raw.prefix(500)))))
                }
                if let low = scores.min(by: { $0.value < $1.value }), low.value < judge.minScore {
                    throw Failure.drop(
                        DropReason(
                            rule: Rule.judge,
                            message: "turn \(i + 1): the judge scored \(low.key) "
                                + "\(low.value) < \(judge.minScore)",
                            value: .object(
                                JSONObject(
                                    scores.sorted { $0.key < $1.key }
                                        .map { JSONObject.Entry(key: $0.key, value: .int($0.value)) }))))
                }
            }
        }
    }

    /// The judge's prompt (FAITH-style scores as JSON).
    static let judgePrompt = """
        You are a professional translator reviewing a translation from {source} into {target}.

        Original:
        {original}

        Translation:
        {translation}

        Rate the translation from 1 (very poor) to 5 (excellent) for fluency, accuracy, terminology and format. \
        Answer with JSON only, for example {"fluency": 4, "accuracy": 5, "terminology": 4, "format": 5}.
        """

    /// The four scores of a judge's answer (the first JSON object in it), or nil.
    static func parseScores(_ raw: String) -> [String: Int]? {
        guard let open = raw.firstIndex(of: "{"), let close = raw.lastIndex(of: "}"), open < close,
            let json = try? JSONParser.parse(String(raw[open...close]))
        else { return nil }
        var out: [String: Int] = [:]
        for key in ["fluency", "accuracy", "terminology", "format"] {
            guard let v = json[key]?.doubleValue, (1...5).contains(v) else { return nil }
            out[key] = Int(v.rounded())
        }
        return out
    }

    /// English names of languages (codes otherwise).
    static func languageName(_ code: String) -> String { TranslationTemplates.names[code]?.en ?? code }

    static func fold(_ s: String) -> String {
        s.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
    static func round(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }
    static func format(_ x: Double) -> String { String(format: "%.2f", x) }

    /// The drop rules of `translate`.
    public enum Rule {
        /// Protected spans or Markdown structure changed.
        public static let structure = "translate.structure"
        /// The output is the input.
        public static let unchanged = "translate.unchanged"
        /// A comment or refusal instead of a translation.
        public static let commentary = "translate.commentary"
        /// A looping output.
        public static let loop = "translate.loop"
        /// Output/input length out of bounds.
        public static let lengthRatio = "translate.length_ratio"
        /// Not the target language.
        public static let wrongLanguage = "translate.wrong_language"
        /// The round trip's chrF is below the threshold.
        public static let backTranslation = "translate.back_translation"
        /// A judge score below the threshold.
        public static let judge = "translate.judge"
        /// The judge's answer cannot be read.
        public static let judgeUnparseable = "translate.judge_unparseable"
        /// `mode: whole`: the turns did not come back one for one.
        public static let turnsMismatch = "translate.turns_mismatch"
        /// The model said nothing.
        public static let empty = "translate.empty"
        /// Cut off at max_tokens.
        public static let truncated = "translate.truncated"
    }
}
