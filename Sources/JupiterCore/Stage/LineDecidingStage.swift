/// A global stage whose one pass can decide each record from its stored native JSON line (as the
/// run writes records between steps), in input order: the run then writes every record kept or
/// dropped from that line as it is, without decoding and encoding it (`exact-dedup`).
///
/// The contract, which the tests check: the decider keeps and drops exactly the records that
/// ``GlobalStage/run(_:context:emit:)`` keeps and drops, for the same reasons; the stage emits one
/// output per input record, in input order, and never quarantines. The run writes output batch `b`
/// from input batch `b`, as for a ``ShardedStage``.
public protocol LineDecidingStage: GlobalStage {
    /// A decider for one pass over the whole input.
    func lineDecider() -> any LineDecider
}

/// Decides the records of one pass of a ``LineDecidingStage``, one at a time, in input order.
public protocol LineDecider {
    /// Why the record stored on `line` is dropped, or nil to keep it. The line is in the form the
    /// run writes (`{"id":"…",…,"lineage":{…}}`, the id without escapes: `id` is where its UTF-8
    /// lies in `line`); `record()` decodes it (call it only when the line alone does not tell; it
    /// throws for a line that does not decode, and that error stops the step).
    mutating func verdict(line: UnsafeBufferPointer<UInt8>, id: Range<Int>, record: () throws -> Record) throws -> DropReason?
    /// ``verdict(line:id:record:)`` with a drop's reason written as the run stores it: for a
    /// drop, appends the reason's members as ``DropReason/writeMembers(into:)`` writes them to
    /// `members` and returns its rule; returns nil to keep the record (and writes nothing). The
    /// default asks ``verdict(line:id:record:)``; a decider may write the bytes without making the
    /// reason's strings (exact dedup: a duplicate's reason names the first record's id twice).
    mutating func verdict(
        line: UnsafeBufferPointer<UInt8>, id: Range<Int>, record: () throws -> Record, reasonInto members: inout [UInt8]
    ) throws -> String?
    /// Why `record` (read from a line in another form) is dropped, or nil to keep it.
    mutating func verdict(record: Record) throws -> DropReason?
    /// Told before the pass how many records it will decide (a hint: a decider may size its
    /// tables for them).
    mutating func reserve(records: Int)
    /// Shown the line in the run's form that it will decide next, before it decides the current
    /// one (a hint: a decider may start reading what that decision needs, so that the read is
    /// under way while the current record is written).
    mutating func preview(line: UnsafeBufferPointer<UInt8>, id: Range<Int>)
}

extension LineDecider {
    /// Writes the reason ``verdict(line:id:record:)`` gives.
    public mutating func verdict(
        line: UnsafeBufferPointer<UInt8>, id: Range<Int>, record: () throws -> Record, reasonInto members: inout [UInt8]
    ) throws -> String? {
        guard let reason = try verdict(line: line, id: id, record: record) else { return nil }
        reason.writeMembers(into: &members)
        return reason.rule
    }
    /// Ignores the hint.
    public mutating func reserve(records: Int) {}
    /// Ignores the hint.
    public mutating func preview(line: UnsafeBufferPointer<UInt8>, id: Range<Int>) {}
}
