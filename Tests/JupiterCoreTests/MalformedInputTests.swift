import JupiterCore
import Testing

/// Bad input never stops a read: each bad unit becomes one quarantine entry with file, line and a
/// reason that names the problem.
@Suite struct MalformedInputTests {
    /// Writes `lines` (joined by `\n`) to a temp file and reads it as `format`.
    func read(_ format: Format, name: String, bytes: [UInt8], options: FormatOptions = FormatOptions())
        throws -> (records: [Record], quarantined: [QuarantineEntry], path: String, dir: TempDir)
    {
        let dir = try TempDir()
        let path = dir.file(name)
        try TestSupport.write(bytes, to: path)
        let r = try TestSupport.read(format, [path], options: options)
        return (r.records, r.quarantined, path, dir)
    }

    func text(_ lines: [String]) -> [UInt8] { Array(lines.joined(separator: "\n").utf8) + [0x0A] }

    @Test func invalidJSONIsQuarantinedWithItsLine() throws {
        let r = try read(
            .openaiMessages, name: "a.jsonl",
            bytes: text([
                #"{"messages":[{"role":"user","content":"Helo"}]}"#,
                #"{"messages": [{"role":"user","content":"Helo"}"#,
                #"{"messages":[{"role":"user","content":"Hwyl"}]}"#
            ]))
        #expect(r.records.count == 2)
        #expect(r.quarantined.count == 1)
        #expect(r.quarantined.first?.file == r.path)
        #expect(r.quarantined.first?.line == 2)
        #expect(r.quarantined.first?.reason.hasPrefix("invalid JSON: ") == true)
    }

