import ArgumentParser
import JupiterCore
import JupiterCurate
import JupiterTesting

/// `jupiter-bench stages`: `pair-filter` and `exact-dedup` at the stage level (records already
/// decoded and in memory, one thread), driven by `bench/stages.sh`, which also times the same
/// steps through `jupiter run` to show what the engine adds.
struct StageBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stages", abstract: "pair-filter and exact-dedup stage benchmark.",
        subcommands: [Corpus.self, Run.self])

    /// Writes `pairs` sentence pairs as parallel TSV: real legislation pairs, about 60% of them
    /// with an edit that makes them unique (a section number, a word repeated or dropped), the
    /// rest exact repeats, and a few pairs for each drop rule.
    struct Corpus: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the pairs corpus (TSV: en, cy).")
        @Option(help: "OpenAI-evals translation JSONL (English user turns, Welsh ideals).") var source: String
        @Option(help: "Output TSV path.") var out: String
        @Option(help: "Pairs.") var pairs: Int = 1_000_000
        @Option(help: "Seed.") var seed: UInt64 = 5

        func run() async throws {
            let seg = try NearDuplicateCorpus.segments(translationFile: source)
            let n = min(seg.english.count, seg.welsh.count)
            var rng = SeededRandom(seed: seed)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(pairs * 260)
            let odd = [
                ("", "Helo"), ("Cardiff Bay", "cardiff bay"), ("A", "Ie"), ("Yes.", "Mae hynny'n hollol gywir ac yn wir yn bwysig iawn."),
                ("2006/2603 (C.88) 45(3)", "2006/2603 (C.88) 45(4)")
            ]
            for i in 0..<pairs {
                var en: String, cy: String
                if i % 97 == 0 {
                    (en, cy) = odd[(i / 97) % odd.count]
                } else {
                    let k = Int(rng.next() % UInt64(n))
                    en = seg.english[k].replacing("\t", with: " ")
                    cy = seg.welsh[k].replacing("\t", with: " ")
                    if rng.unit() < 0.6 {
                        let tag = " (\(rng.next() % 10_000))"
                        en += tag
                        cy += tag
                    }
                }
                bytes += Array(en.utf8)
                bytes.append(0x09)
                bytes += Array(cy.utf8)
                bytes.append(0x0A)
            }
            try AtomicFile.write(bytes, to: out)
            print("{\"pairs\": \(pairs), \"bytes\": \(bytes.count)}")
        }
    }

    /// Times the stages on the decoded pairs; prints one JSON line.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Time pair-filter and exact-dedup on a pairs file.")
        @Option(help: "Pairs TSV (en, cy).") var pairs: String
        @Option(help: "Records per batch.") var batch: Int = 2048
        @Option(help: "Repeats (best kept).") var repeats: Int = 3

        func run() async throws {
            var records: [Record] = []
            let read = try await Timing.measure {
                try SourceScanner.scan(.parallelTSV, paths: [pairs], options: FormatOptions(languages: ["en", "cy"])) { item in
                    if case .record(let r) = item { records.append(r) }
                }
            }
            let ctx = StageContext(stageID: "s", dataset: "bench", seed: 0)
            let filter = PairFilterStage()
            var kept: [Record] = []
            var filterBest: (cpu: Double, wall: Double)?
            var filterDropped = 0
            for _ in 0..<max(1, repeats) {
                var k: [Record] = []
                k.reserveCapacity(records.count)
                var dropped = 0
                let t = try await Timing.measure {
                    var s = 0
                    while s < records.count {
                        for o in try await filter.process(Array(records[s..<min(records.count, s + batch)]), context: ctx) {
                            if case .kept(let r) = o { k.append(r) } else { dropped += 1 }
                        }
                        s += batch
                    }
                }
                if filterBest == nil || t.cpu < filterBest!.cpu { filterBest = t }
                kept = k
                filterDropped = dropped
            }
            let dedup = ExactDedupStage()
            var dedupBest: (cpu: Double, wall: Double)?
            var duplicates = 0
            let input = ArrayRecordBatches(kept, batchSize: batch)
            for _ in 0..<max(1, repeats) {
                var d = 0
                let t = try await Timing.measure {
                    try await dedup.run(input, context: ctx) { o in if case .dropped = o { d += 1 } }
                }
                if dedupBest == nil || t.cpu < dedupBest!.cpu { dedupBest = t }
                duplicates = d
            }
            guard let f = filterBest, let d = dedupBest else { return }
            print(
                JSONWriter.string(
                    .object([
                        "pairs": .int(records.count), "read_cpu_seconds": .double(read.cpu),
                        "filter_cpu_seconds": .double(f.cpu), "filter_records_per_cpu_s": .double(Double(records.count) / f.cpu),
                        "filter_dropped": .int(filterDropped),
                        "dedup_records": .int(kept.count), "dedup_cpu_seconds": .double(d.cpu),
                        "dedup_records_per_cpu_s": .double(Double(kept.count) / d.cpu), "duplicates": .int(duplicates)
                    ])))
        }
    }
}
