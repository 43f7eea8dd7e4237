import ArgumentParser
import Foundation
import Jupiter
import JupiterCore
import JupiterTesting

/// `jupiter-bench replay`: the `replay` stage end to end (reading prompts, requests, cache,
/// writing datasets) against the scripted server in this process: records/s when the server
/// answers at once, and wall time against the ideal `records × latency / in-flight` when each
/// answer takes `--latency` seconds; then distilabel's `TextGeneration` over the same prompts,
/// server and concurrency (`bench/replay_peer.py`), when `--python` is given.
struct ReplayBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "The replay stage end to end vs distilabel TextGeneration on the scripted server.")

    @Option(help: "Prompts (GSM8K-style questions).")
    var records = 20_000

    @Option(help: "Seconds each answer takes on the scripted server.")
    var latency = 0.0

    @Option(name: .customLong("in-flight"), help: "Requests in flight (the model's max_in_flight; distilabel's input_batch_size).")
    var inFlight = 64

    @Option(help: "Timed runs of Jupiter, each into a fresh run folder (the median is reported).")
    var runs = 3

    @Option(name: .customLong("batch-size"), help: "The run's batch size (records per batch).")
    var batchSize = 1024

    @Option(help: "Python interpreter with distilabel (the peer); omit to run Jupiter alone.")
    var python: String?

    @Option(name: .customLong("peer-script"), help: "The peer script.")
    var peerScript = "bench/replay_peer.py"

    @Option(help: "A JSONL of questions to cycle through (e.g. ../shared/data/gsm8k/train.jsonl).")
    var questions: String?

    func run() async throws {
        let server = try await ScriptedLLMServer.start(.init(logBodies: false, threads: 2, latency: latency))
        defer { Task { try? await server.stop() } }
        let dir = NSTemporaryDirectory() + "jupiter-bench-replay-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var base: [String] = []
        if let questions {
            for line in try String(contentsOfFile: questions, encoding: .utf8).split(separator: "\n") {
                if let q = try? JSONParser.parse(String(line))["question"]?.stringValue { base.append(q) }
            }
        }
        if base.isEmpty { base = ["Natalia sold clips to 48 of her friends in April, and half as many in May. How many in all?"] }
        var lines = ""
        for i in 0..<records {
            lines += JSONWriter.string(.object(["id": .string("q\(i)"), "question": .string("\(base[i % base.count]) (\(i))")])) + "\n"
        }
        try lines.write(toFile: dir + "/questions.jsonl", atomically: true, encoding: .utf8)
        func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
        var walls: [Double] = []
        var spans: [Double] = []
        var delays: [Double] = []
        for run in 0..<max(1, runs) {
            try """
            name: bench
            seed: 1
            models:
              base: { endpoint: "\(server.baseURL)", model: test-model, reasoning: toggle, max_in_flight: \(inFlight) }
            sources:
              q: { path: questions.jsonl, format: documents, text_field: question }
            datasets:
              replay: { from: q, steps: [{ replay: { model: base, reasoning_on: 0.5, max_tokens: 256 } }] }
            output: { dir: run-\(run), batch_size: \(batchSize) }
            """.write(toFile: dir + "/recipe-\(run).yaml", atomically: true, encoding: .utf8)
            let prepared = Pipeline.prepare(recipePath: dir + "/recipe-\(run).yaml")
            guard prepared.isValid else { throw ValidationError(prepared.problems.map(\.description).joined(separator: "\n")) }
            server.resetLog()
            let t0 = Date()
            guard let summary = try await Pipeline.run(prepared, executor: .local).summary else {
                throw ValidationError("the run did not finish here")
            }
            walls.append(Date().timeIntervalSince(t0))
            guard summary.counts["replay"]?.kept == records, server.requestCount >= records else {
                throw ValidationError(
                    "replay kept \(summary.counts["replay"]?.kept ?? 0) of \(records); server saw \(server.requestCount)")
            }
            spans.append(server.modelSpan)
            if let d = server.meanAnswerDelay { delays.append(d) }
        }
        let wall = median(walls)
        let ideal = Double(records) * latency / Double(inFlight)
        print("| tool | records | latency | in flight | wall s (Jupiter: median of \(walls.count)) | records/s | vs ideal |")
        print("|---|---|---|---|---|---|---|")
        func row(_ name: String, _ seconds: Double) {
            let vsIdeal = ideal > 0 ? String(format: "%+.1f%%", (seconds / ideal - 1) * 100) : "-"
            print(
                "| \(name) | \(records) | \(Int(latency * 1000)) ms | \(inFlight) | \(String(format: "%.2f", seconds)) | "
                    + "\(Int(Double(records) / seconds)) | \(vsIdeal) |")
        }
        row("Jupiter replay (read, request, cache, write)", wall)
        let span = median(spans)
        print(
            "\nJupiter: runs of \(walls.map { String(format: "%.2f", $0) }.joined(separator: ", ")) s; "
                + "\(String(format: "%.3f", span)) s from the first request to the last answer (median; "
                + "\(String(format: "%.3f", wall - span)) s before and after)"
                + (delays.isEmpty
                    ? "" : "; the server's answers took \(String(format: "%.3f", median(delays) * 1000)) ms on average"))
        if let python {
            server.resetLog()
            let p = Process()
            p.executableURL = URL(fileURLWithPath: python)
            p.arguments = [peerScript, server.baseURL, dir + "/questions.jsonl", String(inFlight)]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            guard p.terminationStatus == 0, let seconds = Double(out.split(separator: "\n").last ?? "") else {
                throw ValidationError("peer failed: \(out.suffix(2000))")
            }
            row("distilabel TextGeneration", seconds)
            print("\nJupiter is \(String(format: "%.1f", seconds / wall))× distilabel (same prompts, server, concurrency)")
        }
    }
}
