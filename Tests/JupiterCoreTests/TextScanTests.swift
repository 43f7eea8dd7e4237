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
}
