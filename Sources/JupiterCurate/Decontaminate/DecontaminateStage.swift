import JupiterCore

/// `decontaminate`: drops training records that contain evaluation items, by word n-gram
/// overlap, the way open-instruct's decontamination scores matches.
///
/// open-instruct (`decontamination/search.py`, Tülu 3 / OLMo 3 runs: `--ngram_size 8
/// --match_threshold 0.5`): for an evaluation item and a training document, the score is the
/// fraction of the item's tokens that belong to at least one item n-gram also present in the
/// document; the item is contaminated when the score is above the threshold (strictly). Here
/// the same score is computed for every (training record, eval item) pair that shares an
/// n-gram, over ``WordHasher`` words (datatrove normalisation) instead of spaCy tokens, and a
/// training record is dropped when any item's score exceeds the threshold.
///
/// Recipe options:
/// - `evals` (required): eval set files (paths relative to the recipe): OpenAI-evals JSONL
///   (the llm-evals-cy files), IFEval and GSM8K JSONL; see ``EvalSet``;
/// - `ngram_size` (8, open-instruct); `threshold` (0.5, open-instruct; match when overlap > it);
/// - `short_items` (`skip`): items with fewer words than `ngram_size` have no n-grams and
///   cannot match in open-instruct (`skip`); `whole` matches them when their whole word
///   sequence occurs in the record (only items of at least `min_short_words`, default 4);
/// - `threads` (0 = all cores).
///
/// The text of a training record is ``Record/text`` (every turn of a conversation, prompts and
/// responses). Dropped records get rule `decontaminate.overlap` naming the eval set, item index
/// and id and the overlap; ``runWithReport(_:context:emit:)`` also returns a
/// ``DecontaminationReport`` of every matched item.
public struct DecontaminateStage: GlobalStage {
    /// The evaluation sets.
    public let evalSets: [EvalSet]
    /// Words per n-gram.
    public let ngramSize: Int
    /// Overlap threshold (match when overlap > threshold).
    public let threshold: Double
    /// Whether items shorter than `ngramSize` are matched whole.
    public let matchShortItemsWhole: Bool
    /// Shortest item matched whole.
    public let minShortWords: Int
    /// Workers (0 = all cores).
    public let threads: Int
    let index: EvalNGramIndex

    /// Creates the stage.
    public init(
        evalSets: [EvalSet], ngramSize: Int = 8, threshold: Double = 0.5, matchShortItemsWhole: Bool = false,
        minShortWords: Int = 4, threads: Int = 0
    ) {
        self.evalSets = evalSets
        self.ngramSize = max(1, ngramSize)
        self.threshold = threshold
        self.matchShortItemsWhole = matchShortItemsWhole
        self.minShortWords = max(1, minShortWords)
        self.threads = threads
        index = EvalNGramIndex(
            sets: evalSets, n: self.ngramSize,
            shortWhole: matchShortItemsWhole ? max(1, minShortWords) : nil)
    }

    /// `decontaminate`.
    public var name: String { "decontaminate" }

    /// The settings as JSON.
    public var configuration: JSONValue {
        .object([
            "evals": .array(evalSets.map { .string($0.name) }),
            "evals_sha256": .array(evalSets.map { .string($0.sha256) }), "ngram_size": .int(ngramSize),
            "threshold": .double(threshold), "short_items": .string(matchShortItemsWhole ? "whole" : "skip"),
            "min_short_words": .int(minShortWords)
        ])
    }

    /// The recipe factory.
    public static let factory = StageFactory(
        name: "decontaminate",
        summary: "Drop records overlapping eval items: word 8-grams, overlap > 0.5 (open-instruct defaults)"
    ) { o, ctx in
        let evals = o.stringList("evals", default: [])
        let n = o.int("ngram_size", default: 8, range: 1...64)
        let threshold = o.double("threshold", default: 0.5, range: 0...1)
        let short = o.choice("short_items", ["skip", "whole"], default: "skip")
        let minShort = o.int("min_short_words", default: 4, range: 1...64)
        let threads = o.int("threads", default: 0, range: 0...1024)
        if evals.isEmpty { o.problem(o.has("evals") ? "evals" : nil, "option 'evals' must name at least one eval set file") }
        var sets: [EvalSet] = []
        for name in evals {
            let path = ctx.resolve(name)
            guard FileSystem.exists(path) else {
                o.problem("evals", "eval set '\(name)' not found at \(path)")
                continue
            }
            sets.append(try EvalSet.load(path: path, name: name))
        }
        return DecontaminateStage(
            evalSets: sets, ngramSize: n, threshold: threshold,
            matchShortItemsWhole: short == "whole", minShortWords: minShort, threads: threads)
    }

