import JupiterCore
import Testing

/// Format detection, gzip transparency and the shared Welsh eval files.
@Suite struct SourceFormatsTests {
    @Test(arguments: [
        ("openai-messages/input.jsonl", Format.openaiMessages), ("sharegpt/input.jsonl", .sharegpt),
        ("alpaca/input.jsonl", .alpaca), ("parallel-tsv/input.tsv", .parallelTSV),
        ("parallel-jsonl/input.jsonl", .parallelJSONL), ("documents/input.jsonl", .documents),
        ("text/input.txt", .text), ("culturebank/input.csv", .culturebank), ("culturebank/input.jsonl", .culturebank),
        ("openai-evals/input.jsonl", .openaiEvals)
    ])
    func detectsEachFixture(_ name: String, _ format: Format) throws {
        #expect(try SourceFormats.detect(path: TestSupport.fixture(name)) == format)
    }

    @Test func detectionLooksInsideGzipAndSkipsBlankAndBadLines() throws {
        let dir = try TempDir()
        let gz = dir.file("data.jsonl.gz")
        try TestSupport.write(try GzipDeflater.compress(Array("\n\n{\"conversations\":[]}\n".utf8)), to: gz)
        #expect(try SourceFormats.detect(path: gz) == .sharegpt)
        let tsvGz = dir.file("pairs.tsv.gz")
        try TestSupport.write(try GzipDeflater.compress(Array("a\tb\n".utf8)), to: tsvGz)
        #expect(try SourceFormats.detect(path: tsvGz) == .parallelTSV)
        let noExt = dir.file("pairs")
        try TestSupport.write("Water\tDŵr\n", to: noExt)
        #expect(try SourceFormats.detect(path: noExt) == .parallelTSV)
        let unknown = dir.file("x.jsonl")
        try TestSupport.write("{\"foo\":1}\n", to: unknown)
        #expect(try SourceFormats.detect(path: unknown) == nil)
        let bad = dir.file("y.jsonl")
        try TestSupport.write("not json\n{\"input\":\"q\",\"ideal\":\"a\"}\n", to: bad)
        #expect(try SourceFormats.detect(path: bad) == .openaiEvals)
        #expect(throws: IOError.self) { try SourceFormats.detect(path: dir.file("missing.jsonl")) }
    }

    @Test func explicitFormatWinsOverContent() throws {
        // A documents-looking line read as openai-evals is quarantined, not re-detected.
        let r = try TestSupport.read(.openaiEvals, [TestSupport.fixture("documents/input.jsonl")])
        #expect(r.records.isEmpty)
        #expect(r.quarantined.map(\.reason) == [#"missing field "input""#, #"missing field "input""#])
    }

    @Test func gzipAndPlainGiveTheSameRecords() throws {
        let plainPath = TestSupport.fixture("openai-messages/input.jsonl")
        let plain = try FileSystem.read(plainPath)
        let dir = try TempDir()
        let single = dir.file("one.jsonl.gz")
        try TestSupport.write(try GzipDeflater.compress(plain), to: single)
        // Multi-member: the file split in two at a line boundary, each half its own gzip member.
        let cut = (plain.firstIndex(of: 0x0A) ?? 0) + 1
        let multi = dir.file("multi.jsonl.gz")
        try TestSupport.write(
            try GzipDeflater.compress(Array(plain[..<cut])) + GzipDeflater.compress(Array(plain[cut...])),
            to: multi)
        func messages(_ records: [Record]) -> [[Message]] {
            records.compactMap { if case .conversation(let c) = $0 { c.messages } else { nil } }
        }
        let want = messages(try TestSupport.read(.openaiMessages, [plainPath], label: FileSystem.baseName(plainPath)).records)
        #expect(want.count == 4)
        for path in [single, multi] {
            let got = try TestSupport.read(.openaiMessages, [path], label: FileSystem.baseName(path))
            #expect(got.quarantined.isEmpty)
            #expect(messages(got.records) == want)
            #expect(got.records.first?.id == FileSystem.baseName(path) + ":1")
        }
    }

    @Test func truncatedGzipIsAnIOError() throws {
        let dir = try TempDir()
        let path = dir.file("cut.jsonl.gz")
        let gz = try GzipDeflater.compress(Array(String(repeating: "{\"text\":\"Helo\"}\n", count: 1000).utf8))
        try TestSupport.write(Array(gz.dropLast(12)), to: path)
        #expect(throws: IOError.self) { try TestSupport.read(.documents, [path]) }
    }

    @Test(
        .enabled(if: FileSystem.isDirectory(TestSupport.sharedData("llm-evals-cy")), "needs ../shared/data/llm-evals-cy"),
        arguments: [
            ("welsh-mmlu-lite.jsonl", 400), ("welsh-arc-easy-mini-cy.jsonl", 50),
            ("welsh-legislation-translation.jsonl", 3003), ("welsh-yes-no.jsonl", 268),
            ("welsh-grammar.jsonl", 991)
        ])
    func sharedWelshEvalsParse(_ name: String, _ count: Int) throws {
        let path = TestSupport.sharedData("llm-evals-cy/" + name)
        #expect(try SourceFormats.detect(path: path) == .openaiEvals)
        let r = try TestSupport.read(.openaiEvals, [path])
        #expect(r.quarantined.isEmpty)
        #expect(r.records.count == count)
        for record in r.records {
            guard case .eval(let e) = record else { Issue.record("not an eval item"); return }
            #expect(e.input.last?.role == .user)
            #expect(!e.ideal.isEmpty && !e.ideal[0].isEmpty)
        }
    }

    @Test func parallelScanMatchesSequentialScan() async throws {
        let path = TestSupport.repoRoot + "/Tests/Fixtures/Legislation/legislation-en-cy.tsv"
        let options = FormatOptions(languages: ["en", "cy"])
        let sequential = try TestSupport.read(.parallelTSV, [path], options: options).records
        #expect(sequential.count == 3003)
        var parallel: [Record] = []
        try await SourceScanner.scanParallel(.parallelTSV, paths: [path], options: options, batchSize: 100, parallelism: 3) { items in
            for case .record(let r) in items { parallel.append(r) }
        }
        #expect(parallel == sequential)
    }
}
