import JupiterCore

/// The files of one step under `work/<dataset>/<index>-<fingerprint>/`. Per batch:
/// `NNNNNN.kept.gz` (records going on, one gzip member, for a dataset's last step, whose members
/// make its `kept.jsonl.gz`) or `NNNNNN.kept.jsonl` (plain JSONL between two steps of a dataset:
/// read once by the next step, so deflating and inflating it would be pure cost; a line-deciding
/// step's batch between two steps has none: its `done.json` refers to the lines it kept of its
/// input, see ``KeptReference``), `NNNNNN.dropped.gz`,
/// `NNNNNN.quarantine.jsonl` (the last two only when they are not empty: a missing one reads as
/// empty, see ``PendingBatch``) and, written last,
/// `NNNNNN.done.json` with the batch's counts: a batch is done exactly when its `done.json`
/// exists (and, kept by reference, the file it refers to is there at its size). When every batch
/// is done, `step.json` records the step (fingerprint, batch count, summed counts, a global
/// stage's report): the step is done exactly when `step.json` exists and names the step's
/// fingerprint.
///
/// Drops are deflated at level 1 (``droppedLevel``: Jupiter's own encoder, see ``GzipDeflater``),
/// kept records at libdeflate's level 6: a curation run drops most of what it reads (on the
/// 1M-pair bench, 683 MB of drop records against 0.4 MB kept). On the bench's exact-dedup drops
/// level 1 runs at 390 MB/s for files 5.8% larger than libdeflate's level 1 (290 MB/s); level 6
/// would run at about a fifth of that. `dropped.jsonl.gz` is an audit file, read by people and
/// the report; recompress it (`zcat | gzip -9`) where its size matters more than the run's time.
///
/// Completion lives in files beside the outputs, not in a database, so that tasks on many
/// machines can share a run folder on a network filesystem (where SQLite is not safe).
struct BatchFiles: Sendable {
    /// The step's folder.
    let directory: String
    /// Kept records are written as gzip members (the dataset's last step) rather than plain JSONL.
    var compressKept = true
    /// The deflate level of drop records (see the type's documentation).
    static let droppedLevel: Int32 = 1

    func path(_ batch: Int, _ kind: String) -> String {
        let n = String(batch)
        return directory + "/" + String(repeating: "0", count: max(0, 6 - n.count)) + n + "." + kind
    }

    func keptPath(_ batch: Int) -> String { path(batch, compressKept ? "kept.gz" : "kept.jsonl") }
    func droppedPath(_ batch: Int) -> String { path(batch, "dropped.gz") }
    func quarantinePath(_ batch: Int) -> String { path(batch, "quarantine.jsonl") }
    func donePath(_ batch: Int) -> String { path(batch, "done.json") }
    var stepPath: String { directory + "/step.json" }

    /// Writes a batch's three output files, then its `done.json` (each renamed into place when complete).
    func write(batch: Int, _ out: BatchOutput) throws(IOError) {
        try prepare(batch: batch, out).commit()
    }

    /// Writes a batch's three output files into their temporary places (compressed as they are
    /// stored): ``PendingBatch/commit()`` flushes them to disk, puts them in place and marks the
    /// batch done.
    func prepare(batch: Int, _ out: BatchOutput) throws(IOError) -> PendingBatch {
        PendingBatch(
            files: self, batch: batch, counts: out.counts, kept: try prepareKept(batch, out.kept),
            dropped: out.dropped.isEmpty
                ? nil : try AtomicFile.prepare(try GzipDeflater.compress(out.dropped, level: Self.droppedLevel), to: droppedPath(batch)),
            quarantine: out.quarantine.isEmpty ? nil : try AtomicFile.prepare(out.quarantine, to: quarantinePath(batch)))
    }

    /// Writes a batch's kept records (JSON lines) in the step's kept format into their temporary
    /// place; committing the file puts it in place.
    func prepareKept(_ batch: Int, _ lines: [UInt8]) throws(IOError) -> AtomicFile {
        try AtomicFile.prepare(lines.isEmpty || !compressKept ? lines : try GzipDeflater.compress(lines), to: keptPath(batch))
    }

    /// The dataset's work folder, holding its steps' folders.
    var datasetDirectory: String {
        guard let slash = directory.lastIndex(of: "/") else { return "." }
        return String(directory[..<slash])
    }

