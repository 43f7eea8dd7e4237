import ArgumentParser
import JupiterCore
import JupiterCurate

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `jupiter-bench langid`: language-ID throughput of the Swift fastText reader on one thread.
/// Reads one text per line, predicts the top label of every line `--repeat` times, and prints
/// `lines_per_s=…` plus a checksum (label counts) that `bench/langid.sh` compares with the peer.
struct LangIDBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "langid", abstract: "Top-1 language ID throughput (single thread) with a fastText model.")

    @Option(help: "fastText model (.bin or .ftz).") var model: String
    @Option(help: "Text file, one input per line.") var lines: String
    @Option(help: "Passes over the lines.") var `repeat`: Int = 5

    func run() async throws {
        let m = try FastTextModel(contentsOf: model)
        let text = String(decoding: try FileSystem.read(lines), as: UTF8.self)
        let inputs = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            .filter { !$0.isEmpty }
        // Warm-up pass (also the checksum).
        var counts: [String: Int] = [:]
        for line in inputs { counts[m.predict(line).first?.label ?? "", default: 0] += 1 }
        var sink = 0
        let start = Self.now()
        for _ in 0..<max(`repeat`, 1) {
            for line in inputs { sink &+= m.predict(line).first?.label.utf8.count ?? 0 }
        }
        let seconds = Self.now() - start
        let total = inputs.count * max(`repeat`, 1)
        let top = counts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(3)
        print("lines=\(total) seconds=\(seconds) lines_per_s=\(Double(total) / seconds) sink=\(sink)")
        print("top_labels=" + top.map { "\($0.key):\($0.value)" }.joined(separator: ","))
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
