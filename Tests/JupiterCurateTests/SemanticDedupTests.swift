import JupiterCore
import JupiterTesting
import Testing

@testable import JupiterCurate

/// Records every batch it is asked to embed; can fail batches containing a marker.
final class RecordingEmbedding: EmbeddingProvider, @unchecked Sendable {
    let inner = HashedBagOfWordsEmbedding(dimensions: 128)
    let failMarker: String?
    let wrongDimensionMarker: String?
    private let lock = TestLock()
    private var seen: [String] = []

    init(failMarker: String? = nil, wrongDimensionMarker: String? = nil) {
        self.failMarker = failMarker
        self.wrongDimensionMarker = wrongDimensionMarker
    }

    var modelName: String { "recording" }

    var texts: [String] { lock.with { seen } }

    func embed(_ texts: [String]) async throws -> [[Float]] {
        lock.with { seen += texts }
        if let failMarker, texts.contains(where: { $0.contains(failMarker) }) {
            throw Diagnostic(.error, "HTTP 503 from embeddings endpoint")
        }
        return texts.map { t in
            if let m = wrongDimensionMarker, t.contains(m) { return [1, 2, 3] }
            return inner.vector(t)
        }
    }
}

/// A tiny mutex for test doubles.
final class TestLock: @unchecked Sendable {
    private var m = pthread_mutex_t()
    init() { pthread_mutex_init(&m, nil) }
    deinit { pthread_mutex_destroy(&m) }
    func with<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&m)
        defer { pthread_mutex_unlock(&m) }
        return try body()
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("semantic-dedup")
struct SemanticDedupTests {
    /// Precision and recall against the planted truth (pairs named by dropped records).
    static func score(_ corpus: NearDuplicateCorpus, _ outputs: [StageOutput]) -> (precision: Double, recall: Double, dropped: Set<Int>) {
        var firstOfGroup: [Int: Int] = [:]
        var positives = 0
        for (i, d) in corpus.documents.enumerated() {
            if firstOfGroup[d.group] == nil { firstOfGroup[d.group] = i } else { positives += 1 }
        }
        let indexOfID = Dictionary(uniqueKeysWithValues: corpus.documents.enumerated().map { ($1.id, $0) })
        var tp = 0
        var dropped = Set<Int>()
        for (i, out) in outputs.enumerated() {
            guard let reason = out.droppedBecause, let twin = reason.value?["near_twin"]?.stringValue,
                let k = indexOfID[twin]
            else { continue }
            dropped.insert(i)
            if corpus.documents[k].group == corpus.documents[i].group { tp += 1 }
        }
        return (Double(tp) / Double(max(1, dropped.count)), Double(tp) / Double(max(1, positives)), dropped)
    }

    @Test("exact search on planted near-duplicates of real text; LSH search finds the same twins")
    func accuracyExactAndLSH() async throws {
        let corpus = try DedupTestData.corpus()
        let records = DedupTestData.records(corpus)
        let provider = HashedBagOfWordsEmbedding(dimensions: 256)
        let exact = try await DedupTestData.run(SemanticDedupStage(provider: provider, eps: 0.10), records)
        let lsh = try await DedupTestData.run(SemanticDedupStage(provider: provider, eps: 0.10, exactLimit: 0), records)
        let e = Self.score(corpus, exact), l = Self.score(corpus, lsh)
        print(
            "semantic-dedup (hashed bag of words, cosine ≥ 0.90): exact precision \(e.precision) recall \(e.recall); "
                + "LSH precision \(l.precision) recall \(l.recall), \(l.dropped.count)/\(e.dropped.count) of exact's drops")
        #expect(exact.map(\.outputRecord.id) == records.map(\.id))
        #expect(e.precision >= 0.98)
        #expect(e.recall >= 0.9)
        // LSH only ever verifies candidates exactly: it can miss twins, never invent them.
        #expect(l.dropped.isSubset(of: e.dropped))
        #expect(Double(l.dropped.count) >= 0.97 * Double(e.dropped.count))
        // Every drop names an earlier twin and a cosine at or above the threshold.
        for (i, out) in exact.enumerated() {
            guard let r = out.droppedBecause else { continue }
            #expect(r.rule == "semantic.duplicate")
            let cos = try #require(r.value?["cosine"]?.doubleValue)
            #expect(cos >= 0.90 - 1e-6)
            let twin = try #require(r.value?["near_twin"]?.stringValue)
            #expect(records.firstIndex { $0.id == twin }.map { $0 < i } == true)
            #expect(r.message.contains("semantic near-duplicate of \(twin) (cosine "))
        }
    }

    @Test("empty and punctuation-only texts are never sent to the endpoint and are kept")
    func emptyTexts() async throws {
        let provider = RecordingEmbedding()
        let text = "The Welsh Ministers may by regulations make provision about grants to local authorities."
        let records: [Record] = [
            .document(Document(id: "a", text: text)),
            .document(Document(id: "empty", text: "")),
            .document(Document(id: "punct", text: "?!... ---")),
            .document(Document(id: "b", text: text + " "))
        ]
        let out = try await DedupTestData.run(SemanticDedupStage(provider: provider), records)
        #expect(provider.texts.count == 2)
        #expect(out.map(\.wasDropped) == [false, false, false, true])
        #expect(out[3].droppedBecause?.value?["near_twin"]?.stringValue == "a")
    }