    /// Records a batch whose files are in place as done, with its kept records' reference when
    /// it has no kept file (``KeptReference``). The record itself is not flushed to disk: lost or
    /// left empty by a crash, it only makes the batch run again (``done(_:)`` reads a record that
    /// does not parse as not done), while its files were flushed before it.
    func markDone(_ batch: Int, _ counts: StepCounts, kept reference: KeptReference? = nil) throws(IOError) {
        var json = counts.json
        if let reference, case .object(var o) = json {
            o["kept_by_reference"] = reference.json
            json = .object(o)
        }
        try AtomicFile.write(JSONWriter.bytes(json), to: donePath(batch), sync: false)
    }

    /// The counts of a done batch, or nil when the batch is not done.
    func done(_ batch: Int) -> StepCounts? {
        doneRecord(batch)?.counts
    }

    /// A done batch's counts and the reference its kept records are stored by (nil: its kept file).
    private func doneRecord(_ batch: Int) -> (counts: StepCounts, reference: KeptReference?)? {
        guard let json = doneJSON(batch) else { return nil }
        var reference: KeptReference?
        if let r = json["kept_by_reference"] {
            // Kept by reference: the referenced file must be there, at its size.
            guard let k = KeptReference(json: r), FileSystem.size(datasetDirectory + "/" + k.file) == k.bytes else { return nil }
            reference = k
        } else {
            guard FileSystem.exists(keptPath(batch)) else { return nil }
        }
        let counts = StepCounts(json: json)
        // An empty drop or quarantine file is not written (``PendingBatch``): a batch that dropped
        // or quarantined records must have its file.
        guard counts.dropped == 0 || FileSystem.exists(droppedPath(batch)),
            counts.quarantined == 0 || FileSystem.exists(quarantinePath(batch))
        else { return nil }
        return (counts, reference)
    }

    /// A batch's `done.json`, parsed; nil when it is missing or does not parse.
    private func doneJSON(_ batch: Int) -> JSONValue? {
        guard let bytes = try? FileSystem.read(donePath(batch)) else { return nil }
        return try? JSONParser.parse(bytes)
    }

    /// The step's record, when the step is done under `fingerprint` and its batches are on disk.
    func finished(fingerprint: String) -> StepRecord? {
        guard let bytes = try? FileSystem.read(stepPath), let json = try? JSONParser.parse(bytes),
            let record = StepRecord(json: json), record.fingerprint == fingerprint,
            (0..<record.batches).allSatisfy({ done($0) != nil })
        else { return nil }
        return record
    }

    /// Records the step as done.
    func finish(_ record: StepRecord) throws(IOError) {
        try AtomicFile.write(Array(JSONWriter.pretty(record.json).utf8), to: stepPath)
    }

    /// `task-<k>-of-<n>.json`: a task's finished slice.
    func taskPath(_ task: Int, of tasks: Int) -> String { directory + "/task-\(task)-of-\(tasks).json" }

    /// Records that task `task` of `tasks` finished its slice.
    func recordTask(_ task: Int, of tasks: Int, _ record: TaskRecord) throws(IOError) {
        try AtomicFile.write(JSONWriter.bytes(record.json), to: taskPath(task, of: tasks))
    }

    /// The record of a task's finished slice.
    func taskRecord(_ task: Int, of tasks: Int) -> TaskRecord? {
        guard let bytes = try? FileSystem.read(taskPath(task, of: tasks)), let json = try? JSONParser.parse(bytes) else {
            return nil
        }
        return TaskRecord(json: json)
    }

    /// Every task record of the step (any split), in file-name order.
    func taskRecords() -> [TaskRecord] {
        (FileSystem.list(directory) ?? []).sorted()
            .filter { $0.hasPrefix("task-") && $0.hasSuffix(".json") }
            .compactMap { name in
                guard let bytes = try? FileSystem.read(directory + "/" + name), let json = try? JSONParser.parse(bytes) else {
                    return nil
                }
                return TaskRecord(json: json)
            }
    }

    /// Reads the kept records of a batch.
    func readKept(_ batch: Int) throws -> [Record] {
        let lines = try readKeptLines(batch)
        return try RecordLines.decode(lines.bytes, file: lines.label)
    }

