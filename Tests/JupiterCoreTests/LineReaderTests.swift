import JupiterCore
import Testing

/// Line numbers, lengths and terminators as the line reader reports them.
@Suite struct LineReaderTests {
    @Test func lengthsAndTerminators() throws {
        let dir = try TempDir()
        try TestSupport.write("abc\r\n\nŵŷ\nlast", to: dir.file("l.txt"))
        let reader = try LineReader(path: dir.file("l.txt"))
        var lines: [Line] = []
        while let l = try reader.next() { lines.append(l) }
        #expect(lines.map(\.number) == [1, 2, 3, 4])
        #expect(lines.map { String(decoding: $0.bytes, as: UTF8.self) } == ["abc", "", "ŵŷ", "last"])
        #expect(lines.map(\.length) == [3, 0, 4, 4])
        #expect(lines.allSatisfy { !$0.tooLong })
    }
}
