import JupiterCore
import Testing

/// Blocks of lines (``LineReader/nextBlock(maxLines:)``) hold exactly the units that reading line
/// by line gives, wherever the blocks and the reader's buffers are cut.
@Suite struct UnitBlockTests {
    /// 3,000 lines: empty ones, `\r\n` endings, lines over the 3,000-byte limit (some longer
    /// than the reader's 1 MB reads), Welsh letters and emoji, and no newline after the last.
    static func text(seed: UInt64) -> [UInt8] {
        var rng = SeededRandom(seed: seed)
        let pieces: [[UInt8]] = ["a", "ŵ", "ŷ", "🐉", "\t", " ", "{\"x\":1}", "\r"].map { Array($0.utf8) }
        var out: [UInt8] = []
        for i in 0..<3000 {
            let length: Int
            switch rng.next() % 20 {
            case _ where i % 700 == 350: length = 1_200_000
            case 0: length = 0
            case 1: length = 3000 + Int(rng.next() % 3)  // just over or at the limit
            case 2: length = 2999
            default: length = Int(rng.next() % 400)
            }
            var line: [UInt8] = []
            while line.count < length { line += pieces[Int(rng.next() % UInt64(pieces.count))] }
            out += line
            if i < 2999 { out += rng.next() % 5 == 0 ? [0x0D, 0x0A] : [0x0A] }
        }
        return out
    }

    static func units(_ path: String) throws -> [SourceUnit] {
        let reader = try LineUnitReader(path: path, maxLineBytes: 3000)
        var units: [SourceUnit] = []
        while let u = try reader.next() { units.append(u) }
        return units
    }

    static func same(_ a: SourceUnit, _ b: SourceUnit) -> Bool {
        a.line == b.line && a.bytes == b.bytes && a.tooLong == b.tooLong && a.length == b.length && a.problem == b.problem
    }

    @Test(arguments: [false, true])
    func blocksHoldTheUnitsLineByLineReadingGives(gzip: Bool) throws {
        let dir = try TempDir()
        let path = dir.file(gzip ? "l.jsonl.gz" : "l.jsonl")
        let bytes = Self.text(seed: 7)
        try AtomicFile.write(gzip ? try GzipDeflater.compress(bytes) : bytes, to: path)
        let expected = try Self.units(path)
        #expect(expected.count == 3000)
        #expect(expected.contains { $0.tooLong } && expected.contains { $0.bytes.isEmpty && !$0.tooLong })
        #expect(expected.contains { $0.tooLong && $0.length > 1_000_000 })
        for size in [1, 7, 1000, 4096] {
            let reader = try LineUnitReader(path: path, maxLineBytes: 3000)
            var got: [SourceUnit] = []
            var blockSizes: [Int] = []
            while let block = try reader.nextBlock(maxUnits: size) {
                blockSizes.append(block.count)
                for i in 0..<block.count {
                    let u = block[i]
                    got.append(u)
                    #expect(block.line(i) == u.line)
                    let inPlace = block.withPlainBytes(i) { Array($0) }
                    #expect(inPlace == (u.tooLong ? nil : u.bytes), "line \(u.line)")
                }
            }
            // Full blocks until the last, which holds the rest.
            #expect(blockSizes.dropLast().allSatisfy { $0 == size } && (blockSizes.last ?? 0) <= size)
            #expect(blockSizes.count == (3000 + size - 1) / size)
            #expect(got.count == expected.count)
            #expect(zip(got, expected).allSatisfy(Self.same), "block size \(size)")
            #expect(reader.bytesRead == FileSystem.size(path))
        }
    }

    @Test func readersOfOtherUnitsGiveTheirUnitsOneByOne() throws {
        let dir = try TempDir()
        let path = dir.file("n.csv")
        let csv = "cultural group,context\nWelsh,\"a\nb\"\nWelsh,\(String(repeating: "x", count: 300))\nScots,c\n"
        try AtomicFile.write(Array(csv.utf8), to: path)
        var expected: [SourceUnit] = []
        let one = try CSVRowReader(path: path, maxRowBytes: 200)
        while let u = try one.next() { expected.append(u) }
        let reader = try CSVRowReader(path: path, maxRowBytes: 200)
        var got: [SourceUnit] = []
        while let block = try reader.nextBlock(maxUnits: 2) {
            for i in 0..<block.count {
                got.append(block[i])
                #expect(block.line(i) == block[i].line)
                #expect(block.withPlainBytes(i) { Array($0) } == (block[i].tooLong ? nil : block[i].bytes))
            }
        }
        #expect(expected.count == 4 && expected.contains { $0.tooLong })
        #expect(got.count == expected.count && zip(got, expected).allSatisfy(Self.same))
        #expect(UnitBlock.empty.isEmpty && UnitBlock.empty.count == 0)
    }
}
