import JupiterCore
import Testing

/// Read → write → compare to committed expected files, byte for byte; then read(expected) must
/// equal read(input) (lineage aside) and writing it again must give the same bytes.
/// Rewrite the expected files with `JUPITER_UPDATE_GOLDEN=1 swift test` (then review the diff).
@Suite struct FormatGoldenTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var format: Format
        var inputs: [String]
        var outputFormat: Format
        var expected: [String]
        var options = FormatOptions()
        /// False where the output format cannot hold everything the input had (JSON values in CSV
        /// cells): then only byte stability of a second write is checked.
        var lossless = true
        var testDescription: String { "\(inputs[0]) → \(expected[0])" }
    }

    static let cases: [Case] = [
        Case(
            format: .openaiMessages, inputs: ["openai-messages/input.jsonl"], outputFormat: .openaiMessages,
            expected: ["openai-messages/expected.jsonl"]),
        Case(
            format: .sharegpt, inputs: ["sharegpt/input.jsonl"], outputFormat: .sharegpt,
            expected: ["sharegpt/expected.jsonl"]),
        Case(
            format: .sharegpt, inputs: ["sharegpt/input.jsonl"], outputFormat: .openaiMessages,
            expected: ["sharegpt/expected.messages.jsonl"]),
        Case(
            format: .alpaca, inputs: ["alpaca/input.jsonl"], outputFormat: .alpaca,
            expected: ["alpaca/expected.jsonl"]),
        Case(
            format: .alpaca, inputs: ["alpaca/input.jsonl"], outputFormat: .openaiMessages,
            expected: ["alpaca/expected.messages.jsonl"]),
        Case(
            format: .parallelTSV, inputs: ["parallel-tsv/input.tsv"], outputFormat: .parallelTSV,
            expected: ["parallel-tsv/expected.tsv"], options: FormatOptions(languages: ["en", "cy"])),
        Case(
            format: .parallelTSV, inputs: ["parallel-tsv/input.tsv"], outputFormat: .parallelJSONL,
            expected: ["parallel-tsv/expected.translation.jsonl"], options: FormatOptions(languages: ["en", "cy"])),
        Case(
            format: .parallelJSONL, inputs: ["parallel-jsonl/input.jsonl"], outputFormat: .parallelJSONL,
            expected: ["parallel-jsonl/expected.jsonl"]),
        Case(
            format: .moses, inputs: ["moses/input.en", "moses/input.cy"], outputFormat: .moses,
            expected: ["moses/expected.en", "moses/expected.cy"], options: FormatOptions(languages: ["en", "cy"])),
        Case(
            format: .documents, inputs: ["documents/input.jsonl"], outputFormat: .documents,
            expected: ["documents/expected.jsonl"]),
        Case(format: .text, inputs: ["text/input.txt"], outputFormat: .text, expected: ["text/expected.txt"]),
        Case(
            format: .culturebank, inputs: ["culturebank/input.csv"], outputFormat: .culturebank,
            expected: ["culturebank/expected.csv"]),
        Case(
            format: .culturebank, inputs: ["culturebank/input.csv"], outputFormat: .culturebank,
            expected: ["culturebank/expected.csv.jsonl"]),
        Case(
            format: .culturebank, inputs: ["culturebank/input.jsonl"], outputFormat: .culturebank,
            expected: ["culturebank/expected.jsonl"]),
        Case(
            format: .culturebank, inputs: ["culturebank/input.jsonl"], outputFormat: .culturebank,
            expected: ["culturebank/expected.jsonl.csv"], lossless: false),
        Case(
            format: .openaiEvals, inputs: ["openai-evals/input.jsonl"], outputFormat: .openaiEvals,
            expected: ["openai-evals/expected.jsonl"])
    ]

    @Test(arguments: cases)
    func roundTrip(_ c: Case) throws {
        let inputs = c.inputs.map(TestSupport.fixture)
        let first = try TestSupport.read(c.format, inputs, options: c.options, label: inputs.first.map(FileSystem.baseName))
        #expect(first.quarantined.isEmpty, "unexpected quarantine: \(first.quarantined)")
        #expect(!first.records.isEmpty)

        let tmp = try TempDir()
        let outputs = c.expected.map { tmp.file(FileSystem.baseName($0)) }
        try TestSupport.writeRecords(first.records, c.outputFormat, outputs, options: c.options)
        for (written, expected) in zip(outputs, c.expected.map(TestSupport.fixture)) {
            let got = try FileSystem.read(written)
            if TestSupport.updateGolden {
                try TestSupport.write(got, to: expected)
                continue
            }
            let want = try FileSystem.read(expected)
            #expect(got == want, "\(expected) differs:\n\(String(decoding: got, as: UTF8.self))")
        }

        // read(write(read(x))) == read(x), lineage aside.
        let again = try TestSupport.read(c.outputFormat, outputs, options: c.options)
        #expect(again.quarantined.isEmpty)
        if c.lossless {
            // Line-based formats carry no ids: records get `file:line` ids (`file` for text).
            let idless: Set<Format> = [.parallelTSV, .moses, .text]
            func comparable(_ r: Record) -> Record {
                var r = TestSupport.withoutLineage(r)
                if idless.contains(c.outputFormat) { r.id = "" }
                return r
            }
            #expect(first.records.map(comparable) == again.records.map(comparable))
        }

        // Writing what was read back gives the same bytes again.
        let tmp2 = try TempDir()
        let outputs2 = c.expected.map { tmp2.file(FileSystem.baseName($0)) }
        try TestSupport.writeRecords(again.records, c.outputFormat, outputs2, options: c.options)
        for (a, b) in zip(outputs, outputs2) { #expect(try FileSystem.read(a) == FileSystem.read(b)) }
    }

    @Test func gzipOutputReadsBackTheSame() throws {
        let input = TestSupport.fixture("openai-messages/input.jsonl")
        let first = try TestSupport.read(.openaiMessages, [input], label: FileSystem.baseName(input))
        let tmp = try TempDir()
        try TestSupport.writeRecords(first.records, .openaiMessages, [tmp.file("out.jsonl.gz")])
        let raw = try FileSystem.read(tmp.file("out.jsonl.gz"))
        #expect(raw.starts(with: [0x1F, 0x8B]))
        let plain = try FileSystem.read(TestSupport.fixture("openai-messages/expected.jsonl"))
        #expect(try GzipInflater.decompress(raw, path: "out") == plain)
        // Deterministic: the same records give the same compressed bytes.
        try TestSupport.writeRecords(first.records, .openaiMessages, [tmp.file("again.jsonl.gz")])
        #expect(try FileSystem.read(tmp.file("again.jsonl.gz")) == raw)
    }

    @Test func lineageIsWrittenWhenAskedAndReadBack() throws {
        let input = TestSupport.fixture("sharegpt/input.jsonl")
        let first = try TestSupport.read(.sharegpt, [input])
        let tmp = try TempDir()
        try TestSupport.writeRecords(first.records, .sharegpt, [tmp.file("out.jsonl")], includeLineage: true)
        let again = try TestSupport.read(.sharegpt, [tmp.file("out.jsonl")])
        #expect(again.records.map(\.lineage) == first.records.map(\.lineage))
        #expect(first.records[1].lineage.origins == [Origin(file: input, line: 2)])
    }
}
