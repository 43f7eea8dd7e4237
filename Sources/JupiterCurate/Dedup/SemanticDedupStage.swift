import JupiterCore

/// `semantic-dedup`: drops records whose embedding is within cosine `1 − eps` of an earlier
/// record's (SemDeDup, as in NeMo Curator).
///
/// Recipe options:
/// - `model` (required): the embedding model; the application maps it to an
///   ``EmbeddingProvider`` (an OpenAI-compatible `/v1/embeddings` endpoint with its cache).
///   `hashed-bow` (or `hashed-bow-<dimensions>`) is built in: ``HashedBagOfWordsEmbedding``;
/// - `eps` (0.07): duplicates have cosine ≥ `1 − eps`. NeMo Curator's `IdentifyDuplicatesStage`
///   flags `cosine_sim_score >= 1 - eps`; its semantic-dedup quick start uses `eps=0.07`
///   (0.93); the SemDeDup paper's range is 0.01–0.1 (depends on the model: check a sample);
/// - `exact_limit` (20000): up to this many records, exact blocked search over all pairs;
///   above it, random-hyperplane LSH candidates verified exactly;
/// - `lsh_bands` (20), `lsh_rows` (12): SimHash bands × sign bits per band (a pair at cosine
///   0.93 becomes a candidate with probability ≈ 0.99, at 0.5 ≈ 0.14);
/// - `lsh_window` (256): a candidate is compared with at most this many earlier members of its
///   bucket (bounds the work of huge buckets);
/// - `batch_size` (64): texts per embedding request; `concurrency` (4): requests in flight;
/// - `seed` (1): hyperplanes.
///
/// The text is ``Record/text``. Records without words (empty, punctuation only) are not
/// embedded and are kept. Records whose embedding request the server rejected, or whose answer
/// was unusable, are quarantined with the error; a request that could not reach the model
/// (connection, timeout, 429, 5xx after every retry) fails the stage instead, and a rerun asks
/// only for the embeddings not yet cached (``LLMError/isTransportFailure``). A dropped record (rule `semantic.duplicate`) names its near twin (the most similar
/// earlier record, which may itself be a duplicate, as in SemDeDup) and the cosine.
/// Memory: `4 × dimension` bytes per record for the unit vectors, plus `8 × lsh_bands` with LSH.
public struct SemanticDedupStage: GlobalStage {
    /// The embedding provider.
    public let provider: any EmbeddingProvider
    /// Cosine threshold is `1 − eps`.
    public let eps: Double
    /// Largest input searched exactly.
    public let exactLimit: Int
    /// LSH bands.
    public let lshBands: Int
    /// Sign bits per band.
    public let lshRows: Int
    /// Earlier bucket members compared per candidate.
    public let lshWindow: Int
    /// Texts per embedding request.
    public let batchSize: Int
    /// Embedding requests in flight.
    public let concurrency: Int
    /// Hyperplane seed.
    public let seed: UInt64

    /// Creates the stage.
    public init(
        provider: any EmbeddingProvider, eps: Double = 0.07, exactLimit: Int = 20000, lshBands: Int = 20,
        lshRows: Int = 12, lshWindow: Int = 256, batchSize: Int = 64, concurrency: Int = 4, seed: UInt64 = 1
    ) {
        self.provider = provider
        self.eps = eps
        self.exactLimit = exactLimit
        self.lshBands = max(1, lshBands)
        self.lshRows = min(64, max(1, lshRows))
        self.lshWindow = max(1, lshWindow)
        self.batchSize = max(1, batchSize)
        self.concurrency = max(1, concurrency)
        self.seed = seed
    }

    /// `semantic-dedup`.
    public var name: String { "semantic-dedup" }

    /// The settings as JSON.
    public var configuration: JSONValue {
        .object([
            "model": .string(provider.modelName), "eps": .double(eps), "exact_limit": .int(exactLimit),
            "lsh_bands": .int(lshBands), "lsh_rows": .int(lshRows), "lsh_window": .int(lshWindow),
            "batch_size": .int(batchSize), "seed": .number(String(seed))
        ])
    }