    @Test(arguments: [
        (Format.openaiMessages, #"{"messages":"Helo"}"#, #"field "messages": expected array, found string"#),
        (
            Format.openaiMessages, #"{"messages":[{"role":"user","content":5}]}"#,
            #"field "messages[0].content": expected string, found number"#
        ),
        (
            Format.sharegpt, #"{"conversations":[{"from":"human","value":["x"]}]}"#,
            #"field "conversations[0].value": expected string, found array"#
        ),
        (
            Format.sharegpt, #"{"conversations":[{"from":"alien","value":"x"}]}"#,
            #"conversations[0].from: unknown speaker "alien""#
        ),
        (
            Format.sharegpt, #"{"conversations":[{"from":"function_call","value":"not json"}]}"#,
            "conversations[0].value: function call is not valid JSON"
        ),
        (Format.alpaca, #"{"instruction":"Dywedwch helo","output":7}"#, #"field "output": expected string, found number"#),
        (Format.alpaca, #"{"instruction":"Dywedwch helo"}"#, #"missing field "output""#),
        (Format.documents, #"{"text":{"a":1}}"#, #"field "text": expected string, found object"#),
        (Format.openaiEvals, #"{"input":[],"ideal":3}"#, #"field "ideal": expected string or array of strings, found number"#),
        (Format.parallelJSONL, #"{"translation":{"en":"a"}}"#, "expected exactly 2 languages, found 1"),
        (Format.culturebank, #"{"cultural group":["Welsh"]}"#, #"field "cultural group": expected string, found array"#),
        (Format.openaiMessages, #"[1,2]"#, "expected a JSON object, found array")
    ])
    func wrongFieldTypes(_ format: Format, _ line: String, _ reason: String) throws {
        let r = try read(format, name: "bad.jsonl", bytes: text([line]))
        #expect(r.records.isEmpty)
        #expect(r.quarantined.map(\.line) == [1])
        #expect(r.quarantined.first?.reason.contains(reason) == true, "got \(r.quarantined)")
    }

    @Test func invalidUTF8() throws {
        let good = Array(#"{"text":"Helo"}"#.utf8)
        let bad = Array(#"{"text":"Dw"#.utf8) + [0xC3, 0x28] + Array(#"r"}"#.utf8)
        let r = try read(.documents, name: "d.jsonl", bytes: good + [0x0A] + bad + [0x0A] + good + [0x0A])
        #expect(r.records.count == 2)
        #expect(r.quarantined.map(\.line) == [2])
        #expect(r.quarantined.first?.reason.contains("invalid UTF-8") == true)

        let tsv = try read(.parallelTSV, name: "p.tsv", bytes: Array("Water\tDŵr\nFire\t".utf8) + [0xFF] + [0x0A])
        #expect(tsv.records.count == 1)
        #expect(tsv.quarantined.map(\.line) == [2])
        #expect(tsv.quarantined.first?.reason == "invalid UTF-8")

        let txt = try read(.text, name: "t.txt", bytes: Array("Helo ".utf8) + [0xE2, 0x82])
        #expect(txt.quarantined.first?.reason == "invalid UTF-8 at byte 5")

        let csv = try read(.culturebank, name: "c.csv", bytes: Array("cultural group,topic\nWelsh,".utf8) + [0xC0, 0x80] + [0x0A])
        #expect(csv.quarantined.map(\.line) == [2])
        #expect(csv.quarantined.first?.reason == "invalid UTF-8 in CSV field 2")
    }

    @Test(arguments: [
        (Format.openaiMessages, "e.jsonl"), (.parallelTSV, "e.tsv"), (.culturebank, "e.csv"),
        (.text, "e.txt"), (.sharegpt, "e.jsonl.gz")
    ])
    func emptyFile(_ format: Format, _ name: String) throws {
        let r = try read(format, name: name, bytes: [])
        #expect(r.records.isEmpty)
        #expect(r.quarantined == [QuarantineEntry(file: r.path, line: 0, reason: "empty file")])
    }

    @Test func emptyGzipFileIsEmpty() throws {
        let r = try read(.openaiMessages, name: "e.jsonl.gz", bytes: try GzipDeflater.compress([]))
        #expect(r.quarantined.map(\.reason) == ["empty file"])
    }

    @Test func tsvRowWithOneColumn() throws {
        let r = try read(
            .parallelTSV, name: "p.tsv", bytes: text(["Water\tDŵr", "only one column", "a\tb\tc", "Fire\tTân"]),
            options: FormatOptions(languages: ["en", "cy"]))
        #expect(r.records.count == 2)
        #expect(r.quarantined.map(\.line) == [2, 3])
        #expect(
            r.quarantined.map(\.reason) == [
                "expected 2 tab-separated columns, found 1",
                "expected 2 tab-separated columns, found 3"
            ])
    }

    @Test func fiftyMegabyteLineIsQuarantinedInBoundedMemory() throws {
        let dir = try TempDir()
        let path = dir.file("big.jsonl")
        // Write the file in 1 MiB pieces so the test itself never holds the line.
        let f = try AtomicFile(path: path)
        try f.write(#"{"text":"cyntaf"}"# + "\n" + #"{"text":""#)
        let piece = [UInt8](repeating: UInt8(ascii: "w"), count: 1 << 20)
        for _ in 0..<50 { try f.write(piece) }
        try f.write("\"}\n" + #"{"text":"olaf"}"# + "\n")
        try f.commit()

        let before = MemoryProbe.peakResidentBytes()
        let r = try TestSupport.read(.documents, [path], options: FormatOptions(maxLineBytes: 1 << 20))
        let after = MemoryProbe.peakResidentBytes()
        #expect(r.records.map(\.text) == ["cyntaf", "olaf"])
        #expect(r.quarantined.map(\.line) == [2])
        #expect(r.quarantined.first?.reason == "line too long (\((50 << 20) + 11) bytes)")
        if let before, let after {
            #expect(after - before < 24 << 20, "peak memory grew by \((after - before) >> 20) MiB")
        }
    }

    @Test func overlongLineInGzipFile() throws {
        let dir = try TempDir()
        let path = dir.file("big.jsonl.gz")
        var plain = Array((#"{"text":"a"}"# + "\n" + #"{"text":""#).utf8)
        plain += [UInt8](repeating: UInt8(ascii: "y"), count: 3 << 20)
        plain += Array(("\"}\n" + #"{"text":"b"}"#).utf8)
        try TestSupport.write(try GzipDeflater.compress(plain), to: path)
        let r = try TestSupport.read(.documents, [path], options: FormatOptions(maxLineBytes: 1 << 20))
        #expect(r.records.map(\.text) == ["a", "b"])
        #expect(r.quarantined.map(\.line) == [2])
    }

    @Test func csvRowProblems() throws {
        let r = try read(
            .culturebank, name: "c.csv",
            bytes: text([
                "cultural group,context,topic",
                "Welsh,\"at home\",Family",
                "Welsh,too,many,fields",
                "Welsh,\"bad\"x,Food",
                "Welsh,\"never closed,Food",
                "still open"
            ]))
        #expect(r.records.count == 1)
        #expect(r.quarantined.map(\.line) == [3, 4, 5])
        #expect(
            r.quarantined.map(\.reason) == [
                "CSV row has 4 fields, the header has 3",
                "unexpected character after closing quote in field 2",
                "unterminated quoted field 2"
            ])
    }

    @Test func csvWithoutCultureBankColumns() throws {
        let r = try read(.culturebank, name: "c.csv", bytes: text(["name,age", "Dafydd,40"]))
        #expect(r.quarantined.map(\.line) == [2])
        #expect(r.quarantined.first?.reason.hasPrefix("no CultureBank columns found") == true)
    }

    @Test func mosesLineCountMismatchNamesBothFiles() throws {
        let dir = try TempDir()
        let en = dir.file("c.en"), cy = dir.file("c.cy")
        try TestSupport.write("one\ntwo\nthree\n", to: en)
        try TestSupport.write("un\ndau\n", to: cy)
        let r = try TestSupport.read(.moses, [en, cy], options: FormatOptions(languages: ["en", "cy"]))
        #expect(r.records.count == 2)
        #expect(r.quarantined.count == 1)
        #expect(r.quarantined.first?.line == 3)
        #expect(r.quarantined.first?.reason == "line count mismatch: \(en) has a line 3 but \(cy) ends after line 2")

        let swapped = try TestSupport.read(.moses, [cy, en])
        #expect(swapped.quarantined.first?.reason == "line count mismatch: \(en) has a line 3 but \(cy) ends after line 2")
    }

    @Test func blankLinesAreNotRecordsNorErrors() throws {
        let r = try read(.openaiEvals, name: "e.jsonl", bytes: Array("\n  \n{\"input\":\"Helo\",\"ideal\":\"Helo\"}\r\n\n".utf8))
        #expect(r.records.count == 1)
        #expect(r.records.first?.lineage.origins.first?.line == 3)
        #expect(r.quarantined.isEmpty)
    }
}

/// Reads the process's peak resident memory (Linux `VmHWM`), when available.
enum MemoryProbe {
    static func peakResidentBytes() -> Int? {
        guard let bytes = try? FileSystem.read("/proc/self/status") else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        let digits = line.filter(\.isNumber)
        return Int(digits).map { $0 * 1024 }
    }
}