    @Test("a failed embedding batch quarantines its records; a wrong dimension stops the stage")
    func failures() async throws {
        let seg = try NearDuplicateCorpus.segments(translationFile: DedupTestData.legislationPath)
        var records: [Record] = seg.english.prefix(10).enumerated().map { .document(Document(id: "e\($0)", text: $1)) }
        records.append(.document(Document(id: "bad", text: "FAIL " + seg.english[20])))
        let stage = SemanticDedupStage(provider: RecordingEmbedding(failMarker: "FAIL"), batchSize: 4)
        let out = try await DedupTestData.run(stage, records)
        // Batches of 4: records 8, 9 and "bad" share the failing request.
        let quarantined = out.compactMap { o -> String? in
            if case .quarantined(let r, let error) = o, error.contains("503") { return r.id }
            return nil
        }
        #expect(quarantined == ["e8", "e9", "bad"])
        #expect(out.count == records.count)
        let wrong = SemanticDedupStage(provider: RecordingEmbedding(wrongDimensionMarker: "Ministers"))
        await #expect(throws: Diagnostic.self) {
            _ = try await DedupTestData.run(
                wrong,
                records.filter { !$0.text.contains("FAIL") } + [
                    .document(Document(id: "w", text: "The Welsh Ministers must publish the report."))
                ])
        }
    }

    @Test("factory: model required, hashed-bow built in, other models from the application's resolver")
    func factory() throws {
        var none = StageOptions(stage: "semantic-dedup", [:])
        _ = try SemanticDedupStage.factory.make(&none, StageBuildContext(baseDirectory: "."))
        #expect(none.finish().contains { $0.message.contains("'model' is required") })

        var bow = StageOptions(stage: "semantic-dedup", ["model": "hashed-bow-64", "eps": "0.05"])
        let s = try #require(try SemanticDedupStage.factory.make(&bow, StageBuildContext(baseDirectory: ".")) as? SemanticDedupStage)
        #expect(bow.finish().isEmpty)
        #expect(s.provider.modelName == "hashed-bow-64")
        #expect(abs(Double(s.threshold) - 0.95) < 1e-6)

        let models = StageBuildContext(baseDirectory: ".", models: DeclaredModels(names: ["bge-m3"]))
        var ok = StageOptions(stage: "semantic-dedup", ["model": "bge-m3"])
        let wired = try #require(try SemanticDedupStage.factory.make(&ok, models) as? SemanticDedupStage)
        #expect(ok.finish().isEmpty)
        #expect(wired.provider.modelName == "bge-m3:bge-m3")
        var missing = StageOptions(stage: "semantic-dedup", ["model": "nomic"])
        _ = try SemanticDedupStage.factory.make(&missing, models)
        #expect(missing.finish().contains { $0.message.contains("no embedding endpoint for model 'nomic'") })
    }

    @Test("cosine search: exact blocked search matches a naive scan")
    func exactMatchesNaive() async throws {
        let seg = try NearDuplicateCorpus.segments(translationFile: DedupTestData.legislationPath)
        let provider = HashedBagOfWordsEmbedding(dimensions: 64)
        let texts = Array(seg.welsh.prefix(300))
        var vectors: [Float] = []
        for t in texts {
            let v = provider.vector(t)
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            vectors += v.map { norm > 0 ? $0 / norm : 0 }
        }
        let valid = texts.map { !WordHasher().hashWords($0).isEmpty }
        let got = try await CosineSearch.exact(vectors, dimension: 64, valid: valid, threshold: 0.6, workers: 3)
        for j in 0..<texts.count {
            var best = -1
            var bestCos: Float = -2
            for i in 0..<j where valid[i] && valid[j] {
                var c: Float = 0
                for k in 0..<64 { c += vectors[i * 64 + k] * vectors[j * 64 + k] }
                if c > bestCos { bestCos = c; best = i }
            }
            let expected = best >= 0 && bestCos >= 0.6 ? best : -1
            #expect(got[j].twin == expected || abs(got[j].cosine - bestCos) < 1e-5)
        }
        #expect(got.contains { $0.twin >= 0 })
    }
}

/// A model client that only declares models (never asked in these tests).
private struct DeclaredModels: ModelClient {
    let names: [String]
    var declaredModels: [ModelInfo] { names.map { ModelInfo(name: $0, servedModel: $0, identity: "test " + $0) } }
    func chat(_ model: String, _ request: ChatRequest) async throws(LLMError) -> ChatResponse {
        throw LLMError(.notRunning, "not used")
    }
    func complete(_ model: String, _ request: CompletionRequest) async throws(LLMError) -> CompletionResponse {
        throw LLMError(.notRunning, "not used")
    }
    func embed(_ model: String, _ request: EmbeddingRequest) async throws(LLMError) -> EmbeddingResponse {
        throw LLMError(.notRunning, "not used")
    }
}
