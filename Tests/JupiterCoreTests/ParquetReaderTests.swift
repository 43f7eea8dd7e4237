import JupiterTesting
import Testing

@testable import JupiterCore

/// Parquet files written by pyarrow and Hugging Face `datasets` (the reference, run in the test)
/// read back row for row equal to pyarrow's `to_pylist()`; every JSON-shaped record format reads
/// Parquet exactly as it reads a JSONL line of the same content; bad files give one error naming
/// file, row group and column.
@Suite struct ParquetReaderTests {
    static let peer = TestSupport.repoRoot + "/Tests/Fixtures/Parquet/parquet_peer.py"

    /// Runs the peer script and parses the JSON object on its last output line.
    static func peer(_ arguments: [String]) throws -> JSONObject {
        let out = try Peers.run([peer] + arguments, environment: ["HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"])
        try #require(out.status == 0, "parquet_peer.py \(arguments.first ?? "") failed: \(out.stderr)")
        let last = out.text.split(separator: "\n").last.map(String.init) ?? ""
        return try #require(try JSONParser.parse(Array(last.utf8)).objectValue)
    }

    /// Every row of `path` as Jupiter reads it, as JSONL.
    static func rowsJSONL(_ path: String) throws -> (text: [UInt8], rows: Int) {
        let reader = try ParquetRowReader(path: path)
        var out: [UInt8] = []
        var rows = 0
        while let row = try reader.next() {
            JSONWriter.write(row, into: &out)
            out.append(0x0A)
            rows += 1
        }
        return (out, rows)
    }

