import CTextScan
import JupiterCore
import Testing

/// The SIMD byte scans of the JSON readers against a byte-by-byte search.
@Suite struct TextScanTests {
    static func naive(_ b: [UInt8], ascii: Bool) -> Int {
        b.firstIndex { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || (ascii && $0 >= 0x80) } ?? b.count
    }

    /// Both scans of `b[offset...]`, read where it lies (so at every alignment).
    static func scans(_ b: [UInt8], from offset: Int = 0) -> (ascii: Int, plain: Int) {
        b.withUnsafeBufferPointer { u in
            guard let p = u.baseAddress else { return (0, 0) }
            return (jupiter_json_ascii_run(p + offset, u.count - offset), jupiter_json_plain_run(p + offset, u.count - offset))
        }
    }

    @Test("every byte value at every place of texts of 0 to 47 bytes, behind 0 to 15 bytes of offset")
    func everyByteEverywhere() {
        var checked = 0
        for offset in 0..<16 {
            for length in 0..<48 {
                for place in 0..<max(1, length) {
                    for value in 0...255 {
                        var b = [UInt8](repeating: 0x61, count: offset + length)
                        if length > 0 { b[offset + place] = UInt8(value) }
                        let text = Array(b[offset...])
                        let got = Self.scans(b, from: offset)
                        if got.ascii != Self.naive(text, ascii: true) || got.plain != Self.naive(text, ascii: false) {
                            Issue.record("offset \(offset), length \(length), byte \(value) at \(place): \(got)")
                            return
                        }
                        checked += 1
                    }
                }
            }
        }
        #expect(checked == 16 * (1 * 256 + (1..<48).reduce(0) { $0 + $1 * 256 }))
    }

    @Test("random texts with several stops agree")
    func randomTexts() {
        var rng = SeededRandom(seed: 77)
        let alphabet: [UInt8] = Array("ab ŵ\"\\\n\t".utf8) + [0x00, 0x1F, 0x20, 0x7F, 0x80, 0xC3, 0xFF]
        var stopsSeen = 0
        for _ in 0..<20_000 {
            let length = Int.random(in: 0..<200, using: &rng)
            let text = (0..<length).map { _ in
                Int.random(in: 0..<20, using: &rng) == 0
                    ? alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] : UInt8.random(in: 0x21...0x7E, using: &rng)
            }
            let got = Self.scans(text)
            #expect(got.ascii == Self.naive(text, ascii: true) && got.plain == Self.naive(text, ascii: false))
            if got.plain < text.count { stopsSeen += 1 }
        }
        #expect(stopsSeen > 10_000)
    }

    @Test("the last comma from the end: at every place of texts of 0 to 47 bytes, behind 0 to 15 bytes, and on random texts")
    func lastByte() {
        func last(_ b: [UInt8], from offset: Int) -> Int {
            b.withUnsafeBufferPointer { u in
                guard let p = u.baseAddress else { return -1 }
                return jupiter_last_byte(p + offset, u.count - offset, 0x2C)
            }
        }
        var checked = 0
        for offset in 0..<16 {
            for length in 0..<48 {
                // One comma at each place, or none; another comma earlier where there is room.
                for place in -1..<length {
                    var b = [UInt8](repeating: 0x2D, count: offset + length)
                    if place >= 0 { b[offset + place] = 0x2C }
                    if place > 3 { b[offset + place / 2] = 0x2C }
                    if offset > 0 { b[offset - 1] = 0x2C }  // before the text: never found
                    #expect(last(b, from: offset) == place, "offset \(offset), length \(length), comma at \(place)")
                    checked += 1
                }
            }
        }
        #expect(checked == 16 * (1..<49).reduce(0, +))
        var rng = SeededRandom(seed: 78)
        for _ in 0..<5_000 {
            let text = (0..<Int.random(in: 0..<300, using: &rng)).map { _ in
                Int.random(in: 0..<40, using: &rng) == 0 ? 0x2C : UInt8.random(in: 0...255, using: &rng) | 1
            }
            #expect(last(text, from: 0) == text.lastIndex(of: 0x2C) ?? -1)
        }
    }

    @Test("the first newline and line boundary among 32-bit scalars: at every place of 0 to 40 scalars, and on random texts")
    func scalarFinds() {
        // Every line boundary of str.splitlines, and scalars next to them.
        let breaks: [UInt32] = [0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029]
        let others: [UInt32] = [0x09, 0x0E, 0x1B, 0x1F, 0x20, 0x84, 0x86, 0x2027, 0x202A, 0x41, 0x10FFFF, 0xFFFF_FFFF, 0x8000_000A]
        func find(_ s: [UInt32], from offset: Int, lineBreak: Bool) -> Int {
            s.withUnsafeBufferPointer { u in
                guard let p = u.baseAddress else { return 0 }
                let n = u.count - offset
                return lineBreak ? jupiter_u32_find_line_break(p + offset, n) : jupiter_u32_find(p + offset, n, 0x0A)
            }
        }
        var checked = 0
        for offset in 0..<5 {
            for length in 0..<41 {
                for place in -1..<length {
                    for c in breaks {
                        var s = [UInt32](repeating: 0, count: offset + length)
                        for k in 0..<s.count { s[k] = others[(k * 7 + length) % others.count] }
                        if offset > 0 { s[offset - 1] = 0x0A }  // before the text: never found
                        if place >= 0 { s[offset + place] = c }
                        let end = place >= 0 ? place : length
                        #expect(find(s, from: offset, lineBreak: true) == end, "line break \(c) at \(place) of \(length)")
                        #expect(find(s, from: offset, lineBreak: false) == (c == 0x0A ? end : length), "newline at \(place) of \(length)")
                        checked += 1
                    }
                }
            }
        }
        #expect(checked == 5 * 10 * (1..<42).reduce(0, +))
        var rng = SeededRandom(seed: 79)
        for _ in 0..<5_000 {
            let text = (0..<Int.random(in: 0..<200, using: &rng)).map { _ in
                Int.random(in: 0..<30, using: &rng) == 0
                    ? breaks[Int.random(in: 0..<breaks.count, using: &rng)] : others[Int.random(in: 0..<others.count, using: &rng)]
            }
            #expect(find(text, from: 0, lineBreak: false) == text.firstIndex(of: 0x0A) ?? text.count)
            #expect(find(text, from: 0, lineBreak: true) == text.firstIndex(where: { breaks.contains($0) }) ?? text.count)
        }
    }

    @Test("the printable ASCII run ends at every byte that is not printable ASCII, tab, line feed or carriage return")
    func printableRun() {
        func printable(_ b: UInt8) -> Bool { (b >= 0x20 && b < 0x7F) || b == 0x09 || b == 0x0A || b == 0x0D }
        var checked = 0
        for length in [0, 1, 15, 16, 17, 31, 40] {
            for place in -1..<length {
                for b in 0...255 where !printable(UInt8(b)) || place < 0 {
                    var text = (0..<length).map { UInt8(0x20 + ($0 * 7) % 0x5F) }
                    if length > 2 { text[length / 3] = 0x0A; text[length / 2] = 0x09 }
                    if place >= 0 { text[place] = UInt8(b) }
                    let want = text.firstIndex { !printable($0) } ?? length
                    let got = text.withUnsafeBufferPointer { u in u.baseAddress.map { jupiter_printable_ascii_run($0, u.count) } ?? 0 }
                    #expect(got == want, "byte \(b) at \(place) of \(length)")
                    checked += 1
                    if place < 0 { break }
                }
            }
        }
        #expect(checked == 7 + 120 * 158)  // 158 bytes that end a run, at each of 120 places
    }
}
