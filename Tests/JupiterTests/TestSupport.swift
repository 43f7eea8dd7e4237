import Foundation
import JupiterCore
import JupiterTesting

/// Paths and temporary folders for tests.
enum TestSupport {
    /// The repository root (from this file's location).
    static let repoRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// `../shared/data/llm-evals-cy/NAME`.
    static func sharedData(_ name: String) -> String { repoRoot + "/../shared/data/llm-evals-cy/" + name }

    /// A fresh temporary directory.
    static func temporaryDirectory(_ label: String = "jupiter") throws -> String {
        try ScratchDirectory.make(label)
    }

    /// Writes a text file.
    static func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Writes bytes.
    static func write(_ bytes: [UInt8], to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// English–Welsh pairs of UK legislation (OGL v3.0), as (en, cy): the repository's fixture
    /// `Tests/Fixtures/Legislation/legislation-en-cy.tsv`.
    static func legislationPairs(limit: Int = .max) throws -> [(String, String)] {
        let reader = try LineReader(path: repoRoot + "/Tests/Fixtures/Legislation/legislation-en-cy.tsv")
        var out: [(String, String)] = []
        while let line = try reader.next(), out.count < limit {
            let cols = String(decoding: line.bytes, as: UTF8.self).split(separator: "\t", omittingEmptySubsequences: false)
            guard cols.count == 2 else { continue }
            out.append((String(cols[0]), String(cols[1])))
        }
        return out
    }

    /// Writes pairs as a TSV file.
    static func writeTSV(_ pairs: [(String, String)], to path: String) throws {
        try write(pairs.map { "\($0.0)\t\($0.1)\n" }.joined(), to: path)
    }

    /// Every line of a (plain or gzip) file, parsed as JSON.
    static func jsonLines(_ path: String) throws -> [JSONValue] {
        guard (FileSystem.size(path) ?? 0) > 0 else { return [] }
        let r = try LineReader(path: path, maxLineBytes: 1 << 30)
        var out: [JSONValue] = []
        while let l = try r.next() { if !l.bytes.isEmpty { out.append(try JSONParser.parse(l.bytes)) } }
        return out
    }

    /// Bytes of a file.
    static func bytes(_ path: String) throws -> [UInt8] { try FileSystem.read(path) }
}
