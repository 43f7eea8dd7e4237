import Testing

@testable import JupiterCore

/// Lines read where they lie (no array per line) against the roads that make a unit per line:
/// the line reader's three ways of giving lines against a split of the whole file, and every
/// decoder's `decode(line:number:file:)` against its `decode(_:file:)`.
@Suite struct InPlaceLineTests {
    /// The lines a file's bytes hold, as the reader must give them: split at `\n`, one trailing
    /// `\r` left out, a last line without terminator kept; a line of more than `limit` bytes
    /// (`\r` counted) is over-long, with its length.
    static func expectedLines(_ bytes: [UInt8], limit: Int) -> [(number: Int, bytes: [UInt8]?, length: Int)] {
        var parts = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        if parts.last?.isEmpty == true { parts.removeLast() }
        return parts.enumerated().map { i, raw in
            if raw.count > limit { return (i + 1, nil, raw.count) }
            let line = raw.last == 0x0D ? Array(raw.dropLast()) : raw
            return (i + 1, line, line.count)
        }
    }

    /// A file of random lines: most short, some around the 1 MiB read size and the 2 MiB
    /// starting buffer, some over `limit`; `\r\n` and `\n` ends; Welsh letters; with and without a
    /// final line break.
    static func randomFile(seed: UInt64, limit: Int, finalBreak: Bool) -> [UInt8] {
        var rng = SeededRandom(seed: seed)
        let alphabet = Array("abc ŵŷ{}\":,\r".utf8)
        var out: [UInt8] = []
        var lines = 0
        while out.count < 7 << 20 || lines < 50 {
            let length: Int
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<80: length = Int.random(in: 0..<300, using: &rng)
            case 80..<94: length = Int.random(in: 0..<40_000, using: &rng)
            case 94..<97: length = Int.random(in: 900_000...(limit - 1), using: &rng)
            default: length = Int.random(in: (limit - 3)...(limit + 3_000_000), using: &rng)
            }
            var line = (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
            if Bool.random(using: &rng) { line.append(0x0D) }
            out += line
            out.append(0x0A)
            lines += 1
        }
        if !finalBreak { out += Array("last ŵ".utf8) }
        return out
    }

    @Test("next(), withNextLine and nextBlock give the file's lines, plain and gzip", arguments: [false, true])
    func readerGivesTheLines(gzip: Bool) throws {
        let dir = try TempDir()
        let limit = 1_500_000
        for (k, finalBreak) in [true, false].enumerated() {
            let bytes = Self.randomFile(seed: UInt64(40 + k), limit: limit, finalBreak: finalBreak)
            let path = dir.file("lines-\(k)" + (gzip ? ".gz" : ".txt"))
            try TestSupport.write(gzip ? try GzipDeflater.compress(bytes, level: 1) : bytes, to: path)
            let expected = Self.expectedLines(bytes, limit: limit)
            #expect(expected.contains { $0.bytes == nil } && expected.contains { ($0.bytes?.count ?? 0) > 1 << 20 })
            #expect(expected.count > 50)

            var byNext: [(Int, [UInt8]?, Int)] = []
            let r1 = try LineReader(path: path, maxLineBytes: limit)
            while let l = try r1.next() { byNext.append((l.number, l.tooLong ? nil : l.bytes, l.length)) }

            var inPlace: [(Int, [UInt8]?, Int)] = []
            let r2 = try LineReader(path: path, maxLineBytes: limit)
            while try r2.withNextLine({ n, b, length in inPlace.append((n, b.map(Array.init), length)) }) != nil {}

            var byBlock: [(Int, [UInt8]?, Int)] = []
            let r3 = try LineReader(path: path, maxLineBytes: limit)
            while let block = try r3.nextBlock(maxLines: 7) {
                for i in 0..<block.count {
                    let u = block[i]
                    byBlock.append((u.line, u.tooLong ? nil : u.bytes, u.length))
                }
            }
            for (name, got) in [("next", byNext), ("withNextLine", inPlace), ("nextBlock", byBlock)] {
                #expect(got.count == expected.count, "\(name)")
                for (g, e) in zip(got, expected) where g.0 != e.number || g.1 != e.bytes || g.2 != e.length {
                    Issue.record("\(name): line \(e.number) differs (got line \(g.0), \(g.2) bytes, over: \(g.1 == nil))")
                    break
                }
            }
            #expect(r1.bytesRead == (FileSystem.size(path) ?? -1) && r2.bytesRead == r1.bytesRead)
        }
    }

