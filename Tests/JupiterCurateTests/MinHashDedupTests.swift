import JupiterCore
import JupiterTesting
import Testing

@testable import JupiterCurate

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Test data shared by the dedup tests: paths and the planted-duplicate corpus.
enum DedupTestData {
    /// The repository root (three levels above this file).
    static var repoRoot: String {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }

    static var legislationPath: String { repoRoot + "/../shared/data/llm-evals-cy/welsh-legislation-translation.jsonl" }
    static var evalsDirectory: String { repoRoot + "/../shared/data/llm-evals-cy" }
    static var fixtures: String { repoRoot + "/Tests/Fixtures/Curate/Dedup" }

    /// The accuracy corpus: English and Welsh legislation documents of 100–300 words, 40% of them
    /// with one or two planted copies (edits at 2%, one segment moved, boilerplate, or both).
    static func corpus() throws -> NearDuplicateCorpus {
        let seg = try NearDuplicateCorpus.segments(translationFile: legislationPath)
        let base =
            NearDuplicateCorpus.baseDocuments(segments: seg.english, seed: 11)
            + NearDuplicateCorpus.baseDocuments(segments: seg.welsh, seed: 12)
        return NearDuplicateCorpus.build(base: base, plantedFraction: 0.4, editRate: 0.02, seed: 13)
    }

    static func records(_ corpus: NearDuplicateCorpus) -> [Record] {
        corpus.documents.map { .document(Document(id: $0.id, text: $0.text)) }
    }

    static func run(_ stage: any GlobalStage, _ records: [Record], batchSize: Int = 97) async throws -> [StageOutput] {
        var out: [StageOutput] = []
        try await stage.run(
            ArrayRecordBatches(records, batchSize: batchSize),
            context: StageContext(stageID: stage.name, dataset: "test", seed: 1)
        ) { out.append($0) }
        return out
    }

    static func jaccard(_ a: Set<UInt64>, _ b: Set<UInt64>) -> Double {
        if a.isEmpty && b.isEmpty { return 1 }
        return Double(a.intersection(b).count) / Double(a.union(b).count)
    }
}

@Suite("minhash-dedup")
struct MinHashDedupTests {
    @Test("normalisation follows datatrove's simplify_text: lowercase, numbers, punctuation, diacritics")
    func normalisation() {
        let w = WordHasher()
        #expect(w.words("Ŵyr ÂBC, a'r  CAT!!\n\tend") == ["wyr", "abc", "a", "r", "cat", "end"])
        // `1,500` is one number; `.25` is a separator and a second number.
        #expect(w.words("Cost: £1,500.25 in 2024; abc123def 1.2.3") == ["cost", "0", "0", "in", "0", "abc0def", "0", "0"])
        #expect(w.words("Deddf Cyfraniadau 1992(73);") == ["deddf", "cyfraniadau", "0", "0"])
        #expect(w.words("") == [])
        #expect(w.words("!!! ... —– ?¿ «»") == [])
        #expect(w.words("café naïve Ångström") == ["cafe", "naive", "angstrom"])
        // Same words, same hashes; different words, different hashes.
        #expect(w.hashWords("The Welsh Ministers") == w.hashWords("the  WELSH ministers."))
        #expect(w.hashWords("a b") != w.hashWords("b a"))
    }

    @Test("signatures: 112 values below 2^61-1, equal texts equal, estimate tracks true Jaccard")
    func signatures() throws {
        let h = MinHasher()
        let text = "The Welsh Ministers may by regulations make provision about the payment of grants to local authorities in Wales"
        let sig = try #require(h.signature(of: text))
        #expect(sig.count == 112)
        #expect(sig.allSatisfy { $0 < MinHasher.prime })
        #expect(h.signature(of: text.uppercased()) == sig)
        #expect(h.signature(of: "too short to shingle") == nil)
        #expect(h.bandKeys(sig).count == 14)
        #expect(MinHashParameters().candidateProbability(jaccard: 0.8) > 0.92)
        #expect(MinHashParameters().candidateProbability(jaccard: 0.5) < 0.1)
    }

