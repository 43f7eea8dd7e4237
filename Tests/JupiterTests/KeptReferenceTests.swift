import Foundation
import JupiterCore
import JupiterCurate
import Testing

@testable import Jupiter

/// Kept records stored by reference (``KeptReference``): what a later step reads is byte for byte
/// what the kept file would have held, through chains of references, the way back to writing the
/// file, and a referenced file that is gone or changed.
@Suite struct KeptReferenceTests {
    /// Legislation pairs as the run stores them between steps: every fifth repeats an earlier
    /// source and every seventh an earlier target (exact-dedup on that side drops it), every
    /// third has passed a stage already (its lineage's stages are not empty), and with `oddID`
    /// the 41st has a quote in its id (its line is not in the run's own form: it is decoded).
    static func records(_ n: Int = 300, oddID: Bool = false) throws -> [Record] {
        let pairs = try TestSupport.legislationPairs(limit: n)
        return pairs.enumerated().map { i, p in
            let source = i % 5 == 4 ? pairs[i / 2].0 : p.0
            let target = i % 7 == 6 ? pairs[i / 3].1 : p.1
            let id = oddID && i == 40 ? "pairs.tsv:\"\(i + 1)\"" : "pairs.tsv:\(i + 1)"
            let pair = Record.pair(
                ParallelPair(
                    id: id, sourceLanguage: "en", targetLanguage: "cy", source: source, target: target,
                    lineage: Lineage(file: "pairs.tsv", line: i + 1)))
            return i % 3 == 0 ? pair.passing("pair-filter") : pair
        }
    }

    static func lines(_ records: [Record]) -> [UInt8] {
        var out: [UInt8] = []
        for r in records { RecordLines.append(r, to: &out) }
        return out
    }

    /// A step folder `<dir>/<name>` whose batch 0 is done, holding `bytes` as its kept file.
    static func doneStep(_ dir: String, _ name: String, kept bytes: [UInt8], records: Int) throws -> BatchFiles {
        let files = BatchFiles(directory: dir + "/" + name, compressKept: false)
        try FileSystem.createDirectory(files.directory)
        try TestSupport.write(bytes, to: files.keptPath(0))
        var counts = StepCounts()
        counts.records = records
        try files.markDone(0, counts)
        return files
    }

    /// `stage` (exact-dedup on `field`) over `bytes`, kept lines written.
    static func written(_ bytes: [UInt8], stage: String, field: String) throws -> LineBatch {
        var out = LineBatch(stage: stage)
        var decider = ExactDedupStage(field: field).lineDecider()
        try out.decide(bytes, path: "in", with: &decider)
        return out
    }

    /// `stage` over the kept lines of `input`'s batch 0, committed into `output` by reference where it can.
    static func byReference(_ input: BatchFiles, into output: BatchFiles, stage: String, field: String) throws -> LineBatch {
        let lines = try input.readKeptLines(0, reference: true)
        var out = LineBatch(stage: stage, reference: lines.reference)
        var decider = ExactDedupStage(field: field).lineDecider()
        try out.decide(lines.bytes, path: lines.label, with: &decider)
        try FileSystem.createDirectory(output.directory)
        try out.prepare(output, index: 0).commit()
        return out
    }

