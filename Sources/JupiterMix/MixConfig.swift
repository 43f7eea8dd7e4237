import JupiterCore

/// What the units of mixture weights and budgets are.
public enum MixUnit: String, Sendable, CaseIterable {
    /// Tokens (with the recipe's tokenizer, or estimated from UTF-8 bytes when none is given).
    case tokens
    /// Records (conversations).
    case records
}

/// The file format of mixture shards.
public enum MixFormat: String, Sendable, CaseIterable {
    /// OpenAI / TRL / Axolotl chat JSONL: `{"id","dataset","messages":[…],"tools"?}`, reasoning in
    /// `reasoning_content`.
    case messages = "openai-messages"
    /// ShareGPT JSONL (NeMo / LLaMA-Factory style): `{"id","dataset","conversations":[{"from","value"}]}`.
    case sharegpt
    /// Pre-rendered text with the chat template: `{"id","dataset","text","assistant_spans":[[start,end],…]}`,
    /// spans in Unicode scalars (Python string indices), for assistant-only loss masks.
    case text

    /// Accepted spellings (`messages-jsonl` is the ARCHITECTURE.md name of `openai-messages`).
    public init?(name: String) {
        if name == "messages-jsonl" || name == "messages" { self = .messages } else { self.init(rawValue: name) }
    }
}

/// The file type of mixture shards.
public enum MixFileFormat: String, Sendable, CaseIterable {
    /// gzip JSONL: `part-00000.jsonl.gz`, one record per line.
    case jsonl
    /// Parquet (Snappy, dictionary-encoded strings, nested `list<struct>` columns for messages):
    /// `part-00000.parquet`, one row per record with the record's fields as columns.
    case parquet

    /// The shard file extension.
    public var fileExtension: String { self == .jsonl ? ".jsonl.gz" : ".parquet" }
}

/// Optional dataset-card fields (Hugging Face dataset card metadata).
public struct MixCard: Sendable, Equatable {
    /// Language codes (ISO 639-1 where one exists), e.g. `["cy", "en"]`.
    public var languages: [String] = []
    /// License identifier, e.g. `cc-by-4.0`, `other`.
    public var license: String?
    /// A paragraph describing the mixture.
    public var description: String?

    /// Creates card fields.
    public init(languages: [String] = [], license: String? = nil, description: String? = nil) {
        self.languages = languages
        self.license = license
        self.description = description
    }
}

/// The Forget-Me-Not mixer's settings (the recipe's `mix:` section plus `output.shards/format`).
///
/// Weights are shares of the mixture in ``unit``s (normalised to sum to 1). Without a ``budget``
/// the mixture is the largest one that keeps the weights without repeating any record: the
/// scarcest dataset (relative to its weight) is used whole. With a budget, datasets that hold
/// fewer units than their share are repeated when ``repeatRecords`` is set; otherwise the whole
/// mixture shrinks so that the weights still hold, and the report says which dataset limited it.
public struct MixConfig: Sendable, Equatable {
    /// Datasets and their weights, in recipe order.
    public var weights: [(dataset: String, weight: Double)]
    /// Unit of weights and budget.
    public var unit: MixUnit = .tokens
    /// Total units wanted (nil: as many as the weights allow without repeats).
    public var budget: Int?
    /// Whether records may be repeated to reach a budget.
    public var repeatRecords = false
    /// Target share of reasoning-on conversations (counted in conversations, whatever the unit)
    /// inside each dataset that holds both kinds (nil: take records as they come).
    public var reasoningOn: Double?
    /// Number of shard files.
    public var shards = 1
    /// Shard format.
    public var format: MixFormat = .messages
    /// Shard file type (`output.format_file`).
    public var fileFormat: MixFileFormat = .jsonl
    /// Dataset-card fields.
    public var card = MixCard()

    /// Creates a configuration.
    public init(
        weights: [(dataset: String, weight: Double)], unit: MixUnit = .tokens, budget: Int? = nil,
        repeatRecords: Bool = false, reasoningOn: Double? = nil, shards: Int = 1,
        format: MixFormat = .messages, fileFormat: MixFileFormat = .jsonl, card: MixCard = MixCard()
    ) {
        self.weights = weights
        self.unit = unit
        self.budget = budget
        self.repeatRecords = repeatRecords
        self.reasoningOn = reasoningOn
        self.shards = shards
        self.format = format
        self.fileFormat = fileFormat
        self.card = card
    }

    /// Weights scaled to sum to 1.
    public var normalisedWeights: [Double] {
        let sum = weights.reduce(0) { $0 + $1.weight }
        return weights.map { sum > 0 ? $0.weight / sum : 0 }
    }

    /// Canonical JSON of the settings (for fingerprints and the manifest).
    public var json: JSONValue {
        var o: JSONObject = [
            "weights": .object(JSONObject(weights.map { JSONObject.Entry(key: $0.dataset, value: .double($0.weight)) })),
            "unit": .string(unit.rawValue),
            "budget": budget.map { .int($0) } ?? .null,
            "repeat": .bool(repeatRecords),
            "reasoning_on": reasoningOn.map { .double($0) } ?? .null,
            "shards": .int(shards),
            "format": .string(format.rawValue)
        ]
        if fileFormat != .jsonl { o["file_format"] = .string(fileFormat.rawValue) }  // absent: JSONL, as before
        var card = JSONObject()
        if !self.card.languages.isEmpty { card["language"] = .array(self.card.languages.map { .string($0) }) }
        if let l = self.card.license { card["license"] = .string(l) }
        if let d = self.card.description { card["description"] = .string(d) }
        if !card.isEmpty { o["card"] = .object(card) }
        return .object(o)
    }

    /// Equal when their canonical JSON is equal.
    public static func == (a: MixConfig, b: MixConfig) -> Bool { JSONWriter.string(a.json) == JSONWriter.string(b.json) }
}
