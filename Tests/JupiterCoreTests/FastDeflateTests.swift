import CFastDeflate
import JupiterCore
import Testing

/// Jupiter's level-1 deflate encoder (`CFastDeflate`, behind `GzipDeflater(level: 1)`): zlib reads
/// back every shape of input exactly, each block takes its cheapest form, the code lengths are
/// complete and limited, and the output depends on the input alone.
@Suite struct FastDeflateTests {
    static func inflate(_ member: [UInt8]) throws -> [UInt8] { try GzipInflater.decompress(member, path: "<test>") }

    static func random(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SeededRandom(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    /// Drop-record-shaped JSONL: long shared keys, ids that differ in a digit or two, repeats.
    static func dropLines(_ count: Int) -> [UInt8] {
        var rng = SeededRandom(seed: 3)
        var out: [UInt8] = []
        for i in 0..<count {
            let line = Int(rng.next() % 5000)
            out += Array(
                ("{\"id\":\"pairs.tsv:\(i)\",\"translation\":{\"en\":\"Regulation \(line) of the Act\","
                    + "\"cy\":\"Rheoliad \(line) o'r Ddeddf\"},\"dropped\":{\"stage\":\"exact-dedup\","
                    + "\"rule\":\"exact-dedup.duplicate\",\"reason\":\"duplicate of pairs.tsv:\(line)\"}}\n").utf8)
        }
        return out
    }

    /// The first block's type: 0 stored, 1 fixed codes, 2 dynamic codes.
    static func firstBlockType(_ member: [UInt8]) -> UInt8 { (member[10] >> 1) & 3 }

    @Test func everyShapeReadsBackExactly() throws {
        var inputs: [(String, [UInt8])] = [("empty", []), ("one byte", [0x61])]
        for n in [2, 7, 8, 9, 15, 16, 17, 100, 257, 65_535, 65_536, 65_537, 200_000] {
            inputs.append(("random \(n)", Self.random(n, seed: UInt64(n))))
            inputs.append(("zeros \(n)", [UInt8](repeating: 0, count: n)))
            inputs.append(("abc \(n)", Array(Array(String(repeating: "abcdefghij", count: n / 10 + 1).utf8).prefix(n))))
        }
        // Repeats exactly at the window's far edge and one byte past it.
        let w = Self.random(32_768, seed: 1)
        inputs.append(("distance 32768", w + w + Array(w.prefix(1000))))
        let w1 = Self.random(32_769, seed: 2)
        inputs.append(("distance 32769", w1 + w1))
        inputs.append(("zeros 3 MiB", [UInt8](repeating: 0, count: 3 << 20)))
        inputs.append(("drop lines", Self.dropLines(20_000)))
        inputs.append(("text", GzipTests.text(1 << 20)))
        // Text with incompressible stretches: blocks of every kind in one stream.
        var mixed: [UInt8] = []
        for i in 0..<40 { mixed += i % 3 == 0 ? Self.random(40_000, seed: UInt64(i)) : GzipTests.text(40_000) }
        inputs.append(("mixed", mixed))
        for (name, input) in inputs {
            let member = try GzipDeflater.compress(input, level: 1)
            #expect(member.prefix(4) == [0x1F, 0x8B, 8, 0], "\(name)")
            #expect(try Self.inflate(member) == input, "\(name)")
            #expect(member.count <= input.count + input.count / 2048 + 64 + 18, "\(name): \(member.count) bytes")
        }
    }

    /// 300 seeded inputs built from copies at random distances (1 to 40,000) and lengths (1 to
    /// 600), runs of one byte and random stretches, 0 to 300 KB each: every one reads back.
    @Test func randomCopiesReadBack() throws {
        var rng = SeededRandom(seed: 29)
        let d = try GzipDeflater(level: 1)
        for case_ in 0..<300 {
            let size = Int(rng.next() % 300_000)
            var input: [UInt8] = []
            input.reserveCapacity(size + 600)
            while input.count < size {
                switch rng.next() % 4 {
                case 0:
                    let n = Int(1 + rng.next() % 200)
                    for _ in 0..<n { input.append(UInt8(truncatingIfNeeded: rng.next() % (1 + rng.next() % 256))) }
                case 1:
                    input += [UInt8](repeating: UInt8(truncatingIfNeeded: rng.next()), count: Int(1 + rng.next() % 600))
                default:
                    guard !input.isEmpty else { continue }
                    let distance = Int(1 + rng.next() % UInt64(min(input.count, 40_000)))
                    for _ in 0..<Int(1 + rng.next() % 600) { input.append(input[input.count - distance]) }
                }
            }
            var member: [UInt8] = []
            input.withUnsafeBytes { d.member($0, into: &member) }
            #expect(try Self.inflate(member) == input, "case \(case_), \(input.count) bytes")
        }
    }

    @Test func eachBlockTakesItsCheapestForm() throws {
        // A few bytes: the fixed codes (a dynamic header alone is larger); nothing: the 2-byte
        // fixed block holding only its end code.
        let tiny = try GzipDeflater.compress(Array("Helo, byd!".utf8), level: 1)
        #expect(Self.firstBlockType(tiny) == 1)
        #expect(try GzipDeflater.compress([], level: 1) == [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 4, 0xFF, 3, 0] + [UInt8](repeating: 0, count: 8))
        // Random bytes: stored. A block ends after 32,768 tokens (here all literals), so 200,000
        // bytes make 7 stored blocks of 5 bytes' overhead each.
        let random = Self.random(200_000, seed: 9)
        let stored = try GzipDeflater.compress(random, level: 1)
        #expect(Self.firstBlockType(stored) == 0)
        #expect(stored.count == 18 + 200_000 + 5 * 7)
        // Text: dynamic codes, well under half its size.
        let text = Self.dropLines(5_000)
        let dynamic = try GzipDeflater.compress(text, level: 1)
        #expect(Self.firstBlockType(dynamic) == 2)
        #expect(dynamic.count * 5 < text.count)
    }

    @Test func outputDependsOnTheInputAlone() async throws {
        let a = Self.dropLines(30_000), b = GzipTests.text(500_000)
        let fresh = try GzipDeflater.compress(a, level: 1)
        // One deflater, other inputs between: the same bytes as a fresh one.
        let d = try GzipDeflater(level: 1)
        var first: [UInt8] = [], again: [UInt8] = [], other: [UInt8] = []
        a.withUnsafeBytes { d.member($0, into: &first) }
        b.withUnsafeBytes { d.member($0, into: &other) }
        a.withUnsafeBytes { d.member($0, into: &again) }
        #expect(first == fresh)
        #expect(again == fresh)
        // Eight threads at once.
        let outputs = await withTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<8 { group.addTask { (try? GzipDeflater.compress(a, level: 1)) ?? [] } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outputs.count == 8 && outputs.allSatisfy { $0 == fresh })
        // Pinned: a change to the encoder changes every run's drop files, so it must be deliberate.
        var sha = SHA256()
        sha.update(fresh)
        let hex = sha.finalize().map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
        #expect(fresh.count == 414_108)
        #expect(hex.joined() == "bfd4af14e028c0545cd38eb9458009d68cbfc243e7b90bd3e7bce91198201039")
    }

    /// Kraft sum of the lengths in units of 2^-15 (32,768 for a complete code).
    static func kraft(_ lengths: [UInt8]) -> Int { lengths.reduce(0) { $1 == 0 ? $0 : $0 + (1 << (15 - Int($1))) } }

    static func lengths(_ freq: [UInt32], max: UInt32 = 15) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: freq.count)
        jupiter_deflate_code_lengths(freq, freq.count, max, &out)
        return out
    }

