import Foundation
import JupiterCore
import JupiterTokenize

/// One dataset offered to the mixer.
public struct MixInput: Sendable {
    /// Dataset name (as in the weights).
    public var name: String
    /// Its records: native JSONL, gzip or not (a run's `datasets/<name>/kept.jsonl.gz`).
    public var path: String

    /// Creates an input.
    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }
}

/// Progress of a mix.
public enum MixProgress: Sendable {
    /// Measuring (tokens, reasoning) a dataset's records: records done so far.
    case measuring(dataset: String, records: Int)
    /// Writing shard inputs: selected records encoded so far, of all.
    case encoding(records: Int, of: Int)
    /// A shard file was written.
    case shardWritten(index: Int, of: Int)
}

/// Why a mix failed.
public struct MixError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, naming the file and line where there is one.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

/// What a mix produced (also its manifest entry, see ``json``).
public struct MixReport: Sendable {
    /// Per dataset, in weight order.
    public struct DatasetFigures: Sendable {
        /// Dataset name.
        public var name: String
        /// Normalised weight.
        public var weight: Double
        /// Records in the dataset.
        public var availableRecords: Int
        /// Units (tokens or records) in the dataset.
        public var availableUnits: Int
        /// Tokens in the dataset.
        public var availableTokens: Int
        /// Units the dataset aimed for.
        public var targetUnits: Double
        /// Records taken (repeats counted each time).
        public var records: Int
        /// Distinct records taken.
        public var uniqueRecords: Int
        /// Units taken.
        public var units: Int
        /// Tokens taken.
        public var tokens: Int
        /// Reasoning-on conversations taken.
        public var reasoningOn: Int
        /// Reasoning-off conversations taken.
        public var reasoningOff: Int
        /// Records excluded by the last check (``Mixer/exclude``).
        public var excluded: Int
    }
    /// One shard file.
    public struct ShardFile: Sendable {
        /// File name inside the mixture folder.
        public var name: String
        /// Records in it.
        public var records: Int
        /// Size in bytes.
        public var bytes: Int
        /// SHA-256 of the file.
        public var sha256: String
    }

    /// The settings used.
    public var config: MixConfig
    /// How tokens were counted (manifest form).
    public var measure: JSONValue
    /// How tokens were counted, in one sentence.
    public var measureSummary: String
    /// Per-dataset figures.
    public var datasets: [DatasetFigures]
    /// The shard files, in order.
    public var shards: [ShardFile]
    /// What did not go as asked (budget not reached, reasoning share missed).
    public var warnings: [String]
    /// What the last check before training was (nil: none).
    public var exclusionCheck: String?
    /// The first excluded records (`dataset: id: reason`), at most ``maxExclusionsListed``.
    public var exclusions: [String] = []
    /// How many excluded records are listed by name.
    public static let maxExclusionsListed = 100
    /// Records excluded in all.
    public var excluded: Int { datasets.reduce(0) { $0 + $1.excluded } }

    /// Records in the mixture.
    public var records: Int { datasets.reduce(0) { $0 + $1.records } }
    /// Tokens in the mixture.
    public var tokens: Int { datasets.reduce(0) { $0 + $1.tokens } }
    /// Units (tokens or records) in the mixture.
    public var units: Int { datasets.reduce(0) { $0 + $1.units } }

