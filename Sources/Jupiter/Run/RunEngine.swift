import Foundation
import JupiterCore

/// How a run is carried out.
public struct RunOptions: Sendable {
    /// Run folder; default: the plan's (the recipe's `output.dir`, relative to the recipe).
    public var runDirectory: String?
    /// Parallel batch workers; default: one per core.
    public var workers: Int
    /// Receives progress events.
    public var observer: RunObserver?
    /// Model usage to record in the manifest's `timings` (filled by the model service when models are used).
    public var modelAccounting: (@Sendable () async -> JSONValue)?

    /// Creates options.
    public init(runDirectory: String? = nil, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                observer: RunObserver? = nil, modelAccounting: (@Sendable () async -> JSONValue)? = nil) {
        self.runDirectory = runDirectory
        self.workers = max(1, workers)
        self.observer = observer
        self.modelAccounting = modelAccounting
    }
}

/// What a finished run produced.
public struct RunSummary: Sendable {
    /// The run folder.
    public var runDirectory: String
    /// Path of manifest.json.
    public var manifestPath: String
    /// Per dataset: read, kept, dropped, quarantined (input records) and records written.
    public var counts: [String: (read: Int, kept: Int, dropped: Int, quarantined: Int, records: Int)]
    /// The manifest's `mixture` entry (records, tokens, shards, warnings, …), when the recipe mixes.
    public var mixture: JSONValue?
    /// Why records went, at a glance: per dataset and stage, the drops with their top rules and
    /// shares, and the quarantines with their causes (`quality: 1,175 dropped — gopher.min_words
    /// 902 (68%), c4.min_sentences 201 (17%), …`).
    public var dropSummary: [String] = []
    /// Total records quarantined over all datasets.
    public var quarantined: Int { counts.values.reduce(0) { $0 + $1.quarantined } }

    /// The mixture folder, when the recipe mixes.
    public var mixturePath: String? { mixture == nil ? nil : runDirectory + "/mixture" }

    /// What the user should look at: quarantined records per dataset, the mixer's warnings.
    public var warnings: [String] {
        var out: [String] = []
        for (name, c) in counts.sorted(by: { $0.key < $1.key }) where c.quarantined > 0 {
            out.append("\(name): \(NumberText.grouped(c.quarantined)) input record(s) quarantined; see "
                       + "\(runDirectory)/datasets/\(name)/quarantine.jsonl")
        }
        for w in mixture?["warnings"]?.arrayValue ?? [] {
            if let text = w.stringValue { out.append("mix: \(text)") }
        }
        return out
    }
}

/// Runs a plan into a run folder, resumably.
///
/// The engine is the coordinator: it fingerprints every step (``Fingerprints``), hands the units of
/// work (``RunWork``: steps, dataset assembly, the mixture) to an ``Executor``, and when all of them
/// finished writes `manifest.json` and removes what the plan no longer produces. The pieces:
/// `InputReader` cuts the input into batches, `BatchProcessor` applies a step's batch stages,
/// `StepRunner` runs steps and assembles datasets, `MixStep` builds the mixture, ``Manifest`` is
/// the typed manifest, ``RunFolder`` guards the folder.
///
/// Layout: `manifest.json`, `state.sqlite` (model response cache, when the recipe has models),
/// `datasets/<name>/{kept.jsonl.gz, dropped.jsonl.gz, quarantine.jsonl}`, `mixture/`, and
/// `work/<dataset>/<step>-<fingerprint>/` with the per-batch files and completion records.
public final class RunEngine: Sendable {
    /// Version stamped into manifests and step fingerprints.
    public static let version = "0.1.0"

    /// The plan.
    public let plan: Plan
    /// The run folder (open and locked).
    public let folder: RunFolder
    let options: RunOptions
    let hashes: InputHashes
    let steps: [String: [StepWork]]

    /// The run folder's path.
    public var runDirectory: String { folder.path }

    /// Opens (creating and marking) the run folder and fingerprints the plan's steps. Fails when
    /// another run holds the folder or when it is a folder Jupiter did not make.
    public init(plan: Plan, options: RunOptions = RunOptions()) throws(RunError) {
        self.plan = plan
        self.options = options
        folder = try RunFolder(options.runDirectory ?? plan.settings.runDirectory)
        hashes = try InputHashes(plan)
        steps = Fingerprints.steps(of: plan, hashes: hashes.byFile, runDirectory: folder.path)
    }

