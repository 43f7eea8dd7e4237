import ArgumentParser
import JupiterCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `jupiter-bench jsonl FILE`: ingest throughput of a source through `SourceFormats`, decoded to
/// records the way the run engine does it (units read sequentially, decoded single-threaded or in
/// parallel batches), plus JSON parsing alone. Driven by `bench/jsonl.sh`, which compares it with
/// Python `orjson` on the same file.
struct JSONLBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jsonl",
        abstract: "Measure JSONL ingest (MB/s, records/s): single thread, all cores, and JSON parsing alone.")

    @Argument(help: "The file to read.")
    var file: String

    @Option(help: "Format (default: detected).")
    var format: String?

    @Option(help: "Units per decoding batch (SourceScanner.scanParallel's default).")
    var batch: Int = 512

    @Option(help: "Decoding tasks for the all-cores run (default: all cores).")
    var parallelism: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    @Option(help: "Runs per mode; the best is reported.")
    var repeats: Int = 3

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: "Run only the modes whose names start with this (repeatable; e.g. records-1).")
    var only: [String] = []

    struct Measurement {
        var mode: String
        var seconds: Double
        /// Process CPU time (all threads) for the best run.
        var cpuSeconds: Double
        var records: Int
        var quarantined: Int
    }

    /// Process CPU time so far (user + system, all threads).
    static func cpuTime() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    func run() async throws {
        let chosen: Format
        if let name = format {
            guard let f = Format(rawValue: name) else { throw ValidationError("unknown format '\(name)'") }
            chosen = f
        } else {
            guard let f = try SourceFormats.detect(path: file) else { throw ValidationError("cannot detect the format of \(file)") }
            chosen = f
        }
        let bytes = FileSystem.size(file) ?? 0
        let clock = ContinuousClock()
        var results: [Measurement] = []

        func best(_ mode: String, _ body: () async throws -> (Int, Int)) async throws {
            if !only.isEmpty, !only.contains(where: { mode.hasPrefix($0) }) { return }
            var m: Measurement?
            for _ in 0..<max(1, repeats) {
                let start = clock.now
                let cpu = JSONLBench.cpuTime()
                let (records, quarantined) = try await body()
                let s = JSONLBench.seconds(clock.now - start)
                let c = JSONLBench.cpuTime() - cpu
                if m == nil || s < m!.seconds {
                    m = Measurement(mode: mode, seconds: s, cpuSeconds: c, records: records, quarantined: quarantined)
                }
            }
            if let m { results.append(m) }
        }

        try await best("parse-only-1-thread") {
            let reader = try LineReader(path: file)
            var n = 0, bad = 0
            while let line = try reader.next() {
                if line.tooLong || line.bytes.isEmpty { continue }
                do { _ = try JSONParser.parse(line.bytes); n += 1 } catch { bad += 1 }
            }
            return (n, bad)
        }
        try await best("records-1-thread") {
            var n = 0, bad = 0
            try SourceScanner.scan(chosen, paths: [file]) { item in
                if case .record = item { n += 1 } else { bad += 1 }
            }
            return (n, bad)
        }
        func batched(_ tasks: Int) async throws -> (Int, Int) {
            var n = 0, bad = 0
            // Count on the decoding tasks, as a per-record stage would work there.
            try await SourceScanner.scanParallel(
                chosen, paths: [file], batchSize: batch, parallelism: tasks,
                transform: { items in
                    var good = 0
                    for item in items { if case .record = item { good += 1 } }
                    return (good, items.count - good)
                }
            ) { counts in
                n += counts.0
                bad += counts.1
            }
            return (n, bad)
        }

        // Batches decoded by tasks, with one task and with `parallelism`: the first is the second's
        // one-task base (holding a batch's records costs by itself, beside the parallelism).
        for tasks in Set([1, parallelism]).sorted() {
            try await best("records-\(tasks)-tasks") { try await batched(tasks) }
        }

        let mb = Double(bytes) / 1_000_000
        if json {
            let rows: [JSONValue] = results.map { m in
                .object([
                    "mode": .string(m.mode), "seconds": .double(m.seconds), "records": .int(m.records),
                    "quarantined": .int(m.quarantined), "mb_per_s": .double(mb / m.seconds),
                    "cpu_seconds": .double(m.cpuSeconds), "mb_per_cpu_s": .double(mb / m.cpuSeconds),
                    "records_per_s": .double(Double(m.records) / m.seconds)
                ])
            }
            print(
                JSONWriter.string(
                    .object([
                        "file": .string(file), "format": .string(chosen.rawValue),
                        "bytes": .int(bytes), "parallelism": .int(parallelism),
                        "results": .array(rows)
                    ])))
        } else {
            print("file \(file) (\(chosen.rawValue), \(String(format: mb)) MB)")
            for m in results {
                print(
                    "\(m.mode): \(String(format: mb / m.seconds)) MB/s (\(String(format: mb / m.cpuSeconds)) MB per CPU-second), \(Int(Double(m.records) / m.seconds)) records/s, \(m.records) records, \(m.quarantined) quarantined"
                )
            }
        }
    }
}

extension String {
    fileprivate init(format value: Double) {
        self = String((value * 10).rounded() / 10)
    }
}
