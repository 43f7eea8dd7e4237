/// A source unit that could not become a record: where it is and why.
public struct QuarantineEntry: Sendable, Hashable, CustomStringConvertible {
    /// Source file.
    public var file: String
    /// 1-based line where the unit starts.
    public var line: Int
    /// Why it was quarantined.
    public var reason: String
    /// Creates an entry.
    public init(file: String, line: Int, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }
    /// `file:line: reason`.
    public var description: String { "\(file):\(line): \(reason)" }
}

/// What one source unit became.
public enum SourceItem: Sendable {
    /// A decoded record.
    case record(Record)
    /// A unit that could not be decoded.
    case quarantined(QuarantineEntry)
}

/// Reads a whole source the way the run engine does: units cut sequentially, each decoded to a
/// record or a quarantine entry (over-long units, decoding errors, and an empty file are
/// quarantined with their line). Used by `jupiter inspect`, the benchmarks and tests.
public enum SourceScanner {
    /// Decodes one unit; `file` names the source in quarantine entries and lineage.
    public static func decode(_ unit: SourceUnit, file: String, decoder: any UnitDecoder) -> SourceItem? {
        if unit.tooLong { return tooLong(file: file, line: unit.line, length: unit.length) }
        do {
            return try decoder.decode(unit, file: file).map(SourceItem.record)
        } catch {
            return .quarantined(QuarantineEntry(file: file, line: unit.line, reason: error.reason))
        }
    }

    /// ``decode(_:file:decoder:)`` of unit `i` of `block`, a line where it lies.
    static func decode(_ block: UnitBlock, _ i: Int, file: String, decoder: any UnitDecoder) -> SourceItem? {
        if let length = block.tooLongLength(i) { return tooLong(file: file, line: block.line(i), length: length) }
        do {
            return try block.decode(i, with: decoder, file: file).map(SourceItem.record)
        } catch {
            return .quarantined(QuarantineEntry(file: file, line: block.line(i), reason: error.reason))
        }
    }

    /// ``decode(_:file:decoder:)`` of a line where it lies (nil bytes: over the limit).
    static func decode(
        line bytes: UnsafeBufferPointer<UInt8>?, number: Int, length: Int, file: String, decoder: any UnitDecoder
    ) -> SourceItem? {
        guard let bytes else { return tooLong(file: file, line: number, length: length) }
        do {
            return try decoder.decode(line: bytes, number: number, file: file).map(SourceItem.record)
        } catch {
            return .quarantined(QuarantineEntry(file: file, line: number, reason: error.reason))
        }
    }

    /// The entry of a unit over the reader's limit.
    private static func tooLong(file: String, line: Int, length: Int) -> SourceItem {
        .quarantined(QuarantineEntry(file: file, line: line, reason: "line too long (\(length) bytes)"))
    }

    /// The quarantine entry for a file with no units at all.
    public static func emptyFile(_ file: String) -> QuarantineEntry {
        QuarantineEntry(file: file, line: 0, reason: "empty file")
    }

    /// Reads `paths` as `format` on the calling thread, calling `body` with every item in order.
    /// `label` names the file in lineage, fallback ids and quarantine entries (default: the first
    /// path as given). Returns the number of units read.
    @discardableResult
    public static func scan(
        _ format: Format, paths: [String], options: FormatOptions = FormatOptions(),
        label: String? = nil, _ body: (SourceItem) throws -> Void
    ) throws -> Int {
        let (reader, decoder) = try SourceFormats.open(format, paths: paths, options: options)
        let file = label ?? paths.first ?? ""
        var units = 0
        if let lines = reader as? LineUnitReader {
            // Each line decoded where it lies in the reader's buffer.
            while try lines.withNextLine({ (number, bytes, length) throws -> Bool in
                units += 1
                if let item = decode(line: bytes, number: number, length: length, file: file, decoder: decoder) { try body(item) }
                return true
            }) != nil {}
        } else {
            while let unit = try reader.next() {
                units += 1
                if let item = decode(unit, file: file, decoder: decoder) { try body(item) }
            }
        }
        if units == 0 { try body(.quarantined(emptyFile(file))) }
        return units
    }

    /// Reads `paths` as `format`: units are cut on the calling task in batches of `batchSize` and
    /// decoded on up to `parallelism` tasks at once while the next batch is read; `body` gets the
    /// items of each batch in input order. Returns the number of units read.
    ///
    /// The default batch is 512 units. A batch's records are all held, then freed together, and
    /// large batches make that costly in the allocator (consolidating the free chunks of thousands
    /// of strings): on `bench/jsonl.sh`'s 100 MB of conversations, two tasks read 553–685 MB/s in
    /// batches of 4,096 against 800–819 MB/s in batches of 512 (256: 802–816).
    @discardableResult
    public static func scanParallel(
        _ format: Format, paths: [String], options: FormatOptions = FormatOptions(),
        batchSize: Int = 512, parallelism: Int,
        _ body: ([SourceItem]) throws -> Void
    ) async throws -> Int {
        try await scanParallel(
            format, paths: paths, options: options, batchSize: batchSize, parallelism: parallelism,
            transform: { $0 }, body)
    }

    /// Like ``scanParallel(_:paths:options:batchSize:parallelism:_:)``, with `transform` applied to
    /// each decoded batch on the decoding task (e.g. per-record stages, or counting), so the work
    /// and the records' memory stay on that task; `body` gets the results in input order.
    @discardableResult
    public static func scanParallel<T: Sendable>(
        _ format: Format, paths: [String], options: FormatOptions = FormatOptions(), batchSize: Int = 512,
        parallelism: Int, transform: @escaping @Sendable ([SourceItem]) -> T, _ body: (T) throws -> Void
    ) async throws -> Int {
        let (reader, decoder) = try SourceFormats.open(format, paths: paths, options: options)
        let file = paths.first ?? ""
        var units = 0
        try await OrderedTasks.run(limit: max(1, parallelism), consume: body) { submit in
            // Blocks of units (one buffer for a batch of lines): each unit is made, decoded and
            // freed on its decoding task (``UnitBlock``).
            while let block = try reader.nextBlock(maxUnits: batchSize) {
                units += block.count
                try await submit {
                    var items: [SourceItem] = []
                    items.reserveCapacity(block.count)
                    for i in 0..<block.count {
                        if let item = decode(block, i, file: file, decoder: decoder) { items.append(item) }
                    }
                    return transform(items)
                }
                if block.count < batchSize { break }
            }
        }
        if units == 0 { try body(transform([.quarantined(emptyFile(file))])) }
        return units
    }
}
