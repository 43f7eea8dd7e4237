import JupiterCore
import Testing

/// gzip members at level 1 (drop records) and 6 (kept records) read back as what went in,
/// empty and multi-megabyte inputs included, and the same input always gives the same bytes.
@Suite struct GzipTests {
    static func text(_ bytes: Int) -> [UInt8] {
        var rng = SeededRandom(seed: 11)
        let words = ["Mae", "gan", "y", "Gweinidogion", "bŵer", "—", "Regulations", "\"quoted\"", "\n", "2024"]
        var out: [UInt8] = []
        while out.count < bytes {
            out += Array(words[Int(rng.next() % UInt64(words.count))].utf8)
            out.append(0x20)
        }
        return Array(out.prefix(bytes))
    }

    @Test(arguments: [Int32(1), 6])
    func membersReadBackAsWritten(level: Int32) throws {
        for size in [0, 1, 70_000, 3 << 20] {
            let input = Self.text(size)
            let member = try GzipDeflater.compress(input, level: level)
            #expect(member.prefix(3) == [0x1F, 0x8B, 8])
            #expect(try GzipDeflater.compress(input, level: level) == member)
            #expect(try GzipInflater.decompress(member, path: "<test>") == input, "level \(level), \(size) bytes")
            if size > 1000 { #expect(member.count < input.count / 2) }
        }
    }
}