    /// The kept lines of a done batch, from its kept file or the file its kept records refer to
    /// (``KeptReference``). With `reference`, also a reference to them when they are a plain
    /// kept file (its hash is computed) or are themselves kept by reference, for a line-deciding
    /// step that keeps some of them (``LineBatch``). Only the batch's reference is read from its
    /// `done.json` (its completion was checked before: ``done(_:)``); reading the referenced
    /// file checks its size and hash.
    func readKeptLines(_ batch: Int, reference: Bool = false) throws -> KeptLines {
        if let member = doneJSON(batch)?["kept_by_reference"] {
            guard let r = KeptReference(json: member) else {
                throw RunError(.stage, "\(donePath(batch)): kept_by_reference is not a reference this version reads")
            }
            return KeptLines(
                bytes: try r.lines(in: datasetDirectory), reference: reference ? r : nil,
                label: donePath(batch) + " (kept lines of \(r.file))")
        }
        let path = keptPath(batch)
        let bytes = try RecordLines.readBytes(path: path)
        guard reference, !compressKept else { return KeptLines(bytes: bytes, reference: nil, label: path) }
        var lines = 0
        bytes.withUnsafeBufferPointer { u in NativeLines.forEach(u) { _, _ in lines += 1 } }
        let name = String(path[path.index(after: datasetDirectory.endIndex)...])
        return KeptLines(
            bytes: bytes, reference: KeptReference(file: name, bytes: bytes.count, hash: XXH3.hash64(bytes), lines: lines),
            label: path)
    }
}

/// A finished step: what `step.json` holds.
struct StepRecord: Sendable {
    /// The step's full fingerprint (its folder name holds a prefix).
    var fingerprint: String
    /// Batches written.
    var batches: Int
    /// Counts summed over the batches.
    var counts: StepCounts
    /// A reporting global stage's report.
    var report: JSONValue?
    /// Wall time of the execution that finished the step (for the manifest's `timings`), when known.
    var seconds: Double?

    var json: JSONValue {
        var o: JSONObject = ["fingerprint": .string(fingerprint), "batches": .int(batches), "counts": counts.json]
        if let report { o["report"] = report }
        if let seconds { o["seconds"] = .double((seconds * 1000).rounded() / 1000) }
        return .object(o)
    }

    init(fingerprint: String, batches: Int, counts: StepCounts, report: JSONValue? = nil, seconds: Double? = nil) {
        self.fingerprint = fingerprint
        self.batches = batches
        self.counts = counts
        self.report = report
        self.seconds = seconds
    }

    init?(json: JSONValue) {
        guard let fp = json["fingerprint"]?.stringValue, let n = json["batches"]?.intValue else { return nil }
        fingerprint = fp
        batches = n
        counts = StepCounts(json: json["counts"] ?? .null)
        report = json["report"]
        seconds = json["seconds"]?.doubleValue
    }
}

/// A task's finished slice of a step of per-batch stages (`task-<k>-of-<n>.json`): the step's
/// batch count as the task saw it, and what the task cost.
struct TaskRecord: Sendable {
    /// Batches of the whole step.
    var batches: Int
    /// Wall time of the task's slice.
    var seconds: Double
    /// The task process's peak resident memory (KiB), when known.
    var peakResidentKiB: Int?

    var json: JSONValue {
        var o: JSONObject = ["batches": .int(batches), "seconds": .double((seconds * 1000).rounded() / 1000)]
        if let peakResidentKiB { o["peak_rss_kib"] = .int(peakResidentKiB) }
        return .object(o)
    }

    init(batches: Int, seconds: Double, peakResidentKiB: Int?) {
        self.batches = batches
        self.seconds = seconds
        self.peakResidentKiB = peakResidentKiB
    }

    init?(json: JSONValue) {
        guard let b = json["batches"]?.intValue else { return nil }
        batches = b
        seconds = json["seconds"]?.doubleValue ?? 0
        peakResidentKiB = json["peak_rss_kib"]?.intValue
    }
}

/// Native JSONL lines of records (any kind, lineage included), as written between steps.
enum RecordLines {
    /// Appends one record as a JSON line.
    static func append(_ record: Record, to out: inout [UInt8], extra: JSONObject = JSONObject()) {
        DirectEncoding.write(record, extra: extra, into: &out)
        out.append(0x0A)
    }