    /// The manifest form (also what the ledger keeps, so a resumed run writes the same manifest).
    public var json: JSONValue {
        let total = max(units, 1)
        return .object([
            "config": config.json,
            "tokens": measure,
            "records": .int(records),
            "units": .int(units),
            "token_count": .int(tokens),
            "datasets": .object(
                JSONObject(
                    datasets.map { d in
                        JSONObject.Entry(
                            key: d.name,
                            value: .object([
                                "weight": .double(d.weight),
                                "available": .object([
                                    "records": .int(d.availableRecords), "units": .int(d.availableUnits),
                                    "tokens": .int(d.availableTokens)
                                ]),
                                "target_units": .double((d.targetUnits * 1000).rounded() / 1000),
                                "records": .int(d.records), "unique_records": .int(d.uniqueRecords),
                                "units": .int(d.units), "tokens": .int(d.tokens),
                                "share": .double((Double(d.units) / Double(total) * 1_000_000).rounded() / 1_000_000),
                                "reasoning": .object(["on": .int(d.reasoningOn), "off": .int(d.reasoningOff)]),
                                "excluded": .int(d.excluded)
                            ]))
                    })),
            "shards": .array(
                shards.map {
                    .object([
                        "path": .string($0.name), "records": .int($0.records), "bytes": .int($0.bytes),
                        "sha256": .string($0.sha256)
                    ])
                }),
            "warnings": .array(warnings.map { .string($0) }),
            "exclusion_check": exclusionCheck.map { .string($0) } ?? .null,
            "excluded": .int(excluded),
            "exclusions": .array(exclusions.map { .string($0) })
        ])
    }
}

/// The Forget-Me-Not mixer: draws records from datasets by weight (in tokens or records),
/// balances reasoning on/off where asked, shuffles them with the recipe seed and writes
/// gzip-compressed shards plus a Hugging Face dataset card.
///
/// It streams: a first pass measures every record (tokens, reasoning mode) keeping a few bytes
/// per record; the choice is made on those figures; a second pass encodes the chosen records
/// into one spool file per shard; each shard is then ordered in memory (so memory is about one
/// shard) and written atomically. Same inputs, settings and seed give byte-identical shards,
/// whatever the number of workers.
public struct Mixer: Sendable {
    /// Settings.
    public var config: MixConfig
    /// Token measure.
    public var measure: MixMeasure
    /// The recipe seed.
    public var seed: UInt64
    /// Parallel workers for measuring and encoding.
    public var workers: Int
    /// Records per parallel chunk.
    public var chunkSize = 1024
    /// A last check before training: records for which it returns a reason are never chosen
    /// (e.g. overlap with an evaluation set). The reasons are reported.
    public var exclude: (@Sendable (Record) -> String?)?
    /// What ``exclude`` checks, in one sentence, for the card and manifest.
    public var exclusionCheck: String?

    /// Creates a mixer.
    public init(
        config: MixConfig, measure: MixMeasure, seed: UInt64,
        workers: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        self.config = config
        self.measure = measure
        self.seed = seed
        self.workers = max(1, workers)
    }

    /// File name of shard `i` (`part-00000.jsonl.gz`, …, or `part-00000.parquet`, …).
    public static func shardName(_ i: Int, fileFormat: MixFileFormat = .jsonl) -> String {
        let digits = String(i)
        return "part-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits + fileFormat.fileExtension
    }

    /// Measures the inputs (first pass); also returns the first excluded records with their reasons.
    public func measure(_ inputs: [MixInput], progress: (@Sendable (MixProgress) -> Void)? = nil) async throws
        -> (pools: [MixPool], exclusions: [String])
    {
        var pools: [MixPool] = []
        var exclusions: [String] = []
        let unit = config.unit
        for input in inputs {
            var units: [Int] = [], tokens: [Int] = [], reasoning: [ConversationReasoning] = []
            var excluded = Set<Int>()
            let measure = self.measure
            let exclude = self.exclude
            try await Self.mapChunks(path: input.path, workers: workers, chunkSize: chunkSize) {
                (lines) throws -> [(Int, ConversationReasoning, String?)] in
                var counter = measure.makeCounter()
                var out: [(Int, ConversationReasoning, String?)] = []
                out.reserveCapacity(lines.count)
                for line in lines {
                    let record = try Self.decode(line, path: input.path)
                    let t: Int
                    do { t = try counter.count(record) } catch {
                        throw MixError("\(input.path):\(line.number): record \(record.id): the chat template failed: \(error)")
                    }
                    out.append((t, ConversationReasoning(record), exclude?(record).map { "\(record.id): \($0)" }))
                }
                return out
            } consume: { chunk in
                for (t, r, why) in chunk {
                    if let why {
                        excluded.insert(tokens.count)
                        if exclusions.count < MixReport.maxExclusionsListed { exclusions.append("\(input.name): \(why)") }
                    }
                    tokens.append(t)
                    units.append(unit == .tokens ? t : 1)
                    reasoning.append(r)
                }
                progress?(.measuring(dataset: input.name, records: tokens.count))
            }
            pools.append(MixPool(name: input.name, units: units, tokens: tokens, reasoning: reasoning, excluded: excluded))
        }
        return (pools, exclusions)
    }

