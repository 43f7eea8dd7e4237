import ArgumentParser
import Foundation
import JupiterCore
import JupiterTokenize

/// `jupiter-bench tokenize`: load time and single-thread encode throughput of a tokenizer.json
/// over a JSONL file of documents (one JSON string per line), as bench/tokenize.sh drives it.
struct TokenizeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Measure tokenizer.json load time and encode throughput (one thread).")

    @Option(help: "Path to tokenizer.json.")
    var tokenizer: String

    @Option(help: "JSONL file: one JSON string (a document) per line.")
    var docs: String

    @Option(help: "Timed passes over the documents (each with a cold word cache); the best is reported.")
    var passes = 3

    @Option(help: "Write the ids of every document (one JSON array per line) here, for checking.")
    var idsOut: String?

    /// CPU time of the calling thread, in seconds.
    static func threadCPU() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    func run() async throws {
        // Load time: best of 5, wall clock and this thread's CPU time (the machine may be shared).
        var loadBest = Double.infinity, loadCPU = Double.infinity
        var tok: Tokenizer? = nil
        for _ in 0..<5 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let c0 = Self.threadCPU()
            tok = try Tokenizer(contentsOf: tokenizer)
            loadCPU = min(loadCPU, Self.threadCPU() - c0)
            let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            loadBest = min(loadBest, dt)
        }
        guard let tok else { throw ExitCode(3) }
        guard let data = FileManager.default.contents(atPath: docs) else {
            FileHandle.standardError.write(Data("cannot read \(docs)\n".utf8))
            throw ExitCode(3)
        }
        var texts: [String] = []
        for line in data.split(separator: 0x0A) where !line.isEmpty {
            if case .string(let s) = try JSONParser.parse([UInt8](line)) { texts.append(s) }
        }
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        var best = Double.infinity
        var tokens = 0
        for _ in 0..<max(1, passes) {
            var enc = tok.makeEncoder()
            var n = 0
            let t0 = DispatchTime.now().uptimeNanoseconds
            for t in texts { n += enc.encodeInt32(t, addSpecialTokens: false).count }
            let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            best = min(best, dt)
            tokens = n
        }
        if let idsOut {
            var out = ""
            var enc = tok.makeEncoder()
            for t in texts { out += "[" + enc.encodeInt32(t, addSpecialTokens: false).map(String.init).joined(separator: ",") + "]\n" }
            try out.write(toFile: idsOut, atomically: true, encoding: .utf8)
        }
        let mbps = Double(bytes) / 1e6 / best
        print(
            "{\"impl\": \"jupiter\", \"load_ms\": \(String(format: "%.1f", loadBest * 1000)), \"load_cpu_ms\": \(String(format: "%.1f", loadCPU * 1000)), \"vocab\": \(tok.vocabularySize), "
                + "\"docs\": \(texts.count), \"bytes\": \(bytes), \"tokens\": \(tokens), \"seconds\": \(String(format: "%.4f", best)), "
                + "\"mb_per_s\": \(String(format: "%.2f", mbps))}")
    }
}
