public import JupiterCore

/// Whether a task measures what tuning should improve or what it must not lose.
public enum EvalRole: String, Sendable, Hashable, CaseIterable {
    /// What the tuning is for (Welsh): the comparison gives a **gain** verdict.
    case target
    /// What the model knew before (instruction following, maths): the comparison gives a
    /// **retention** (non-inferiority) verdict.
    case retention
}

/// How a task's items are asked and scored.
public enum EvalTaskKind: Sendable, Hashable {
    /// An OpenAI-evals JSONL file (`{"input": [messages], "ideal": …}`) answered by chat
    /// completion and scored by ``OpenAIEvalsTask`` (`mcq-letter`, `exact-match`, `bleu`, `chrf`).
    case openAIEvals(OpenAIEvalsTask.Kind)
    /// Multiple choice by log-likelihood (lm-eval's `acc` and `acc_norm`), over `/v1/completions`
    /// with `echo` and `logprobs`: see ``MultipleChoiceTask``.
    case multipleChoice(MultipleChoiceTask.Choices)
    /// GSM8K (lm-eval's `gsm8k` / `gsm8k-cot`) by chat completion.
    case gsm8k(GSM8KOptions)
    /// IFEval (lm-eval's `ifeval`) by chat completion.
    case ifeval

    /// The name used in recipes and results (`openai-evals`, `multiple-choice`, `gsm8k`, `ifeval`).
    public var name: String {
        switch self {
        case .openAIEvals: "openai-evals"
        case .multipleChoice: "multiple-choice"
        case .gsm8k: "gsm8k"
        case .ifeval: "ifeval"
        }
    }
}

/// GSM8K's prompt options.
public struct GSM8KOptions: Sendable, Hashable {
    /// The variant (prompt and strict pattern).
    public var variant: GSM8KScorer.Variant
    /// Number of exemplars (0: zero-shot).
    public var fewShot: Int
    /// Exemplars: lm-eval's eight fixed chain-of-thought ones, or drawn from a train file.
    public var fewShotSource: FewShotSource
    /// Exemplars as alternating chat turns (`true`) or inside one user message.
    public var multiturn: Bool

    /// Where exemplars come from.
    public enum FewShotSource: Sendable, Hashable {
        /// lm-eval's `gsm8k-cot.yaml` exemplars, in order.
        case fixedChainOfThought
        /// Drawn per item from this GSM8K train file with the few-shot seed (path resolved).
        case sampled(trainFile: String)
    }

    /// Creates options.
    public init(
        variant: GSM8KScorer.Variant = .standard, fewShot: Int = 0,
        fewShotSource: FewShotSource = .fixedChainOfThought, multiturn: Bool = false
    ) {
        self.variant = variant
        self.fewShot = fewShot
        self.fewShotSource = fewShotSource
        self.multiturn = multiturn
    }
}

/// One task of an evaluation.
public struct EvalTaskSpec: Sendable, Hashable {
    /// The task's name (also its file name under `eval/<model>/`).
    public var name: String
    /// How it is asked and scored.
    public var kind: EvalTaskKind
    /// The task file, as written in the recipe (recorded in results).
    public var file: String
    /// The task file, resolved (read).
    public var path: String
    /// Target (gain verdict) or retention (non-inferiority verdict).
    public var role: EvalRole
    /// Only the first `limit` items of the file (after quarantined lines are set aside).
    public var limit: Int?
    /// Overrides the protocol's maximum new tokens.
    public var maxTokens: Int?
    /// Overrides the protocol's temperature.
    public var temperature: Double?
    /// The metric verdicts are given on (default: the task's first metric).
    public var primaryMetric: String?

    /// Creates a task.
    public init(
        name: String, kind: EvalTaskKind, file: String, path: String? = nil, role: EvalRole, limit: Int? = nil,
        maxTokens: Int? = nil, temperature: Double? = nil, primaryMetric: String? = nil
    ) {
        self.name = name
        self.kind = kind
        self.file = file
        self.path = path ?? file
        self.role = role
        self.limit = limit
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.primaryMetric = primaryMetric
    }
}

