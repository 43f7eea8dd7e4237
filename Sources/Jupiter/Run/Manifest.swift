import CDeflate
import CZlib
import Foundation
import JupiterCore

/// The run's `manifest.json`, typed. Everything except the `timings` member is a pure function of
/// the recipe, its inputs and the Jupiter, zlib and libdeflate versions (Jupiter's encoder writes
/// drop files, libdeflate the other gzip files), so two runs of the same recipe on
/// the same inputs write the same manifest apart from `timings` — which is also where what varies
/// from one execution to the next goes: clock times, the process's peak memory, and per model the
/// requests actually sent, retries, cache hits and latencies (a resumed run sends fewer requests
/// than a fresh one).
struct Manifest {
    /// One dataset's entry.
    struct DatasetEntry {
        var from: String
        var inputKind: RecordKind
        var outputKind: RecordKind
        /// Stage id, stage name, configuration.
        var steps: [(id: String, stage: String, config: JSONValue)]
        var result: DatasetResult
    }

    var jupiter = RunEngine.version
    var zlib = String(cString: zlibVersion())
    var libdeflate = LIBDEFLATE_VERSION_STRING
    var settings: RunSettings
    var inputs: [JSONValue]
    var datasets: [(name: String, entry: DatasetEntry)]
    var mixture: JSONValue?
    /// Each model's settings (no keys: the variable names only).
    var models: [(name: String, settings: JSONValue)]
    var started: Date
    var finished: Date
    /// Per-model usage of this execution (requests, retries, cache hits, tokens, latency).
    var usage: JSONValue?
    /// Wall seconds of each step (`<dataset>/<index> <label>`), in plan order: of a step finished
    /// in one task, or of a sharded step (each pass's slowest task, summed).
    var stepSeconds = JSONObject()

    init(
        plan: Plan, inputs: [JSONValue], results: [String: DatasetResult], mixture: JSONValue?,
        models: [(String, JSONValue)], started: Date, finished: Date, usage: JSONValue?
    ) {
        settings = plan.settings
        self.inputs = inputs
        datasets = plan.datasets.compactMap { d in
            results[d.name].map { r in
                (
                    d.name,
                    DatasetEntry(
                        from: d.input.name, inputKind: d.inputKind, outputKind: d.outputKind,
                        steps: d.stages.map { ($0.id, $0.stage.name, $0.stage.configuration) }, result: r)
                )
            }
        }
        self.mixture = mixture
        self.models = models.map { (name: $0.0, settings: $0.1) }
        self.started = started
        self.finished = finished
        self.usage = usage
    }

    var json: JSONValue {
        var datasetsJSON = JSONObject()
        for (name, d) in datasets {
            var files = JSONObject()
            for file in StepRunner.datasetFileNames {
                let f = d.result.files[file]
                files[file] = .object([
                    "path": .string("datasets/\(name)/\(file)"), "bytes": .int(f?.bytes ?? 0),
                    "sha256": .string(f?.sha256 ?? "")
                ])
            }
            let c = d.result.counts
            var entry: JSONObject = [
                "from": .string(d.from),
                "input_kind": .string(d.inputKind.rawValue),
                "output_kind": .string(d.outputKind.rawValue),
                "steps": .array(d.steps.map { .object(["id": .string($0.id), "stage": .string($0.stage), "config": $0.config]) }),
                "counts": .object([
                    "read": .int(c.read), "kept": .int(c.kept), "dropped": .int(c.dropped),
                    "quarantined": .int(c.quarantined), "records_written": .int(c.records)
                ]),
                "stages": c.json["stages"] ?? .object(JSONObject()),
                "files": .object(files)
            ]
            if !d.result.reports.isEmpty { entry["reports"] = .object(d.result.reports) }
            datasetsJSON[name] = .object(entry)
        }
        var o: JSONObject = [
            "jupiter": .string(jupiter),
            "zlib": .string(zlib),
            "libdeflate": .string(libdeflate),
            "recipe": .object([
                "name": .string(settings.name), "file": .string(settings.recipeFileName),
                "sha256": .string(settings.recipeSHA256), "seed": .number(String(settings.seed)),
                "batch_size": .int(settings.batchSize)
            ]),
            "inputs": .array(inputs),
            "datasets": .object(datasetsJSON)
        ]
        if let mixture { o["mixture"] = mixture }
        if !models.isEmpty {
            o["models"] = .object(JSONObject(models.map { JSONObject.Entry(key: $0.name, value: .object(["settings": $0.settings])) }))
        }
        var timings: JSONObject = [
            "started": .string(Self.timestamp(started)),
            "finished": .string(Self.timestamp(finished)),
            "seconds": .double((finished.timeIntervalSince(started) * 1000).rounded() / 1000)
        ]
        if !stepSeconds.isEmpty { timings["steps"] = .object(stepSeconds) }
        if let usage { timings["models"] = usage }
        if let peak = ProcessMemory.peakResidentKiB() { timings["peak_rss_kib"] = .int(peak) }
        o["timings"] = .object(timings)
        return .object(o)
    }

    /// An ISO 8601 UTC timestamp (`2026-11-29T09:30:00Z`).
    static func timestamp(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}
