import JupiterCore

/// How many records one drop rule (or one quarantine cause) took, with the first few record ids
/// in input order (the manifest shows them, so a rule can be looked up in `dropped.jsonl.gz`).
struct RuleTally: Sendable {
    /// Records the rule took.
    var count = 0
    /// The first record ids, at most ``limit``.
    var examples: [String] = []
    /// Examples kept per rule.
    static let limit = 5

    mutating func add(_ id: String?, _ n: Int = 1) {
        count += n
        if let id, examples.count < Self.limit { examples.append(id) }
    }

    mutating func add(_ other: RuleTally) {
        count += other.count
        for id in other.examples where examples.count < Self.limit { examples.append(id) }
    }

    var json: JSONValue { .object(["count": .int(count), "first_ids": .array(examples.map { .string($0) })]) }

    init() {}

    init(json: JSONValue) {
        count = json["count"]?.intValue ?? 0
        examples = (json["first_ids"]?.arrayValue ?? []).compactMap(\.stringValue)
    }
}

/// A stage's counts within a step: records in, kept, dropped, quarantined (output records of that
/// stage), and its drops by rule and quarantines by cause.
struct StageTally: Sendable {
    var counts: [String: Int] = [:]
    var rules: [String: RuleTally] = [:]
    var causes: [String: RuleTally] = [:]

    mutating func add(_ other: StageTally) {
        for (k, v) in other.counts { counts[k, default: 0] += v }
        for (k, v) in other.rules { rules[k, default: RuleTally()].add(v) }
        for (k, v) in other.causes { causes[k, default: RuleTally()].add(v) }
    }

    /// Rules most frequent first, then by name.
    static func ranked(_ tallies: [String: RuleTally]) -> [(String, RuleTally)] {
        tallies.sorted { $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.key < $1.key }
    }

    var json: JSONValue {
        var o = JSONObject(["in", "kept", "dropped", "quarantined"].map { JSONObject.Entry(key: $0, value: .int(counts[$0] ?? 0)) })
        if !rules.isEmpty {
            o["rules"] = .object(JSONObject(Self.ranked(rules).map { JSONObject.Entry(key: $0.0, value: $0.1.json) }))
        }
        if !causes.isEmpty {
            o["quarantine_causes"] = .object(JSONObject(Self.ranked(causes).map { JSONObject.Entry(key: $0.0, value: $0.1.json) }))
        }
        return .object(o)
    }

    init() {}

    init(json: JSONValue) {
        for key in ["in", "kept", "dropped", "quarantined"] { counts[key] = json[key]?.intValue ?? 0 }
        for e in json["rules"]?.objectValue ?? JSONObject() { rules[e.key] = RuleTally(json: e.value) }
        for e in json["quarantine_causes"]?.objectValue ?? JSONObject() { causes[e.key] = RuleTally(json: e.value) }
    }
}

/// Counts for one batch or step, in *input records* (a record built from five pairs counts five),
/// so that `read == kept + dropped + quarantined` holds at every level.
struct StepCounts: Sendable {
    var read = 0
    var kept = 0
    var dropped = 0
    var quarantined = 0
    /// Records written (output records, not input records).
    var records = 0
    /// Per stage, in the order stages were first seen.
    var stages: [String: StageTally] = [:]
    var stageOrder: [String] = []

    private mutating func touch(_ id: String) {
        if stages[id] == nil { stages[id] = StageTally(); stageOrder.append(id) }
    }

    mutating func stage(_ id: String, _ key: String, _ n: Int = 1) {
        touch(id)
        stages[id]?.counts[key, default: 0] += n
    }

    /// A record the stage dropped under `rule`.
    mutating func dropped(by id: String, rule: String, record: String?) {
        touch(id)
        stages[id]?.rules[rule, default: RuleTally()].add(record)
    }

    /// A record the stage (or reading) quarantined for `cause`.
    mutating func quarantined(by id: String, cause: String, record: String?) {
        touch(id)
        stages[id]?.causes[Self.cause(cause), default: RuleTally()].add(record)
    }

