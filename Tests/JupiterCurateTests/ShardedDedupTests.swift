import Foundation
import JupiterCore
import JupiterTesting
import Testing

@testable import JupiterCurate

/// The sharded passes of `exact-dedup` and `minhash-dedup` (scan per task → reduce per part →
/// combine → filter per task, as on a cluster) decide every record exactly as the one-pass
/// stage does, whatever the number of tasks: same kept records, same drops, same messages and
/// values (kept ids, estimated Jaccard).
@Suite struct ShardedDedupTests {
    /// Legislation documents (committed fixture) with planted near-duplicates and exact copies,
    /// plus records too short to have shingles.
    static let records: [Record] = {
        let path = DedupTestData.repoRoot + "/Tests/Fixtures/Legislation/legislation-en-cy.tsv"
        let lines = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n")
        let english = lines.compactMap { $0.split(separator: "\t").first.map(String.init) }
        let welsh = lines.compactMap { l in l.split(separator: "\t").dropFirst().first.map(String.init) }
        let base =
            NearDuplicateCorpus.baseDocuments(segments: english, seed: 21)
            + NearDuplicateCorpus.baseDocuments(segments: welsh, seed: 22)
        let corpus = NearDuplicateCorpus.build(base: base, plantedFraction: 0.4, editRate: 0.02, seed: 23)
        var out = corpus.documents.map { Record.document(Document(id: $0.id, text: $0.text)) }
        // Exact copies (some differing in case and spacing only) and records without shingles.
        for k in stride(from: 5, to: out.count, by: 37) {
            let text = out[k].text
            out.append(.document(Document(id: "copy-\(k)", text: k % 2 == 0 ? text.uppercased() : "  " + text + "\n")))
        }
        for k in 0..<9 { out.insert(.document(Document(id: "short-\(k)", text: k % 3 == 0 ? "" : "Part \(k)")), at: k * 50) }
        return out
    }()

    /// Runs the four passes with `tasks` tasks over batches of `batchSize` records (batch `b`
    /// scanned and filtered by task `b % tasks`); the outputs in input order.
    static func sharded(
        _ stage: any ShardedStage, _ records: [Record], tasks: Int, batchSize: Int, lines: Bool = false
    ) async throws -> [StageOutput] {
        let dir = try ScratchDirectory.make("shards")
        let batches = stride(from: 0, to: records.count, by: batchSize).map { Array(records[$0..<min(records.count, $0 + batchSize)]) }
        let first = batches.indices.map { $0 * batchSize }
        for task in 0..<tasks {
            let mine = batches.indices.filter { $0 % tasks == task }
            let input = Input(batches: mine.map { (first[$0], batches[$0]) })
            try await stage.scan(lines ? LineInput(input: input) : input, task: task, of: tasks, directory: dir, workers: 2)
        }
        for part in 0..<tasks { try await stage.reduce(part: part, of: tasks, directory: dir) }
        try await stage.combine(parts: tasks, records: records.count, directory: dir)
        // Each filter task decides its own batches with its own decider; outputs back in order.
        var byBatch = [[StageOutput]](repeating: [], count: batches.count)
        for task in 0..<tasks {
            var decider = try stage.decider(directory: dir)
            for b in batches.indices where b % tasks == task { byBatch[b] = try decider.outputs(batches[b], first: first[b]) }
        }
        return byBatch.flatMap { $0 }
    }

    struct Input: ShardInput {
        let batches: [(Int, [Record])]
        func forEachBatch(_ body: (Int, [Record]) async throws -> Void) async throws {
            for (f, r) in batches { try await body(f, r) }
        }
    }

    /// The same batches as the run stores them: native JSON lines.
    struct LineInput: LineShardInput {
        let input: Input
        func forEachBatch(_ body: (Int, [Record]) async throws -> Void) async throws { try await input.forEachBatch(body) }
        func forEachLineBatch(_ body: (Int, [UInt8], String) async throws -> Void) async throws {
            for (f, records) in input.batches {
                var bytes: [UInt8] = []
                for r in records {
                    DirectEncoding.write(r, into: &bytes)
                    bytes.append(0x0A)
                }
                try await body(f, bytes, "batch-\(f).jsonl")
            }
        }
    }

    /// ``records`` with a lineage each, as records read by a run have (lines written without one do not decode).
    static let readRecords: [Record] = records.enumerated().map { i, r in
        guard case .document(var d) = r else { return r }
        d.lineage = Lineage(file: "corpus.jsonl", line: i + 1)
        // Some ids need escapes: those lines are decoded, not read in place.
        if i % 40 == 3 { d.id = "id \"\(i)\"" }
        return .document(d)
    }

    static func drops(_ outputs: [StageOutput]) -> Int {
        outputs.filter { if case .dropped = $0 { true } else { false } }.count
    }

    @Test(arguments: [1, 2, 3, 5])
    func exactDedupShardedEqualsOnePass(tasks: Int) async throws {
        let stage = ExactDedupStage()
        let expected = try await DedupTestData.run(stage, Self.records)
        #expect(Self.drops(expected) >= 20, "the corpus has exact copies")
        let got = try await Self.sharded(stage, Self.records, tasks: tasks, batchSize: 97)
        #expect(got.count == expected.count)
        #expect(got == expected)
    }

    @Test("exact-dedup scanning stored lines decides as one pass", arguments: [1, 3])
    func exactDedupLineScanEqualsOnePass(tasks: Int) async throws {
        for field in ["text", "source"] {
            let stage = ExactDedupStage(field: field)
            let expected = try await DedupTestData.run(stage, Self.readRecords)
            #expect(Self.drops(expected) >= 20)
            let got = try await Self.sharded(stage, Self.readRecords, tasks: tasks, batchSize: 97, lines: true)
            #expect(got == expected, "field \(field)")
        }
    }

    @Test(arguments: [1, 2, 4, 16, 31])
    func minhashShardedEqualsOnePass(tasks: Int) async throws {
        let stage = MinHashDedupStage()
        let expected = try await DedupTestData.run(stage, Self.records)
        #expect(Self.drops(expected) >= 100, "the corpus has planted near-duplicates")
        let got = try await Self.sharded(stage, Self.records, tasks: tasks, batchSize: 61)
        #expect(got.count == expected.count)
        #expect(got == expected)
    }

    @Test func minhashWithJaccardCheckAndShortDropsShardedEqualsOnePass() async throws {
        let stage = MinHashDedupStage(minJaccard: 0.8, dropTooShort: true)
        let expected = try await DedupTestData.run(stage, Self.records)
        let short = expected.filter { if case .dropped(_, let r) = $0 { r.rule == "minhash.too_short" } else { false } }
        #expect(short.count == 9)
        for tasks in [3, 7] {
            let got = try await Self.sharded(stage, Self.records, tasks: tasks, batchSize: 128)
            #expect(got == expected, "tasks \(tasks)")
        }
    }

    @Test func aTruncatedShardFileIsAnErrorNamingIt() async throws {
        let stage = ExactDedupStage()
        let dir = try ScratchDirectory.make("shards-bad")
        try await stage.scan(Input(batches: [(0, Array(Self.records.prefix(50)))]), task: 0, of: 1, directory: dir, workers: 1)
        let file = ExactDedupStage.keysFile(dir, task: 0, part: 0)
        let bytes = try FileSystem.read(file)
        try AtomicFile.write(Array(bytes.dropLast(3)), to: file)
        await #expect { try await stage.reduce(part: 0, of: 1, directory: dir) } throws: { error in
            "\(error)".contains(file) && "\(error)".contains("truncated")
        }
    }
}