    @Test("a step kept by reference reads back as the kept file it did not write, through a chain of two")
    func chainReadsAsWritten() throws {
        let dir = try TestSupport.temporaryDirectory("kept-ref")
        let records = try Self.records()
        let bytes = Self.lines(records)
        let input = try Self.doneStep(dir, "0-in", kept: bytes, records: records.count)

        // The plain reading hands the file over, with a reference to all of its lines.
        let read = try input.readKeptLines(0, reference: true)
        #expect(read.bytes == bytes)
        let all = try #require(read.reference)
        #expect(all.file == "0-in/000000.kept.jsonl" && all.lines == 300 && all.keep == nil && all.stages.isEmpty)
        #expect(all.bytes == bytes.count && all.hash == XXH3.hash64(bytes))

        // Step 1: exact-dedup on the source, by reference: no kept file, the same lines read back.
        let first = BatchFiles(directory: dir + "/1-first", compressKept: false)
        let expected1 = try Self.written(bytes, stage: "exact-dedup", field: "source")
        let got1 = try Self.byReference(input, into: first, stage: "exact-dedup", field: "source")
        #expect(!FileSystem.exists(first.keptPath(0)))
        let kept1 = expected1.counts.records
        // Half of the repeated sources repeat one that was itself replaced: at least 30 drops.
        #expect(kept1 > 0 && kept1 <= 270, "kept \(kept1) of 300")
        #expect(got1.dropped == expected1.dropped)
        #expect(got1.counts.json == expected1.counts.json)
        #expect(first.done(0)?.records == kept1)
        let read1 = try first.readKeptLines(0, reference: true)
        #expect(read1.bytes == expected1.kept)
        #expect(read1.reference?.keptLines == kept1 && read1.reference?.stages == ["exact-dedup"])
        #expect(try first.readKept(0).map(\.id) == NativeLinesIDs.ids(expected1.kept))

        // Step 2: exact-dedup on the target over step 1's reference: composed onto the first file.
        let second = BatchFiles(directory: dir + "/2-second", compressKept: false)
        let expected2 = try Self.written(expected1.kept, stage: "exact-dedup#2", field: "target")
        let got2 = try Self.byReference(first, into: second, stage: "exact-dedup#2", field: "target")
        #expect(!FileSystem.exists(second.keptPath(0)))
        #expect(expected2.counts.records > 0 && expected2.counts.records < kept1)
        #expect(got2.dropped == expected2.dropped)
        let read2 = try second.readKeptLines(0)
        #expect(read2.bytes == expected2.kept)
        let chained = try #require(second.readKeptLines(0, reference: true).reference)
        #expect(chained.file == "0-in/000000.kept.jsonl" && chained.stages == ["exact-dedup", "exact-dedup#2"])
        #expect(chained.keptLines == expected2.counts.records)

        // A dataset's last step writes its kept records (gzip members) whatever its input.
        let last = BatchFiles(directory: dir + "/3-last", compressKept: true)
        let lines = try second.readKeptLines(0, reference: !last.compressKept)
        #expect(lines.reference == nil)
    }

    @Test("a kept line not in the run's own form makes the batch write its kept lines, the same bytes")
    func decodedLineWritesTheFile() throws {
        let dir = try TestSupport.temporaryDirectory("kept-ref-odd")
        let records = try Self.records(oddID: true)
        let bytes = Self.lines(records)
        let input = try Self.doneStep(dir, "0-in", kept: bytes, records: records.count)
        let output = BatchFiles(directory: dir + "/1-out", compressKept: false)
        let expected = try Self.written(bytes, stage: "exact-dedup", field: "source")
        _ = try Self.byReference(input, into: output, stage: "exact-dedup", field: "source")
        #expect(FileSystem.exists(output.keptPath(0)))
        #expect(try FileSystem.read(output.keptPath(0)) == expected.kept)
        #expect(try output.readKeptLines(0).bytes == expected.kept)
        // The decoded record is among the kept ones, written as decoded.
        #expect(try output.readKept(0).contains { $0.id == "pairs.tsv:\"41\"" })
    }

    @Test("a referenced file that is gone leaves the batch not done; one changed stops the reading, naming it")
    func goneOrChangedFile() throws {
        let dir = try TestSupport.temporaryDirectory("kept-ref-gone")
        let records = try Self.records(60)
        let bytes = Self.lines(records)
        let input = try Self.doneStep(dir, "0-in", kept: bytes, records: records.count)
        let output = BatchFiles(directory: dir + "/1-out", compressKept: false)
        _ = try Self.byReference(input, into: output, stage: "exact-dedup", field: "source")
        #expect(output.done(0) != nil)

        // A reference that counts fewer lines than its file holds stops the reading.
        let short = KeptReference(
            file: "0-in/000000.kept.jsonl", bytes: bytes.count, hash: XXH3.hash64(bytes), lines: 10, keep: [0xFF, 0x03])
        #expect(throws: RunError.self) { try short.lines(in: dir) }
        #expect(try KeptReference(file: short.file, bytes: short.bytes, hash: short.hash, lines: 60).lines(in: dir) == bytes)

        // The same size, one letter changed.
        var changed = bytes
        let at = try #require(changed.firstIndex(of: UInt8(ascii: "e")))
        changed[at] = UInt8(ascii: "E")
        try TestSupport.write(changed, to: input.keptPath(0))
        #expect(output.done(0) != nil)
        do {
            _ = try output.readKeptLines(0)
            Issue.record("a changed referenced file was read")
        } catch let error as RunError {
            #expect(error.kind == .stage)
            #expect(error.message.contains(dir + "/0-in/000000.kept.jsonl"), "\(error.message)")
        }

        try FileSystem.removeIfPresent(input.keptPath(0))
        #expect(output.done(0) == nil)
    }

