import JupiterCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Paths and helpers shared by the Core tests.
enum TestSupport {
    /// The repository root (three levels above this file).
    static let repoRoot: String = {
        var path = "\(#filePath)"
        for _ in 0..<3 { path = FileSystem.parent(of: path) }
        return path
    }()

    /// `Tests/Fixtures/Formats/<name>`.
    static func fixture(_ name: String) -> String { repoRoot + "/Tests/Fixtures/Formats/" + name }

    /// `../shared/data/<name>` next to the repository.
    static func sharedData(_ name: String) -> String { FileSystem.parent(of: repoRoot) + "/shared/data/" + name }

    /// True when golden files should be rewritten instead of compared.
    static var updateGolden: Bool { getenv("JUPITER_UPDATE_GOLDEN") != nil }

    /// Writes `bytes` to `path` (plain).
    static func write(_ bytes: [UInt8], to path: String) throws {
        try AtomicFile.write(bytes, to: path)
    }

    /// Writes text to `path`.
    static func write(_ text: String, to path: String) throws { try write(Array(text.utf8), to: path) }

    /// Reads a source completely with the engine's rules.
    /// `label` names the file in lineage and fallback ids (default: the path as given).
    static func read(
        _ format: Format, _ paths: [String], options: FormatOptions = FormatOptions(),
        label: String? = nil
    ) throws -> (records: [Record], quarantined: [QuarantineEntry]) {
        var records: [Record] = []
        var quarantined: [QuarantineEntry] = []
        try SourceScanner.scan(format, paths: paths, options: options, label: label) { item in
            switch item {
            case .record(let r): records.append(r)
            case .quarantined(let q): quarantined.append(q)
            }
        }
        return (records, quarantined)
    }

    /// Writes records with a format's writer and commits.
    static func writeRecords(
        _ records: [Record], _ format: Format, _ paths: [String],
        options: FormatOptions = FormatOptions(), includeLineage: Bool = false
    ) throws {
        let w = try RecordWriters.open(format, paths: paths, options: options, includeLineage: includeLineage)
        for r in records { try w.write(r) }
        try w.commit()
    }

    /// The record with its lineage cleared (for comparing records read from different files).
    static func withoutLineage(_ r: Record) -> Record {
        var r = r
        r.lineage = Lineage()
        return r
    }
}

/// A temporary directory removed when the value goes away.
final class TempDir {
    let path: String
    init() throws {
        var template = Array("/tmp/jupiter-test-XXXXXX".utf8CString)
        guard let p = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw IOError(path: "/tmp", "mkdtemp failed")
        }
        path = String(cString: p)
    }
    deinit { FileSystem.removeTree(path) }
    func file(_ name: String) -> String { path + "/" + name }
}
