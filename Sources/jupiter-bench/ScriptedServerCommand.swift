import ArgumentParser
import Foundation
import JupiterTesting

/// `jupiter-bench scripted-server --port P`: the scripted OpenAI-compatible test server as a
/// process, serving until SIGTERM: what the tests of `backend: slurm` models launch as the model's
/// server job (and a quick stand-in server by hand).
struct ScriptedServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scripted-server",
        abstract: "Serve the scripted OpenAI-compatible test server on 127.0.0.1 until SIGTERM.")

    @Option(name: .long, help: "Port (0: any free port; the URL is printed).")
    var port = 0

    @Option(name: .long, help: "The model id it serves.")
    var model = "test-model"

    @Option(name: .customLong("latency-ms"), help: "Delay of every answer, in milliseconds.")
    var latencyMs = 0.0

    func run() async throws {
        var options = ScriptedLLMServer.Options(models: [model])
        options.latency = latencyMs / 1000
        let server = try await ScriptedLLMServer.start(options, port: port)
        FileHandle.standardOutput.write(Data("serving \(model) at \(server.baseURL)\n".utf8))
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let (stop, continuation) = AsyncStream<Void>.makeStream()
        let sources = [SIGTERM, SIGINT].map { sig in
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { continuation.yield() }
            source.resume()
            return source
        }
        for await _ in stop { break }
        for s in sources { s.cancel() }
        try await server.stop()
    }
}
