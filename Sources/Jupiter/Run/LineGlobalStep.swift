import Foundation
import JupiterCore

extension StepRunner {
    /// Runs a ``LineDecidingStage`` over the previous step's output, one input batch at a time:
    /// the batch's file is read whole, each record is decided from its stored line and written
    /// from it (kept: its lineage's stages grown by the stage; dropped: its `dropped` member
    /// added), and output batch `b` holds input batch `b`'s records. The files are the bytes
    /// ``runGlobal(_:stage:workers:started:)`` writes with the stage's `run`: a line not in the
    /// run's own form is decoded and written as that writes it. Nothing is quarantined: a line
    /// that does not decode stops the step, as it does there.
    ///
    /// With more than one worker the next batch is read, and the previous batch's drops
    /// compressed and its files written, beside the decisions on the current one.
    func runLineGlobal(
        _ w: StepWork, stage: PlannedStage, lineStage: any LineDecidingStage, workers: Int, started: Date
    ) async throws -> StepRecord {
        let (inputFiles, inputRecord) = try input(of: w)
        let expected = try recordCounts(inputFiles, batches: inputRecord.batches)
        var decider = lineStage.lineDecider()
        decider.reserve(records: inputRecord.counts.records)
        var total = StepCounts()
        total.stage(stage.id, "in", inputRecord.counts.records)
        let batches = max(1, inputRecord.batches)
        let parallel = workers > 1
        let files = w.files
        // Between two steps of the dataset, kept records are stored by reference (``KeptReference``).
        let byReference = !files.compressKept
        @Sendable func read(_ b: Int) throws -> KeptLines {
            b < inputRecord.batches
                ? try inputFiles.readKeptLines(b, reference: byReference) : KeptLines(bytes: [], reference: nil, label: "")
        }
        var next: Task<KeptLines, any Error>? = parallel ? Task { try read(0) } : nil
        var writing: Task<StepCounts, any Error>?
        defer {
            next?.cancel()
            writing?.cancel()
        }
        // Batches' files are flushed to disk and put in place behind the next batches' work.
        let committer = BatchCommitter(workers: workers)
        var done = 0
        try await committer.draining {
            do {
                for b in 0..<batches {
                    try Task.checkCancellation()
                    let lines: KeptLines
                    if let current = next {
                        lines = try await current.value
                        next = b + 1 < batches ? Task { try read(b + 1) } : nil
                    } else {
                        lines = try read(b)
                    }
                    var out = LineBatch(stage: stage.id, reference: lines.reference)
                    try out.decide(lines.bytes, path: lines.label, with: &decider)
                    guard b >= inputRecord.batches || out.records == expected[b] else {
                        throw RunError(.stage, "\(lines.label): \(out.records) records, but the batch's record says \(expected[b])")
                    }
                    done += out.records
                    if parallel {
                        if let previous = writing { total.add(try await previous.value) }
                        let batch = out
                        writing = Task { try await committer.submit(batch.prepare(files, index: b)) }
                    } else {
                        total.add(try await committer.submit(out.prepare(files, index: b)))
                    }
                    observer?(.progress(dataset: w.dataset.name, step: w.index, records: done, bytes: 0))
                }
                if let last = writing {
                    total.add(try await last.value)
                    writing = nil
                }
            } catch {
                // A batch still being written is committed or dropped before the step gives up.
                _ = try? await writing?.value
                throw error
            }
        }
        // The batches' read counts are zero; the step read what its input kept.
        total.read = inputRecord.counts.kept
        let record = StepRecord(
            fingerprint: w.fingerprint, batches: batches, counts: total, seconds: Date().timeIntervalSince(started))
        do { try w.files.finish(record) } catch { throw RunError(.io, error.description) }
        return record
    }
}

