/// What the run report (``RunReportPage``) shows, typed: read from a run folder's `manifest.json`
/// and its `datasets/<name>/` files by `Jupiter` (`Pipeline.report(runDirectory:)`), or built by
/// hand. Every member is plain data, so the page is a pure function of it.
public struct RunReportData: Sendable, Equatable {
    /// The recipe's name.
    public var name: String
    /// The recipe file as the manifest names it, and its SHA-256.
    public var recipeFile: String
    /// The recipe's SHA-256.
    public var recipeSHA256: String
    /// The recipe's seed, as written in the manifest.
    public var seed: String
    /// The Jupiter version that made the run.
    public var jupiterVersion: String
    /// The manifest's `timings.started` and `timings.finished` (ISO 8601), when present.
    public var started: String?
    /// See ``started``.
    public var finished: String?
    /// The run's duration in seconds (the manifest's `timings.seconds`).
    public var seconds: Double?
    /// The datasets, in the recipe's order.
    public var datasets: [Dataset]
    /// The mixture, when the recipe mixes.
    public var mixture: Mixture?
    /// Model usage of the execution that wrote the manifest; empty without models.
    public var models: [ModelUsage]
    /// Decontamination results (stages and the mixture's last check).
    public var decontamination: [Decontamination]

    /// Creates the data.
    public init(
        name: String, recipeFile: String = "", recipeSHA256: String = "", seed: String = "0",
        jupiterVersion: String = "", started: String? = nil, finished: String? = nil, seconds: Double? = nil,
        datasets: [Dataset] = [], mixture: Mixture? = nil, models: [ModelUsage] = [],
        decontamination: [Decontamination] = []
    ) {
        self.name = name
        self.recipeFile = recipeFile
        self.recipeSHA256 = recipeSHA256
        self.seed = seed
        self.jupiterVersion = jupiterVersion
        self.started = started
        self.finished = finished
        self.seconds = seconds
        self.datasets = datasets
        self.mixture = mixture
        self.models = models
        self.decontamination = decontamination
    }

    /// One dataset.
    public struct Dataset: Sendable, Equatable {
        /// Its name.
        public var name: String
        /// What it reads (a source or another dataset).
        public var from: String
        /// Record kinds in and out.
        public var inputKind: String
        /// See ``inputKind``.
        public var outputKind: String
        /// Input records read, kept, dropped and quarantined (`read = kept + dropped + quarantined`).
        public var read: Int
        /// See ``read``.
        public var kept: Int
        /// See ``read``.
        public var dropped: Int
        /// See ``read``.
        public var quarantined: Int
        /// Output records written to `kept.jsonl.gz`.
        public var recordsWritten: Int
        /// The stages, in order.
        public var steps: [Step]
        /// Lengths of the kept records, for the histogram; nil when not measured.
        public var lengths: Lengths?

        /// Creates a dataset.
        public init(
            name: String, from: String, inputKind: String, outputKind: String, read: Int, kept: Int, dropped: Int,
            quarantined: Int, recordsWritten: Int, steps: [Step] = [], lengths: Lengths? = nil
        ) {
            self.name = name
            self.from = from
            self.inputKind = inputKind
            self.outputKind = outputKind
            self.read = read
            self.kept = kept
            self.dropped = dropped
            self.quarantined = quarantined
            self.recordsWritten = recordsWritten
            self.steps = steps
            self.lengths = lengths
        }
    }

    /// One stage of a dataset: its counts (output records of the stage), drops by rule and
    /// quarantines by cause.
    public struct Step: Sendable, Equatable {
        /// The stage id (`quality`, `quality#2`).
        public var id: String
        /// The stage's name.
        public var stage: String
        /// Records in, kept, dropped, quarantined.
        public var input: Int
        /// See ``input``.
        public var kept: Int
        /// See ``input``.
        public var dropped: Int
        /// See ``input``.
        public var quarantined: Int
        /// Drop rules, most frequent first.
        public var rules: [Rule]
        /// Quarantine causes, most frequent first.
        public var causes: [Cause]

        /// Creates a step.
        public init(
            id: String, stage: String, input: Int, kept: Int, dropped: Int, quarantined: Int,
            rules: [Rule] = [], causes: [Cause] = []
        ) {
            self.id = id
            self.stage = stage
            self.input = input
            self.kept = kept
            self.dropped = dropped
            self.quarantined = quarantined
            self.rules = rules
            self.causes = causes
        }
    }

    /// A drop rule: how many records it took and a few of them.
    public struct Rule: Sendable, Equatable {
        /// The rule (`gopher.min_words`).
        public var name: String
        /// Records it dropped.
        public var count: Int
        /// The first records it dropped.
        public var examples: [Example]

        /// Creates a rule.
        public init(name: String, count: Int, examples: [Example] = []) {
            self.name = name
            self.count = count
            self.examples = examples
        }
    }

    /// A dropped record, shortened.
    public struct Example: Sendable, Equatable {
        /// The record id.
        public var id: String
        /// Its text, shortened.
        public var text: String
        /// The measured value (as JSON text), when the rule gave one.
        public var value: String?
        /// The rule's reason, which names the threshold (`en side is 49.02% letters < 50.0%`).
        public var reason: String

        /// Creates an example.
        public init(id: String, text: String, value: String?, reason: String) {
            self.id = id
            self.text = text
            self.value = value
            self.reason = reason
        }
    }

