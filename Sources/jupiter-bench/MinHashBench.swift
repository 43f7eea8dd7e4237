import ArgumentParser
import JupiterCore
import JupiterCurate
import JupiterTesting

#if canImport(Glibc)
import Glibc
// swift-format-ignore: AlwaysUseLowerCamelCase
private let RUSAGE_SELF_WHO = __rusage_who_t(RUSAGE_SELF.rawValue)
#elseif canImport(Darwin)
import Darwin
// swift-format-ignore: AlwaysUseLowerCamelCase
private let RUSAGE_SELF_WHO = RUSAGE_SELF
#endif

/// `jupiter-bench minhash`: the MinHash dedup benchmark driven by `bench/minhash.sh`.
struct MinHashBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "minhash", abstract: "MinHash dedup benchmark (corpus generation and timed runs).",
        subcommands: [Corpus.self, Run.self])

    /// Writes the benchmark corpus: random windows of the English and Welsh sides of a
    /// translation file, each with word edits at a random rate (0–10%).
    struct Corpus: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the benchmark corpus (JSONL: id, text).")
        @Option(help: "OpenAI-evals translation JSONL (English user turns, Welsh ideals).") var source: String
        @Option(help: "Output JSONL path.") var out: String
        @Option(help: "Approximate corpus size in MB.") var mb: Int = 100
        @Option(help: "Seed.") var seed: UInt64 = 7

        func run() async throws {
            let seg = try NearDuplicateCorpus.segments(translationFile: source)
            let all = seg.english + seg.welsh
            let file = try AtomicFile(path: out)
            var written = 0, docs = 0, round: UInt64 = 0
            let target = mb << 20
            while written < target {
                let texts = NearDuplicateCorpus.randomWindows(segments: all, count: 10_000, seed: seed &+ round)
                round += 1
                var buf: [UInt8] = []
                for t in texts where written + buf.count < target {
                    buf += JSONWriter.bytes(.object(["id": .string("d\(docs)"), "text": .string(t)]))
                    buf.append(0x0A)
                    docs += 1
                }
                written += buf.count
                try file.write(buf)
            }
            try file.commit()
            print("{\"docs\": \(docs), \"bytes\": \(written)}")
        }
    }

    /// Times Jupiter's signature pass + LSH clustering over a corpus file (reading and JSON
    /// parsing included), and prints one JSON line.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Time minhash-dedup clustering on a corpus file.")
        @Option(help: "Corpus JSONL (id, text).") var corpus: String
        @Option(help: "Signature workers (1 = per-core figure).") var threads: Int = 1
        @Option(help: "Only the first N documents (0 = all).") var limit: Int = 0
        @Flag(
            help: """
                Time only the core, like rensa's RMinHash+LSH column: the corpus is read and \
                normalised first (untimed, held in memory as space-joined words, the text rensa's \
                shingle strings are cut from); timed: words → shingle hashes → signatures → LSH \
                keys → clusters.
                """) var core = false

        func run() async throws {
            let file = try JSONLTextBatches(path: corpus, limit: limit)
            let input: any RecordBatches = core ? try await Self.normalised(file) : file
            let stage = MinHashDedupStage(threads: threads)
            let clock = ContinuousClock()
            let cpu0 = Self.cpuSeconds()
            let start = clock.now
            let index = try await stage.index(input)
            let signed = clock.now
            let clusters = index.cluster(minJaccard: stage.minJaccard)
            let end = clock.now
            let cpu = Self.cpuSeconds() - cpu0
            func seconds(_ d: Duration) -> Double {
                Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
            }
            let total = seconds(end - start)
            var usage = rusage()
            getrusage(RUSAGE_SELF_WHO, &usage)
            let line: JSONValue = .object([
                "tool": .string("jupiter"), "threads": .int(threads), "core_only": .bool(core),
                "docs": .int(index.count),
                "seconds": .double(total), "signature_seconds": .double(seconds(signed - start)),
                "cluster_seconds": .double(seconds(end - signed)),
                "docs_per_s": .double(Double(index.count) / total),
                "cpu_seconds": .double(cpu), "docs_per_cpu_s": .double(Double(index.count) / cpu),
                "duplicates": .int(clusters.duplicateCount),
                "index_bytes_per_doc": .int(MinHashIndex.bytesPerDocument(stage.parameters)),
                "max_rss_mb": .double(Double(usage.ru_maxrss) / 1024)
            ])
            print(JSONWriter.string(line))
        }

        /// The corpus as documents of datatrove-normalised words joined by single spaces.
        static func normalised(_ file: JSONLTextBatches) async throws -> ArrayRecordBatches {
            let words = WordHasher()
            var records: [Record] = []
            records.reserveCapacity(file.count)
            try await file.forEachBatch { batch in
                for r in batch {
                    records.append(.document(Document(id: r.id, text: words.words(r.text).joined(separator: " "))))
                }
            }
            return ArrayRecordBatches(records)
        }

        /// User + system CPU time of this process.
        static func cpuSeconds() -> Double {
            var u = rusage()
            getrusage(RUSAGE_SELF_WHO, &u)
            return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) * 1e-6
                + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) * 1e-6
        }
    }
}

/// A corpus file read as record batches, once per pass (streaming; nothing kept between passes).
struct JSONLTextBatches: RecordBatches {
    let path: String
    let count: Int
    let limit: Int

    init(path: String, limit: Int) throws {
        self.path = path
        self.limit = limit
        var n = 0
        let reader = try LineReader(path: path)
        while let line = try reader.next() {
            if !line.bytes.isEmpty { n += 1 }
            if limit > 0, n >= limit { break }
        }
        count = n
    }

    func forEachBatch(_ body: ([Record]) async throws -> Void) async throws {
        let reader = try LineReader(path: path)
        var batch: [Record] = []
        var n = 0
        while n < count, let line = try reader.next() {
            guard !line.bytes.isEmpty else { continue }
            let value = try JSONParser.parse(line.bytes)
            batch.append(.document(Document(id: value["id"]?.stringValue ?? "\(n)", text: value["text"]?.stringValue ?? "")))
            n += 1
            if batch.count == 1000 { try await body(batch); batch.removeAll(keepingCapacity: true) }
        }
        if !batch.isEmpty { try await body(batch) }
    }
}
