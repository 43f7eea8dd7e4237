import Foundation
import JupiterCore

/// The reference tools tests compare Jupiter with (Python packages such as `sacrebleu`,
/// `lm-eval`, `tokenizers`, `datatrove`, `llama-cpp-python`), found in the project-local virtual
/// environment that `scripts/test` creates (`.venv/`), or in the interpreter named by
/// `$JUPITER_PYTHON`.
///
/// Use ``has(_:)`` in a Swift Testing trait so a test whose peer is absent is *reported as
/// skipped* by the runner (never passed); where a reference is required (parity tests that
/// `scripts/test` always installs), assert it with `#require(Peers.has(...))` so a missing
/// reference fails.
public enum Peers {
    /// The repository root (from this file's location).
    public static let repoRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// `../shared/data` beside the repository (present on CI and developer machines, absent in a
    /// fresh clone: tests reading it are skipped through ``hasSharedData``), or the folder named by
    /// `$JUPITER_SHARED_DATA` (for a checkout that is not beside `shared/`, such as a worktree).
    public static let sharedData: String = {
        if let p = ProcessInfo.processInfo.environment["JUPITER_SHARED_DATA"], !p.isEmpty { return p }
        return URL(fileURLWithPath: repoRoot).deletingLastPathComponent().appendingPathComponent("shared/data").path
    }()

    /// True when `../shared/data/<relative>` exists.
    public static func hasSharedData(_ relative: String = "") -> Bool {
        FileManager.default.fileExists(atPath: relative.isEmpty ? sharedData : sharedData + "/" + relative)
    }

    /// The Python interpreter: `$JUPITER_PYTHON`, else `.venv/bin/python3` in the repository, else `python3`.
    public static let python: String = {
        if let p = ProcessInfo.processInfo.environment["JUPITER_PYTHON"], !p.isEmpty { return p }
        let venv = repoRoot + "/.venv/bin/python3"
        if FileManager.default.isExecutableFile(atPath: venv) { return venv }
        return "python3"
    }()

    private static let imports = Locked<[String: Bool]>([:])

    /// True when every module imports in ``python`` (result cached per process).
    public static func has(_ modules: String...) -> Bool { has(modules) }

    /// True when every module imports in ``python`` (result cached per process).
    public static func has(_ modules: [String]) -> Bool {
        let key = modules.joined(separator: ",")
        if let known = imports.withLock({ $0[key] }) { return known }
        let ok = (try? run(["-c", modules.map { "import \($0)" }.joined(separator: "; ")]).status) == 0
        imports.withLock { $0[key] = ok }
        return ok
    }

    /// The result of a peer process.
    public struct Output: Sendable {
        /// Exit status.
        public var status: Int32
        /// Standard output.
        public var stdout: [UInt8]
        /// Standard error, as text.
        public var stderr: String
        /// Standard output as text.
        public var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs ``python`` with `arguments`, feeding `stdin`; output is captured through files, so a
    /// large answer never blocks on a pipe.
    public static func run(_ arguments: [String], stdin: [UInt8]? = nil, environment: [String: String] = [:]) throws
        -> Output
    {
        try runProgram(python, arguments, stdin: stdin, environment: environment)
    }

    /// Runs any program (looked up on `PATH` when not absolute) and captures its output.
    public static func runProgram(
        _ program: String, _ arguments: [String], stdin: [UInt8]? = nil,
        environment: [String: String] = [:], directory: String? = nil
    ) throws -> Output {
        let dir = try ScratchDirectory.make("peer")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outPath = dir + "/stdout", errPath = dir + "/stderr", inPath = dir + "/stdin"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        _ = FileManager.default.createFile(atPath: inPath, contents: Data(stdin ?? []))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [program] + arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        p.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        try p.run()
        p.waitUntilExit()
        let out = (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data()
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return Output(status: p.terminationStatus, stdout: [UInt8](out), stderr: err)
    }
}