/// One output batch of a ``LineDecidingStage``: its kept and dropped lines and their counts.
/// Given a reference to its input lines, it stores its kept records by reference to them
/// (``KeptReference``: which lines it kept) instead of writing them, unless a line is not in the
/// run's own form (it is decoded, and written as decoded when kept: the batch writes its kept
/// lines).
struct LineBatch: Sendable {
    let stage: String
    private(set) var kept: [UInt8] = []
    private(set) var dropped: [UInt8] = []
    /// The input lines' reference while the kept records are stored by it.
    private var reference: KeptReference?
    /// The input lines kept (bit `i % 8` of byte `i / 8` for line `i`), with a reference.
    private var keep: [UInt8] = []
    /// Input records decided.
    private(set) var records = 0
    private var keptRecords = 0
    private var keptOrigins = 0
    private var droppedRecords = 0
    private var droppedOrigins = 0
    /// Drops by rule, in the order the rules first fired.
    private var rules: [(rule: String, tally: RuleTally)] = []
    /// The members of the reason of the drop being written.
    private var reason: [UInt8] = []
    /// `{"stage":"<stage>",`: how every `dropped` member starts.
    private let droppedPrefix: [UInt8]

    /// A batch of `stage`'s outputs; `reference` refers to the input lines it will decide (their
    /// kept records are then stored by reference).
    init(stage: String, reference: KeptReference? = nil) {
        self.stage = stage
        self.reference = reference
        droppedPrefix = Self.droppedPrefix(stage)
    }

    /// Decides every record of a batch file's bytes (`path` names it in errors).
    mutating func decide(_ bytes: [UInt8], path: String, with decider: inout any LineDecider) throws {
        if reference != nil {
            keep = [UInt8](repeating: 0, count: ((reference?.keptLines ?? 0) + 7) / 8)
        } else {
            kept.reserveCapacity(bytes.count + bytes.count / 8)
        }
        try bytes.withUnsafeBufferPointer { u in
            // A line in the run's form is decided, the next one shown to the decider
            // (``LineDecider/preview(line:id:)``), and then it is written.
            var pending: (line: UnsafeBufferPointer<UInt8>, number: Int, shape: RawRecordLine.Shape)?
            // A drop's rule; its reason's members are in `reason`.
            func decidePending() throws -> String? {
                guard let p = pending else { return nil }
                reason.removeAll(keepingCapacity: true)
                let decode = { try NativeLines.decode(Array(p.line), file: path, line: p.number) }
                return try decider.verdict(line: p.line, id: p.shape.id, record: decode, reasonInto: &reason)
            }
            try NativeLines.forEach(u) { lineNumber, line in
                guard let shape = RawRecordLine.shape(line) else {
                    if let p = pending {
                        write(p.line, p.shape, rule: try decidePending())
                        pending = nil
                    }
                    // Written as decoded: from here on, the kept lines are written.
                    if reference != nil { writeKept(u, before: records) }
                    records += 1
                    let record = try NativeLines.decode(Array(line), file: path, line: lineNumber)
                    add(record, try decider.verdict(record: record))
                    return
                }
                if let p = pending {
                    let rule = try decidePending()
                    decider.preview(line: line, id: shape.id)
                    write(p.line, p.shape, rule: rule)
                } else {
                    decider.preview(line: line, id: shape.id)
                }
                pending = (line, lineNumber, shape)
            }
            if let p = pending { write(p.line, p.shape, rule: try decidePending()) }
        }
    }

    /// Writes the next input line, in the run's own form, as decided: dropped under `rule` (its
    /// reason's members in ``reason``), or kept (nil).
    private mutating func write(_ line: UnsafeBufferPointer<UInt8>, _ shape: RawRecordLine.Shape, rule: String?) {
        let index = records
        records += 1
        if let rule {
            let (prefix, members) = (droppedPrefix, reason)
            RawRecordLine.appendWithMember(line, "dropped", to: &dropped) {
                $0.append(contentsOf: prefix)
                $0.append(contentsOf: members)
                $0.append(0x7D)
            }
            countDropped(origins: shape.origins, rule: rule) {
                String(decoding: UnsafeBufferPointer(rebasing: line[shape.id]), as: UTF8.self)
            }
        } else {
            if reference != nil {
                KeptReference.setBit(&keep, index)
            } else {
                RawRecordLine.appendKept(line, noStages: shape.noStages, stage: stage, to: &kept)
            }
            keptRecords += 1
            keptOrigins += max(1, shape.origins)
        }
    }

