import Foundation
import JupiterCore
import JupiterTesting

/// Runs the built `jupiter` executable as a subprocess.
enum CLI {
    static let repoRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The `jupiter` binary next to the test bundle (SwiftPM builds it for `swift test`).
    static var binary: String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("jupiter").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        // Fall back to the default debug build folder.
        return repoRoot + "/.build/debug/jupiter"
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Starts `jupiter ARGS` (stdout/stderr captured to files so a long run never blocks on a pipe).
    static func start(_ args: [String], in dir: String, environment: [String: String] = [:]) throws -> (Process, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        if !environment.isEmpty {
            var env = ProcessInfo.processInfo.environment
            for (k, v) in environment { env[k] = v }
            p.environment = env
        }
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        // Captured output goes to the temporary folder, never into the folder the command runs in.
        let out = ScratchDirectory.path("stdout")
        let err = ScratchDirectory.path("stderr")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try p.run()
        return (p, out, err)
    }

    /// Runs `jupiter ARGS` to completion.
    static func run(_ args: [String], in dir: String, environment: [String: String] = [:]) throws -> Result {
        let (p, out, err) = try start(args, in: dir, environment: environment)
        p.waitUntilExit()
        return Result(
            status: p.terminationStatus, stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    /// Every line of a (plain or gzip) JSONL file, parsed.
    static func jsonLines(_ path: String) throws -> [JSONValue] {
        guard (FileSystem.size(path) ?? 0) > 0 else { return [] }
        let r = try LineReader(path: path, maxLineBytes: 1 << 30)
        var out: [JSONValue] = []
        while let l = try r.next() { if !l.bytes.isEmpty { out.append(try JSONParser.parse(l.bytes)) } }
        return out
    }

    /// Reads a file's text (empty when missing).
    static func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
}
