import JupiterCore

/// Counts for one batch or step, in *input records* (a record built from five pairs counts five),
/// so that `read == kept + dropped + quarantined` holds at every level.
struct StepCounts: Sendable {
    var read = 0
    var kept = 0
    var dropped = 0
    var quarantined = 0
    /// Records written (output records, not input records).
    var records = 0
    /// Per-stage: records in, kept, dropped, quarantined (output records of that stage).
    var stages: [String: [String: Int]] = [:]
    var stageOrder: [String] = []

    mutating func stage(_ id: String, _ key: String, _ n: Int = 1) {
        if stages[id] == nil { stages[id] = [:]; stageOrder.append(id) }
        stages[id, default: [:]][key, default: 0] += n
    }

    mutating func add(_ other: StepCounts) {
        read += other.read
        kept += other.kept
        dropped += other.dropped
        quarantined += other.quarantined
        records += other.records
        for id in other.stageOrder {
            for (k, v) in other.stages[id] ?? [:] { stage(id, k, v) }
        }
    }

    var json: JSONValue {
        var st = JSONObject()
        for id in stageOrder {
            let s = stages[id] ?? [:]
            st[id] = .object(JSONObject(["in", "kept", "dropped", "quarantined"].map {
                JSONObject.Entry(key: $0, value: .int(s[$0] ?? 0))
            }))
        }
        return .object(["read": .int(read), "kept": .int(kept), "dropped": .int(dropped),
                        "quarantined": .int(quarantined), "records": .int(records), "stages": .object(st)])
    }

    init() {}

    init(json: JSONValue) {
        read = json["read"]?.intValue ?? 0
        kept = json["kept"]?.intValue ?? 0
        dropped = json["dropped"]?.intValue ?? 0
        quarantined = json["quarantined"]?.intValue ?? 0
        records = json["records"]?.intValue ?? 0
        for e in json["stages"]?.objectValue ?? JSONObject() {
            for f in e.value.objectValue ?? JSONObject() { stage(e.key, f.key, f.value.intValue ?? 0) }
        }
    }
}

/// The serialised result of one batch.
struct BatchOutput: Sendable {
    var kept: [UInt8] = []
    var dropped: [UInt8] = []
    var quarantine: [UInt8] = []
    var counts = StepCounts()
}

/// Applies a step's batch stages to one batch of records.
struct BatchProcessor: Sendable {
    let dataset: String
    let stages: [PlannedStage]

    /// A quarantine line for input that could not be read.
    static func readQuarantine(file: String, line: Int, error: String, raw: [UInt8]?) -> [UInt8] {
        var o: JSONObject = ["file": .string(file), "line": .int(line), "stage": .string("read"), "error": .string(error)]
        if let raw {
            let cut = raw.count > 2000
            o["raw"] = .string(String(decoding: raw.prefix(2000), as: UTF8.self) + (cut ? "…" : ""))
        }
        var out = JSONWriter.bytes(.object(o))
        out.append(0x0A)
        return out
    }

    /// Runs the stages over `records` (already read; `pre` holds read-level results).
    func run(_ records: [Record], batchIndex: Int, pre: BatchOutput = BatchOutput()) async throws -> BatchOutput {
        var out = pre
        var current = records
        out.counts.read += records.reduce(0) { $0 + max(1, $1.lineage.origins.count) }
        for planned in stages {
            try Task.checkCancellation()
            let ctx = StageContext(stageID: planned.id, dataset: dataset, seed: planned.seed, batchIndex: batchIndex)
            guard let stage = planned.stage as? any BatchStage else { continue }
            out.counts.stage(planned.id, "in", current.count)
            let results = current.isEmpty ? [] : try await stage.process(current, context: ctx)
            var next: [Record] = []
            next.reserveCapacity(results.count)
            for result in results {
                switch result {
                case .kept(let r):
                    next.append(r.passing(planned.id))
                    out.counts.stage(planned.id, "kept")
                case .dropped(let r, let reason):
                    Self.appendDropped(r, stage: planned.id, reason: reason, to: &out)
                case .quarantined(let r, let error):
                    Self.appendQuarantined(r, stage: planned.id, error: error, to: &out)
                }
            }
            current = next
        }
        for r in current {
            RecordLines.append(r, to: &out.kept)
            out.counts.kept += max(1, r.lineage.origins.count)
            out.counts.records += 1
        }
        return out
    }

    static func appendDropped(_ r: Record, stage: String, reason: DropReason, to out: inout BatchOutput) {
        var d: JSONObject = ["stage": .string(stage), "rule": .string(reason.rule), "reason": .string(reason.message)]
        if let v = reason.value { d["value"] = v }
        RecordLines.append(r, to: &out.dropped, extra: ["dropped": .object(d)])
        out.counts.dropped += max(1, r.lineage.origins.count)
        out.counts.stage(stage, "dropped")
    }

    /// A quarantine line for a record a stage could not process: where it came from, the stage,
    /// the error, and in `raw` the record itself as one native JSON line (the same shape as a read
    /// quarantine, whose `raw` is the input line).
    static func appendQuarantined(_ r: Record, stage: String, error: String, to out: inout BatchOutput) {
        let origin = r.lineage.origins.first
        let o: JSONObject = ["file": .string(origin?.file ?? ""), "line": .int(origin?.line ?? 0), "stage": .string(stage),
                             "error": .string(error), "raw": .string(JSONWriter.string(NativeCodec.encode(r)))]
        JSONWriter.write(.object(o), into: &out.quarantine)
        out.quarantine.append(0x0A)
        out.counts.quarantined += max(1, r.lineage.origins.count)
        out.counts.stage(stage, "quarantined")
    }
}
