public import JupiterCore

/// One item of an OpenAI-evals JSONL file: `{"input": [chat messages], "ideal": "…" | ["…", …]}`,
/// read as is (other fields are ignored).
public struct OpenAIEvalsItem: Sendable, Hashable {
    /// Where it came from.
    public var origin: ItemOrigin
    /// The prompt, as given (`role` and `content` of each message).
    public var input: [Message]
    /// The accepted answers (one element when `ideal` is a string).
    public var ideal: [String]
}

/// An OpenAI-evals style task (the llm-evals-cy suite: Welsh MCQ, yes/no, grammar, legislation
/// translation) and how it is scored.
///
/// The prompt is the item's `input` unchanged. Scoring kinds:
/// - `mcq-letter`: ``MCQLetterScorer`` (first `\b([A-D])\b`), accuracy; the protocol asks the
///   model at temperature 0 for at most 10 new tokens (``settings``).
/// - `exact-match`: ``ExactMatchScorer/openAIEvals`` (strip, ignore case, ignore ASCII
///   punctuation), accuracy.
/// - `bleu`, `chrf`: corpus BLEU / chrF of all responses against the ideals (sacrebleu defaults);
///   items carry their sentence scores.
public struct OpenAIEvalsTask: Sendable {
    /// How responses are scored.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case mcqLetter = "mcq-letter"
        case exactMatch = "exact-match"
        case bleu
        case chrf
    }

    /// The scoring kind.
    public var kind: Kind
    /// Generation settings of the protocol (mcq-letter: temperature 0, 10 tokens; others:
    /// temperature 0, no token limit).
    public var settings: GenerationSettings

    /// Creates a task of a kind.
    public init(kind: Kind) {
        self.kind = kind
        self.settings = kind == .mcqLetter ? MCQLetterScorer.settings : GenerationSettings(temperature: 0)
    }

    /// Creates a task from its kind's name (`mcq-letter`, `exact-match`, `bleu`, `chrf`).
    public init(kindName: String) throws(EvalError) {
        guard let k = Kind(rawValue: kindName) else {
            throw EvalError(
                .badOption,
                "unknown OpenAI-evals scoring kind \(kindName.debugDescription); expected one of "
                    + Kind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self.init(kind: k)
    }

    /// Reads a JSONL file; lines that are not valid items are quarantined with file and line.
    public static func read(path: String) throws(EvalError) -> TaskFile<OpenAIEvalsItem> {
        try readJSONLines(path) { (object, origin) throws(EvalError) in try decode(object, origin) }
    }

    static func decode(_ o: JSONObject, _ origin: ItemOrigin) throws(EvalError) -> OpenAIEvalsItem {
        guard let input = o["input"] else { throw EvalError(.badItem, "missing \"input\"") }
        guard let array = input.arrayValue, !array.isEmpty else {
            throw EvalError(.badItem, "\"input\" must be a non-empty array of chat messages, found \(input.typeName)")
        }
        var messages: [Message] = []
        for (i, m) in array.enumerated() {
            guard let roleName = m["role"]?.stringValue, let role = Role(rawValue: roleName) else {
                throw EvalError(.badItem, "input[\(i)]: \"role\" must be system, user, assistant or tool")
            }
            guard let content = m["content"]?.stringValue else {
                throw EvalError(.badItem, "input[\(i)]: \"content\" must be a string")
            }
            messages.append(Message(role: role, content: content))
        }
        let ideal: [String]
        switch o["ideal"] {
        case .string(let s)?: ideal = [s]
        case .array(let a)?:
            var out: [String] = []
            for v in a {
                guard let s = v.stringValue else { throw EvalError(.badItem, "\"ideal\" list holds a \(v.typeName), not a string") }
                out.append(s)
            }
            guard !out.isEmpty else { throw EvalError(.badItem, "\"ideal\" is an empty list") }
            ideal = out
        case nil: throw EvalError(.badItem, "missing \"ideal\"")
        case let v?: throw EvalError(.badItem, "\"ideal\" must be a string or a list of strings, found \(v.typeName)")
        }
        return OpenAIEvalsItem(origin: origin, input: messages, ideal: ideal)
    }

    /// The prompt messages for an item (its `input`, unchanged).
    public func prompt(_ item: OpenAIEvalsItem) -> [Message] { item.input }

    /// Scores one response (reasoning already removed, see ``ScorableResponse``). For `bleu` and
    /// `chrf` this is the sentence score; the task score is ``aggregate(items:responses:)``.
    public func score(_ item: OpenAIEvalsItem, response: String) -> ItemScore {
        switch kind {
        case .mcqLetter: MCQLetterScorer.standard.score(response: response, ideal: item.ideal)
        case .exactMatch: ExactMatchScorer.openAIEvals.score(prediction: response, references: item.ideal)
        case .bleu: TranslationScorer.bleu.score(response: response, references: item.ideal)
        case .chrf: TranslationScorer.chrF.score(response: response, references: item.ideal)
        }
    }

    /// The task score in percent: accuracy for `mcq-letter` and `exact-match`, the corpus score
    /// for `bleu` and `chrf`. `responses[i]` answers `items[i]`.
    public func aggregate(items: [OpenAIEvalsItem], responses: [String]) -> Double {
        let n = min(items.count, responses.count)
        guard n > 0 else { return 0 }
        switch kind {
        case .mcqLetter, .exactMatch:
            var correct = 0.0
            for i in 0..<n { correct += score(items[i], response: responses[i]).score }
            return 100 * correct / Double(n)
        case .bleu:
            return TranslationScorer.bleu.corpusScore(responses: Array(responses[..<n]), references: items[..<n].map(\.ideal))
        case .chrf:
            return TranslationScorer.chrF.corpusScore(responses: Array(responses[..<n]), references: items[..<n].map(\.ideal))
        }
    }
}