    /// Checks every record, emitting outputs in input order.
    public func run(
        _ input: any RecordBatches, context: StageContext,
        emit: (StageOutput) async throws -> Void
    ) async throws {
        _ = try await runWithReport(input, context: context, emit: emit)
    }

    /// One record's matches: items whose overlap exceeds the threshold, best first.
    public struct Match: Sendable, Hashable {
        /// Index of the eval set in ``evalSets``.
        public var set: Int
        /// Item index in its set.
        public var item: Int
        /// Overlap fraction.
        public var overlap: Double
    }

    /// The matches of one text.
    public func matches(_ text: String) -> [Match] {
        var words: [UInt64] = []
        WordHasher().hashWords(text, into: &words)
        return index.match(words).filter { $0.overlap > threshold }
    }

    /// Like ``run(_:context:emit:)``, and returns which eval items matched.
    public func runWithReport(
        _ input: any RecordBatches, context: StageContext,
        emit: (StageOutput) async throws -> Void
    ) async throws -> DecontaminationReport {
        var matched: [[Int: DecontaminationReport.MatchedItem]] = evalSets.map { _ in [:] }
        var checked = 0, dropped = 0
        let workers = threads > 0 ? threads : context.workers > 0 ? context.workers : SystemInfo.activeProcessorCount
        let stage = self
        try await input.forEachBatch { batch in
            let texts = batch.map(\.text)
            let results =
                workers <= 1 || texts.count < 8
                ? texts.map { stage.matches($0) }
                : try await OrderedTasks.map(OrderedTasks.ranges(texts.count, parts: workers), limit: workers) {
                    texts[$0].map { stage.matches($0) }
                }.flatMap { $0 }
            for (record, ms) in zip(batch, results) {
                checked += 1
                guard let best = ms.first else { try await emit(.kept(record)); continue }
                dropped += 1
                for m in ms {
                    let item = evalSets[m.set].items[m.item]
                    var entry =
                        matched[m.set][m.item]
                        ?? .init(
                            index: item.index, id: item.id, maxOverlap: 0,
                            recordCount: 0, recordIDs: [])
                    entry.maxOverlap = max(entry.maxOverlap, MinHashDedupStage.round(m.overlap))
                    entry.recordCount += 1
                    if entry.recordIDs.count < DecontaminationReport.maxRecordIDs { entry.recordIDs.append(record.id) }
                    matched[m.set][m.item] = entry
                }
                let set = evalSets[best.set]
                let item = set.items[best.item]
                let pct = Int((best.overlap * 100).rounded())
                try await emit(
                    .dropped(
                        record,
                        DropReason(
                            rule: "decontaminate.overlap",
                            message:
                                "overlaps eval item \(set.name)#\(item.index) (id \(item.id)): \(pct)% of its words in shared \(ngramSize)-grams > \(Int((threshold * 100).rounded()))%"
                                + (ms.count > 1 ? "; \(ms.count - 1) more item(s) matched" : ""),
                            value: .object([
                                "eval": .string(set.name), "item": .int(item.index), "id": .string(item.id),
                                "overlap": .double(MinHashDedupStage.round(best.overlap)), "matched_items": .int(ms.count)
                            ]))))
            }
        }
        let sets = evalSets.enumerated().map { k, s in
            DecontaminationReport.SetSummary(
                name: s.name, sha256: s.sha256, items: s.items.count, skippedShortItems: index.skipped[k],
                matched: matched[k].values.sorted { $0.index < $1.index })
        }
        return DecontaminationReport(
            ngramSize: ngramSize, threshold: threshold, recordsChecked: checked,
            recordsDropped: dropped, sets: sets)
    }
}