    @Test("accuracy on planted near-duplicates of real Welsh/English text")
    func accuracy() async throws {
        let corpus = try DedupTestData.corpus()
        let records = DedupTestData.records(corpus)
        let outputs = try await DedupTestData.run(MinHashDedupStage(), records)
        #expect(outputs.count == records.count)

        // Outputs in input order; the first member of each group in input order is the truth's
        // keeper, every later member a planted positive.
        var firstOfGroup: [Int: Int] = [:]
        var positives = 0
        for (i, d) in corpus.documents.enumerated() {
            if firstOfGroup[d.group] == nil { firstOfGroup[d.group] = i } else { positives += 1 }
        }
        let indexOfID = Dictionary(uniqueKeysWithValues: corpus.documents.enumerated().map { ($1.id, $0) })
        var dropped = 0, truePositives = 0
        var falsePositivesJaccard: [Double] = []
        let hasher = MinHasher()
        let shingles = corpus.documents.map { Set(hasher.shingles($0.text)) }
        for (i, out) in outputs.enumerated() {
            #expect(out.outputRecord.id == records[i].id)
            guard case .dropped(_, let reason) = out else { continue }
            dropped += 1
            #expect(reason.rule == "minhash.duplicate")
            let keptID = try #require(reason.value?["duplicate_of"]?.stringValue)
            let k = try #require(indexOfID[keptID])
            #expect(k < i, "the kept record comes first in input order")
            #expect(reason.message.hasPrefix("near-duplicate of \(keptID) (est. Jaccard "))
            if corpus.documents[k].group == corpus.documents[i].group {
                truePositives += 1
            } else {
                falsePositivesJaccard.append(DedupTestData.jaccard(shingles[i], shingles[k]))
            }
        }
        // Expected recall from the S-curve: each planted copy is found at least with the
        // probability that it shares a band with its original, 1 - (1 - J^8)^14.
        let params = MinHashParameters()
        var expected = 0.0, variance = 0.0
        for (i, d) in corpus.documents.enumerated() {
            guard let f = firstOfGroup[d.group], f != i else { continue }
            let p = params.candidateProbability(jaccard: DedupTestData.jaccard(shingles[i], shingles[f]))
            expected += p
            variance += p * (1 - p)
        }
        let precision = Double(truePositives) / Double(max(1, dropped))
        let recall = Double(truePositives) / Double(max(1, positives))
        let expectedRecall = expected / Double(positives)
        let floor = (expected - 3 * variance.squareRoot()) / Double(positives)
        print(
            "minhash-dedup accuracy: \(records.count) docs, \(positives) planted copies, dropped \(dropped), "
                + "precision \(precision), recall \(recall) (S-curve expectation \(expectedRecall), 3σ floor \(floor)); "
                + "false positives' true Jaccard: \(falsePositivesJaccard)")
        #expect(recall >= floor)
        #expect(recall >= 0.9)
        // Base documents are disjoint windows of the text; a false positive can only come from
        // legislation's own repeated wording and must then be a real near-duplicate.
        #expect(precision >= 0.99)
        #expect(falsePositivesJaccard.allSatisfy { $0 >= 0.5 })
    }

    @Test("same clusters with 1 and 4 signature workers and any batch size")
    func deterministic() async throws {
        let corpus = try DedupTestData.corpus()
        let records = Array(DedupTestData.records(corpus).prefix(400))
        let a = try await MinHashDedupStage(threads: 1).cluster(ArrayRecordBatches(records, batchSize: 1000))
        let b = try await MinHashDedupStage(threads: 4).cluster(ArrayRecordBatches(records, batchSize: 7))
        #expect(a.representatives == b.representatives)
        #expect(a.duplicateCount > 0)
    }

    @Test(
        "identical clusters to datasketch MinHashLSH(params=(14, 8)) on Jupiter's signatures; explained differences with datasketch's own hashing"
    )
    func datasketchGolden() async throws {
        let corpus = try DedupTestData.corpus()
        let records = DedupTestData.records(corpus)
        let hasher = MinHasher()
        if let exportPath = getenv("JUPITER_DEDUP_EXPORT").map({ String(cString: $0) }) {
            try Self.export(corpus, hasher: hasher, to: exportPath)
        }
        let goldenBytes = try FileSystem.read(DedupTestData.fixtures + "/datasketch-golden.json")
        let golden = try JSONParser.parse(goldenBytes)
        #expect(golden["doc_count"]?.intValue == records.count, "golden made from a different corpus: rerun make_datasketch_golden.sh")

        let clusters = try await MinHashDedupStage().cluster(ArrayRecordBatches(records))
        let ours = Set(clusters.multiMemberClusters)
        func clusterSet(_ key: String) throws -> Set<[Int]> {
            let arr = try #require(golden[key]?.arrayValue)
            return Set(arr.map { ($0.arrayValue ?? []).compactMap(\.intValue) })
        }
        // 1. Same signatures: banding and union-find must agree exactly.
        let sameSignatures = try clusterSet("clusters_from_jupiter_signatures")
        #expect(ours == sameSignatures)

        // 2. datasketch's own permutations (affine64 scheme, seed 1) over the same shingle hashes.
        // Each pair's "shares a band" event is a draw with probability P(J) = 1 - (1 - J^8)^14
        // in both implementations, so only pairs in the S-curve's transition can disagree.
        let theirs = try clusterSet("clusters_from_datasketch_hashing")
        func pairs(_ cs: Set<[Int]>) -> Set<Int> {
            var s = Set<Int>()
            for c in cs { for x in c { for y in c where x < y { s.insert(x << 20 | y) } } }
            return s
        }
        let pa = pairs(ours), pb = pairs(theirs)
        let differing = pa.symmetricDifference(pb)
        let shingles = corpus.documents.map { Set(hasher.shingles($0.text)) }
        let params = MinHashParameters()
        var expectedDisagreement = 0.0
        var sureMisses = 0
        var checked = 0
        // Every pair inside a planted group: certain pairs must agree; the rest may differ at
        // the rate two independent draws would.
        var members: [Int: [Int]] = [:]
        for (i, d) in corpus.documents.enumerated() { members[d.group, default: []].append(i) }
        for group in members.values where group.count > 1 {
            for x in group {
                for y in group where x < y {
                    let p = params.candidateProbability(jaccard: DedupTestData.jaccard(shingles[x], shingles[y]))
                    checked += 1
                    expectedDisagreement += 2 * p * (1 - p)
                    if p > 0.9999, differing.contains(x << 20 | y) { sureMisses += 1 }
                }
            }
        }
        let inGroupDiffering = members.values.reduce(0) { acc, g in
            var n = 0
            for x in g { for y in g where x < y && differing.contains(x << 20 | y) { n += 1 } }
            return acc + n
        }
        print(
            "datasketch: \(ours.count) clusters (Jupiter) vs \(theirs.count) (datasketch hashing); "
                + "same-cluster pairs \(pa.count) vs \(pb.count), differing \(differing.count); in planted groups "
                + "\(inGroupDiffering) of \(checked) pairs differ (independent-draw expectation \(expectedDisagreement))")
        #expect(sureMisses == 0)
        #expect(Double(inGroupDiffering) <= expectedDisagreement + 4 * expectedDisagreement.squareRoot() + 2)
        // Pairs outside planted groups: the two agree on nearly all of them.
        #expect(Double(differing.count - inGroupDiffering) <= 0.02 * Double(max(pa.count, pb.count)) + 2)
    }

