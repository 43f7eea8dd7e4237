import JupiterCore

/// An assembled dataset, as recorded in `work/<dataset>/assembled.json`: its counts, the reports
/// of its reporting stages, and the size and SHA-256 of each file of `datasets/<name>/` (hashed
/// once, right after assembly, for the manifest and the mixture's fingerprint).
struct DatasetResult: Sendable {
    /// The record's file name inside `work/<dataset>/`.
    static let fileName = "assembled.json"

    /// Fingerprint of the dataset's last step.
    var fingerprint: String
    /// Counts over all steps, in input records.
    var counts = StepCounts()
    /// Reports of reporting global stages, by stage id.
    var reports = JSONObject()
    /// Size and SHA-256 of each file of `datasets/<name>/`.
    var files: [String: (bytes: Int, sha256: String)] = [:]
    /// Where each stage's drops start in `dropped.jsonl.gz` (the byte offset of the first gzip
    /// member of the step that ran it), by stage id: the report reads a stage's examples from there.
    var droppedOffsets: [String: Int] = [:]

    init(fingerprint: String) { self.fingerprint = fingerprint }

    var json: JSONValue {
        var f = JSONObject()
        for name in StepRunner.datasetFileNames {
            let file = files[name]
            f[name] = .object(["bytes": .int(file?.bytes ?? 0), "sha256": .string(file?.sha256 ?? "")])
        }
        return .object([
            "fingerprint": .string(fingerprint), "counts": counts.json, "reports": .object(reports),
            "files": .object(f),
            "dropped_offsets": .object(
                JSONObject(droppedOffsets.sorted { $0.key < $1.key }.map { JSONObject.Entry(key: $0.key, value: .int($0.value)) }))
        ])
    }

    func write(runDirectory: String, dataset: String) throws(IOError) {
        try AtomicFile.write(Array(JSONWriter.pretty(json).utf8), to: runDirectory + "/work/\(dataset)/\(Self.fileName)")
    }

    /// The record of `dataset`, when it was assembled.
    static func read(runDirectory: String, dataset: String) -> DatasetResult? {
        guard let bytes = try? FileSystem.read(runDirectory + "/work/\(dataset)/\(fileName)"),
            let json = try? JSONParser.parse(bytes), let fp = json["fingerprint"]?.stringValue
        else { return nil }
        var r = DatasetResult(fingerprint: fp)
        r.counts = StepCounts(json: json["counts"] ?? .null)
        r.reports = json["reports"]?.objectValue ?? JSONObject()
        for e in json["files"]?.objectValue ?? JSONObject() {
            r.files[e.key] = (e.value["bytes"]?.intValue ?? 0, e.value["sha256"]?.stringValue ?? "")
        }
        for e in json["dropped_offsets"]?.objectValue ?? JSONObject() {
            if let n = e.value.intValue { r.droppedOffsets[e.key] = n }
        }
        return r
    }
}
