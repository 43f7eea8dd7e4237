import JupiterCore
import JupiterEval
import JupiterLLM
import JupiterMix

/// A parsed, checked recipe: the user's whole intent in one YAML file, as data. Nothing here is
/// loaded or built (no tokenizer, no stage, no model service): ``PlanBuilder`` does that.
public struct Recipe: Sendable {
    /// Run name (`[A-Za-z0-9._-]`).
    public var name: String
    /// Seed for every seeded choice.
    public var seed: UInt64
    /// The recipe file as given.
    public var file: String
    /// Directory of the recipe: relative paths in it are relative to this.
    public var baseDirectory: String
    /// SHA-256 of the recipe text.
    public var sha256: String
    /// The models (`models:`), in recipe order.
    public var models: [ModelConfig]
    /// Sources, in recipe order.
    public var sources: [SourceSpec]
    /// Datasets, in recipe order.
    public var datasets: [DatasetSpec]
    /// The Forget-Me-Not mixture built from the datasets (nil: no `mix:` section).
    public var mix: MixSection?
    /// The evaluation `jupiter eval` runs (nil: no `eval:` section).
    public var eval: EvalSection?
    /// Where the run folder goes and how work is batched.
    public var output: OutputSpec
    /// Where the run's work is carried out (`executor:`; default: this process).
    public var executor: ExecutorSettings = .local
    /// Sources named in the recipe that could not be read (already reported), so datasets reading
    /// them are still checked (stage names, options) without a second, misleading error.
    public var invalidSources: Set<String> = []

    /// Resolves a recipe-relative path.
    public func resolve(_ path: String) -> String { StageBuildContext(baseDirectory: baseDirectory).resolve(path) }
}

/// One `sources:` entry.
public struct SourceSpec: Sendable {
    /// Source name.
    public var name: String
    /// Line in the recipe.
    public var line: Int
    /// Files (relative to the recipe, as written or expanded from a glob), in read order. For
    /// Moses, the two aligned files.
    public var files: [String]
    /// Format (explicit or detected).
    public var format: Format
    /// Reading options.
    public var options: FormatOptions
}

/// One `datasets:` entry.
public struct DatasetSpec: Sendable {
    /// Dataset name (also its folder name under `datasets/`).
    public var name: String
    /// Line in the recipe.
    public var line: Int
    /// The source or dataset it reads.
    public var from: String
    /// Line of `from`.
    public var fromLine: Int
    /// Steps in order.
    public var steps: [StepSpec]
}

/// One step of a dataset: a stage name and its options.
public struct StepSpec: Sendable {
    /// Stage name.
    public var name: String
    /// Options node (a mapping or nil).
    public var options: ConfigNode?
    /// Line in the recipe.
    public var line: Int
}

/// The `output:` section.
public struct OutputSpec: Sendable {
    /// Run folder (relative to the recipe unless absolute).
    public var dir: String
    /// Records per work batch: the unit of parallelism and of resumption.
    public var batchSize: Int
}

/// The `mix:` section (with `output.shards` and `output.format`), as written: the plan loads the
/// tokenizer and builds the decontamination check.
public struct MixSection: Sendable {
    /// The mixer settings read from the recipe.
    public var config: MixConfig
    /// `mix.tokenizer` as written, with its line.
    public var tokenizer: (path: String, line: Int)?
    /// `mix.chat_template` as written (`none` = count texts only), with its line.
    public var chatTemplate: (path: String, line: Int)?
    /// `mix.decontaminate`: the `decontaminate` stage's options (a list of eval files becomes
    /// `{ evals: […] }`), with its line.
    public var decontaminate: (options: ConfigNode, line: Int)?
    /// Line of `mix:`.
    public var line: Int
    /// Line of each weight, by dataset.
    public var weightLines: [String: Int]
}
