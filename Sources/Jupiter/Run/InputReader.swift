import JupiterCore

/// A dataset's input, read sequentially and cut into batches of units (lines, CSV rows, Moses
/// line pairs) that are decoded in parallel: a source's files, or an upstream dataset's
/// `kept.jsonl.gz`. Batch numbering is a pure function of the input and the batch size (each file
/// starts a new batch), so every reader of the same input sees the same batches.
struct InputReader: Sendable {
    /// One file (or Moses file pair) read as one sequence.
    struct Group: Sendable {
        /// The file as the manifest and quarantine entries name it.
        var label: String
        /// The paths read.
        var paths: [String]
        var format: Format
        var options: FormatOptions
    }

    /// A batch of raw units from one file.
    struct Batch: Sendable {
        /// Batch index within the step.
        var index: Int
        /// The file's label.
        var file: String
        /// The units, cut by the reader (decoded on the batch's task).
        var units: UnitBlock
        /// The file had no units at all (it is quarantined as empty).
        var emptyFile: Bool
        var decoder: any UnitDecoder
        var maxLineBytes: Int
    }

    let groups: [Group]
    /// Upstream dataset output (native records of any kind) rather than a source.
    let fromDataset: Bool

    /// The input of `dataset` in `runDirectory`.
    init(_ dataset: DatasetPlan, runDirectory: String) {
        switch dataset.input {
        case .source(let s):
            if s.format == .moses {
                groups = [Group(label: s.files[0], paths: s.paths, format: s.format, options: s.options)]
            } else {
                groups = zip(s.files, s.paths).map { Group(label: $0, paths: [$1], format: s.format, options: s.options) }
            }
            fromDataset = false
        case .dataset(let up):
            groups = [
                Group(
                    label: "datasets/\(up)/kept.jsonl.gz", paths: [runDirectory + "/datasets/\(up)/kept.jsonl.gz"],
                    format: .openaiMessages, options: FormatOptions(maxLineBytes: Int.max / 4))
            ]
            fromDataset = true
        }
    }

    /// Bytes to read (for progress).
    var totalBytes: Int { groups.reduce(0) { $0 + $1.paths.reduce(0) { $0 + (FileSystem.size($1) ?? 0) } } }

    /// Calls `body` with each batch in order; `progress` gets units and bytes read so far.
    func forEachBatch(
        batchSize: Int, progress: (_ units: Int, _ bytes: Int) -> Void,
        _ body: (Batch) async throws -> Void
    ) async throws {
        var index = 0
        var unitsSeen = 0
        var bytesBefore = 0
        for g in groups {
            let (reader, decoder) = try open(g)
            var fileUnits = 0
            while true {
                let block: UnitBlock?
                do { block = try reader.nextBlock(maxUnits: batchSize) } catch { throw RunError(.io, error.description) }
                guard let block else { break }
                fileUnits += block.count
                unitsSeen += block.count
                try await body(
                    Batch(
                        index: index, file: g.label, units: block, emptyFile: false, decoder: decoder,
                        maxLineBytes: g.options.maxLineBytes))
                index += 1
                if block.count < batchSize { break }
                progress(unitsSeen, bytesBefore + reader.bytesRead)
            }
            if fileUnits == 0 {
                try await body(
                    Batch(
                        index: index, file: g.label, units: .empty, emptyFile: true, decoder: decoder,
                        maxLineBytes: g.options.maxLineBytes))
                index += 1
            }
            bytesBefore += reader.bytesRead
            progress(unitsSeen, bytesBefore)
        }
    }

    /// The unit reader and decoder of a group.
    func open(_ g: Group) throws(RunError) -> (any SourceUnitReader, any UnitDecoder) {
        do {
            if fromDataset {
                return (try LineUnitReader(path: g.paths[0], maxLineBytes: g.options.maxLineBytes), AnyNativeDecoder())
            }
            return try SourceFormats.open(g.format, paths: g.paths, options: g.options)
        } catch {
            throw RunError(.io, error.description)
        }
    }

    /// Decodes a batch: its records, and the read-level outputs (quarantined lines, counted as read).
    static func decode(_ batch: Batch) -> ([Record], BatchOutput) {
        var pre = BatchOutput()
        var records: [Record] = []
        records.reserveCapacity(batch.units.count)
        if batch.emptyFile { quarantine(batch, 0, "empty file", nil, into: &pre) }
        for i in 0..<batch.units.count {
            if let r = decode(i, of: batch, into: &pre) { records.append(r) }
        }
        return (records, pre)
    }

    /// Decodes unit `i` of `batch` (a line where it lies): its record, or nil for a blank line or
    /// a unit quarantined into `out` (an over-long line, a decoding error).
    static func decode(_ i: Int, of batch: Batch, into out: inout BatchOutput) -> Record? {
        if let length = batch.units.tooLongLength(i) {
            quarantine(
                batch, batch.units.line(i),
                "line is \(length) bytes, over the \(batch.maxLineBytes)-byte limit (source setting "
                    + "max_line_bytes)", nil, into: &out)
            return nil
        }
        do {
            return try batch.units.decode(i, with: batch.decoder, file: batch.file)
        } catch {
            // The unit is made only to quarantine it. A Parquet row has no line bytes: its JSON
            // stands in for them.
            let u = batch.units[i]
            quarantine(
                batch, u.line, error.reason, u.bytes.isEmpty ? u.value.map { JSONWriter.bytes($0) } : u.bytes, into: &out)
            return nil
        }
    }

    /// A unit that could not be read: its quarantine line and counts.
    static func quarantine(_ batch: Batch, _ line: Int, _ error: String, _ raw: [UInt8]?, into out: inout BatchOutput) {
        out.quarantine += BatchProcessor.readQuarantine(file: batch.file, line: line, error: error, raw: raw)
        out.counts.read += 1
        out.counts.quarantined += 1
        out.counts.stage("read", "quarantined")
        out.counts.quarantined(by: "read", cause: error, record: "\(batch.file):\(line)")
    }
}

/// Decodes native JSONL lines of any record kind (an upstream dataset's output).
struct AnyNativeDecoder: UnitDecoder {
    func decode(_ unit: SourceUnit, file: String) throws(RecordDecodingError) -> Record? {
        if unit.problem == nil, unit.value == nil {
            return try unit.bytes.withUnsafeBufferPointer { (u) throws(RecordDecodingError) in
                try decode(line: u, number: unit.line, file: file)
            }
        }
        guard let value = try JSONLUnit.parse(unit) else { return nil }
        return try NativeCodec.decodeAnyKind(
            value, fallbackID: JSONLUnit.fallbackID(file: file, line: unit.line),
            origin: Origin(file: file, line: unit.line))
    }

    /// A line read whole, where it lies: its record straight from the bytes, or through the parser.
    func decode(line bytes: UnsafeBufferPointer<UInt8>, number: Int, file: String) throws(RecordDecodingError) -> Record? {
        if let r = DirectDecoding.anyKind(
            bytes, fallbackID: JSONLUnit.fallbackID(file: file, line: number), origin: Origin(file: file, line: number))
        {
            return r
        }
        guard let value = try JSONLUnit.parse(line: bytes) else { return nil }
        return try NativeCodec.decodeAnyKind(
            value, fallbackID: JSONLUnit.fallbackID(file: file, line: number), origin: Origin(file: file, line: number))
    }
}
