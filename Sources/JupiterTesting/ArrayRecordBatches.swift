import JupiterCore

/// Records held in memory, served in fixed-size batches: the simplest ``RecordBatches`` for
/// tests and benchmarks of global stages.
public struct ArrayRecordBatches: RecordBatches {
    /// The records, in order.
    public let records: [Record]
    /// Records per batch.
    public let batchSize: Int

    /// Wraps `records`, served `batchSize` at a time.
    public init(_ records: [Record], batchSize: Int = 1000) {
        self.records = records
        self.batchSize = max(1, batchSize)
    }

    /// Number of records.
    public var count: Int { records.count }

    /// Calls `body` with each batch in order.
    public func forEachBatch(_ body: ([Record]) async throws -> Void) async throws {
        var start = 0
        while start < records.count {
            let end = min(records.count, start + batchSize)
            try await body(Array(records[start..<end]))
            start = end
        }
    }
}