    /// The cosine threshold, `1 − eps`.
    public var threshold: Float { Float(1 - eps) }

    /// The factory: `model` names a recipe model served over `/v1/embeddings`, or the built-in
    /// `hashed-bow[-N]`.
    public static let factory = StageFactory(
        name: "semantic-dedup", summary: "Embedding near-duplicate removal: cosine ≥ 1 − eps (NeMo Curator SemDeDup)"
    ) { o, ctx in
        let model = o.string("model")
        let eps = o.double("eps", default: 0.07, range: 0...0.999)
        let exactLimit = o.int("exact_limit", default: 20000, range: 0...10_000_000)
        let bands = o.int("lsh_bands", default: 20, range: 1...256)
        let rows = o.int("lsh_rows", default: 12, range: 1...64)
        let window = o.int("lsh_window", default: 256, range: 1...1_000_000)
        let batch = o.int("batch_size", default: 64, range: 1...4096)
        let concurrency = o.int("concurrency", default: 4, range: 1...256)
        let seed = o.int("seed", default: 1, range: 0...Int.max)
        var provider: (any EmbeddingProvider)? = nil
        if let model {
            if model == "hashed-bow" {
                provider = HashedBagOfWordsEmbedding()
            } else if model.hasPrefix("hashed-bow-"), let d = Int(model.dropFirst("hashed-bow-".count)), d >= 8 {
                provider = HashedBagOfWordsEmbedding(dimensions: d)
            } else if let client = ctx.models, let info = client.model(named: model) {
                provider = ModelEmbeddings(client: client, model: info)
            } else {
                let declared = ctx.models?.declaredModels.map(\.name) ?? []
                o.problem(
                    "model",
                    "no embedding endpoint for model '\(model)': name a model of 'models:' ("
                        + (declared.isEmpty ? "none declared" : declared.joined(separator: ", "))
                        + ") or hashed-bow" + Suggestion.didYouMean(model, among: declared + ["hashed-bow"]))
            }
        } else {
            o.problem(nil, "option 'model' is required (an embeddings model, or 'hashed-bow')")
        }
        return SemanticDedupStage(
            provider: provider ?? HashedBagOfWordsEmbedding(), eps: eps, exactLimit: exactLimit,
            lshBands: bands, lshRows: rows, lshWindow: window, batchSize: batch,
            concurrency: concurrency, seed: UInt64(seed))
    }

    /// Embeddings and search; then outputs in input order.
    public func run(
        _ input: any RecordBatches, context: StageContext,
        emit: (StageOutput) async throws -> Void
    ) async throws {
        let found = try await search(input, workers: context.workers)
        var needed = Set<Int>()
        for t in found.twins where t.twin >= 0 { needed.insert(t.twin) }
        var ids: [Int: String] = [:]
        var i = 0
        try await input.forEachBatch { batch in
            for record in batch {
                defer { i += 1 }
                guard i < found.twins.count else {
                    throw Diagnostic(.error, "semantic-dedup: input changed between passes")
                }
                if needed.contains(i) { ids[i] = record.id }
                if let error = found.errors[i] {
                    try await emit(.quarantined(record, error: error))
                    continue
                }
                let t = found.twins[i]
                guard t.twin >= 0 else { try await emit(.kept(record)); continue }
                let twinID = ids[t.twin] ?? "#\(t.twin)"
                let c = Double(t.cosine)
                try await emit(
                    .dropped(
                        record,
                        DropReason(
                            rule: "semantic.duplicate",
                            message:
                                "semantic near-duplicate of \(twinID) (cosine \(MinHashDedupStage.format(c)) ≥ \(MinHashDedupStage.format(1 - eps)))",
                            value: .object(["near_twin": .string(twinID), "cosine": .double(MinHashDedupStage.round(c))]))))
            }
        }
        if i != found.twins.count { throw Diagnostic(.error, "semantic-dedup: input changed between passes") }
    }