    /// Runs every ``Preflighted`` stage's check once (after the models started, before any work) for
    /// steps that are not finished yet; the first failure stops the run.
    public func preflight() async throws(RunError) {
        for dataset in plan.datasets {
            for w in steps[dataset.name] ?? [] where w.files.finished(fingerprint: w.fingerprint) == nil {
                for planned in w.step.stages {
                    guard let stage = planned.stage as? any Preflighted else { continue }
                    do {
                        try await stage.preflight()
                    } catch let error as LLMError {
                        throw RunError(error.kind == .cancelled ? .interrupted : .model,
                                       "dataset '\(w.dataset.name)', stage '\(planned.id)': \(error.message)")
                    } catch {
                        throw RunError(.model, "dataset '\(w.dataset.name)', stage '\(planned.id)': \(error)")
                    }
                }
            }
        }
    }

    /// The units of this run and how to perform them.
    public var work: RunWork {
        var units: [WorkUnit] = []
        var deps: [WorkUnit: [WorkUnit]] = [:]
        for dataset in plan.datasets {
            var previous: WorkUnit?
            if case .dataset(let up) = dataset.input { previous = .assemble(dataset: up) }
            for index in dataset.steps.indices {
                let unit = WorkUnit.step(dataset: dataset.name, index: index)
                units.append(unit)
                deps[unit] = previous.map { [$0] } ?? []
                previous = unit
            }
            let assemble = WorkUnit.assemble(dataset: dataset.name)
            units.append(assemble)
            deps[assemble] = previous.map { [$0] } ?? []
        }
        if let mix = plan.mix {
            units.append(.mix)
            deps[.mix] = mix.config.weights.map { .assemble(dataset: $0.dataset) }
        }
        return RunWork(units: units, dependencyMap: deps) { [self] unit, task, tasks, workers in
            try await self.perform(unit, task: task, of: tasks, workers: workers)
        }
    }

    /// Performs one unit (or one task's slice of a step).
    func perform(_ unit: WorkUnit, task: Int, of tasks: Int, workers: Int) async throws -> UnitOutcome {
        switch unit {
        case .step(let dataset, let index):
            guard let w = steps[dataset]?[index] else { throw RunError(.stage, "no step \(dataset)/\(index) in the plan") }
            return try await StepRunner(engine: self).run(w, task: task, of: tasks, workers: workers)
        case .assemble(let dataset):
            guard let works = steps[dataset], let plan = works.first?.dataset else {
                throw RunError(.stage, "no dataset \(dataset) in the plan")
            }
            try StepRunner(engine: self).assemble(plan, works)
            return .done
        case .mix:
            guard let mix = plan.mix else { return .done }
            _ = try await MixStep(engine: self, mix: mix, workers: workers).run()
            return .done
        }
    }

    /// Runs every unit with `executor` (default: this process, `options.workers` in parallel),
    /// then writes the manifest and removes outputs the plan no longer produces. Cancelling the
    /// task stops between batches; finished work stays recorded. When model requests failed for
    /// transport reasons, everything else is finished first, then a ``RunError/Kind/model`` error
    /// lists what is left for a rerun (no manifest is written: the run is not complete).
    public func run(executor: (any Executor)? = nil) async throws -> RunSummary {
        let started = Date()
        let failures = try await (executor ?? LocalExecutor(workers: options.workers)).execute(work)
        if !failures.isEmpty {
            let lines = failures.map { "  \($0.dataset) step \($0.step): \($0.batches) batch(es) not done: \($0.error)" }
            throw RunError(.model, "model requests failed after every retry; the rest of the run finished, nothing "
                           + "was written for the failed requests, and a rerun sends only them:\n"
                           + lines.joined(separator: "\n"), failures: failures)
        }
        return try await finish(started: started)
    }

    /// Writes the manifest (from the completion records) and removes stale outputs.
    func finish(started: Date) async throws -> RunSummary {
        var results: [String: DatasetResult] = [:]
        for dataset in plan.datasets {
            guard let r = DatasetResult.read(runDirectory: runDirectory, dataset: dataset.name) else {
                throw RunError(.stage, "dataset '\(dataset.name)' was not assembled")
            }
            results[dataset.name] = r
        }
        var mixture: JSONValue?
        if plan.mix != nil {
            guard let entry = MixStep.recorded(runDirectory: runDirectory) else {
                throw RunError(.stage, "the mixture was not built")
            }
            mixture = entry
        }
        removeUnusedWork()
        let manifest = Manifest(plan: plan, inputs: hashes.entries, results: results, mixture: mixture,
                                models: plan.models.map { ($0.name, $0.json) }, started: started, finished: Date(),
                                usage: await options.modelAccounting?())
        let manifestPath = runDirectory + "/manifest.json"
        do {
            try AtomicFile.write(Array(JSONWriter.pretty(manifest.json).utf8), to: manifestPath)
        } catch {
            throw RunError(.io, error.description)
        }
        removeStaleOutputs(datasets: Set(plan.datasets.map(\.name)), mixture: plan.mix != nil)
        var summary = RunSummary(runDirectory: runDirectory, manifestPath: manifestPath,
                                 counts: results.mapValues { r in
                                     let c = r.counts
                                     return (read: c.read, kept: c.kept, dropped: c.dropped, quarantined: c.quarantined,
                                             records: c.records)
                                 },
                                 mixture: mixture)
        summary.dropSummary = plan.datasets.flatMap { d in results[d.name].map { Self.dropLines(d.name, $0.counts) } ?? [] }
        return summary
    }

