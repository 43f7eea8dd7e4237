import JupiterCore
import JupiterTesting
import Testing

/// Files Jupiter writes read back the same, in Jupiter and in pyarrow, with every compression,
/// with and without dictionaries, in several row groups; the bytes are deterministic.
@Suite struct ParquetWriterTests {
    /// Rows with every field present (nulls explicit) so a read-back compares equal as JSON:
    /// nested messages with optional reasoning and tool calls, empty and null lists, numbers,
    /// booleans, a field whose type varies (written as JSON text).
    static func rows(_ n: Int) -> [JSONValue] {
        var rng = SeededRandom(42, "parquet-writer")
        let words = ["Bore", "da", "ŵyr", "ŷd", "🐉", "tywydd", "braf", "heddiw", "\"quoted\"", "tab\t", "line\n"]
        func text(_ k: Int) -> JSONValue {
            .string((0..<k).map { _ in words[Int.random(in: 0..<words.count, using: &rng)] }.joined(separator: " "))
        }
        var out: [JSONValue] = []
        for i in 0..<n {
            var messages: [JSONValue] = []
            for t in 0..<(i % 4 + 1) {
                let tool: JSONValue =
                    t == 1 && i % 3 == 0
                    ? .array([.object(["name": .string("search"), "arguments": .string("{\"q\":\"\(i)\"}")])]) : .null
                messages.append(
                    .object([
                        "role": .string(t % 2 == 0 ? "user" : "assistant"), "content": text(Int.random(in: 0...30, using: &rng)),
                        "reasoning_content": i % 5 == 0 && t % 2 == 1 ? text(12) : .null,
                        "tool_calls": tool
                    ]))
            }
            out.append(
                .object([
                    "id": .string("row-\(i)"),
                    "messages": i % 17 == 16 ? .null : .array(messages),
                    "tags": i % 7 == 0 ? .array([]) : .array([.string(["cy", "en"][i % 2]), .string("x\(i % 3)")]),
                    "turns": .int(messages.count),
                    "score": i % 11 == 0 ? .null : .double(Double(i) / 8 - 3),
                    "ok": .bool(i % 2 == 0),
                    "mixed": i % 3 == 0 ? .string("text") : .int(i)
                ]))
        }
        return out
    }

    static func write(_ rows: [JSONValue], to path: String, _ options: ParquetWriter.Options) throws {
        let w = try ParquetWriter(path: path, schema: ParquetColumnType.schema(of: rows), options: options)
        for r in rows { try w.write(r) }
        try w.close()
    }

    static func readBack(_ path: String) throws -> [JSONValue] {
        let r = try ParquetRowReader(path: path)
        var out: [JSONValue] = []
        while let row = try r.next() { out.append(row) }
        return out
    }

    static let variants: [(String, ParquetWriter.Options)] = [
        ("none", .init(compression: .none, rowGroupRows: 50)),
        ("snappy", .init(compression: .snappy, rowGroupRows: 64)),
        ("zstd", .init(compression: .zstd, rowGroupRows: 1000)),
        ("gzip", .init(compression: .gzip, rowGroupRows: 90)),
        ("plain", .init(compression: .snappy, dictionary: false, rowGroupRows: 70, pageBytes: 1024))
    ]

    @Test func schemaIsInferredAsPyarrowWould() {
        let fields = ParquetColumnType.schema(of: Self.rows(20))
        #expect(
            fields.map { "\($0.name): \($0.type)" } == [
                "id: string",
                "messages: list<element: struct<role: string, content: string, reasoning_content: string, "
                    + "tool_calls: list<element: struct<name: string, arguments: string>>>>",
                "tags: list<element: string>", "turns: int64", "score: double", "ok: bool", "mixed: json"
            ])
    }

    @Test func jupiterReadsBackWhatItWroteWithEveryCompression() throws {
        let dir = try TempDir()
        let rows = Self.rows(300)
        // `mixed` is written as JSON text: read back, it is that text.
        let expected = rows.map { row -> JSONValue in
            guard case .object(var o) = row, let m = o["mixed"] else { return row }
            o["mixed"] = .string(JSONWriter.string(m))
            return .object(o)
        }
        for (name, options) in Self.variants {
            let path = dir.file(name + ".parquet")
            try Self.write(rows, to: path, options)
            #expect(try Self.readBack(path) == expected, "\(name)")
        }
    }

    @Test func sameRowsSameBytes() throws {
        let dir = try TempDir()
        let rows = Self.rows(120)
        for (name, options) in Self.variants {
            try Self.write(rows, to: dir.file("a.parquet"), options)
            try Self.write(rows, to: dir.file("b.parquet"), options)
            #expect(try FileSystem.read(dir.file("a.parquet")) == FileSystem.read(dir.file("b.parquet")), "\(name)")
        }
    }

    @Test func pyarrowReadsWhatJupiterWrote() throws {
        try #require(Peers.has("pyarrow"), "pyarrow is the reference reader (scripts/test installs it)")
        let dir = try TempDir()
        let rows = Self.rows(300)
        var jsonl: [UInt8] = []
        for r in rows {
            guard case .object(var o) = r, let m = o["mixed"] else { continue }
            o["mixed"] = .string(JSONWriter.string(m))
            JSONWriter.write(.object(o), into: &jsonl)
            jsonl.append(0x0A)
        }
        try TestSupport.write(jsonl, to: dir.file("rows.jsonl"))
        for (name, options) in Self.variants {
            let path = dir.file(name + ".parquet")
            try Self.write(rows, to: path, options)
            let out = try Peers.run([ParquetReaderTests.peer, "check", path, dir.file("rows.jsonl")])
            try #require(out.status == 0, "\(name): \(out.stderr)")
            let report = try JSONParser.parse(Array((out.text.split(separator: "\n").last ?? "").utf8))
            #expect(report["rows"]?.intValue == 300 && report["read"]?.intValue == 300, "\(name)")
            #expect(report["mismatches"]?.intValue == 0, "\(name): \(JSONWriter.string(report))")
            #expect(report["row_groups"]?.intValue == (300 + options.rowGroupRows - 1) / options.rowGroupRows, "\(name)")
            #expect(
                report["schema"]?[1]
                    == .string(
                        "messages: list<element: struct<role: string, content: string, "
                            + "reasoning_content: string, tool_calls: list<element: struct<name: string, arguments: string>>>>"),
                "\(name): \(JSONWriter.string(report["schema"] ?? .null))")
        }
    }
}
