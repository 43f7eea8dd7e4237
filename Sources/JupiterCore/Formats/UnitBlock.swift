/// A run of consecutive source units, as a reader cut them, handed whole to the task that
/// decodes them.
///
/// Why: a line reader that gave one `[UInt8]` per line allocated every unit on the reading
/// thread, and the decoding task freed it on another; lines over 1 KB are beyond glibc's
/// per-thread caches, so each such free took the reading thread's arena lock while that thread
/// allocated the next lines from it. A block of lines is one buffer per batch. The units made
/// from it (``subscript(_:)``) are allocated and freed on the decoding task, and a caller that
/// reads a unit's bytes in place (``withPlainBytes(_:_:)``, e.g. `pair-filter`'s road for the
/// lines it keeps) allocates nothing per unit.
public struct UnitBlock: Sendable {
    private enum Storage: Sendable {
        /// Units made one by one (readers of CSV rows, Moses pairs, Parquet rows, text files).
        case units([SourceUnit])
        /// Lines back to back in `bytes`: unit `i` ends at `ends[i]` and is line `firstLine + i`;
        /// `tooLong` maps the index of each over-long line (no bytes) to its length.
        case lines(bytes: [UInt8], ends: [Int], firstLine: Int, tooLong: [Int: Int])
    }

    private let storage: Storage
    /// Number of units.
    public let count: Int

    /// A block of units made one by one.
    public init(units: [SourceUnit]) {
        storage = .units(units)
        count = units.count
    }

    /// A block of consecutive lines, every line a unit: unit `i`'s bytes are
    /// `bytes[ends[i-1]..<ends[i]]` (from 0 for the first) and its line is `firstLine + i`; the
    /// units in `tooLong` (index to length) were over the reader's limit and have no bytes.
    public init(lines bytes: [UInt8], ends: [Int], firstLine: Int, tooLong: [Int: Int] = [:]) {
        storage = .lines(bytes: bytes, ends: ends, firstLine: firstLine, tooLong: tooLong)
        count = ends.count
    }

    /// An empty block.
    public static let empty = UnitBlock(units: [])

    /// True when the block has no units.
    public var isEmpty: Bool { count == 0 }

    /// Unit `i` (`0 ..< count`), made as the reader's `next()` would have made it.
    public subscript(i: Int) -> SourceUnit {
        switch storage {
        case .units(let units):
            return units[i]
        case .lines(let bytes, let ends, let firstLine, let tooLong):
            if !tooLong.isEmpty, let length = tooLong[i] {
                return SourceUnit(line: firstLine + i, bytes: [], tooLong: true, length: length)
            }
            return SourceUnit(line: firstLine + i, bytes: Array(bytes[(i == 0 ? 0 : ends[i - 1])..<ends[i]]))
        }
    }

    /// The 1-based line where unit `i` starts.
    public func line(_ i: Int) -> Int {
        switch storage {
        case .units(let units): return units[i].line
        case .lines(_, _, let firstLine, _): return firstLine + i
        }
    }

    /// Calls `body` with unit `i`'s bytes in place when it is a plain unit (read whole, no
    /// problem found by the reader, no prebuilt value); nil, without calling it, otherwise.
    public func withPlainBytes<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        switch storage {
        case .units(let units):
            guard !units[i].tooLong, units[i].problem == nil, units[i].value == nil else { return nil }
            return try units[i].bytes.withUnsafeBufferPointer(body)
        case .lines(let bytes, let ends, _, let tooLong):
            guard tooLong.isEmpty || tooLong[i] == nil else { return nil }
            return try bytes.withUnsafeBufferPointer { b in
                try body(UnsafeBufferPointer(rebasing: b[(i == 0 ? 0 : ends[i - 1])..<ends[i]]))
            }
        }
    }
}

extension UnitBlock {
    /// The length of unit `i` when the reader found it over its limit (it has no bytes), or nil.
    package func tooLongLength(_ i: Int) -> Int? {
        switch storage {
        case .units(let units): units[i].tooLong ? units[i].length : nil
        case .lines(_, _, _, let tooLong): tooLong.isEmpty ? nil : tooLong[i]
        }
    }

    /// Decodes unit `i` (not over the limit: see ``tooLongLength(_:)``) with `decoder`: a line of
    /// a block of lines where it lies (``UnitDecoder/decode(line:number:file:)``), any other unit
    /// as made.
    package func decode(_ i: Int, with decoder: any UnitDecoder, file: String) throws(RecordDecodingError) -> Record? {
        switch storage {
        case .units(let units):
            return try decoder.decode(units[i], file: file)
        case .lines(let bytes, let ends, let firstLine, _):
            return try bytes.withUnsafeBufferPointer { (b) throws(RecordDecodingError) in
                try decoder.decode(
                    line: UnsafeBufferPointer(rebasing: b[(i == 0 ? 0 : ends[i - 1])..<ends[i]]), number: firstLine + i, file: file)
            }
        }
    }
}

extension SourceUnitReader {
    /// The next `maxUnits` units (fewer only at the end) as a block of units made one by one;
    /// nil at the end. Line readers give their lines as one buffer (``LineUnitReader``).
    public func nextBlock(maxUnits: Int) throws(IOError) -> UnitBlock? {
        var units: [SourceUnit] = []
        units.reserveCapacity(maxUnits)
        while units.count < maxUnits, let u = try next() { units.append(u) }
        return units.isEmpty ? nil : UnitBlock(units: units)
    }
}
