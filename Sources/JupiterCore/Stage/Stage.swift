/// Why a stage dropped a record: data, not log text. Written next to the record in
/// `dropped.jsonl.gz` as `"dropped": {"stage", "rule", "reason", "value"}`.
public struct DropReason: Sendable, Hashable {
    /// The rule that fired, stable and machine-readable (e.g. `length-ratio`, `gopher.stop_words`).
    public var rule: String
    /// One human sentence with the measured value and the bound (e.g. `length ratio 3.20 > 2.0`).
    public var message: String
    /// The measured value, when there is one.
    public var value: JSONValue?
    /// Creates a drop reason.
    public init(rule: String, message: String, value: JSONValue? = nil) {
        self.rule = rule
        self.message = message
        self.value = value
    }

    /// Appends the reason's members as a record's `dropped` object holds them after its `stage`:
    /// `"rule":…,"reason":…` (the message) and, with a value, `,"value":…`.
    public func writeMembers(into out: inout [UInt8]) {
        out.append(contentsOf: #""rule":"#.utf8)
        JSONWriter.writeString(rule, into: &out)
        out.append(contentsOf: #","reason":"#.utf8)
        JSONWriter.writeString(message, into: &out)
        if let value {
            out.append(contentsOf: #","value":"#.utf8)
            JSONWriter.write(value, into: &out)
        }
    }
}

/// What a stage made of its input: records kept (possibly rewritten, merged or split), dropped
/// with a reason, or quarantined because they could not be processed.
public enum StageOutput: Sendable, Hashable {
    /// A record that goes on.
    case kept(Record)
    /// A record removed on purpose.
    case dropped(Record, DropReason)
    /// A record that could not be processed (e.g. a model request failed after every retry).
    case quarantined(Record, error: String)
}

/// Per-run facts a stage may use. Everything a stage does must be a pure function of its
/// configuration, its input and this context, so runs are reproducible.
public struct StageContext: Sendable {
    /// The stage instance id (unique within its dataset, e.g. `pair-filter` or `quality#2`).
    public var stageID: String
    /// Dataset the stage runs in.
    public var dataset: String
    /// Seed derived from the recipe seed, the dataset and the stage position.
    public var seed: UInt64
    /// Index of the batch being processed (per-record stages), in input order.
    public var batchIndex: Int
    /// Threads a stage may use for its own parallel work (a global stage's signature or search
    /// passes): the run's `--workers`; 0 = every core.
    public var workers: Int

    /// Creates a context.
    public init(stageID: String, dataset: String, seed: UInt64, batchIndex: Int = 0, workers: Int = 0) {
        self.stageID = stageID
        self.dataset = dataset
        self.seed = seed
        self.batchIndex = batchIndex
        self.workers = workers
    }
}

/// A pipeline step. Concrete stages adopt ``BatchStage`` (per-record work the engine runs in
/// parallel over input batches) or ``GlobalStage`` (work that needs all its input: dedup,
/// top-K, mixing).
public protocol Stage: Sendable {
    /// The stage kind's name as written in recipes (e.g. `pair-filter`).
    var name: String { get }
    /// The stage's configuration as JSON (recorded in the manifest; part of the plan hash).
    var configuration: JSONValue { get }
}

/// A stage whose output for a batch depends only on that batch: the engine runs batches in
/// parallel on all cores and records each finished batch so a rerun skips it.
public protocol BatchStage: Stage {
    /// Processes one batch (records in input order). Must be deterministic.
    func process(_ batch: [Record], context: StageContext) async throws -> [StageOutput]
}

/// A ``BatchStage`` that looks at one record at a time.
public protocol RecordStage: BatchStage {
    /// Decides about one record.
    func process(_ record: Record, context: StageContext) throws -> StageOutput
}

extension RecordStage {
    /// Applies ``process(_:context:)-(Record,_)`` to each record in order.
    public func process(_ batch: [Record], context: StageContext) async throws -> [StageOutput] {
        var out: [StageOutput] = []
        out.reserveCapacity(batch.count)
        for r in batch { out.append(try process(r, context: context)) }
        return out
    }
}

/// A readable, re-readable stream of record batches (in order), handed to global stages. May be
/// iterated more than once (e.g. a signature pass, then an emit pass).
public protocol RecordBatches: Sendable {
    /// Number of records in the stream.
    var count: Int { get }
    /// Calls `body` with each batch in order.
    func forEachBatch(_ body: ([Record]) async throws -> Void) async throws
}

/// A stage that needs its whole input before deciding (dedup clustering, top-K, mixing). The
/// engine schedules it after all its input is ready; its outputs are recorded as one unit.
public protocol GlobalStage: Stage {
    /// Runs over all input, calling `emit` for every output (kept outputs in the order they
    /// should appear downstream). Must be deterministic.
    func run(
        _ input: any RecordBatches, context: StageContext,
        emit: (StageOutput) async throws -> Void) async throws
}

/// What a stage factory may use: where relative paths (model files, eval sets, prompt templates)
/// are resolved, the recipe's seed, and the recipe's models.
public struct StageBuildContext: Sendable {
    /// Directory of the recipe; relative paths are relative to it.
    public var baseDirectory: String
    /// The recipe's seed.
    public var seed: UInt64
    /// The recipe's models (`models:`), not yet started: factories check model names and
    /// capabilities with ``ModelClient/model(named:)``; stages send requests once the run starts
    /// them. Nil when the caller offers no models (a model stage then reports it).
    public var models: (any ModelClient)?

    /// Creates a build context.
    public init(baseDirectory: String, seed: UInt64 = 0, models: (any ModelClient)? = nil) {
        self.baseDirectory = baseDirectory
        self.seed = seed
        self.models = models
    }

    /// Resolves a recipe path (absolute paths are returned unchanged).
    public func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        if baseDirectory.isEmpty || baseDirectory == "." { return path }
        return baseDirectory.hasSuffix("/") ? baseDirectory + path : baseDirectory + "/" + path
    }

    /// The model named by a stage's `model` option, checked: a problem (with the declared names)
    /// when the option is missing, names no declared model, or the recipe declares none.
    public func requiredModel(_ options: inout StageOptions, key: String = "model") -> ModelInfo? {
        let declared = models?.declaredModels.map(\.name) ?? []
        guard let name = options.nonEmptyString(key) else {
            if !options.has(key) {
                options.problem(
                    nil,
                    "option '\(key)' is required: the name of a model in 'models:' ("
                        + (declared.isEmpty ? "none declared" : declared.joined(separator: ", ")) + ")")
            }
            return nil
        }
        guard let info = models?.model(named: name) else {
            options.problem(
                key,
                "unknown model '\(name)' (declared in 'models:': "
                    + (declared.isEmpty ? "none" : declared.joined(separator: ", ")) + ")"
                    + Suggestion.didYouMean(name, among: declared))
            return nil
        }
        return info
    }
}

/// How to build one kind of stage from recipe options. Modules publish their factories; the
/// recipe's stage registry collects them.
public struct StageFactory: Sendable {
    /// Name used in recipes.
    public var name: String
    /// One-line description for `--help` and docs.
    public var summary: String
    /// Builds the stage; reads options through `options` (problems are collected there) and
    /// throws only for what cannot be checked statically (e.g. a corrupt model file).
    public var make: @Sendable (inout StageOptions, StageBuildContext) throws -> any Stage

    /// Creates a factory.
    public init(
        name: String, summary: String,
        make: @escaping @Sendable (inout StageOptions, StageBuildContext) throws -> any Stage
    ) {
        self.name = name
        self.summary = summary
        self.make = make
    }
}

/// Record kinds a stage accepts and produces, so `jupiter validate` can reject a stage placed
/// after records it cannot handle (e.g. `pair-filter` on conversations) before anything runs.
public protocol KindAware {
    /// Kinds the stage accepts; others are a recipe error.
    var acceptedKinds: Set<RecordKind> { get }
    /// The kind of records the stage emits for a given input kind.
    func outputKind(for input: RecordKind) -> RecordKind
}

/// Marks a stage whose output depends on the seed (``StageContext/seed``): seeded template or
/// direction choices, per-record sampling seeds. Stages are seed-independent unless they adopt
/// this, and the run leaves the seed out of the fingerprints of those that do not, so changing
/// the recipe seed reuses their work.
public protocol UsesSeed {}

/// A stage that must check its models before any work: for example that the server really returns
/// the 20 top log-probabilities a score needs. The run calls ``preflight()`` once, after the
/// models start and before any step runs; an error stops the run with its message (exit 4).
public protocol Preflighted: Stage {
    /// Checks the stage's models; throws a message naming the model and the setting to change.
    func preflight() async throws
}

/// A global stage that also summarises what it found (e.g. which evaluation items leaked into the
/// training data). The engine records the report with the step, so a resumed run writes the same
/// manifest, and puts it in `manifest.json` under the dataset's `reports`, keyed by stage id.
public protocol ReportingGlobalStage: GlobalStage {
    /// Runs like ``GlobalStage/run(_:context:emit:)`` and returns the report as JSON.
    func runReporting(
        _ input: any RecordBatches, context: StageContext,
        emit: (StageOutput) async throws -> Void
    ) async throws -> JSONValue
}

/// A ``RecordStage`` that can tell, from a parallel pair's languages and texts alone, that it
/// keeps the pair as it is. A step that reads a parallel-tsv source through this one stage then
/// writes such pairs straight from their lines, without building records; every other pair is
/// decoded and given to ``RecordStage/process(_:context:)``, so the outputs are the same bytes.
public protocol PairKeepingStage: RecordStage {
    /// True only when both texts are well-formed UTF-8 and ``RecordStage/process(_:context:)``
    /// keeps a pair with these languages and texts, unchanged; false when it does not, or when
    /// the bytes alone cannot tell. The texts are the source line's bytes, not validated: a
    /// stage validates them as it reads them (a line of bad UTF-8 is then quarantined on the
    /// general road).
    func keeps(
        sourceLanguage: String, targetLanguage: String, source: UnsafeBufferPointer<UInt8>,
        target: UnsafeBufferPointer<UInt8>
    ) -> Bool
}