    /// Mixes `inputs` (in weight order) into `outputDirectory` (created; its old shards and card
    /// are replaced), using `workDirectory` for spool files (removed afterwards).
    public func run(
        _ inputs: [MixInput], outputDirectory: String, workDirectory: String, card: DatasetCardContext,
        progress: (@Sendable (MixProgress) -> Void)? = nil
    ) async throws -> MixReport {
        guard inputs.map(\.name) == config.weights.map(\.dataset) else {
            throw MixError("mix inputs \(inputs.map(\.name)) do not match the weights \(config.weights.map(\.dataset))")
        }
        let (pools, exclusions) = try await measure(inputs, progress: progress)
        let selection = MixSelection.choose(pools, config: config, seed: seed)

        // Global order: a seeded shuffle of every pick; shards take consecutive positions.
        let total = selection.picks.reduce(0) { $0 + $1.count }
        var order = Array(0..<total)
        var rng = SeededRandom(seed, "mix-order")
        order.shuffle(using: &rng)
        let shardCount = max(1, min(config.shards, total))
        func shard(_ position: Int) -> Int { total == 0 ? 0 : position * shardCount / total }

        // Second pass: encode chosen records into per-shard spools.
        try FileSystem.createDirectory(outputDirectory)
        FileSystem.remove(outputDirectory + "/README.md")  // no card describes a half-written mixture
        FileSystem.removeTree(workDirectory)
        try FileSystem.createDirectory(workDirectory)
        var spools: [AtomicFile] = []
        for s in 0..<shardCount { spools.append(try AtomicFile(path: workDirectory + "/shard-\(s).spool")) }
        var shardRecords = Array(repeating: 0, count: shardCount)
        var next = 0
        var encoded = 0
        let export = MixExport(format: config.format, template: measure.template)
        for (d, input) in inputs.enumerated() {
            // (record index, global position), sorted by record.
            var wanted: [(record: Int, position: Int)] = []
            wanted.reserveCapacity(selection.picks[d].count)
            for r in selection.picks[d] {
                wanted.append((r, order[next]))
                next += 1
            }
            wanted.sort { $0.record != $1.record ? $0.record < $1.record : $0.position < $1.position }
            guard !wanted.isEmpty else { continue }
            let positions = wanted
            let name = input.name
            try await Self.mapChunks(path: input.path, workers: workers, chunkSize: chunkSize) { (lines) throws -> [(Int, [UInt8])] in
                // Binary search the chunk's first record.
                guard let first = lines.first?.index, let last = lines.last?.index else { return [(Int, [UInt8])]() }
                var lo = 0, hi = positions.count
                while lo < hi { let mid = (lo + hi) / 2; if positions[mid].record < first { lo = mid + 1 } else { hi = mid } }
                var out: [(Int, [UInt8])] = []
                var k = lo
                var li = 0
                while k < positions.count, positions[k].record <= last {
                    while lines[li].index < positions[k].record { li += 1 }
                    let record = try Self.decode(lines[li], path: input.path)
                    let bytes: [UInt8]
                    do { bytes = try export.line(record, dataset: name) } catch let e as MixExport.Failure {
                        throw MixError("\(input.path):\(lines[li].number): \(e.message)")
                    }
                    let r = positions[k].record
                    while k < positions.count, positions[k].record == r {
                        out.append((positions[k].position, bytes))
                        k += 1
                    }
                }
                return out
            } consume: { (chunk: [(Int, [UInt8])]) in
                for (position, bytes) in chunk {
                    let s = shard(position)
                    var header: [UInt8] = []
                    withUnsafeBytes(of: UInt64(position).littleEndian) { header.append(contentsOf: $0) }
                    withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { header.append(contentsOf: $0) }
                    try spools[s].write(header)
                    try spools[s].write(bytes)
                    shardRecords[s] += 1
                }
                encoded += chunk.count
                progress?(.encoding(records: encoded, of: total))
            }
        }
        for s in spools { try s.commit() }

        // Each shard: order by position, write atomically; shards are compressed in parallel
        // (memory: one shard per worker).
        let fileFormat = config.fileFormat
        let keep = Set((0..<shardCount).map { Self.shardName($0, fileFormat: fileFormat) } + ["README.md"])
        var files = [MixReport.ShardFile?](repeating: nil, count: shardCount)
        let counts = shardRecords
        var written = 0
        try await OrderedTasks.run(
            limit: workers,
            consume: { (s: Int, file: MixReport.ShardFile) in
                files[s] = file
                written += 1
                progress?(.shardWritten(index: written - 1, of: shardCount))
            }
        ) { submit in
            for s in 0..<shardCount {
                try await submit {
                    (
                        s,
                        try Self.writeShard(
                            spool: workDirectory + "/shard-\(s).spool", records: counts[s],
                            to: outputDirectory, name: Self.shardName(s, fileFormat: fileFormat),
                            fileFormat: fileFormat)
                    )
                }
            }
        }
        for name in FileSystem.list(outputDirectory) ?? [] where !keep.contains(name) {
            if name.hasPrefix("part-") { FileSystem.remove(outputDirectory + "/" + name) }
        }
        FileSystem.removeTree(workDirectory)

        // Figures.
        let weights = config.normalisedWeights
        var figures: [MixReport.DatasetFigures] = []
        for (d, pool) in pools.enumerated() {
            let picks = selection.picks[d]
            var f = MixReport.DatasetFigures(
                name: pool.name, weight: weights[d], availableRecords: pool.units.count, availableUnits: pool.totalUnits,
                availableTokens: pool.tokens.reduce(0, +), targetUnits: selection.targets[d], records: picks.count,
                uniqueRecords: Set(picks).count, units: 0, tokens: 0, reasoningOn: 0, reasoningOff: 0,
                excluded: pool.excluded.count)
            for r in picks {
                f.units += pool.units[r]
                f.tokens += pool.tokens[r]
                switch pool.reasoning[r] {
                case .on: f.reasoningOn += 1
                case .off: f.reasoningOff += 1
                case .none: break
                }
            }
            figures.append(f)
        }
        var report = MixReport(
            config: config, measure: measure.json, measureSummary: measure.summary, datasets: figures,
            shards: files.compactMap { $0 }, warnings: selection.warnings,
            exclusionCheck: exclusionCheck, exclusions: exclusions)
        if config.reasoningOn != nil {
            let on = figures.reduce(0) { $0 + $1.reasoningOn }, off = figures.reduce(0) { $0 + $1.reasoningOff }
            if on + off > 0 && (on == 0 || off == 0) {
                report.warnings.append(
                    "reasoning.on is set but the mixture holds only reasoning-\(on > 0 ? "on" : "off") "
                        + "conversations: no dataset has both kinds to balance")
            }
        }
        try AtomicFile.write(Array(DatasetCard.markdown(report, context: card).utf8), to: outputDirectory + "/README.md")
        return report
    }

