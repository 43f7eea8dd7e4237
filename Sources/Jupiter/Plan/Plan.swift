import JupiterCore
import JupiterCurate
import JupiterLLM
import JupiterMix

/// Everything a run needs besides its steps: identity of the recipe (for the manifest and the
/// dataset card), seed, where the run folder is and how work is batched.
public struct RunSettings: Sendable {
    /// Run name.
    public var name: String
    /// The recipe seed.
    public var seed: UInt64
    /// The recipe file as given.
    public var recipeFile: String
    /// SHA-256 of the recipe text.
    public var recipeSHA256: String
    /// The recipe's directory (relative paths in the recipe are relative to it).
    public var baseDirectory: String
    /// The run folder, resolved against the recipe's directory (a run may override it).
    public var runDirectory: String
    /// Records per work batch.
    public var batchSize: Int
    /// Where the work runs (the recipe's `executor:`).
    public var executor: ExecutorSettings = .local

    /// The recipe file's name (manifests and cards name the file, not a machine's path).
    public var recipeFileName: String { FileSystem.baseName(recipeFile) }
}

/// A source with its files resolved.
public struct SourcePlan: Sendable {
    /// Source name.
    public var name: String
    /// Files as written in the recipe (or expanded from its glob): what manifests show.
    public var files: [String]
    /// The same files, resolved against the recipe's directory: what is read.
    public var paths: [String]
    /// Format (explicit or detected).
    public var format: Format
    /// Reading options.
    public var options: FormatOptions
}

/// A stage placed in a dataset, with its unique id and derived seed.
public struct PlannedStage: Sendable {
    /// Unique id within the dataset (`name`, or `name#2` for a second use).
    public var id: String
    /// The stage.
    public var stage: any Stage
    /// Seed derived from the recipe seed, the dataset and the stage id.
    public var seed: UInt64
    /// Whether the stage's output depends on its seed (``UsesSeed``).
    public var usesSeed: Bool { stage is any UsesSeed }
}

/// A unit of scheduling: consecutive per-batch stages (run in parallel over batches), or one
/// global stage (run after all its input is ready).
public enum PlanStep: Sendable {
    /// Per-batch stages, applied one after the other to each batch.
    case batch([PlannedStage])
    /// One stage that needs all its input.
    case global(PlannedStage)

    /// Stages in the step.
    public var stages: [PlannedStage] {
        switch self {
        case .batch(let s): s
        case .global(let s): [s]
        }
    }

    /// `read` for the stage-less input step, else the stage ids joined by arrows.
    public var label: String { stages.isEmpty ? "read" : stages.map(\.id).joined(separator: " → ") }
}

/// What a dataset reads.
public enum DatasetInput: Sendable {
    /// A recipe source.
    case source(SourcePlan)
    /// Another dataset's kept records.
    case dataset(String)

    /// The source's or dataset's name.
    public var name: String {
        switch self {
        case .source(let s): s.name
        case .dataset(let d): d
        }
    }
}

/// One dataset's plan.
public struct DatasetPlan: Sendable {
    /// Dataset name.
    public var name: String
    /// Its input.
    public var input: DatasetInput
    /// Kind of the records it reads.
    public var inputKind: RecordKind
    /// Kind of the records it writes.
    public var outputKind: RecordKind
    /// Stages in order.
    public var stages: [PlannedStage]
    /// Scheduling steps. The first is always a batch step (possibly with no stages) that reads the input.
    public var steps: [PlanStep]
}

/// The mixture, built: settings, the loaded token measure and the last decontamination.
public struct MixPlan: Sendable {
    /// Mixer settings (with `output.shards` and `output.format`).
    public var config: MixConfig
    /// How tokens are counted (tokenizer and chat template loaded, or an estimate).
    public var measure: MixMeasure
    /// The last decontamination before training (`mix.decontaminate`), nil when not asked for.
    public var decontamination: DecontaminateStage?
}

/// A recipe turned into everything a run needs, checked: the engine reads nothing else.
public struct Plan: Sendable {
    /// Identity, seed, run folder, batch size.
    public var settings: RunSettings
    /// The models the run starts (and stops).
    public var models: [ModelConfig]
    /// Sources, with their files resolved.
    public var sources: [SourcePlan]
    /// Datasets in dependency order.
    public var datasets: [DatasetPlan]
    /// The training mixture, when the recipe has `mix:`.
    public var mix: MixPlan?
}

extension Plan {
    /// What `jupiter validate` prints for a valid recipe: sources and datasets, each dataset's
    /// steps, and the mixture's shares and settings.
    public var summary: [String] {
        var lines = ["\(sources.count) source(s), \(datasets.count) dataset(s)"]
        for d in datasets {
            let steps = d.stages.map(\.id).joined(separator: " → ")
            lines.append("  \(d.name): \(d.inputKind.rawValue) → \(d.outputKind.rawValue)\(steps.isEmpty ? "" : ": " + steps)")
        }
        if let mix {
            let c = mix.config
            let weights = zip(c.weights, c.normalisedWeights).map { "\($0.0.dataset) \(Int(($0.1 * 1000).rounded()) / 10)%" }
            var line = "  mixture (\(c.unit.rawValue)): " + weights.joined(separator: " · ")
            if let b = c.budget { line += " · budget \(b)\(c.repeatRecords ? " (repeats allowed)" : "")" }
            if let r = c.reasoningOn { line += " · reasoning on \(Int((r * 100).rounded()))%" }
            if let d = mix.decontamination { line += " · decontaminated against \(d.evalSets.count) eval set(s)" }
            line += " → \(c.shards) shard\(c.shards == 1 ? "" : "s") (\(c.format.rawValue)); tokens \(mix.measure.summary)"
            lines.append(line)
        }
        return lines
    }
}