/// One model of an evaluation: a model the client knows (a recipe `models:` entry), asked with
/// an optional system prompt of its own. Two entries may use the same served model with
/// different system prompts (a stand-in "tuned" configuration); their requests differ, so their
/// cached answers never mix.
public struct EvalModelSpec: Sendable, Hashable {
    /// The name in results and folders (`eval/<name>/`).
    public var name: String
    /// The ``ModelClient`` model (the recipe's `models:` name).
    public var model: String
    /// A system prompt put before every prompt: as the first system message, or joined (blank
    /// line between) before the item's own system message.
    public var systemPrompt: String?
    /// Thinking on or off per request (`nil`: nothing is sent; the server's default).
    public var reasoning: ReasoningMode?

    /// Creates a model entry.
    public init(name: String, model: String? = nil, systemPrompt: String? = nil, reasoning: ReasoningMode? = nil) {
        self.name = name
        self.model = model ?? name
        self.systemPrompt = systemPrompt
        self.reasoning = reasoning
    }
}

/// Seeds of the requests and prompts (the bootstrap's is ``ComparisonSettings/seed``).
public struct EvalSeeds: Sendable, Hashable {
    /// Sent with every request (`seed`), as lm-eval does (its default is 1234).
    public var generation: Int
    /// Draws GSM8K's sampled exemplars.
    public var fewShot: UInt64

    /// Both from one seed.
    public init(_ seed: UInt64) {
        generation = Int(truncatingIfNeeded: seed & 0x7FFF_FFFF)
        fewShot = seed
    }

    /// Each given.
    public init(generation: Int, fewShot: UInt64) {
        self.generation = generation
        self.fewShot = fewShot
    }
}

/// How comparisons are computed and judged.
public struct ComparisonSettings: Sendable, Hashable {
    /// The largest loss in points a retention task may show and still be retained (default 1).
    public var margin: Double
    /// Paired-bootstrap resamples (at least 10,000 by default).
    public var resamples: Int
    /// Confidence level of the intervals (0.95).
    public var level: Double
    /// The bootstrap's seed.
    public var seed: UInt64
    /// Example items shown per direction of flip.
    public var examples: Int

    /// Creates settings.
    public init(margin: Double = 1, resamples: Int = 10_000, level: Double = 0.95, seed: UInt64 = 0, examples: Int = 5) {
        self.margin = margin
        self.resamples = resamples
        self.level = level
        self.seed = seed
        self.examples = examples
    }
}

/// A whole evaluation: models × tasks, and how to run and compare them.
public struct EvalSpec: Sendable {
    /// The models, in order; the first is the baseline of comparisons unless ``baseline`` says otherwise.
    public var models: [EvalModelSpec]
    /// The tasks, in order.
    public var tasks: [EvalTaskSpec]
    /// Seeds.
    public var seeds: EvalSeeds
    /// Requests in flight at once over all models (each model's own `max_in_flight` still applies).
    public var concurrency: Int
    /// Comparison settings.
    public var comparison: ComparisonSettings
    /// The baseline model's name (default: the first model).
    public var baseline: String?
    /// For IFEval's language instructions.
    public var languageDetector: LanguageDetector?
    /// Finish with items whose requests failed after every retry counted as errors (shown apart),
    /// instead of stopping with a ``EvalRunError`` for a rerun.
    public var allowErrors: Bool

    /// Creates an evaluation.
    public init(
        models: [EvalModelSpec], tasks: [EvalTaskSpec], seeds: EvalSeeds = EvalSeeds(1234), concurrency: Int = 32,
        comparison: ComparisonSettings = ComparisonSettings(), baseline: String? = nil,
        languageDetector: LanguageDetector? = nil, allowErrors: Bool = false
    ) {
        self.models = models
        self.tasks = tasks
        self.seeds = seeds
        self.concurrency = concurrency
        self.comparison = comparison
        self.baseline = baseline
        self.languageDetector = languageDetector
        self.allowErrors = allowErrors
    }

    /// The baseline model's name.
    public var baselineName: String? { baseline ?? models.first?.name }
}
