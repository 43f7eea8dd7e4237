import ArgumentParser
import JupiterCore
import JupiterCurate
import JupiterTesting

/// `jupiter-bench quality`: the quality-filter benchmark driven by `bench/quality.sh`.
struct QualityBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quality", abstract: "Quality-filter benchmark (corpus generation and timed runs).",
        subcommands: [Corpus.self, Run.self])

    /// Writes the benchmark corpus (``QualityCorpus``, `bench` shape: four English paragraphs and
    /// four Welsh lines per document).
    struct Corpus: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the benchmark corpus (JSONL: id, text).")
        @Option(help: "OpenAI-evals translation JSONL (English user turns, Welsh ideals).") var source: String
        @Option(help: "Parallel TSV (en, cy) whose segments are added.") var tsv: String?
        @Option(help: "Output JSONL path.") var out: String
        @Option(help: "Documents.") var docs: Int = 100_000
        @Option(help: "Seed.") var seed: UInt64 = 3

        func run() async throws {
            var seg = try NearDuplicateCorpus.segments(translationFile: source)
            if let tsv {
                let extra = try QualityCorpus.segments(tsv: tsv)
                seg.english += extra.english
                seg.welsh += extra.welsh
            }
            let corpus = QualityCorpus.build(english: seg.english, welsh: seg.welsh, count: docs, shapes: [.bench], seed: seed)
            let bytes = corpus.jsonl()
            try AtomicFile.write(bytes, to: out)
            print("{\"docs\": \(corpus.documents.count), \"bytes\": \(bytes.count)}")
        }
    }

    /// Times the `quality` stage (default rules) on a corpus, one thread, and prints one JSON line:
    /// `stage` = records already decoded, only the stage is timed; `pipeline` = JSONL read and
    /// decoded, the stage, and kept/dropped records encoded as the run engine writes them.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Time the quality stage on a corpus file.")
        @Option(help: "Corpus JSONL (id, text).") var corpus: String
        @Option(help: "Only the first N documents (0 = all).") var limit: Int = 0
        @Option(help: "Records per batch.") var batch: Int = 2048
        @Option(help: "Repeats of the stage-only timing (best kept).") var repeats: Int = 1

        func run() async throws {
            var records: [Record] = []
            var bytes = 0
            try SourceScanner.scan(.documents, paths: [corpus]) { item in
                guard limit == 0 || records.count < limit, case .record(let r) = item else { return }
                bytes += r.text.utf8.count
                records.append(r)
            }
            let stage = QualityStage()
            let ctx = StageContext(stageID: "quality", dataset: "bench", seed: 0)
            var rules: [String: Int] = [:]
            var best: (cpu: Double, wall: Double)?
            for _ in 0..<max(1, repeats) {
                rules = [:]
                let t = try await Timing.measure {
                    var start = 0
                    while start < records.count {
                        let out = try await stage.process(Array(records[start..<min(records.count, start + batch)]), context: ctx)
                        for o in out {
                            if case .dropped(_, let r) = o { rules[r.rule, default: 0] += 1 } else { rules["kept", default: 0] += 1 }
                        }
                        start += batch
                    }
                }
                if best == nil || t.cpu < best!.cpu { best = t }
            }
            // Read + decode + stage + encode, as one pass over the file.
            var encoded = 0
            let pipeline = try await Timing.measure {
                var out: [UInt8] = []
                var pending: [Record] = []
                func flush() async throws {
                    for o in try await stage.process(pending, context: ctx) {
                        out.removeAll(keepingCapacity: true)
                        switch o {
                        case .kept(let r): JSONWriter.write(NativeCodec.encode(r), into: &out)
                        case .dropped(let r, let why):
                            var v = NativeCodec.encode(r)
                            if case .object(var obj) = v {
                                obj["dropped"] = .object([
                                    "stage": .string("quality"), "rule": .string(why.rule),
                                    "reason": .string(why.message), "value": why.value ?? .null
                                ])
                                v = .object(obj)
                            }
                            JSONWriter.write(v, into: &out)
                        case .quarantined: break
                        }
                        encoded += out.count
                    }
                    pending.removeAll(keepingCapacity: true)
                }
                var n = 0
                try SourceScanner.scan(.documents, paths: [corpus]) { item in
                    guard limit == 0 || n < limit, case .record(let r) = item else { return }
                    n += 1
                    pending.append(r)
                }
                // (scan's body cannot await: the stage runs on the decoded batches afterwards)
                let all = pending
                pending = []
                var s = 0
                while s < all.count {
                    pending = Array(all[s..<min(all.count, s + batch)])
                    try await flush()
                    s += batch
                }
            }
            guard let best else { return }
            let mb = Double(bytes) / 1e6
            let line: JSONValue = .object([
                "docs": .int(records.count), "text_bytes": .int(bytes),
                "stage_cpu_seconds": .double(best.cpu), "stage_seconds": .double(best.wall),
                "stage_mb_per_cpu_s": .double(mb / best.cpu), "stage_docs_per_cpu_s": .double(Double(records.count) / best.cpu),
                "pipeline_cpu_seconds": .double(pipeline.cpu), "pipeline_seconds": .double(pipeline.wall),
                "pipeline_mb_per_cpu_s": .double(mb / pipeline.cpu), "encoded_bytes": .int(encoded),
                "rules": .object(JSONObject(rules.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: .int($0.value)) }))
            ])
            print(JSONWriter.string(line))
        }
    }
}

/// Wall and process CPU time of a block.
enum Timing {
    static func measure(_ body: () async throws -> Void) async rethrows -> (cpu: Double, wall: Double) {
        let clock = ContinuousClock()
        let c0 = JSONLBench.cpuTime()
        let t0 = clock.now
        try await body()
        let wall = JSONLBench.seconds(clock.now - t0)
        return (JSONLBench.cpuTime() - c0, wall)
    }
}