    /// What the embedding pass and search found.
    public struct SearchResult: Sendable {
        /// Each record's near twin (`twin == -1` for none).
        public var twins: [CosineSearch.NearTwin]
        /// Embedding errors by record index (quarantined).
        public var errors: [Int: String]
        /// Vector dimension (0 when nothing was embedded).
        public var dimension: Int
        /// Whether the LSH search was used.
        public var usedLSH: Bool
    }

    /// The embedding pass and the near-twin search (on `workers` threads; 0 = every core).
    public func search(_ input: any RecordBatches, workers: Int = 0) async throws -> SearchResult {
        var vectors: [Float] = []
        var valid: [Bool] = []
        var errors: [Int: String] = [:]
        var dimension = 0
        var pending: [(index: Int, text: String)] = []
        let words = WordHasher()
        var n = 0

        func flush() async throws {
            if pending.isEmpty { return }
            let groups = stride(from: 0, to: pending.count, by: batchSize).map {
                Array(pending[$0..<min(pending.count, $0 + batchSize)])
            }
            let provider = self.provider
            let results = try await OrderedTasks.map(groups, limit: groups.count) { items -> Result<[[Float]], any Error> in
                do { return .success(try await provider.embed(items.map(\.text))) } catch { return .failure(error) }
            }
            // A failure on the way to the model is never a result: every answer that came back is
            // cached, then the stage fails and a rerun asks only what is missing.
            for case .failure(let e as LLMError) in results where e.isTransportFailure { throw e }
            for (g, items) in groups.enumerated() {
                switch results[g] {
                case .success(let vs) where vs.count == items.count:
                    for (item, v) in zip(items, vs) {
                        if dimension == 0 { dimension = v.count }
                        guard v.count == dimension else {
                            throw Diagnostic(
                                .error,
                                "semantic-dedup: model '\(provider.modelName)' returned vectors of \(v.count) and \(dimension) dimensions")
                        }
                        var norm: Float = 0
                        for x in v { norm += x * x }
                        norm = norm.squareRoot()
                        guard norm > 0, norm.isFinite else { continue }
                        if vectors.count < (item.index + 1) * dimension {
                            vectors.append(contentsOf: repeatElement(0, count: (item.index + 1) * dimension - vectors.count))
                        }
                        for k in 0..<dimension { vectors[item.index * dimension + k] = v[k] / norm }
                        valid[item.index] = true
                    }
                case .success(let vs):
                    for item in items { errors[item.index] = "embedding request returned \(vs.count) vectors for \(items.count) texts" }
                case .failure(let e):
                    for item in items { errors[item.index] = "embedding failed: \(e)" }
                }
            }
            pending.removeAll(keepingCapacity: true)
        }

        try await input.forEachBatch { batch in
            for record in batch {
                let text = record.text
                valid.append(false)
                var probe: [UInt64] = []
                words.hashWords(text, into: &probe)
                if !probe.isEmpty { pending.append((n, text)) }
                n += 1
                if pending.count >= batchSize * concurrency { try await flush() }
            }
        }
        try await flush()
        if dimension > 0, vectors.count < n * dimension {
            vectors.append(contentsOf: repeatElement(0, count: n * dimension - vectors.count))
        }
        guard dimension > 0 else {
            return SearchResult(
                twins: Array(repeating: .init(twin: -1, cosine: 0), count: n), errors: errors,
                dimension: 0, usedLSH: false)
        }
        let workers = workers > 0 ? workers : SystemInfo.activeProcessorCount
        let useLSH = n > exactLimit
        let twins =
            useLSH
            ? try await CosineSearch.lsh(
                vectors, dimension: dimension, valid: valid, threshold: threshold, bands: lshBands,
                rows: lshRows, seed: seed, window: lshWindow, workers: workers)
            : try await CosineSearch.exact(vectors, dimension: dimension, valid: valid, threshold: threshold, workers: workers)
        return SearchResult(twins: twins, errors: errors, dimension: dimension, usedLSH: useLSH)
    }
}