    /// Orders a spool file's entries by position and writes them as one shard (gzip JSONL or
    /// Parquet), atomically.
    static func writeShard(
        spool spoolPath: String, records: Int, to outputDirectory: String, name: String,
        fileFormat: MixFileFormat = .jsonl
    ) throws -> MixReport.ShardFile {
        let raw = try FileSystem.read(spoolPath)
        var entries: [(position: UInt64, range: Range<Int>)] = []
        entries.reserveCapacity(records)
        var p = 0
        while p + 12 <= raw.count {
            var position: UInt64 = 0, length: UInt32 = 0
            for i in 0..<8 { position |= UInt64(raw[p + i]) << (8 * UInt64(i)) }
            for i in 0..<4 { length |= UInt32(raw[p + 8 + i]) << (8 * UInt32(i)) }
            let start = p + 12, end = start + Int(length)
            guard end <= raw.count else { throw MixError("\(spoolPath): truncated spool file") }
            entries.append((position, start..<end))
            p = end
        }
        guard entries.count == records else {
            throw MixError("\(spoolPath): \(entries.count) records, expected \(records)")
        }
        entries.sort { $0.position < $1.position }
        let path = outputDirectory + "/" + name
        switch fileFormat {
        case .jsonl:
            let file = try AtomicFile(path: path, gzip: true)
            var buffer: [UInt8] = []
            buffer.reserveCapacity(1 << 20)
            for e in entries {
                buffer.append(contentsOf: raw[e.range])
                if buffer.count >= 1 << 20 { try file.write(buffer); buffer.removeAll(keepingCapacity: true) }
            }
            try file.write(buffer)
            try file.commit()
        case .parquet:
            // Columns are inferred from the shard's rows (as pyarrow does from the same JSON).
            var rows: [JSONValue] = []
            rows.reserveCapacity(entries.count)
            for e in entries {
                let line = raw[e.range].last == 0x0A ? raw[e.range].dropLast() : raw[e.range]
                do { rows.append(try JSONParser.parse(Array(line))) } catch {
                    throw MixError("\(spoolPath): an encoded record is not JSON: \(error)")
                }
            }
            do {
                let writer = try ParquetWriter(
                    path: path, schema: ParquetColumnType.schema(of: rows),
                    options: ParquetWriter.Options(rowGroupRows: 10_000))
                for row in rows { try writer.write(row) }
                try writer.close()
            } catch {
                throw MixError("\(error)")
            }
        }
        FileSystem.remove(spoolPath)
        return MixReport.ShardFile(
            name: name, records: entries.count, bytes: FileSystem.size(path) ?? 0,
            sha256: try SHA256.hex(ofFile: path))
    }

