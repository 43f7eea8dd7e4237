import ArgumentParser
import JupiterCore

/// `jupiter-bench parquet FILE`: how fast a Parquet file becomes rows (JSON values) and records
/// on one thread. Driven by `bench/parquet.sh`, which compares it with pyarrow + `to_pylist()`.
struct ParquetBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parquet",
        abstract: "Measure Parquet reading on one thread: rows (JSON values) and records.")

    @Argument(help: "The Parquet file to read.")
    var file: String

    @Option(help: "Record format (default: detected from the columns).")
    var format: String?

    @Option(help: "Runs per mode; the best is reported.")
    var repeats: Int = 1

    func run() async throws {
        let chosen: Format
        if let name = format {
            guard let f = Format(rawValue: name) else { throw ValidationError("unknown format '\(name)'") }
            chosen = f
        } else {
            guard let f = try SourceFormats.detect(path: file) else { throw ValidationError("cannot detect the format of \(file)") }
            chosen = f
        }
        let clock = ContinuousClock()
        var results: [JSONValue] = []
        func best(_ mode: String, _ body: () throws -> (Int, Int)) throws {
            var fastest: (Double, Double, Int, Int)?
            for _ in 0..<max(1, repeats) {
                let start = clock.now
                let cpu = JSONLBench.cpuTime()
                let (n, bad) = try body()
                let s = JSONLBench.seconds(clock.now - start), c = JSONLBench.cpuTime() - cpu
                if fastest.map({ s < $0.0 }) ?? true { fastest = (s, c, n, bad) }
            }
            if let (s, c, n, bad) = fastest {
                results.append(
                    .object([
                        "mode": .string(mode), "seconds": .double(s), "cpu_seconds": .double(c),
                        "rows": .int(n), "quarantined": .int(bad)
                    ]))
            }
        }
        try best("rows-1-thread") {
            let reader = try ParquetRowReader(path: file)
            var n = 0
            while try reader.next() != nil { n += 1 }
            return (n, 0)
        }
        try best("records-1-thread") {
            var n = 0, bad = 0
            try SourceScanner.scan(chosen, paths: [file]) { item in
                if case .record = item { n += 1 } else { bad += 1 }
            }
            return (n, bad)
        }
        print(
            JSONWriter.string(
                .object([
                    "file": .string(file), "format": .string(chosen.rawValue),
                    "bytes": .int(FileSystem.size(file) ?? 0), "results": .array(results)
                ])))
    }
}