    @Test func pyarrowAndDatasetsFilesReadBackRowForRow() throws {
        try #require(Peers.has("pyarrow", "datasets"), "pyarrow and datasets are the reference (scripts/test installs them)")
        let dir = try TempDir()
        let made = try Self.peer(["cases", dir.path])
        // defaults, 4 codecs, dictionary off, 3 page-v2 variants, row groups, legacy list names, nested nulls (v1, v2),
        // large strings, types (v1, v2 plain), delta encodings (v1, v2), empty, datasets.to_parquet
        #expect(made.count == 20)
        for name in made.keys {
            let (text, rows) = try Self.rowsJSONL(dir.file(name + ".parquet"))
            #expect(rows == made[name]?.intValue, "\(name)")
            try TestSupport.write(text, to: dir.file(name + ".jupiter.jsonl"))
        }
        let report = try Self.peer(["compare", dir.path])
        #expect(report.count == made.count)
        for e in report.entries {
            #expect(
                e.value["mismatches"]?.intValue == 0 && e.value["read"] == e.value["rows"],
                "\(e.key): \(JSONWriter.string(e.value))")
        }
        #expect(report["row-groups"]?["rows"]?.intValue == 300)
        #expect(report["large-strings"]?["rows"]?.intValue == 6)
    }

    @Test func recordFormatsReadParquetAsTheyReadJSONL() throws {
        try #require(Peers.has("pyarrow"), "pyarrow writes the Parquet files compared here")
        let dir = try TempDir()
        let made = try Self.peer(["formats", TestSupport.repoRoot + "/Tests/Fixtures/Formats", dir.path])
        #expect(made.count == 7)
        for (name, rows) in made.entries.map({ ($0.key, $0.value.intValue ?? -1) }) {
            let format = try #require(Format(rawValue: name))
            let parquet = dir.file(name + ".parquet"), jsonl = dir.file(name + ".jsonl")
            #expect(try SourceFormats.detect(path: parquet) == format, "\(name) detected from its columns")
            let fromParquet = try TestSupport.read(format, [parquet], label: "data")
            let fromJSONL = try TestSupport.read(format, [jsonl], label: "data")
            #expect(fromParquet.quarantined.isEmpty && fromJSONL.quarantined.isEmpty, "\(name)")
            #expect(fromParquet.records.count == rows && rows > 0, "\(name)")
            #expect(fromParquet.records == fromJSONL.records, "\(name): records differ")
            // Lineage: file + 1-based row number, as JSONL's line numbers.
            #expect(fromParquet.records.map { $0.lineage.origins.map(\.line) } == (1...rows).map { [$0] })
        }
    }

    @Test func unsupportedColumnsAreNamedWithTheirType() throws {
        try #require(Peers.has("pyarrow"), "pyarrow writes the files with unsupported columns")
        let dir = try TempDir()
        _ = try Self.peer(["unsupported", dir.path])
        #expect(
            try ParquetSchema.unsupportedColumns(dir.file("wide-decimal.parquet"))
                == ["column 'wide': type FIXED_LEN_BYTE_ARRAY (DECIMAL(50,2)) is not supported (decimals wider than 16 bytes)"])
        #expect(
            try ParquetSchema.unsupportedColumns(dir.file("lz4.parquet"))
                == ["column 'text': compression LZ4_RAW is not supported"])
        #expect(SourceFormats.unreadableParts(path: dir.file("lz4.parquet")) == ["column 'text': compression LZ4_RAW is not supported"])
        // Reading gives one quarantine entry naming the file and column; the run goes on.
        let r = try TestSupport.read(.documents, [dir.file("wide-decimal.parquet")])
        #expect(r.records.isEmpty)
        #expect(r.quarantined.count == 1)
        #expect(
            r.quarantined.first?.reason.contains("wide-decimal.parquet: column 'wide': type FIXED_LEN_BYTE_ARRAY") == true,
            "\(r.quarantined)")
    }

    // MARK: Always-running checks on files Jupiter writes itself

    /// Conversations written by Jupiter in row groups of 10 (Snappy).
    static func conversationFile(_ path: String, rows: Int = 35, compression: ParquetWriter.Compression = .snappy)
        throws -> [JSONValue]
    {
        var values: [JSONValue] = []
        for i in 0..<rows {
            values.append(
                .object([
                    "id": .string("c\(i)"),
                    "messages": .array([
                        .object(["role": .string("user"), "content": .string("Beth yw \(i) × 2? ŵ")]),
                        .object(["role": .string("assistant"), "content": .string(String(repeating: "Mae'n \(i * 2). ", count: i + 1))])
                    ])
                ]))
        }
        let w = try ParquetWriter(
            path: path, schema: ParquetColumnType.schema(of: values),
            options: ParquetWriter.Options(compression: compression, rowGroupRows: 10))
        for v in values { try w.write(v) }
        try w.close()
        return values
    }

    @Test func corruptPageQuarantinesOnceNamingFileRowGroupAndColumnAndKeepsEarlierRows() throws {
        let dir = try TempDir()
        let path = dir.file("chats.parquet")
        _ = try Self.conversationFile(path)
        // Overwrite the first page header of row group 1's `content` column with bytes that are no Thrift.
        let file = try ParquetFile(path: path)
        #expect(file.metadata.rowGroups.count == 4)
        let leaf = try #require(file.schema.leaves.firstIndex { $0.path == "messages.list.element.content" })
        let start = Int(file.metadata.rowGroups[1].columns[leaf].start)
        var bytes = try FileSystem.read(path)
        for i in start..<(start + 8) { bytes[i] = 0xFF }
        try TestSupport.write(bytes, to: path)

        let r = try TestSupport.read(.openaiMessages, [path])
        #expect(r.records.count == 10)  // row group 0
        #expect(r.quarantined.count == 1)
        let q = try #require(r.quarantined.first)
        #expect(q.file == path)
        #expect(q.line == 11)
        #expect(q.reason.contains("\(path): row group 1, column 'messages.list.element.content': Thrift metadata:"), "\(q.reason)")
    }

    /// What `jupiter inspect file.parquet` shows: the format detected from the columns, counts and
    /// roles, read in parallel batches as a run reads.
    @Test func inspectStatisticsOfAParquetFile() async throws {
        let dir = try TempDir()
        let path = dir.file("chats.parquet")
        _ = try Self.conversationFile(path, rows: 35, compression: .zstd)
        let format = try #require(try SourceFormats.detect(path: path))
        #expect(format == .openaiMessages)
        let stats = try await DatasetStats.collect(format, detected: true, paths: [path], parallelism: 2)
        #expect(stats.records == 35 && stats.quarantined == 0)
        #expect(stats.roleCounts[.user] == 35 && stats.roleCounts[.assistant] == 35)
        #expect(stats.assistantTurns == 35)
    }

    @Test func truncatedFileIsOneQuarantineEntry() throws {
        let dir = try TempDir()
        let path = dir.file("chats.parquet")
        _ = try Self.conversationFile(path)
        let bytes = try FileSystem.read(path)
        try TestSupport.write(Array(bytes.prefix(bytes.count / 2)), to: path)
        let r = try TestSupport.read(.openaiMessages, [path])
        #expect(r.records.isEmpty)
        #expect(
            r.quarantined.map(\.reason) == [
                "unreadable Parquet file: \(path): does not end with the Parquet magic "
                    + "'PAR1': truncated, or not a Parquet file"
            ])
        #expect(
            SourceFormats.unreadableParts(path: path) == ["does not end with the Parquet magic 'PAR1': truncated, or not a Parquet file"])
    }

    @Test func snappyRoundTripsAndRejectsCorruptInput() throws {
        var text: [UInt8] = []
        var rng = SeededRandom(5, "snappy")
        for i in 0..<50_000 { text.append(i % 7 == 0 ? UInt8.random(in: 0...255, using: &rng) : UInt8(ascii: "a") + UInt8(i % 13)) }
        for input in [[], [1, 2, 3], text, Array(repeating: UInt8(7), count: 200_000)] as [[UInt8]] {
            let compressed = Snappy.compress(input)
            var out = [UInt8](repeating: 0, count: input.count)
            try compressed.withUnsafeBytes { c in try out.withUnsafeMutableBytes { try Snappy.decompress(c, into: $0) } }
            #expect(out == input)
        }
        let bad: [UInt8] = [10, 0x0D, 0x01]  // copy before any output
        var out = [UInt8](repeating: 0, count: 10)
        #expect(throws: ParquetError.self) {
            try bad.withUnsafeBytes { c in try out.withUnsafeMutableBytes { try Snappy.decompress(c, into: $0) } }
        }
    }
}