    /// Fixture lines of every JSONL format, edge cases and mutations, and TSV lines.
    static func lines() throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        for format in ["openai-messages", "documents", "parallel-jsonl", "alpaca", "sharegpt", "culturebank"] {
            lines += try DirectDecodingTests.fixtureLines(format)
        }
        lines += (DirectDecodingTests.conversations + DirectDecodingTests.documents + DirectDecodingTests.pairs).map {
            Array($0.utf8)
        }
        var all = lines
        for (n, line) in lines.enumerated() { all += DirectDecodingTests.mutations(line, count: 40, seed: UInt64(900 + n)) }
        let tsv = try FileSystem.read(TestSupport.fixture("parallel-tsv/input.tsv"))
        all += tsv.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        all += ["a\tb", "a", "a\tb\tc", "\t", "", "ŵ\t\u{1F409}", "a\t\u{FF}"].map { Array($0.utf8) }
        all.append([0x61, 0x09, 0xC3])
        return all
    }

    @Test("every decoder reads a line where it lies as it reads the line's unit")
    func decodersAgree() throws {
        let decoders: [(String, any UnitDecoder)] =
            RecordKind.allCases.map { ("native \($0)", NativeJSONLDecoder(kind: $0)) } + [
                ("documents text", DocumentsDecoder()), ("documents body", DocumentsDecoder(textField: "body")),
                ("tsv", ParallelTSVDecoder(languages: ["en", "cy"])), ("alpaca", AlpacaDecoder()),
                ("sharegpt", ShareGPTDecoder())
            ]
        let lines = try Self.lines()
        var records = 0, errors = 0
        for (name, decoder) in decoders {
            for (n, line) in lines.enumerated() {
                let unit = Result { () throws(RecordDecodingError) in
                    try decoder.decode(SourceUnit(line: n + 1, bytes: line), file: "f.jsonl")
                }
                let inPlace = line.withUnsafeBufferPointer { u in
                    Result { () throws(RecordDecodingError) in try decoder.decode(line: u, number: n + 1, file: "f.jsonl") }
                }
                switch (unit, inPlace) {
                case (.success(let a), .success(let b)):
                    if a != nil { records += 1 }
                    #expect(a == b, "\(name): \(String(decoding: line, as: UTF8.self))")
                case (.failure(let a), .failure(let b)):
                    errors += 1
                    #expect(a.reason == b.reason, "\(name): \(String(decoding: line, as: UTF8.self))")
                default:
                    Issue.record("\(name): one road failed: \(String(decoding: line, as: UTF8.self))")
                }
            }
        }
        #expect(records > 800 && errors > 20_000, "\(records) records, \(errors) errors")
    }

    @Test("the scanner's items are those of the units one by one")
    func scannerAgrees() throws {
        let dir = try TempDir()
        let path = dir.file("mixed.jsonl")
        var bytes = try FileSystem.read(TestSupport.fixture("openai-messages/input.jsonl"))
        bytes += Array("\n\n  \r\n{broken\n".utf8) + [UInt8](repeating: 0x61, count: 3_000) + [0x0A]
        bytes += Array(#"{"messages":[{"role":"user","content":"ŵ"}]}"#.utf8)
        try TestSupport.write(bytes, to: path)
        let options = FormatOptions(maxLineBytes: 2_000)
        var scanned: [String] = []
        try SourceScanner.scan(.openaiMessages, paths: [path], options: options) { scanned.append(Self.describe($0)) }
        let (reader, decoder) = try SourceFormats.open(.openaiMessages, paths: [path], options: options)
        var oneByOne: [String] = []
        while let unit = try reader.next() {
            if let item = SourceScanner.decode(unit, file: path, decoder: decoder) { oneByOne.append(Self.describe(item)) }
        }
        #expect(scanned == oneByOne)
        #expect(scanned.filter { $0.hasPrefix("quarantined") }.count == 2)
        #expect(scanned.contains { $0.contains("line too long (3000 bytes)") })
    }

    static func describe(_ item: SourceItem) -> String {
        switch item {
        case .record(let r): "record \(r)"
        case .quarantined(let q): "quarantined \(q)"
        }
    }
}

/// The fields most messages leave empty live in one box; they read, write, compare and hash as
/// fields.
@Suite struct MessageFieldsTests {
    @Test func rareFields() {
        let call = ToolCall(id: "c1", name: "ls", arguments: "{}")
        var m = Message(role: .assistant, content: "a")
        #expect(m.toolCalls.isEmpty && m.toolCallID == nil && m.name == nil && m.extra.entries.isEmpty)
        var n = m
        n.toolCalls = [call]
        n.name = "bot"
        #expect(m.toolCalls.isEmpty && m.name == nil, "a copy's change does not reach the original")
        #expect(n.toolCalls == [call] && n.name == "bot" && n.toolCallID == nil)
        #expect(n != m)
        n.extra = ["k": .int(1)]
        n.toolCallID = "t"
        #expect(n.extra["k"] == .int(1) && n.toolCallID == "t" && n.toolCalls == [call] && n.name == "bot")
        let built = Message(
            role: .assistant, content: "a", toolCalls: [call], toolCallID: "t", name: "bot", extra: ["k": .int(1)])
        #expect(n == built && n.hashValue == built.hashValue)
        // Emptied field by field, it equals a message that never had them.
        n.toolCalls = []
        n.name = nil
        n.extra = JSONObject()
        n.toolCallID = nil
        #expect(n == m && n.hashValue == m.hashValue)
        for changed in [
            { (x: inout Message) in x.toolCalls = [ToolCall(name: "ls", arguments: "{}")] }, { $0.toolCallID = "" },
            { $0.name = "" }, { $0.extra = ["k": .null] }
        ] {
            var x = m
            changed(&x)
            #expect(x != m)
        }
        m.content = "b"
        #expect(m != n)
        #expect(Set([m, n, built, m]).count == 3)
    }
}