    /// Decodes every record of native JSONL `bytes`, each line where it lies (no array per line);
    /// `file` names them in errors.
    static func decode(_ bytes: [UInt8], file: String) throws -> [Record] {
        var records: [Record] = []
        try bytes.withUnsafeBufferPointer { u in
            try NativeLines.forEach(u) { number, line in records.append(try NativeLines.decode(line, file: file, line: number)) }
        }
        return records
    }

    /// The bytes of a native JSONL file, inflated when it is gzip.
    static func readBytes(path: String) throws -> [UInt8] {
        let raw = try FileSystem.read(path)
        guard raw.count >= 2, raw[0] == 0x1F, raw[1] == 0x8B else { return raw }
        return try GzipInflater.decompress(raw, path: path)
    }
}

/// A batch's output files written into their temporary places (``AtomicFile/finish()``) and the
/// counts its `done.json` will hold. Handed whole from the task that wrote it to the one that
/// commits it (``BatchCommitter``): the files are used by one thread at a time.
///
/// An empty drop or quarantine file is not written: a missing one reads as empty (``BatchFiles/done(_:)``
/// and the dataset's assembly take it so). Most batches of a curation step quarantine nothing,
/// and creating, flushing and renaming an empty file cost about 0.3 ms on ext4 (on the 1M-pair
/// bench, one empty quarantine file per batch of every step).
struct PendingBatch: @unchecked Sendable {
    let files: BatchFiles
    let batch: Int
    let counts: StepCounts
    let outputs: [AtomicFile]
    /// The reference the batch's kept records are stored by, when it has no kept file.
    let keptReference: KeptReference?
    /// Paths of the batch's empty files: a file left there by an earlier attempt at the batch is
    /// removed when it commits.
    let empty: [String]

    /// A batch of kept records and, when they are not empty, drops and quarantine entries.
    init(files: BatchFiles, batch: Int, counts: StepCounts, kept: AtomicFile, dropped: AtomicFile?, quarantine: AtomicFile?) {
        self.init(files: files, batch: batch, counts: counts, kept: .file(kept), dropped: dropped, quarantine: quarantine)
    }

    /// How a batch's kept records are stored.
    enum Kept {
        /// In its kept file.
        case file(AtomicFile)
        /// By reference, in its `done.json` (``KeptReference``).
        case reference(KeptReference)
    }

    /// A batch whose kept records are in a file or stored by reference.
    init(files: BatchFiles, batch: Int, counts: StepCounts, kept: Kept, dropped: AtomicFile?, quarantine: AtomicFile?) {
        self.files = files
        self.batch = batch
        self.counts = counts
        var outputs: [AtomicFile] = []
        var empty: [String] = []
        switch kept {
        case .file(let f):
            outputs.append(f)
            keptReference = nil
        case .reference(let r):
            empty.append(files.keptPath(batch))
            keptReference = r
        }
        self.outputs = outputs + [dropped, quarantine].compactMap { $0 }
        self.empty = empty + (dropped == nil ? [files.droppedPath(batch)] : []) + (quarantine == nil ? [files.quarantinePath(batch)] : [])
    }

    /// Flushes the batch's files to disk, renames them into place, removes stale files where its
    /// outputs are empty (or its kept records are stored by reference), then marks the batch done.
    func commit() throws(IOError) {
        for file in outputs { try file.commit() }
        for path in empty { try FileSystem.removeIfPresent(path) }
        try files.markDone(batch, counts, kept: keptReference)
    }
}

/// A step's kept batches, readable again and again by a global stage. With `prefetch` (a run
/// with more than one worker), the next batch is read and decoded beside the stage's work on the
/// current one.
struct StepBatches: RecordBatches {
    let files: BatchFiles
    let batchCount: Int
    let count: Int
    var prefetch = false

    func forEachBatch(_ body: ([Record]) async throws -> Void) async throws {
        guard prefetch else {
            for b in 0..<batchCount {
                try Task.checkCancellation()
                try await body(try files.readKept(b))
            }
            return
        }
        let files = self.files
        var next: Task<[Record], any Error>? = batchCount > 0 ? Task { try files.readKept(0) } : nil
        defer { next?.cancel() }
        for b in 0..<batchCount {
            try Task.checkCancellation()
            guard let current = next else { break }
            let records = try await current.value
            next = b + 1 < batchCount ? Task { try files.readKept(b + 1) } : nil
            try await body(records)
        }
    }
}
