import JupiterCore
import JupiterCurate
import JupiterMix

/// Builds `mixture/` from the assembled datasets (the recipe's `mix:`), or reuses it when
/// `work/mixture.json` records a mix with the same fingerprint (settings, seed, recipe text,
/// token measure, eval sets and the bytes of every mixed dataset) and every shard and the card are
/// on disk with the recorded SHA-256s.
///
/// A mix is one unit of work: interrupted, it starts again from its beginning on the next run
/// (datasets are not redone). Shards and the card are each renamed into place when complete;
/// the card is removed first and written last, so a `README.md` always describes the shards
/// beside it.
struct MixStep {
    /// The record's name under `work/`.
    static let recordName = "mixture.json"
    /// The mixer's scratch folder under `work/`.
    static let workName = ".mix"

    let engine: RunEngine
    let mix: MixPlan
    let workers: Int

    var runDirectory: String { engine.runDirectory }

    /// The mix's fingerprint (settings, seed, recipe, token measure, eval sets and the hash of
    /// every mixed dataset), or nil while a mixed dataset is not assembled.
    func fingerprint() -> String? {
        let settings = engine.plan.settings
        // The card names the recipe (file and SHA-256), so they are part of the fingerprint too.
        var parts = [
            "jupiter \(RunEngine.version)", "mix", JSONWriter.string(mix.config.json), "seed \(settings.seed)",
            "recipe \(settings.name) \(settings.recipeFileName) \(settings.recipeSHA256)",
            JSONWriter.string(mix.measure.json),
            "decontaminate " + (mix.decontamination.map { JSONWriter.string($0.configuration) } ?? "-")
        ]
        for (name, _) in mix.config.weights {
            // The kept file's hash, taken once when the dataset was assembled.
            guard let sha = DatasetResult.read(runDirectory: runDirectory, dataset: name)?.files["kept.jsonl.gz"]?.sha256
            else { return nil }
            parts.append("\(name) \(sha)")
        }
        return Fingerprints.hash(parts)
    }

    /// True when the recorded mixture is this mix's and its files are intact.
    func isCurrent() -> Bool {
        guard let fingerprint = fingerprint(), let recorded = Self.record(runDirectory: runDirectory),
            recorded["fingerprint"]?.stringValue == fingerprint, recorded["stats"] != nil
        else { return false }
        return Self.filesIntact(recorded, in: runDirectory + "/mixture")
    }

    /// Builds (or reuses) the mixture; returns the manifest entry.
    func run() async throws -> JSONValue {
        let settings = engine.plan.settings
        guard let fingerprint = fingerprint() else {
            let missing =
                mix.config.weights.map(\.dataset).first {
                    DatasetResult.read(runDirectory: runDirectory, dataset: $0) == nil
                } ?? "?"
            throw RunError.stageFailed(dataset: "mixture", stage: "mix", message: "dataset '\(missing)' was not built")
        }
        let inputs = mix.config.weights.map { MixInput(name: $0.dataset, path: runDirectory + "/datasets/\($0.dataset)/kept.jsonl.gz") }
        let out = runDirectory + "/mixture"
        let observer = engine.options.observer
        if let recorded = Self.record(runDirectory: runDirectory), recorded["fingerprint"]?.stringValue == fingerprint,
            let stats = recorded["stats"], Self.filesIntact(recorded, in: out)
        {
            observer?(.mixSkipped)
            return Self.manifestEntry(stats)
        }
        observer?(.mixStarted(datasets: inputs.count))
        var mixer = Mixer(config: mix.config, measure: mix.measure, seed: settings.seed, workers: workers)
        if let d = mix.decontamination {
            mixer.exclude = { record in
                guard let m = d.matches(record.text).first else { return nil }
                let set = d.evalSets[m.set], item = set.items[m.item]
                let name = "\(set.name)#\(item.index)"
                return "overlaps eval item \(name)\(item.id == name ? "" : " (id \(item.id))"): "
                    + "\(Int((m.overlap * 100).rounded()))% of its words in shared \(d.ngramSize)-grams"
            }
            mixer.exclusionCheck =
                "Conversations overlapping the evaluation sets "
                + d.evalSets.map { "`\($0.name)`" }.joined(separator: ", ")
                + " (word \(d.ngramSize)-grams covering more than \(Int((d.threshold * 100).rounded()))% of an item's words, "
                + "open-instruct's rule) were never drawn."
        }
        let card = DatasetCardContext(
            title: settings.name, generator: "Jupiter \(RunEngine.version)",
            recipeFile: settings.recipeFileName, recipeSHA256: settings.recipeSHA256,
            seed: settings.seed)
        let report: MixReport
        do {
            report = try await mixer.run(
                inputs, outputDirectory: out, workDirectory: runDirectory + "/work/" + Self.workName,
                card: card, progress: { observer?(.mix($0)) })
        } catch let e as MixError {
            throw RunError.stageFailed(dataset: "mixture", stage: "mix", message: e.message)
        }
        let stats = report.json
        do {
            let cardSHA = try SHA256.hex(ofFile: out + "/README.md")
            let record: JSONValue = .object([
                "fingerprint": .string(fingerprint), "card_sha256": .string(cardSHA),
                "stats": stats
            ])
            try AtomicFile.write(Array(JSONWriter.pretty(record).utf8), to: runDirectory + "/work/" + Self.recordName)
        } catch {
            throw RunError(.io, error.description)
        }
        observer?(
            .mixFinished(
                records: report.records, tokens: report.tokens, shards: report.shards.count,
                warnings: report.warnings))
        return Self.manifestEntry(stats)
    }

    /// `work/mixture.json`, when a mix was recorded.
    static func record(runDirectory: String) -> JSONValue? {
        guard let bytes = try? FileSystem.read(runDirectory + "/work/" + recordName) else { return nil }
        return try? JSONParser.parse(bytes)
    }

    /// The manifest entry of the recorded mix.
    static func recorded(runDirectory: String) -> JSONValue? {
        record(runDirectory: runDirectory)?["stats"].map(manifestEntry)
    }

    /// True when the card and every shard the record lists are in `dir` with the recorded
    /// SHA-256 (sizes alone would miss a shard edited in place).
    static func filesIntact(_ record: JSONValue, in dir: String) -> Bool {
        guard let card = record["card_sha256"]?.stringValue, (try? SHA256.hex(ofFile: dir + "/README.md")) == card,
            let shards = record["stats"]?["shards"]?.arrayValue
        else { return false }
        return shards.allSatisfy { s in
            guard let name = s["path"]?.stringValue, let sha = s["sha256"]?.stringValue else { return false }
            return (try? SHA256.hex(ofFile: dir + "/" + name)) == sha
        }
    }

    /// The manifest's `mixture` entry: the mix report with paths relative to the run folder.
    static func manifestEntry(_ stats: JSONValue) -> JSONValue {
        guard case .object(var o) = stats else { return stats }
        if case .array(let shards)? = o["shards"] {
            o["shards"] = .array(
                shards.map { s in
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