    // MARK: Reading

    /// A non-blank line and its record index (0-based among non-blank lines).
    struct IndexedLine: Sendable {
        var index: Int
        var number: Int
        var bytes: [UInt8]
    }

    static func decode(_ line: IndexedLine, path: String) throws -> Record {
        do {
            let value = try JSONParser.parse(line.bytes)
            return try NativeCodec.decodeAnyKind(
                value, fallbackID: "\(FileSystem.baseName(path)):\(line.number)",
                origin: Origin(file: path, line: line.number))
        } catch let e as RecordDecodingError {
            throw MixError("\(path):\(line.number): \(e.reason)")
        } catch let e as JSONParseError {
            throw MixError("\(path):\(line.number): invalid JSON: \(e)")
        }
    }

    /// Reads a JSONL file in chunks, maps each chunk on a worker and hands the results to
    /// `consume` in file order.
    static func mapChunks<T: Sendable>(
        path: String, workers: Int, chunkSize: Int,
        _ body: @escaping @Sendable ([IndexedLine]) throws -> T,
        consume: (T) throws -> Void
    ) async throws {
        let reader: LineReader
        do { reader = try LineReader(path: path, maxLineBytes: Int.max / 4) } catch { throw MixError("\(error)") }
        var recordIndex = 0
        try await OrderedTasks.run(limit: workers, holdProducer: true, consume: consume) { submit in
            var lines: [IndexedLine] = []
            func dispatch() async throws {
                let chunk = lines
                lines = []
                try await submit { try body(chunk) }
            }
            do {
                while let line = try reader.next() {
                    if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                    lines.append(IndexedLine(index: recordIndex, number: line.number, bytes: line.bytes))
                    recordIndex += 1
                    if lines.count == chunkSize { try await dispatch() }
                }
            } catch let e as IOError { throw MixError("\(e)") }
            if !lines.isEmpty { try await dispatch() }
        }
    }
}
