import ArgumentParser
import Foundation
import JupiterCore
import JupiterMix
import JupiterTokenize

/// `jupiter-bench mix`: times the Forget-Me-Not mixer (measure, choose, shuffle, write gzip
/// shards) over input files, as `bench/mix.sh` drives it. Prints one JSON line.
struct MixBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mix", abstract: "Time the mixer on JSONL(.gz) datasets.")
    @Argument(help: "Dataset files (native / openai-messages JSONL, gzip or not); names are the file names.")
    var files: [String]
    @Option(help: "Comma-separated weights, one per file.") var weights: String
    @Option(help: "Output folder.") var out: String
    @Option(help: "Shards.") var shards: Int = 8
    @Option(help: "Workers (1 = per-core figure).") var workers: Int = 1
    @Option(help: "tokenizer.json for exact token counts (default: estimate).") var tokenizer: String?
    @Option(help: "Seed.") var seed: UInt64 = 17

    func run() async throws {
        let w = weights.split(separator: ",").compactMap { Double($0) }
        guard w.count == files.count else { throw ValidationError("one weight per file") }
        var inputs: [MixInput] = []
        var config = MixConfig(weights: [], unit: .tokens, reasoningOn: 0.5, shards: shards)
        var bytes = 0
        for (i, f) in files.enumerated() {
            let name = "d\(i)-" + FileSystem.baseName(f)
            inputs.append(MixInput(name: name, path: f))
            config.weights.append((name, w[i]))
            bytes += FileSystem.size(f) ?? 0
        }
        var measure = MixMeasure()
        if let tokenizer {
            measure = MixMeasure(tokenizer: try Tokenizer(contentsOf: tokenizer), tokenizerSource: (tokenizer, ""))
        }
        let mixer = Mixer(config: config, measure: measure, seed: seed, workers: workers)
        let cpu0 = MinHashBench.Run.cpuSeconds()
        let t0 = Date()
        let report = try await mixer.run(
            inputs, outputDirectory: out, workDirectory: out + "/.work",
            card: DatasetCardContext(
                title: "bench", generator: "jupiter-bench",
                recipeFile: "-", recipeSHA256: "-", seed: seed))
        let seconds = Date().timeIntervalSince(t0)
        let cpu = MinHashBench.Run.cpuSeconds() - cpu0
        let mb = Double(bytes) / 1e6
        print(
            JSONWriter.string(
                .object([
                    "tool": .string("jupiter"), "workers": .int(workers), "input_bytes": .int(bytes),
                    "records_in": .int(report.datasets.reduce(0) { $0 + $1.availableRecords }),
                    "records_out": .int(report.records), "tokens_out": .int(report.tokens),
                    "seconds": .double(seconds), "cpu_seconds": .double(cpu),
                    "mb_per_s": .double(mb / seconds), "mb_per_cpu_s": .double(mb / max(cpu, 1e-9))
                ])))
    }
}
