import JupiterCore

/// `minhash-dedup`: near-duplicate removal with MinHash LSH, datatrove's method and defaults.
///
/// Recipe options (defaults are datatrove 0.10 `MinhashConfig`'s):
/// - `ngram_size` (5): words per shingle (datatrove `n_grams`);
/// - `bands` (14) and `rows` (8): LSH bands × MinHash values per band (datatrove `num_buckets`
///   × `hashes_per_bucket`; 112 hashes; pairs with Jaccard ≥ 0.8 are found with probability
///   ≥ 0.92);
/// - `seed` (1): permutation seed;
/// - `min_jaccard` (0 = off): also require this estimated Jaccard similarity for a candidate
///   pair (NeMo Curator's false-positive check uses 0.8; datatrove has none);
/// - `empty` (`keep`): what to do with records that have fewer than `ngram_size` words after
///   normalisation (empty, punctuation only, very short): `keep` them untouched (datatrove) or
///   `drop` them with rule `minhash.too_short`;
/// - `threads` (0 = all cores): signature workers.
///
/// The text of a record is ``Record/text``: a document's text, both sides of a pair, every turn
/// of a conversation (reasoning excluded). Normalisation and shingles: see ``WordHasher`` and
/// ``MinHasher``.
///
/// Candidates are documents sharing a band; candidates are joined by union-find; the first
/// record of each cluster in input order is kept and every other one is dropped with rule
/// `minhash.duplicate`, naming the kept record and the estimated Jaccard similarity to it.
/// Memory: ``MinHashIndex`` (228 bytes per record with the defaults, plus 16 of scratch while
/// clustering); the ids of kept records that have duplicates are held during the emit pass.
public struct MinHashDedupStage: GlobalStage {
    /// The settings.
    public let parameters: MinHashParameters
    /// Minimum estimated Jaccard similarity for a candidate pair (0 = off).
    public let minJaccard: Double
    /// Whether records without shingles are dropped.
    public let dropTooShort: Bool
    /// Signature workers (0 = all cores).
    public let threads: Int
    private let hasher: MinHasher

    /// Creates the stage.
    public init(
        parameters: MinHashParameters = MinHashParameters(), minJaccard: Double = 0,
        dropTooShort: Bool = false, threads: Int = 0
    ) {
        self.parameters = parameters
        self.minJaccard = minJaccard
        self.dropTooShort = dropTooShort
        self.threads = threads
        hasher = MinHasher(parameters: parameters)
    }

    /// `minhash-dedup`.
    public var name: String { "minhash-dedup" }

    /// The settings as JSON.
    public var configuration: JSONValue {
        .object([
            "ngram_size": .int(parameters.ngramSize), "bands": .int(parameters.bands),
            "rows": .int(parameters.rows), "seed": .number(String(parameters.seed)),
            "min_jaccard": .double(minJaccard), "empty": .string(dropTooShort ? "drop" : "keep")
        ])
    }

    /// The recipe factory.
    public static let factory = StageFactory(
        name: "minhash-dedup",
        summary: "Near-duplicate removal: word 5-gram MinHash, 14 bands × 8 rows (datatrove defaults)"
    ) { options, _ in
        let ngram = options.int("ngram_size", default: 5, range: 1...64)
        let bands = options.int("bands", default: 14, range: 1...512)
        let rows = options.int("rows", default: 8, range: 1...64)
        let seed = options.int("seed", default: 1, range: 0...Int.max)
        let minJaccard = options.double("min_jaccard", default: 0, range: 0...1)
        let empty = options.choice("empty", ["keep", "drop"], default: "keep")
        let threads = options.int("threads", default: 0, range: 0...1024)
        return MinHashDedupStage(
            parameters: MinHashParameters(ngramSize: ngram, bands: bands, rows: rows, seed: UInt64(seed)),
            minJaccard: minJaccard, dropTooShort: empty == "drop", threads: threads)
    }

    /// Runs both passes: signatures and clusters, then outputs in input order.
    public func run(
        _ input: any RecordBatches, context: StageContext,
        emit: (StageOutput) async throws -> Void
    ) async throws {
        let clusters = try await cluster(input, workers: context.workers)
        var keptIDs: [Int: String] = [:]
        var hasDuplicates = [Bool](repeating: false, count: clusters.representatives.count)
        for (i, r) in clusters.representatives.enumerated() where r >= 0 && Int(r) != i { hasDuplicates[Int(r)] = true }
        var i = 0
        try await input.forEachBatch { batch in
            for record in batch {
                guard i < clusters.representatives.count else {
                    throw Diagnostic(.error, "minhash-dedup: input changed between passes (more records the second time)")
                }
                defer { i += 1 }
                guard let rep = clusters.representative(of: i) else {
                    try await emit(dropTooShort ? tooShort(record) : .kept(record))
                    continue
                }
                if rep == i {
                    if hasDuplicates[i] { keptIDs[i] = record.id }
                    try await emit(.kept(record))
                    continue
                }
                try await emit(duplicate(record, of: keptIDs[rep] ?? "#\(rep)", jaccard: clusters.estimatedJaccard(i, rep)))
            }
        }
        if i != clusters.representatives.count {
            throw Diagnostic(
                .error, "minhash-dedup: input changed between passes (\(i) records, expected \(clusters.representatives.count))")
        }
    }

