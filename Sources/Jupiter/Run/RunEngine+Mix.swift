import JupiterCore
import JupiterCurate
import JupiterMix

extension RunEngine {
    /// Builds `mixture/` from the finished datasets (the recipe's `mix:`), or reuses it when the
    /// ledger has a mix with the same fingerprint (settings, seed, recipe text, token measure, eval
    /// sets and the bytes of every mixed dataset) and its files are on disk. Returns the manifest
    /// entry.
    ///
    /// A mix is one unit of work: interrupted, it starts again from its beginning on the next run
    /// (datasets are not redone). Shards and the card are each renamed into place when complete;
    /// the card is removed first and written last, so a `README.md` always describes the shards
    /// beside it.
    func runMix(_ mix: MixSpec, results: [String: DatasetResult]) async throws -> JSONValue {
        // The card names the recipe (file and SHA-256), so they are part of the fingerprint too.
        var parts = ["jupiter \(Self.version)", "mix", JSONWriter.string(mix.config.json), "seed \(plan.recipe.seed)",
                     "recipe \(plan.recipe.name) \(FileSystem.baseName(plan.recipe.file)) \(plan.recipe.sha256)",
                     JSONWriter.string(mix.measure.json),
                     "decontaminate " + (mix.decontamination.map { JSONWriter.string($0.configuration) } ?? "-")]
        var inputs: [MixInput] = []
        for (name, _) in mix.config.weights {
            // The kept file's hash, taken once when the dataset was assembled.
            guard let sha = results[name]?.files["kept.jsonl.gz"]?.sha256 else {
                throw RunError.stageFailed(dataset: "mixture", stage: "mix", message: "dataset '\(name)' was not built")
            }
            parts.append("\(name) \(sha)")
            inputs.append(MixInput(name: name, path: runDirectory + "/datasets/\(name)/kept.jsonl.gz"))
        }
        let fp = fingerprint(parts)
        let key = "mix/\(fp)"
        let out = runDirectory + "/mixture"
        if let stats = try ledger.step(key), Self.mixFilesPresent(stats, in: out) {
            options.observer?(.mixSkipped)
            return Self.mixManifestEntry(stats)
        }
        let observer = options.observer
        observer?(.mixStarted(datasets: inputs.count))
        var mixer = Mixer(config: mix.config, measure: mix.measure, seed: plan.recipe.seed, workers: options.workers)
        if let d = mix.decontamination {
            mixer.exclude = { record in
                guard let m = d.matches(record.text).first else { return nil }
                let set = d.evalSets[m.set], item = set.items[m.item]
                let name = "\(set.name)#\(item.index)"
                return "overlaps eval item \(name)\(item.id == name ? "" : " (id \(item.id))"): "
                    + "\(Int((m.overlap * 100).rounded()))% of its words in shared \(d.ngramSize)-grams"
            }
            mixer.exclusionCheck = "Conversations overlapping the evaluation sets "
                + d.evalSets.map { "`\($0.name)`" }.joined(separator: ", ")
                + " (word \(d.ngramSize)-grams covering more than \(Int((d.threshold * 100).rounded()))% of an item's words, "
                + "open-instruct's rule) were never drawn."
        }
        let card = DatasetCardContext(title: plan.recipe.name, generator: "Jupiter \(Self.version)",
                                      recipeFile: FileSystem.baseName(plan.recipe.file),
                                      recipeSHA256: plan.recipe.sha256, seed: plan.recipe.seed)
        let report: MixReport
        do {
            report = try await mixer.run(inputs, outputDirectory: out, workDirectory: runDirectory + "/work/.mix",
                                         card: card, progress: { observer?(.mix($0)) })
        } catch let e as MixError {
            throw RunError.stageFailed(dataset: "mixture", stage: "mix", message: e.message)
        }
        let stats = report.json
        try ledger.finishStep(key, stats: stats)
        observer?(.mixFinished(records: report.records, tokens: report.tokens, shards: report.shards.count,
                               warnings: report.warnings))
        return Self.mixManifestEntry(stats)
    }

    /// True when every shard the ledger lists, and the card, are in `dir` with the recorded sizes.
    static func mixFilesPresent(_ stats: JSONValue, in dir: String) -> Bool {
        guard FileSystem.exists(dir + "/README.md"), let shards = stats["shards"]?.arrayValue else { return false }
        return shards.allSatisfy { s in
            guard let name = s["path"]?.stringValue, let bytes = s["bytes"]?.intValue else { return false }
            return FileSystem.size(dir + "/" + name) == bytes
        }
    }

    /// The manifest's `mixture` entry: the mix report with paths relative to the run folder.
    static func mixManifestEntry(_ stats: JSONValue) -> JSONValue {
        guard case .object(var o) = stats else { return stats }
        if case .array(let shards)? = o["shards"] {
            o["shards"] = .array(shards.map { s in
                guard case .object(var e) = s, let name = e["path"]?.stringValue else { return s }
                e["path"] = .string("mixture/" + name)
                return .object(e)
            })
        }
        var entry: JSONObject = ["card": .string("mixture/README.md")]
        entry.entries += o.entries
        return .object(entry)
    }
}
