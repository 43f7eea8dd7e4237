import Foundation
import JupiterCore
import JupiterTesting
import Testing

/// A global stage that drops almost everything must not hold the drops in memory: the peak RSS
/// of the `jupiter` process itself (its own `VmHWM`, recorded in the manifest's timings, not the
/// test runner's shared peak) stays flat as the number of dropped records grows.
@Suite struct MemoryBoundTests {
    /// Runs `exact-dedup` over `n` documents of about 2 KB that repeat 20 texts, so all but 20 are dropped.
    func peakKiB(documents n: Int) throws -> Int {
        let dir = try ScratchDirectory.make("memory")
        let sentences = legislationPrompts(400)
        let texts = (0..<20).map { k in sentences[(k * 20)..<(k * 20 + 20)].joined(separator: " ") }
        var out = [UInt8]()
        out.reserveCapacity(n * 2200)
        for i in 0..<n {
            out += JSONWriter.bytes(.object(["id": .string("d\(i)"), "text": .string(texts[i % texts.count])]))
            out.append(0x0A)
        }
        try Data(out).write(to: URL(fileURLWithPath: dir + "/docs.jsonl"))
        try """
        name: drops
        sources:
          docs: { path: docs.jsonl, format: documents }
        datasets:
          unique: { from: docs, steps: [exact-dedup] }
        output: { dir: run, batch_size: 1000 }
        """.write(toFile: dir + "/recipe.yaml", atomically: true, encoding: .utf8)
        let r = try CLI.run(["run", dir + "/recipe.yaml", "--quiet", "--workers", "1"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let manifest = try JSONParser.parse(try FileSystem.read(dir + "/run/manifest.json"))
        #expect(manifest["datasets"]?["unique"]?["counts"]?["dropped"]?.intValue == n - 20)
        return try #require(manifest["timings"]?["peak_rss_kib"]?.intValue)
    }

    @Test func aLongRunOfDropsCostsNoMemory() throws {
        let small = try peakKiB(documents: 10_000)
        let large = try peakKiB(documents: 50_000)
        // 40,000 more drops are about 90 MB of dropped records; held in memory they would show here.
        #expect(large - small < 20_000, "peak RSS \(small) KiB for 10,000 documents, \(large) KiB for 50,000")
    }
}
