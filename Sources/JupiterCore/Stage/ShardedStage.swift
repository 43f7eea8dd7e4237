import Foundation

/// A global stage whose one pass over all input can be split the way datatrove splits its
/// deduplication on a cluster, so that no task ever holds the whole input:
///
/// 1. **scan** — each of `tasks` tasks reads its share of the input batches and writes its shard
///    files (MinHash: band keys per band range and sketches; exact dedup: hashes per prefix);
/// 2. **reduce** — each of `tasks` parts (a band range, a hash prefix) reads every task's files for
///    its part and writes what it found (candidate pairs, duplicates);
/// 3. **combine** — one task reads every part's findings and writes the decisions (clusters);
/// 4. **filter** — each task decides its records from the decisions (``ShardDecider``).
///
/// Records are numbered in input order (batch by batch, from 0): every file speaks of records by
/// that global index, so the outcome does not depend on how many tasks did the work. The
/// contract, which the tests check: ``GlobalStage/run(_:context:emit:)`` emits exactly one output
/// per input record, in input order, and that output equals what the four passes decide for it.
public protocol ShardedStage: GlobalStage {
    /// Pass 1 for one task: `input` holds its batches, each with the global index of its first
    /// record. Writes the task's files into `directory` (shared by every task and pass), with up to
    /// `workers` threads (0: every core).
    func scan(_ input: any ShardInput, task: Int, of tasks: Int, directory: String, workers: Int) async throws
    /// Pass 2 for part `part` of `parts` (as many parts as scan tasks): reads every task's files
    /// for the part and writes the part's findings into `directory`.
    func reduce(part: Int, of parts: Int, directory: String) async throws
    /// Pass 3 (one task): reads every part's findings and writes the decisions, for `records`
    /// records in all.
    func combine(parts: Int, records: Int, directory: String) async throws
    /// Pass 4: reads the decisions, for any number of batches of one task.
    func decider(directory: String) throws -> any ShardDecider
}

/// The batches of one scan task, each with the global index of its first record.
public protocol ShardInput: Sendable {
    /// Calls `body` with each batch of the task, in input order.
    func forEachBatch(_ body: (_ first: Int, _ records: [Record]) async throws -> Void) async throws
}

/// A ``ShardInput`` that also hands its batches over as the native JSON lines the run stores
/// between steps (decode one with `NativeLines.decode`), so that a scan can read what it needs
/// from each line without decoding the record.
public protocol LineShardInput: ShardInput {
    /// Calls `body` with each batch of the task as its lines, in input order, with the path that
    /// names the batch in errors.
    func forEachLineBatch(_ body: (_ first: Int, _ lines: [UInt8], _ path: String) async throws -> Void) async throws
}

/// Decides records from a ``ShardedStage``'s decisions.
public protocol ShardDecider {
    /// The outputs of `records`, whose first has global index `first`: one per record, in order.
    mutating func outputs(_ records: [Record], first: Int) throws -> [StageOutput]
}

/// A ``ShardDecider`` whose decisions depend on the records' places alone (exact and MinHash
/// dedup): the run can then write each record kept or dropped from its stored line, without
/// decoding it.
public protocol PlaceShardDecider: ShardDecider {
    /// For the records with global indices `first ..< first + count`, in order: why each is
    /// dropped, or nil when it is kept.
    mutating func verdicts(count: Int, first: Int) throws -> [DropReason?]
}

extension PlaceShardDecider {
    /// The verdicts applied to `records`.
    public mutating func outputs(_ records: [Record], first: Int) throws -> [StageOutput] {
        let verdicts = try verdicts(count: records.count, first: first)
        return zip(records, verdicts).map { record, reason in reason.map { .dropped(record, $0) } ?? .kept(record) }
    }
}

/// A binary file of a sharded stage's pass, written as it grows (in 256 KiB writes) and renamed
/// into place by ``commit()``: little-endian integers and doubles, strings with a 32-bit length.
public final class ShardFileWriter {
    private let file: AtomicFile
    private var buffer: [UInt8] = []
    /// Buffered bytes that trigger a write: a scan task may hold a thousand files open.
    static let flushBytes = 256 << 10

    /// Starts writing `path` (a temporary file until ``commit()``).
    public init(path: String) throws(IOError) {
        file = try AtomicFile(path: path)
    }

    /// Appends a 64-bit unsigned integer.
    public func put(_ v: UInt64) throws(IOError) {
        withUnsafeBytes(of: v.littleEndian) { buffer.append(contentsOf: $0) }
        if buffer.count >= Self.flushBytes { try flush() }
    }

    /// Appends a 32-bit unsigned integer.
    public func put32(_ v: UInt32) throws(IOError) {
        withUnsafeBytes(of: v.littleEndian) { buffer.append(contentsOf: $0) }
        if buffer.count >= Self.flushBytes { try flush() }
    }

    /// Appends a double (its IEEE bits: read back bit for bit).
    public func put(_ v: Double) throws(IOError) { try put(v.bitPattern) }

    /// Appends bytes as they are.
    public func put(bytes: some Collection<UInt8>) throws(IOError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.flushBytes { try flush() }
    }

    /// Appends a string (32-bit byte length, then its UTF-8).
    public func put(_ s: String) throws(IOError) {
        try put32(UInt32(s.utf8.count))
        try put(bytes: s.utf8)
    }

    private func flush() throws(IOError) {
        try file.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered and renames the file into place.
    public func commit() throws(IOError) {
        if !buffer.isEmpty { try flush() }
        try file.commit()
    }
}

/// Reads a file written with ``ShardFileWriter``, whole.
public struct ShardFileReader {
    /// The file.
    public let path: String
    private let bytes: [UInt8]
    private var offset = 0

    /// Reads `path`.
    public init(path: String) throws(IOError) {
        self.path = path
        bytes = try FileSystem.read(path)
    }

    /// True when every byte was read.
    public var isAtEnd: Bool { offset >= bytes.count }

    private func truncated() -> IOError {
        IOError(path: path, "truncated shard file (at byte \(offset) of \(bytes.count))")
    }

    /// Reads a 64-bit unsigned integer.
    public mutating func u64() throws(IOError) -> UInt64 {
        guard offset + 8 <= bytes.count else { throw truncated() }
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[offset + k]) << (8 * UInt64(k)) }
        offset += 8
        return v
    }

    /// Reads a 32-bit unsigned integer.
    public mutating func u32() throws(IOError) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw truncated() }
        var v: UInt32 = 0
        for k in 0..<4 { v |= UInt32(bytes[offset + k]) << (8 * UInt32(k)) }
        offset += 4
        return v
    }

    /// Reads a double.
    public mutating func double() throws(IOError) -> Double { Double(bitPattern: try u64()) }

    /// Reads `count` bytes.
    public mutating func bytes(_ count: Int) throws(IOError) -> ArraySlice<UInt8> {
        guard count >= 0, offset + count <= bytes.count else { throw truncated() }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    /// Reads a string.
    public mutating func string() throws(IOError) -> String {
        let n = Int(try u32())
        return String(decoding: try bytes(n), as: UTF8.self)
    }
}