    /// A quarantine message as a cause: numbers replaced by `N`, cut at its first 80 characters
    /// (so "line 12: invalid JSON at byte 40" and "line 9: invalid JSON at byte 3" are one cause).
    static func cause(_ message: String) -> String {
        var out = ""
        var inNumber = false
        for ch in message.prefix(80) {
            if ch.isASCII && ch.isNumber {
                if !inNumber { out.append("N") }
                inNumber = true
            } else {
                out.append(ch)
                inNumber = false
            }
        }
        return out
    }

    /// Merges another step's (or batch's) per-stage figures into this one's.
    mutating func addStages(_ other: StepCounts) {
        for id in other.stageOrder {
            touch(id)
            if let t = other.stages[id] { stages[id]?.add(t) }
        }
    }

    mutating func add(_ other: StepCounts) {
        read += other.read
        kept += other.kept
        dropped += other.dropped
        quarantined += other.quarantined
        records += other.records
        addStages(other)
    }

    var json: JSONValue {
        let st = JSONObject(stageOrder.map { JSONObject.Entry(key: $0, value: (stages[$0] ?? StageTally()).json) })
        return .object([
            "read": .int(read), "kept": .int(kept), "dropped": .int(dropped),
            "quarantined": .int(quarantined), "records": .int(records), "stages": .object(st)
        ])
    }

    init() {}

    init(json: JSONValue) {
        read = json["read"]?.intValue ?? 0
        kept = json["kept"]?.intValue ?? 0
        dropped = json["dropped"]?.intValue ?? 0
        quarantined = json["quarantined"]?.intValue ?? 0
        records = json["records"]?.intValue ?? 0
        for e in json["stages"]?.objectValue ?? JSONObject() {
            touch(e.key)
            stages[e.key] = StageTally(json: e.value)
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
            var results = current.isEmpty ? [] : try await stage.process(current, context: ctx)
            // The input's references go first, and each result is moved out of the list, so a
            // kept record is usually referenced only here and `passing` changes it in place.
            current = []
            results.reverse()
            var next: [Record] = []
            next.reserveCapacity(results.count)
            while let result = results.popLast() {
                switch consume result {
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
        for r in current { Self.appendKept(r, to: &out) }
        return out
    }

    /// A record the step keeps: its output line and counts.
    static func appendKept(_ r: Record, to out: inout BatchOutput) {
        RecordLines.append(r, to: &out.kept)
        out.counts.kept += max(1, r.lineage.origins.count)
        out.counts.records += 1
    }

    static func appendDropped(_ r: Record, stage: String, reason: DropReason, to out: inout BatchOutput) {
        RecordLines.append(r, to: &out.dropped, extra: ["dropped": droppedMember(stage: stage, reason: reason)])
        countDropped(origins: r.lineage.origins.count, id: r.id, stage: stage, reason: reason, in: &out)
    }

    /// The `dropped` member of a drop line.
    static func droppedMember(stage: String, reason: DropReason) -> JSONValue {
        var d: JSONObject = ["stage": .string(stage), "rule": .string(reason.rule), "reason": .string(reason.message)]
        if let v = reason.value { d["value"] = v }
        return .object(d)
    }

    static func countDropped(origins: Int, id: String, stage: String, reason: DropReason, in out: inout BatchOutput) {
        out.counts.dropped += max(1, origins)
        out.counts.stage(stage, "dropped")
        out.counts.dropped(by: stage, rule: reason.rule, record: id)
    }

    /// A quarantine line for a record a stage could not process: where it came from, the stage,
    /// the error, and in `raw` the record itself as one native JSON line (the same shape as a read
    /// quarantine, whose `raw` is the input line).
    static func appendQuarantined(_ r: Record, stage: String, error: String, to out: inout BatchOutput) {
        let origin = r.lineage.origins.first
        let o: JSONObject = [
            "file": .string(origin?.file ?? ""), "line": .int(origin?.line ?? 0), "stage": .string(stage),
            "error": .string(error), "raw": .string(JSONWriter.string(NativeCodec.encode(r)))
        ]
        JSONWriter.write(.object(o), into: &out.quarantine)
        out.quarantine.append(0x0A)
        out.counts.quarantined += max(1, r.lineage.origins.count)
        out.counts.stage(stage, "quarantined")
        out.counts.quarantined(by: stage, cause: error, record: r.id)
    }
}
