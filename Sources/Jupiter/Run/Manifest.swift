import CZlib
import Foundation
import JupiterCore

extension RunEngine {
    /// The run's `manifest.json`. Everything except the `timings` member is a pure function of
    /// the recipe, its inputs and the Jupiter and zlib versions, so two runs of the same recipe
    /// on the same inputs write the same manifest apart from `timings`.
    func manifestJSON(inputs: [JSONValue], results: [String: DatasetResult], mixture: JSONValue?, timings: JSONObject,
                      mixSeconds: Double?, started: Date) async
        -> JSONValue
    {
        let recipe = plan.recipe
        var datasets = JSONObject()
        for dataset in plan.datasets {
            guard let r = results[dataset.name] else { continue }
            let from: String
            switch dataset.input {
            case .source(let s): from = s.name
            case .dataset(let d): from = d
            }
            var files = JSONObject()
            for name in Self.datasetFileNames {
                let file = r.files[name]
                files[name] = .object(["path": .string("datasets/\(dataset.name)/\(name)"), "bytes": .int(file?.bytes ?? 0),
                                       "sha256": .string(file?.sha256 ?? "")])
            }
            let c = r.counts
            let stages = c.json["stages"] ?? .object(JSONObject())
            datasets[dataset.name] = .object([
                "from": .string(from),
                "input_kind": .string(dataset.inputKind.rawValue),
                "output_kind": .string(dataset.outputKind.rawValue),
                "steps": .array(dataset.stages.map {
                    .object(["id": .string($0.id), "stage": .string($0.stage.name), "config": $0.stage.configuration])
                }),
                "counts": .object(["read": .int(c.read), "kept": .int(c.kept), "dropped": .int(c.dropped),
                                   "quarantined": .int(c.quarantined), "records_written": .int(c.records)]),
                "stages": stages,
                "files": .object(files),
            ])
            if !r.reports.isEmpty, case .object(var entry) = datasets[dataset.name] {
                entry["reports"] = .object(r.reports)
                datasets[dataset.name] = .object(entry)
            }
        }
        var manifest: JSONObject = [
            "jupiter": .string(Self.version),
            "zlib": .string(String(cString: zlibVersion())),
            "recipe": .object(["name": .string(recipe.name), "file": .string(FileSystem.baseName(recipe.file)),
                               "sha256": .string(recipe.sha256), "seed": .number(String(recipe.seed)),
                               "batch_size": .int(recipe.output.batchSize)]),
            "inputs": .array(inputs),
            "datasets": .object(datasets),
        ]
        if let mixture { manifest["mixture"] = mixture }
        if let accounting = options.modelAccounting { manifest["models"] = await accounting() }
        let formatter = ISO8601DateFormatter()
        manifest["timings"] = .object([
            "started": .string(formatter.string(from: started)),
            "finished": .string(formatter.string(from: Date())),
            "seconds": .double((Date().timeIntervalSince(started) * 1000).rounded() / 1000),
            "datasets": .object(timings),
        ])
        if let mixSeconds, case .object(var t)? = manifest["timings"] {
            t["mixture"] = .double(mixSeconds)
            manifest["timings"] = .object(t)
        }
        return .object(manifest)
    }
}