    /// A quarantine cause with the first places it happened.
    public struct Cause: Sendable, Equatable {
        /// The cause (numbers replaced by `N`).
        public var cause: String
        /// Input records quarantined for it.
        public var count: Int
        /// The first places (`file`, `line`, the full error).
        public var places: [Place]

        /// Creates a cause.
        public init(cause: String, count: Int, places: [Place] = []) {
            self.cause = cause
            self.count = count
            self.places = places
        }
    }

    /// Where a record was quarantined.
    public struct Place: Sendable, Equatable {
        /// The input file.
        public var file: String
        /// Its line (or row).
        public var line: Int
        /// The error.
        public var error: String

        /// Creates a place.
        public init(file: String, line: Int, error: String) {
            self.file = file
            self.line = line
            self.error = error
        }
    }

    /// Lengths of a dataset's kept records.
    public struct Lengths: Sendable, Equatable {
        /// One value per record measured.
        public var values: [Double]
        /// What a value counts, for the axis (`characters of text per record`, `tokens per record (tokenizer …)`).
        public var unit: String
        /// Records in the dataset (more than `values.count` when only the first ones were measured).
        public var total: Int

        /// Creates lengths.
        public init(values: [Double], unit: String, total: Int) {
            self.values = values
            self.unit = unit
            self.total = total
        }
    }

    /// The mixture's composition.
    public struct Mixture: Sendable, Equatable {
        /// `tokens` or `records`.
        public var unit: String
        /// How tokens were counted (the manifest's `tokens.method`, with the tokenizer when one was used).
        public var tokenMethod: String
        /// Conversations in the mixture.
        public var records: Int
        /// Its size in ``unit``.
        public var units: Int
        /// Per dataset.
        public var datasets: [MixDataset]
        /// What did not go as asked.
        public var warnings: [String]

        /// Creates a mixture.
        public init(unit: String, tokenMethod: String, records: Int, units: Int, datasets: [MixDataset], warnings: [String] = []) {
            self.unit = unit
            self.tokenMethod = tokenMethod
            self.records = records
            self.units = units
            self.datasets = datasets
            self.warnings = warnings
        }
    }

    /// One dataset of the mixture.
    public struct MixDataset: Sendable, Equatable {
        /// Its name.
        public var name: String
        /// The share asked for (0…1).
        public var target: Double
        /// The share reached (0…1).
        public var achieved: Double
        /// Conversations drawn and their size in the mixture's unit.
        public var records: Int
        /// See ``records``.
        public var units: Int
        /// Conversations with reasoning on and off (both 0 when the records do not say).
        public var reasoningOn: Int
        /// See ``reasoningOn``.
        public var reasoningOff: Int

        /// Creates an entry.
        public init(
            name: String, target: Double, achieved: Double, records: Int, units: Int, reasoningOn: Int = 0,
            reasoningOff: Int = 0
        ) {
            self.name = name
            self.target = target
            self.achieved = achieved
            self.records = records
            self.units = units
            self.reasoningOn = reasoningOn
            self.reasoningOff = reasoningOff
        }
    }

    /// One model's usage.
    public struct ModelUsage: Sendable, Equatable {
        /// The model's name in the recipe.
        public var name: String
        /// Requests sent, retries, failures and answers taken from the cache.
        public var requests: Int
        /// See ``requests``.
        public var retries: Int
        /// See ``requests``.
        public var failures: Int
        /// See ``requests``.
        public var cacheHits: Int
        /// Prompt and completion tokens.
        public var promptTokens: Int
        /// See ``promptTokens``.
        public var completionTokens: Int
        /// Median and 95th percentile latency in milliseconds.
        public var latencyP50: Double?
        /// See ``latencyP50``.
        public var latencyP95: Double?

        /// Creates usage.
        public init(
            name: String, requests: Int, retries: Int = 0, failures: Int = 0, cacheHits: Int = 0,
            promptTokens: Int = 0, completionTokens: Int = 0, latencyP50: Double? = nil, latencyP95: Double? = nil
        ) {
            self.name = name
            self.requests = requests
            self.retries = retries
            self.failures = failures
            self.cacheHits = cacheHits
            self.promptTokens = promptTokens
            self.completionTokens = completionTokens
            self.latencyP50 = latencyP50
            self.latencyP95 = latencyP95
        }
    }

    /// One evaluation set checked for overlap.
    public struct Decontamination: Sendable, Equatable {
        /// Where (`welsh-parallel / decontaminate`, `mixture`).
        public var scope: String
        /// The evaluation set.
        public var evalSet: String
        /// Its items, and those a training record overlapped.
        public var items: Int
        /// See ``items``.
        public var matchedItems: Int
        /// Training records removed (or excluded) for it.
        public var records: Int
        /// The first matched items.
        public var matches: [Match]

        /// Creates a result.
        public init(scope: String, evalSet: String, items: Int, matchedItems: Int, records: Int, matches: [Match] = []) {
            self.scope = scope
            self.evalSet = evalSet
            self.items = items
            self.matchedItems = matchedItems
            self.records = records
            self.matches = matches
        }
    }

    /// An evaluation item a training record overlapped.
    public struct Match: Sendable, Equatable {
        /// The item's id.
        public var item: String
        /// The largest overlap (0…1).
        public var overlap: Double
        /// The training records' ids.
        public var records: [String]

        /// Creates a match.
        public init(item: String, overlap: Double, records: [String]) {
            self.item = item
            self.overlap = overlap
            self.records = records
        }
    }
}