    /// The optimal (Huffman) cost in bits, without a length limit.
    static func huffmanCost(_ freq: [UInt32]) -> Int {
        var weights = freq.filter { $0 > 0 }.map(Int.init).sorted()
        var cost = 0
        while weights.count > 1 {
            let merged = weights.removeFirst() + weights.removeFirst()
            cost += merged
            let at = weights.firstIndex { $0 > merged } ?? weights.count
            weights.insert(merged, at: at)
        }
        return cost
    }

    @Test func codeLengthsAreCompleteAndLimited() {
        // Fibonacci frequencies: Huffman's code would be 29 bits deep.
        var fib: [UInt32] = [1, 1]
        while fib.count < 30 { fib.append(fib[fib.count - 1] + fib[fib.count - 2]) }
        let deep = Self.lengths(fib)
        #expect(deep.max() == 15)
        #expect(Self.kraft(deep) == 1 << 15)
        // More frequent symbols never get longer codes.
        for i in 1..<fib.count { #expect(deep[i] <= deep[i - 1]) }
        // The code-length code's limit of 7 bits.
        let seven = Self.lengths(Array(fib.prefix(19)), max: 7)
        #expect(seven.max() == 7 && seven.reduce(0) { $0 + (1 << (7 - Int($1))) } == 1 << 7)
        // Without clamping (frequencies within a factor of 10 stay well under 15 bits), the
        // lengths are Huffman's: the same total cost.
        var rng = SeededRandom(seed: 5)
        for _ in 0..<50 {
            let freq = (0..<286).map { _ in rng.next() % 4 == 0 ? 0 : UInt32(100 + rng.next() % 900) }
            let lengths = Self.lengths(freq)
            #expect(Self.kraft(lengths) == 1 << 15)
            let cost = zip(freq, lengths).reduce(0) { $0 + Int($1.0) * Int($1.1) }
            #expect(cost == Self.huffmanCost(freq))
        }
        // One used symbol (or none) still gets a complete code: two codes of one bit.
        var single = [UInt32](repeating: 0, count: 30)
        single[7] = 12
        let one = Self.lengths(single)
        #expect(one[7] == 1 && one[0] == 1 && one.filter { $0 > 0 }.count == 2)
        #expect(Self.lengths([UInt32](repeating: 0, count: 30)).prefix(2) == [1, 1])
    }
}