    @Test("choices compose: a line is kept when both references keep it")
    func narrowingComposes() {
        let all = KeptReference(file: "0-a/000000.kept.jsonl", bytes: 10, hash: 1, lines: 12)
        // Keep lines 0, 2, 3, 9, 11 of 12.
        let first = all.narrowed(to: [0b0000_1101, 0b0000_1010], stage: "a")
        #expect(first.keep == [0b0000_1101, 0b0000_1010])
        #expect((0..<12).filter(first.keeps) == [0, 2, 3, 9, 11])
        // Of those five, keep the second and the fifth: lines 2 and 11.
        let second = first.narrowed(to: [0b0001_0010], stage: "b")
        #expect((0..<12).filter(second.keeps) == [2, 11])
        #expect(second.stages == ["a", "b"] && second.keptLines == 2)
        // Through JSON and back.
        #expect(KeptReference(json: second.json) == second)
        #expect(KeptReference(json: all.json) == all)
        // A path that leaves the dataset's work folder is not a reference.
        var escaping = second
        escaping.file = "../other/000000.kept.jsonl"
        #expect(KeptReference(json: escaping.json) == nil)
    }

    @Test("a run stores exact-dedup's kept records by reference between steps, and resumes from a lost input file")
    func runResumesThroughAReference() async throws {
        let dir = try TestSupport.temporaryDirectory("kept-ref-run")
        var pairs = try TestSupport.legislationPairs(limit: 500)
        pairs += pairs[20..<80]
        let engine = RunEngineTests()
        let recipe = try engine.makeRecipe(dir, pairs: pairs, batchSize: 64, seed: 3)
        func run() async throws { _ = try await engine.run(recipe, runDirectory: dir + "/run", workers: 2) }
        try await run()
        let expected = try RunEngineTests.outputs(dir + "/run")
        let work = dir + "/run/work/chat"
        let steps = (FileSystem.list(work) ?? []).sorted()
        let dedup = try #require(steps.first { $0.hasPrefix("1-") })
        let dedupFiles = FileSystem.list(work + "/" + dedup) ?? []
        #expect(!dedupFiles.contains { $0.contains(".kept.") }, "\(dedupFiles.sorted())")
        let done = try JSONParser.parse(try FileSystem.read(work + "/" + dedup + "/000000.done.json"))
        #expect(done["kept_by_reference"]?["file"]?.stringValue?.hasPrefix("0-") == true)
        #expect(done["kept_by_reference"]?["stages"] == .array([.string("exact-dedup")]))

        // Lose one of pair-filter's kept files and parallel-to-chat's step: the rerun makes the
        // file again (the same bytes, so exact-dedup's reference holds) and the same outputs.
        let filter = try #require(steps.first { $0.hasPrefix("0-") })
        try FileSystem.removeIfPresent(work + "/" + filter + "/000003.kept.jsonl")
        FileSystem.removeTree(work + "/" + (try #require(steps.first { $0.hasPrefix("2-") })))
        FileSystem.removeTree(dir + "/run/datasets")
        try await run()
        #expect(try RunEngineTests.outputs(dir + "/run") == expected)
    }
}

/// The ids of native lines, in order.
enum NativeLinesIDs {
    static func ids(_ bytes: [UInt8]) -> [String] {
        var out: [String] = []
        bytes.withUnsafeBufferPointer { u in
            NativeLines.forEach(u) { _, line in out.append(RawRecordLine.leadingID(Array(line)) ?? "") }
        }
        return out
    }
}
