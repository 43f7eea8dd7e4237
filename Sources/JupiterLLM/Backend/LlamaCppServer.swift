import Foundation
import JupiterCore

/// A llama.cpp server (`llama_cpp.server` from `llama-cpp-python[server]`) that Jupiter starts
/// on a free loopback port for a `backend: llama-cpp` model and stops at the end of the run.
///
/// The child asks the kernel (Linux `PR_SET_PDEATHSIG`) for SIGTERM when Jupiter dies, so it does
/// not outlive even a SIGKILLed run.
final class LlamaCppServer: Sendable {
    let name: String
    let options: ModelConfig.LlamaCppOptions
    let logPath: String
    /// Where the launcher writes the port it bound (``launcher``): a name of this launch alone
    /// (two servers of one model name may share a log folder), removed once read.
    let portPath: String
    private let process: Locked<Process?> = Locked(nil)
    private let boundPort: Locked<Int?> = Locked(nil)

    init(name: String, options: ModelConfig.LlamaCppOptions, logDirectory: String) {
        self.name = name
        self.options = options
        let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        logPath = (logDirectory as NSString).appendingPathComponent("llama-cpp-\(safe).log")
        portPath = (NSTemporaryDirectory() as NSString).appendingPathComponent("jupiter-llama-cpp-\(UUID().uuidString).port")
    }

    /// The port the server's own process bound, once its launcher has written it (nil before).
    var port: Int? {
        if let p = boundPort.withLock({ $0 }) { return p }
        guard let text = try? String(contentsOfFile: portPath, encoding: .utf8),
            let p = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), (1...65535).contains(p)
        else { return nil }
        boundPort.withLock { $0 = p }
        try? FileManager.default.removeItem(atPath: portPath)
        return p
    }

    /// The OpenAI-compatible base URL (nil until the port is known).
    var baseURL: String? { port.map { "http://127.0.0.1:\($0)/v1" } }

    /// Python code that unblocks signals (a child inherits the spawning thread's mask, in which
    /// Swift runtimes block SIGTERM and SIGINT), stops the server when Jupiter dies (a daemon thread
    /// watches the parent pid: `PR_SET_PDEATHSIG` is not used because it fires when the *thread*
    /// that spawned the child exits, and Swift's thread pool retires threads), binds a free loopback
    /// port itself and writes it to the file named by its first argument (temp file + rename), then
    /// runs `llama_cpp.server` with uvicorn serving that very socket.
    ///
    /// The server's own process holds its port from the start, before the model loads: a port
    /// chosen by Jupiter and bound later by the child could be taken in between by any other
    /// process (measured: under a loaded test run another server answered on it), and then the
    /// health check would talk to a stranger. So whatever answers on the written port is ours.
    static let launcher = """
        import os, signal, socket, sys, threading, time, runpy
        parent = os.getppid()
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        if os.getppid() != parent:
            sys.exit(0)
        def watch():
            while os.getppid() == parent:
                time.sleep(0.5)
            os.kill(os.getpid(), signal.SIGTERM)
        threading.Thread(target=watch, daemon=True).start()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
        port_file = sys.argv[1]
        with open(port_file + '.tmp', 'w') as f:
            f.write(str(port))
        os.replace(port_file + '.tmp', port_file)
        import uvicorn
        def run(app, host=None, port=None, **kwargs):
            config = uvicorn.Config(app, host='127.0.0.1', port=sock.getsockname()[1], **kwargs)
            uvicorn.Server(config).run(sockets=[sock])
        uvicorn.run = run
        sys.argv = ['llama_cpp.server'] + sys.argv[2:]
        runpy.run_module('llama_cpp.server', run_name='__main__', alter_sys=True)
        """

    /// Launches the process with `python` (an interpreter with `llama_cpp.server`) serving the
    /// GGUF at `modelPath` (does not wait for health: see ``port``).
    func launch(python: String, modelPath: String, environment: [String: String]) throws(LLMError) {
        guard FileManager.default.fileExists(atPath: modelPath) else {
            throw LLMError(.backend, "model '\(name)': GGUF file not found at \(modelPath)")
        }
        var args = [
            "-c", Self.launcher, portPath, "--model", modelPath, "--model_alias", name,
            "--n_ctx", String(options.contextSize)
        ]
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

    /// Why the server is gone, when it died on its own (nil while it runs or after ``stop()``):
    /// its exit status or signal, with advice for an illegal instruction (a llama.cpp built for
    /// CPU features this machine or sandbox does not allow), and the end of its log.
    func deathNote() -> String? {
        guard let p = process.withLock({ $0 }), !p.isRunning else { return nil }
        let how: String
        if p.terminationReason == .uncaughtSignal {
            let sig = p.terminationStatus
            how =
                "was killed by signal \(sig)" + (Self.signalNames[sig].map { " (\($0))" } ?? "")
                + (sig == SIGILL
                    ? ": its llama.cpp was built for CPU instructions this machine does not allow (e.g. AMX in a "
                        + "container); reinstall llama-cpp-python with CMAKE_ARGS=\"-DGGML_NATIVE=OFF -DGGML_AVX2=ON\"" : "")
                + (sig == SIGKILL ? " (out of memory? try a smaller ctx)" : "")
        } else {
            how = "exited with status \(p.terminationStatus)"
        }
        return "the llama.cpp server \(how). Log \(logPath):\n\(logTail(8))"
    }

    static let signalNames: [Int32: String] = [
        SIGILL: "SIGILL", SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT",
        SIGKILL: "SIGKILL", SIGBUS: "SIGBUS", SIGTERM: "SIGTERM"
    ]

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
        try? FileManager.default.removeItem(atPath: portPath)
    }

    /// Stops the process without waiting (for signal handlers).
    func stopNow() {
        if let p = process.withLock({ $0 }), p.isRunning { kill(p.processIdentifier, SIGTERM) }
    }
}