    /// One line per stage that dropped or quarantined records: the top three rules (or causes)
    /// with their counts and shares of the stage's drops.
    static func dropLines(_ dataset: String, _ counts: StepCounts) -> [String] {
        func line(_ what: String, _ total: Int, _ tallies: [String: RuleTally]) -> String {
            let ranked = StageTally.ranked(tallies)
            let top = ranked.prefix(3).map { name, t in
                "\(name) \(NumberText.grouped(t.count)) (\(Int((Double(t.count) / Double(max(1, total)) * 100).rounded()))%)"
            }
            return "\(NumberText.grouped(total)) \(what) — " + top.joined(separator: ", ") + (ranked.count > 3 ? ", …" : "")
        }
        var out: [String] = []
        for id in counts.stageOrder {
            guard let t = counts.stages[id] else { continue }
            let dropped = t.rules.values.reduce(0) { $0 + $1.count }
            let quarantined = t.causes.values.reduce(0) { $0 + $1.count }
            if dropped > 0 { out.append("\(dataset) / \(id): " + line("dropped", dropped, t.rules)) }
            if quarantined > 0 { out.append("\(dataset) / \(id): " + line("quarantined", quarantined, t.causes)) }
        }
        return out
    }

    // MARK: Clean-up

    /// Deletes the outputs of earlier recipes that this one no longer produces: dataset folders
    /// of removed datasets and the mixture when `mix:` is gone. Called after the manifest is
    /// written, so the run folder then holds exactly what the manifest lists (a run killed in
    /// between finishes the job on its rerun); a stale mixture left beside a new manifest could
    /// otherwise be trained on by mistake. Only inside the (marked) run folder; links are removed
    /// as links.
    func removeStaleOutputs(datasets: Set<String>, mixture: Bool) {
        for name in (FileSystem.list(runDirectory + "/datasets") ?? []).sorted() where !datasets.contains(name) {
            folder.remove("datasets/" + name)
            options.observer?(.staleOutputRemoved(path: "datasets/" + name))
        }
        if !mixture, FileSystem.exists(runDirectory + "/mixture") {
            folder.remove("mixture")
            options.observer?(.staleOutputRemoved(path: "mixture"))
        }
    }

    /// Deletes work folders of earlier plans (kept: the current plan's steps, for instant reruns,
    /// its datasets' assembly records and the mixture's record).
    func removeUnusedWork() {
        let keep = Set(steps.values.flatMap { $0.map(\.files.directory) })
        let datasets = Set(plan.datasets.map(\.name))
        let work = runDirectory + "/work"
        for entry in FileSystem.list(work) ?? [] where entry != MixStep.recordName && entry != MixStep.workName {
            let d = work + "/" + entry
            guard FileSystem.isRealDirectory(d), datasets.contains(entry) else {
                folder.remove("work/" + entry)
                continue
            }
            for step in FileSystem.list(d) ?? [] where step != DatasetResult.fileName && !keep.contains(d + "/" + step) {
                folder.remove("work/\(entry)/\(step)")
            }
        }
    }
}

/// The SHA-256 of every source file (the steps' fingerprints and the manifest's `inputs` use them).
struct InputHashes: Sendable {
    /// By file as written in the recipe.
    var byFile: [String: String] = [:]
    /// The manifest's `inputs` entries.
    var entries: [JSONValue] = []

    init(_ plan: Plan) throws(RunError) {
        for source in plan.sources {
            for (file, path) in zip(source.files, source.paths) {
                let h: String
                do { h = try SHA256.hex(ofFile: path) } catch { throw RunError(.io, error.description) }
                byFile[file] = h
                entries.append(.object(["source": .string(source.name), "file": .string(file),
                                        "bytes": .int(FileSystem.size(path) ?? 0), "sha256": .string(h)]))
            }
        }
    }
}