/// Inverted index from eval-item word n-grams to (item, position) postings.
struct EvalNGramIndex: Sendable {
    struct ItemRef: Sendable { var set: Int32; var item: Int32; var tokens: Int32 }
    let n: Int
    var items: [ItemRef] = []
    var heads: [UInt64: Int32] = [:]
    var postItem: [Int32] = [], postPos: [Int32] = [], postLen: [Int32] = [], postNext: [Int32] = []
    /// Distinct lengths of short items indexed whole.
    var shortLengths: [Int] = []
    /// Items too short to index, per set.
    var skipped: [Int]

    init(sets: [EvalSet], n: Int, shortWhole minShort: Int?) {
        self.n = n
        skipped = Array(repeating: 0, count: sets.count)
        let words = WordHasher()
        var lengths = Set<Int>()
        var buf: [UInt64] = [], grams: [UInt64] = []
        for (s, set) in sets.enumerated() {
            for item in set.items {
                buf.removeAll(keepingCapacity: true)
                words.hashWords(item.text, into: &buf)
                let g = Int32(items.count)
                items.append(ItemRef(set: Int32(s), item: Int32(item.index), tokens: Int32(buf.count)))
                if buf.count >= n {
                    grams.removeAll(keepingCapacity: true)
                    MinHasher.combine(buf, n: n, into: &grams)
                    for (pos, h) in grams.enumerated() { add(h, item: g, pos: pos, len: n) }
                } else if let minShort, buf.count >= minShort {
                    grams.removeAll(keepingCapacity: true)
                    MinHasher.combine(buf, n: buf.count, into: &grams)
                    if let h = grams.first { add(h, item: g, pos: 0, len: buf.count); lengths.insert(buf.count) }
                } else {
                    skipped[s] += 1
                }
            }
        }
        shortLengths = lengths.sorted()
    }

    private mutating func add(_ h: UInt64, item: Int32, pos: Int, len: Int) {
        postItem.append(item)
        postPos.append(Int32(pos))
        postLen.append(Int32(len))
        postNext.append(heads[h] ?? -1)
        heads[h] = Int32(postItem.count - 1)
    }

    /// Overlap of every item sharing an n-gram with the word sequence, best first (ties by set,
    /// then item index).
    func match(_ words: [UInt64]) -> [DecontaminateStage.Match] {
        guard !heads.isEmpty else { return [] }
        var hits = Set<UInt64>()
        var grams: [UInt64] = []
        for len in [n] + shortLengths where words.count >= len {
            grams.removeAll(keepingCapacity: true)
            MinHasher.combine(words, n: len, into: &grams)
            for g in grams where heads[g] != nil { hits.insert(g) }
        }
        if hits.isEmpty { return [] }
        var covered: [Int32: [Bool]] = [:]
        for g in hits {
            var p = heads[g] ?? -1
            while p >= 0 {
                let item = postItem[Int(p)]
                let tokens = Int(items[Int(item)].tokens)
                let lo = Int(postPos[Int(p)]), hi = min(tokens, lo + Int(postLen[Int(p)]))
                var c = covered[item] ?? [Bool](repeating: false, count: tokens)
                for k in lo..<hi { c[k] = true }
                covered[item] = c
                p = postNext[Int(p)]
            }
        }
        var out: [DecontaminateStage.Match] = []
        for (item, c) in covered {
            let ref = items[Int(item)]
            let overlap = Double(c.lazy.filter { $0 }.count) / Double(max(1, Int(ref.tokens)))
            out.append(.init(set: Int(ref.set), item: Int(ref.item), overlap: overlap))
        }
        out.sort { ($0.overlap, -$0.set, -$0.item) > ($1.overlap, -$1.set, -$1.item) }
        return out
    }
}

extension DecontaminateStage: ReportingGlobalStage {
    /// The decontamination report (matched eval items per set) for the run manifest.
    public func runReporting(
        _ input: any RecordBatches, context: StageContext,
        emit: (StageOutput) async throws -> Void
    ) async throws -> JSONValue {
        try await runWithReport(input, context: context, emit: emit).json
    }
}
