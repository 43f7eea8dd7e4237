import JupiterCore
import Testing

/// The streaming CSV splitter finds row boundaries across lines and reports start lines.
@Suite struct CSVRowReaderTests {
    func rows(_ text: String, max: Int = 1 << 20) throws -> [SourceUnit] {
        let dir = try TempDir()
        try TestSupport.write(text, to: dir.file("x.csv"))
        let reader = try CSVRowReader(path: dir.file("x.csv"), maxRowBytes: max)
        var out: [SourceUnit] = []
        while let u = try reader.next() { out.append(u) }
        return out
    }

    @Test func quotedFieldsSpanLines() throws {
        let units = try rows("a,b\r\n\"x\ny\",\"say \"\"hi\"\"\"\r\n\r\nlast,\"\"\"\"\n")
        #expect(units.map(\.line) == [1, 2, 5])
        #expect(try units.map { try CSV.fields($0.bytes) } == [["a", "b"], ["x\ny", "say \"hi\""], ["last", "\""]])
    }

    @Test func quoteInsideUnquotedFieldIsLiteral() throws {
        let units = try rows("5\" screen,ok\nnext,row\n")
        #expect(units.map(\.line) == [1, 2])
        #expect(try CSV.fields(units[0].bytes) == ["5\" screen", "ok"])
    }

    @Test func overlongRowIsReportedNotHeld() throws {
        let long = String(repeating: "x", count: 100)
        let units = try rows("h\n\"\(long)\n\(long)\"\nshort\n", max: 150)
        #expect(units.map(\.line) == [1, 2, 4])
        #expect(units[1].tooLong && units[1].bytes.isEmpty && units[1].length == 203)
        #expect(try CSV.fields(units[2].bytes) == ["short"])
    }

    @Test func byteOrderMarkIsDropped() throws {
        let units = try rows("\u{FEFF}cultural group\nWelsh\n")
        #expect(try CSV.fields(units[0].bytes) == ["cultural group"])
    }

    @Test func emptyFieldsAndTrailingComma() throws {
        #expect(try CSV.fields(Array(",a,,".utf8)) == ["", "a", "", ""])
        #expect(try CSV.fields([]) == [""])
    }
}
