import Foundation
import JupiterCore
import Testing

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        )
    ])
    func knownVectors(_ input: String, _ digest: String) {
        #expect(SHA256.hex(of: input) == digest)
    }

    @Test func chunkedUpdatesMatchOneShot() {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var whole = SHA256()
        whole.update(bytes)
        for chunk in [1, 3, 63, 64, 65, 1000] {
            var parts = SHA256()
            var i = 0
            while i < bytes.count {
                parts.update(Array(bytes[i..<min(i + chunk, bytes.count)]))
                i += chunk
            }
            #expect(parts.hexDigest() == whole.hexDigest(), "chunk \(chunk)")
        }
    }

    @Test func fileDigestMatchesSha256sum() throws {
        let path =
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path + "/Tests/Fixtures/Legislation/legislation-en-cy.tsv"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["sha256sum", path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let expected = String(out.prefix(64))
        #expect(try SHA256.hex(ofFile: path) == expected)
    }
}
