import Foundation
import Testing

@testable import JupiterCore

@Suite struct XXH3Tests {
    /// Vectors from the Python `xxhash` package (`xxh3_128_hexdigest`, xxHash 0.8): the canonical
    /// hex form is the high 64 bits, then the low.
    @Test(arguments: [
        ([UInt8](), "99aa06d3014798d86001c324468d497f"),
        (Array("abc".utf8), "06b05ab6733a618578af5f94892f3950"),
        (Array("Mae’r Ŵyl yn dechrau.".utf8), "e8704981994af03b43b74bccbf1ac0a9"),
        (Array("the committee shall meet once a year".utf8), "5c9f5d93a04c9b80aac8887f39353f97"),
        ((0..<1000).map { UInt8($0 * 7 % 256) }, "abee229cdadad76d10ad30264426c830")
    ])
    func knownVectors(_ input: [UInt8], _ hex: String) {
        let h = XXH3.hash128(input)
        #expect(String(format: "%016llx%016llx", h.high, h.low) == hex)
    }

    /// A slice hashes as a copy of its bytes (the pointer and count reach the library as given).
    @Test func slicesHashTheirOwnBytes() {
        let bytes = (0..<600).map { UInt8($0 * 31 % 251) }
        for (start, end) in [(0, 0), (3, 3), (1, 17), (5, 130), (7, 241), (40, 600)] {
            let slice = bytes.withUnsafeBufferPointer { XXH3.hash128(UnsafeBufferPointer(rebasing: $0[start..<end])) }
            let copy = XXH3.hash128(Array(bytes[start..<end]))
            #expect(slice == copy, "bytes \(start)..<\(end)")
        }
    }
}
