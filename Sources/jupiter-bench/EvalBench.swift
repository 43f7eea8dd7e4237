import ArgumentParser
import Foundation
import JupiterCore
import JupiterTesting

/// `jupiter-bench eval`: `jupiter eval` against lm-evaluation-harness's `local-chat-completions`
/// backend on the same multiple-choice task (Welsh MMLU-Lite, scored by the first standalone
/// letter), the same scripted server (in this process) and the same concurrency. Both are separate
/// processes timed from start to results (the jupiter binary with a fresh run folder, so nothing
/// is cached; `python -m lm_eval` without its cache). Prints the wall times, their ratio and both
/// accuracies; with `--latency`, Jupiter's wall time against the ideal items × latency / concurrency.
struct EvalBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "jupiter eval vs lm-eval local-chat-completions on the scripted server.")

    @Option(help: "The task file (OpenAI-evals MCQ JSONL, e.g. ../shared/data/llm-evals-cy/welsh-mmlu-lite.jsonl).")
    var items: String

    @Option(help: "Seconds each answer takes on the scripted server.")
    var latency = 0.0

    @Option(help: "Requests in flight (Jupiter's max_in_flight and concurrency; lm-eval's num_concurrent).")
    var concurrency = 32

    @Option(help: "Timed runs of each tool (the median is reported).")
    var runs = 3

    @Option(help: "The jupiter binary (release build).")
    var jupiter: String

    @Option(help: "Python interpreter with lm-eval[api] (the peer); omit to run Jupiter alone.")
    var python: String?

    func run() async throws {
        let server = try await ScriptedLLMServer.start(.init(logBodies: false, threads: 2, latency: latency))
        defer { Task { try? await server.stop() } }
        let dir = NSTemporaryDirectory() + "jupiter-bench-eval-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir + "/tasks", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = URL(fileURLWithPath: items).standardizedFileURL.path
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").filter { !$0.isEmpty }
        let system = (try? JSONParser.parse(String(lines[0])))?["input"]?[0]?["content"]?.stringValue ?? ""
        try """
        name: bench-eval
        seed: 1234
        models:
          base: { endpoint: "\(server.baseURL)", model: test-model, max_in_flight: \(concurrency) }
        eval:
          models: [base]
          concurrency: \(concurrency)
          tasks:
            welsh-mmlu-lite: { kind: openai-evals, path: "\(path)", scoring: mcq-letter }
        output: { dir: run }
        """.write(toFile: dir + "/recipe.yaml", atomically: true, encoding: .utf8)
        // The same protocol as an lm-eval task: the user message as the prompt (the system
        // message as --system_instruction), 10 new tokens, greedy, the first \b([A-D])\b, exact match.
        try """
        task: welsh_mmlu_lite
        dataset_path: json
        dataset_kwargs:
          data_files:
            test: "\(path)"
        test_split: test
        output_type: generate_until
        doc_to_text: "{{input[1].content}}"
        doc_to_target: "{{ideal}}"
        generation_kwargs:
          until: []
          max_gen_toks: 10
          temperature: 0
          do_sample: false
        filter_list:
          - name: letter
            filter:
              - function: regex
                regex_pattern: "\\\\b([A-D])\\\\b"
              - function: take_first
        metric_list:
          - metric: exact_match
            aggregation: mean
            higher_is_better: true
        """.write(toFile: dir + "/tasks/welsh_mmlu_lite.yaml", atomically: true, encoding: .utf8)

        func timed(_ program: String, _ args: [String]) throws -> Double {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = [program] + args
            p.currentDirectoryURL = URL(fileURLWithPath: dir)
            let log = dir + "/last.log"
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            p.standardError = p.standardOutput
            let t0 = Date()
            try p.run()
            p.waitUntilExit()
            let wall = Date().timeIntervalSince(t0)
            guard p.terminationStatus == 0 else {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                throw ValidationError("\(program) failed (exit \(p.terminationStatus)):\n\(text.suffix(3000))")
            }
            return wall
        }
        func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

        var jupiterTimes: [Double] = []
        var jupiterAccuracy = 0.0
        var jupiterSpans: [Double] = []
        var answerDelays: [Double] = []
        for i in 0..<runs {
            server.resetLog()
            jupiterTimes.append(try timed(jupiter, ["eval", "recipe.yaml", "--output", "run-\(i)", "--quiet"]))
            jupiterSpans.append(server.modelSpan)
            if let d = server.meanAnswerDelay { answerDelays.append(d) }
            guard server.requests(path: "/v1/chat/completions").count == lines.count else {
                throw ValidationError(
                    "jupiter sent \(server.requests(path: "/v1/chat/completions").count) requests for \(lines.count) items")
            }
            let results = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/run-\(i)/eval/results.json"))))
            jupiterAccuracy = results["results"]?["base"]?["welsh-mmlu-lite"]?["metrics"]?["accuracy"]?.doubleValue ?? -1
        }
        let ideal = Double(lines.count) * latency / Double(concurrency)
        print("| tool | items | latency | concurrency | wall s (median of \(runs)) | accuracy % | vs ideal |")
        print("|---|---|---|---|---|---|---|")
        func row(_ name: String, _ seconds: Double, _ accuracy: Double) {
            let vsIdeal = ideal > 0 ? String(format: "%+.1f%%", (seconds / ideal - 1) * 100) : "-"
            print(
                "| \(name) | \(lines.count) | \(Int(latency * 1000)) ms | \(concurrency) | \(String(format: "%.3f", seconds)) | "
                    + "\(String(format: "%.2f", accuracy)) | \(vsIdeal) |")
        }
        let j = median(jupiterTimes)
        row("jupiter eval", j, jupiterAccuracy)
        let span = median(jupiterSpans)
        print(
            "\njupiter eval: \(String(format: "%.3f", span)) s from the first request to the last answer "
                + "(median; \(String(format: "%.3f", j - span)) s of the median wall time before and after)"
                + (answerDelays.isEmpty
                    ? "" : "; the server's answers took \(String(format: "%.3f", median(answerDelays) * 1000)) ms on average"))
        guard let python else { return }
        var peerTimes: [Double] = []
        var peerAccuracy = 0.0
        for i in 0..<runs {
            server.resetLog()
            peerTimes.append(
                try timed(
                    python,
                    [
                        "-m", "lm_eval", "--model", "local-chat-completions",
                        "--model_args",
                        "model=test-model,base_url=\(server.baseURL)/chat/completions,num_concurrent=\(concurrency),"
                            + "max_retries=3,tokenized_requests=False",
                        "--tasks", "welsh_mmlu_lite", "--include_path", dir + "/tasks", "--apply_chat_template",
                        "--system_instruction", system, "--output_path", "\(dir)/lm-eval-\(i)"
                    ]))
            guard server.requests(path: "/v1/chat/completions").count == lines.count else {
                throw ValidationError(
                    "lm-eval sent \(server.requests(path: "/v1/chat/completions").count) requests for \(lines.count) items")
            }
            let found =
                FileManager.default.enumerator(atPath: "\(dir)/lm-eval-\(i)")?.compactMap { $0 as? String }
                .filter { $0.hasSuffix(".json") && FileSystem.baseName($0).hasPrefix("results") } ?? []
            guard let file = found.first else { throw ValidationError("lm-eval wrote no results file") }
            let results = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/lm-eval-\(i)/\(file)"))))
            peerAccuracy = 100 * (results["results"]?["welsh_mmlu_lite"]?["exact_match,letter"]?.doubleValue ?? -1)
        }
        let p = median(peerTimes)
        row("lm-eval local-chat-completions", p, peerAccuracy)
        print(
            "\nJupiter's wall time is \(String(format: "%.1f", p / j))× lower than lm-eval's; accuracy "
                + (abs(jupiterAccuracy - peerAccuracy) < 1e-9 ? "identical" : "DIFFERS"))
    }
}
