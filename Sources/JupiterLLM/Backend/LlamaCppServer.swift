import JupiterCore
import Foundation

/// A llama.cpp server (`llama_cpp.server` from `llama-cpp-python[server]`) that Jupiter starts
/// on a free loopback port for a `backend: llama-cpp` model and stops at the end of the run.
///
/// The child asks the kernel (Linux `PR_SET_PDEATHSIG`) for SIGTERM when Jupiter dies, so it does
/// not outlive even a SIGKILLed run.
final class LlamaCppServer: Sendable {
    let name: String
    let options: ModelConfig.LlamaCppOptions
    let port: Int
    let logPath: String
    private let process: Locked<Process?> = Locked(nil)

    /// The OpenAI-compatible base URL.
    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    init(name: String, options: ModelConfig.LlamaCppOptions, port: Int, logDirectory: String) {
        self.name = name
        self.options = options
        self.port = port
        let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        logPath = (logDirectory as NSString).appendingPathComponent("llama-cpp-\(safe).log")
    }


    /// Python code that unblocks signals (a child inherits the spawning thread's mask, in which
    /// Swift runtimes block SIGTERM and SIGINT), stops the server when Jupiter dies (a daemon thread
    /// watches the parent pid: `PR_SET_PDEATHSIG` is not used because it fires when the *thread*
    /// that spawned the child exits, and Swift's thread pool retires threads), then runs
    /// `llama_cpp.server`.
    static let launcher = """
        import os, signal, sys, threading, time, runpy
        parent = os.getppid()
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        if os.getppid() != parent:
            sys.exit(0)
        def watch():
            while os.getppid() == parent:
                time.sleep(0.5)
            os.kill(os.getpid(), signal.SIGTERM)
        threading.Thread(target=watch, daemon=True).start()
        sys.argv = ['llama_cpp.server'] + sys.argv[1:]
        runpy.run_module('llama_cpp.server', run_name='__main__', alter_sys=True)
        """

    /// Launches the process (does not wait for health).
    /// Launches the process with `python` (an interpreter with `llama_cpp.server`) serving the
    /// GGUF at `modelPath`.
    func launch(python: String, modelPath: String, environment: [String: String]) throws(LLMError) {
        guard FileManager.default.fileExists(atPath: modelPath) else {
            throw LLMError(.backend, "model '\(name)': GGUF file not found at \(modelPath)")
        }
        var args = ["-c", Self.launcher, "--model", modelPath, "--model_alias", name,
                    "--host", "127.0.0.1", "--port", String(port), "--n_ctx", String(options.contextSize)]
        if let t = options.threads { args += ["--n_threads", String(t)] }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python] + args
        p.environment = environment
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        guard let log = FileHandle(forWritingAtPath: logPath) else {
            throw LLMError(.backend, "model '\(name)': cannot write the server log \(logPath)")
        }
        p.standardOutput = log
        p.standardError = log
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch {
            throw LLMError(.backend, "model '\(name)': could not start \(python) -m llama_cpp.server: \(error)")
        }
        process.withLock { $0 = p }
    }

    /// Whether the process is alive.
    var isRunning: Bool { process.withLock { $0?.isRunning ?? false } }

    /// Whether the socket listening on our port belongs to our process (Linux: the socket inode
    /// from `/proc/net/tcp` is among the process's descriptors). Another server that took the same
    /// port between choosing it and binding it would otherwise answer our health check. Nil where
    /// `/proc` cannot tell (other systems).
    func ownsListeningPort() -> Bool? {
        guard let pid = process.withLock({ $0?.processIdentifier }),
              let table = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) else { return nil }
        let hexPort = String(format: ":%04X", port)
        var inodes = Set<String>()
        for line in table.split(separator: "\n").dropFirst() {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            // local_address is f[1] ("0100007F:1F90"), st is f[3] ("0A" = LISTEN), inode is f[9].
            guard f.count > 9, f[1].hasSuffix(hexPort), f[3] == "0A" else { continue }
            inodes.insert(String(f[9]))
        }
        guard !inodes.isEmpty else { return false }
        guard let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { return nil }
        for fd in fds {
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"),
               target.hasPrefix("socket:["), inodes.contains(String(target.dropFirst(8).dropLast())) {
                return true
            }
        }
        return false
    }

    /// Why the server is gone, when it died on its own (nil while it runs or after ``stop()``):
    /// its exit status or signal, with advice for an illegal instruction (a llama.cpp built for
    /// CPU features this machine or sandbox does not allow), and the end of its log.
    func deathNote() -> String? {
        guard let p = process.withLock({ $0 }), !p.isRunning else { return nil }
        let how: String
        if p.terminationReason == .uncaughtSignal {
            let sig = p.terminationStatus
            how = "was killed by signal \(sig)" + (Self.signalNames[sig].map { " (\($0))" } ?? "")
                + (sig == SIGILL ? ": its llama.cpp was built for CPU instructions this machine does not allow (e.g. AMX in a "
                    + "container); reinstall llama-cpp-python with CMAKE_ARGS=\"-DGGML_NATIVE=OFF -DGGML_AVX2=ON\"" : "")
                + (sig == SIGKILL ? " (out of memory? try a smaller ctx)" : "")
        } else {
            how = "exited with status \(p.terminationStatus)"
        }
        return "the llama.cpp server \(how). Log \(logPath):\n\(logTail(8))"
    }

    static let signalNames: [Int32: String] = [SIGILL: "SIGILL", SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT",
                                                SIGKILL: "SIGKILL", SIGBUS: "SIGBUS", SIGTERM: "SIGTERM"]

    /// Process id, when launched.
    var pid: Int32? { process.withLock { $0?.processIdentifier } }

    /// The last `n` lines of the server log.
    func logTail(_ n: Int = 15) -> String {
        guard let data = FileManager.default.contents(atPath: logPath) else { return "" }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        return lines.suffix(n).joined(separator: "\n")
    }

    /// SIGTERM, then SIGKILL after `grace` seconds; returns when the process is gone.
    func stop(grace: Double = 10) async {
        guard let p = process.withLock({ $0 }) else { return }
        if p.isRunning {
            kill(p.processIdentifier, SIGTERM)
            let deadline = Clock.now() + grace
            while p.isRunning && Clock.now() < deadline { try? await Task.sleep(nanoseconds: 50_000_000) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
        }
        process.withLock { $0 = nil }
    }

    /// Stops the process without waiting (for signal handlers).
    func stopNow() {
        if let p = process.withLock({ $0 }), p.isRunning { kill(p.processIdentifier, SIGTERM) }
    }

    /// A free TCP port on 127.0.0.1 (``FreePort``).
    static func freePort() throws(LLMError) -> Int {
        do { return try FreePort.find(loopback: true) } catch { throw LLMError(.backend, error.description) }
    }
}