    /// Writes one JSON line per document: its shingle hashes and Jupiter's signature.
    static func export(_ corpus: NearDuplicateCorpus, hasher: MinHasher, to path: String) throws {
        var out: [UInt8] = []
        for d in corpus.documents {
            let sh = hasher.shingles(d.text)
            let sig = hasher.signature(shingles: sh) ?? []
            let line: JSONValue = .object([
                "id": .string(d.id),
                "shingles": .array(Array(Set(sh)).sorted().map { .number(String($0)) }),
                "signature": .array(sig.map { .number(String($0)) })
            ])
            out += JSONWriter.bytes(line)
            out.append(0x0A)
        }
        try AtomicFile.write(out, to: path)
    }

    @Test("bad input: empty, punctuation only, 10 MB document")
    func badInput() async throws {
        let seg = try NearDuplicateCorpus.segments(translationFile: DedupTestData.legislationPath)
        var parts: [String] = []
        var size = 0
        while size < 10_000_000 { let t = seg.english[parts.count % seg.english.count]; parts.append(t); size += t.utf8.count + 1 }
        let big = parts.joined(separator: "\n")
        let records: [Record] = [
            .document(Document(id: "empty", text: "")),
            .document(Document(id: "punct", text: "!!! ... ??? --- *** ;;;")),
            .document(Document(id: "empty-2", text: "   \n\t ")),
            .document(Document(id: "big", text: big)),
            .document(Document(id: "big-copy", text: "Header line. " + big)),
            .document(Document(id: "short", text: "Only four words here"))
        ]
        let kept = try await DedupTestData.run(MinHashDedupStage(), records)
        #expect(kept.map(\.outputRecord.id) == records.map(\.id))
        #expect(kept.map(\.wasDropped) == [false, false, false, false, true, false])
        let strict = try await DedupTestData.run(MinHashDedupStage(dropTooShort: true), records)
        let reasons = strict.map(\.droppedBecause?.rule)
        #expect(
            reasons == [
                "minhash.too_short", "minhash.too_short", "minhash.too_short", nil, "minhash.duplicate",
                "minhash.too_short"
            ])
    }

    @Test("factory reads typed options with defaults and reports problems")
    func factory() throws {
        var o = StageOptions(stage: "minhash-dedup", [:])
        let stage = try #require(try MinHashDedupStage.factory.make(&o, StageBuildContext(baseDirectory: ".")) as? MinHashDedupStage)
        #expect(o.finish().isEmpty)
        #expect(stage.parameters == MinHashParameters(ngramSize: 5, bands: 14, rows: 8, seed: 1))
        var bad = StageOptions(stage: "minhash-dedup", ["bands": "zero", "empty": "maybe", "colour": "red"])
        _ = try MinHashDedupStage.factory.make(&bad, StageBuildContext(baseDirectory: "."))
        let problems = bad.finish().map(\.message)
        #expect(problems.count == 3)
        #expect(problems.contains { $0.contains("'bands' must be an integer") })
        #expect(problems.contains { $0.contains("unknown option 'colour'") })
    }
}

extension StageOutput {
    var outputRecord: Record {
        switch self {
        case .kept(let r): r
        case .dropped(let r, _): r
        case .quarantined(let r, _): r
        }
    }

    var wasDropped: Bool { if case .dropped = self { true } else { false } }

    var droppedBecause: DropReason? { if case .dropped(_, let reason) = self { reason } else { nil } }
}