    /// Leaves storing by reference: writes the kept lines among the first `count` lines of `u`
    /// (each in the run's own form: it was kept by reference).
    private mutating func writeKept(_ u: UnsafeBufferPointer<UInt8>, before count: Int) {
        var i = 0
        let keep = self.keep
        NativeLines.forEach(u) { _, line in
            defer { i += 1 }
            guard i < count, KeptReference.bit(keep, i), let shape = RawRecordLine.shape(line) else { return }
            RawRecordLine.appendKept(line, noStages: shape.noStages, stage: stage, to: &kept)
        }
        reference = nil
        self.keep = []
    }

    /// A record decoded from a line in another form, written as ``GlobalBatchWriter`` writes it.
    private mutating func add(_ record: Record, _ reason: DropReason?) {
        if let reason {
            RecordLines.append(record, to: &dropped, extra: ["dropped": BatchProcessor.droppedMember(stage: stage, reason: reason)])
            countDropped(origins: record.lineage.origins.count, rule: reason.rule) { record.id }
        } else {
            RecordLines.append(record.passing(stage), to: &kept)
            keptRecords += 1
            keptOrigins += max(1, record.lineage.origins.count)
        }
    }

    private mutating func countDropped(origins: Int, rule: String, id: () -> String) {
        droppedRecords += 1
        droppedOrigins += max(1, origins)
        if let k = rules.firstIndex(where: { $0.rule == rule }) {
            rules[k].tally.add(rules[k].tally.examples.count < RuleTally.limit ? id() : nil)
        } else {
            var tally = RuleTally()
            tally.add(id())
            rules.append((rule, tally))
        }
    }

    /// How every `dropped` member of `stage` starts: `{"stage":"<stage>",`. The reason's members
    /// (``DropReason/writeMembers(into:)``) and `}` follow: the bytes of
    /// `JSONWriter.write(BatchProcessor.droppedMember(stage:reason:))`, written directly.
    static func droppedPrefix(_ stage: String) -> [UInt8] {
        var prefix = Array(#"{"stage":"#.utf8)
        JSONWriter.writeString(stage, into: &prefix)
        prefix.append(0x2C)
        return prefix
    }

    /// The batch's counts, as ``GlobalBatchWriter`` counts the same outputs.
    var counts: StepCounts {
        var c = StepCounts()
        c.kept = keptOrigins
        c.records = keptRecords
        c.dropped = droppedOrigins
        if keptRecords > 0 { c.stage(stage, "kept", keptRecords) }
        if droppedRecords > 0 {
            c.stage(stage, "dropped", droppedRecords)
            for (rule, tally) in rules { c.stages[stage]?.rules[rule] = tally }
        }
        return c
    }

    /// Writes the batch's files into their temporary places (drops deflated at
    /// ``BatchFiles/droppedLevel`` in members of ``AtomicFile/gzipBlock`` bytes, as
    /// ``GlobalBatchWriter`` writes them); committing them writes its `done.json`.
    func prepare(_ files: BatchFiles, index: Int) throws -> PendingBatch {
        var droppedFile: AtomicFile?
        if !dropped.isEmpty {
            let file = try AtomicFile(path: files.droppedPath(index), gzip: true, level: BatchFiles.droppedLevel)
            try file.write(dropped)
            try file.finish()
            droppedFile = file
        }
        let keptOutput: PendingBatch.Kept =
            if let reference { .reference(reference.narrowed(to: keep, stage: stage)) } else { .file(try files.prepareKept(index, kept)) }
        return PendingBatch(files: files, batch: index, counts: counts, kept: keptOutput, dropped: droppedFile, quarantine: nil)
    }
}

/// The verdicts of a ``PlaceShardDecider`` for one batch, handed out in order as a ``LineDecider``.
struct PlaceLineDecider: LineDecider {
    let verdicts: [DropReason?]
    let path: String
    private(set) var next = 0

    init(verdicts: [DropReason?], path: String) {
        self.verdicts = verdicts
        self.path = path
    }

    private mutating func take() throws -> DropReason? {
        guard next < verdicts.count else {
            throw RunError(.stage, "\(path): more records than the \(verdicts.count) the batch's record says")
        }
        defer { next += 1 }
        return verdicts[next]
    }

    mutating func verdict(line: UnsafeBufferPointer<UInt8>, id: Range<Int>, record: () throws -> Record) throws -> DropReason? {
        try take()
    }

    mutating func verdict(record: Record) throws -> DropReason? { try take() }
}