    /// The drop of a record without shingles (`empty: drop`).
    func tooShort(_ record: Record) -> StageOutput { .dropped(record, tooShortReason) }

    /// Why a record with no shingles is dropped.
    var tooShortReason: DropReason {
        DropReason(
            rule: "minhash.too_short",
            message: "fewer than \(parameters.ngramSize) words after normalisation: no shingles",
            value: .int(parameters.ngramSize))
    }

    /// The drop of a near-duplicate of the kept record `keptID`.
    func duplicate(_ record: Record, of keptID: String, jaccard j: Double) -> StageOutput {
        .dropped(record, duplicateReason(of: keptID, jaccard: j))
    }

    /// Why a near-duplicate of the kept record `keptID` is dropped.
    func duplicateReason(of keptID: String, jaccard j: Double) -> DropReason {
        DropReason(
            rule: "minhash.duplicate",
            message: "near-duplicate of \(keptID) (est. Jaccard \(Self.format(j)))",
            value: .object(["duplicate_of": .string(keptID), "estimated_jaccard": .double(Self.round(j))]))
    }

    /// The signature pass and clustering alone (no output): for tests, benchmarks and reports.
    /// `workers` bounds the signature threads when the stage's `threads` is 0 (0 = every core).
    public func cluster(_ input: any RecordBatches, workers: Int = 0) async throws -> MinHashClusters {
        try await index(input, workers: workers).cluster(minJaccard: minJaccard)
    }

    /// The signature pass: builds the index, in parallel over windows of records, in input order.
    /// `workers` bounds the signature threads when the stage's `threads` is 0 (0 = every core).
    public func index(_ input: any RecordBatches, workers: Int = 0) async throws -> MinHashIndex {
        var index = MinHashIndex(parameters: parameters, capacity: input.count)
        let workers = threads > 0 ? threads : workers > 0 ? workers : max(1, SystemInfo.activeProcessorCount)
        var window: [String] = []
        var windowBytes = 0
        let maxDocs = 2048 * workers, maxBytes = (16 << 20) * workers
        func flush() async throws {
            if window.isEmpty { return }
            for chunk in try await sign(window, workers: workers) {
                index.append(bandKeys: chunk.keys, sketches: chunk.sketches, signed: chunk.signed)
            }
            window.removeAll(keepingCapacity: true)
            windowBytes = 0
        }
        try await input.forEachBatch { batch in
            for record in batch {
                let text = record.text
                windowBytes += text.utf8.count
                window.append(text)
                if window.count >= maxDocs || windowBytes >= maxBytes { try await flush() }
            }
        }
        try await flush()
        return index
    }

    /// Signatures of a window of texts, split into contiguous chunks computed in parallel and
    /// returned in order.
    func sign(_ texts: [String], workers: Int) async throws -> [SignedChunk] {
        let hasher = self.hasher
        if workers <= 1 || texts.count < 64 { return [Self.sign(texts[...], hasher: hasher)] }
        return try await OrderedTasks.map(OrderedTasks.ranges(texts.count, parts: workers * 4), limit: workers) {
            Self.sign(texts[$0], hasher: hasher)
        }
    }

    /// Band keys and sketches of a run of texts (reusing scratch buffers across texts).
    static func sign(_ texts: ArraySlice<String>, hasher: MinHasher) -> SignedChunk {
        let p = hasher.parameters
        var chunk = SignedChunk()
        chunk.keys.reserveCapacity(texts.count * p.bands)
        chunk.sketches.reserveCapacity(texts.count * p.hashCount)
        var words: [UInt64] = [], shingles: [UInt64] = []
        var sig = [UInt64](repeating: 0, count: hasher.a.count)
        var keys = [UInt64](repeating: 0, count: p.bands)
        for text in texts {
            hasher.shingles(text, words: &words, into: &shingles)
            if shingles.isEmpty {
                chunk.keys.append(contentsOf: repeatElement(0, count: p.bands))
                chunk.sketches.append(contentsOf: repeatElement(0, count: p.hashCount))
                chunk.signed.append(false)
                continue
            }
            sig.withUnsafeMutableBufferPointer { s in
                shingles.withUnsafeBufferPointer { sh in hasher.signature(shingles: sh, into: s) }
                keys.withUnsafeMutableBufferPointer { k in hasher.bandKeys(UnsafeBufferPointer(s), into: k) }
                for k in 0..<p.hashCount { chunk.sketches.append(UInt8(truncatingIfNeeded: s[k])) }
            }
            chunk.keys.append(contentsOf: keys)
            chunk.signed.append(true)
        }
        return chunk
    }

    static func round(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

    static func format(_ x: Double) -> String {
        let r = (x * 100).rounded() / 100
        var s = String(r)
        if let dot = s.firstIndex(of: ".") {
            let decimals = s.distance(from: dot, to: s.endIndex) - 1
            if decimals < 2 { s += String(repeating: "0", count: 2 - decimals) }
        }
        return s
    }
}

/// Band keys (document-major), sketches and signed flags of a run of documents.
struct SignedChunk: Sendable {
    var keys: [UInt64] = []
    var sketches: [UInt8] = []
    var signed: [Bool] = []
}
