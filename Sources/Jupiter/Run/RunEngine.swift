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
    /// When the run started (the manifest's `timings.started`); default: now. A cluster run's
    /// last job passes the submission time.
    public var started: Date
    /// How the run folder is held: by one local run (the default), or shared by the coordinator
    /// and the tasks of a cluster run.
    public var folderMode: RunFolder.Mode
    /// Into how many tasks the passes of a sharded global stage (``ShardedStage``: MinHash and
    /// exact dedup) are split, each pass a unit of its own: on a cluster, the executor's task
    /// count; in a local run of more than one worker, the workers (``LocalExecutor`` runs the
    /// tasks side by side in this process, so the dedup's scan and filter use every core).
    /// 1: global stages run whole, in one unit. The outputs are the same bytes whatever the split.
    public var shardTasks = 1
    /// Whether the passes of a sharded stage that can also decide from stored lines in one pass
    /// (``LineDecidingStage``: exact dedup) are split too. A local run of fewer than
    /// ``Pipeline/lineDecidingShardWorkers`` workers turns this off (see there).
    public var shardLineDeciding = true

    /// Creates options.
    public init(
        runDirectory: String? = nil, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        observer: RunObserver? = nil, modelAccounting: (@Sendable () async -> JSONValue)? = nil,
        started: Date = Date(), folderMode: RunFolder.Mode = .exclusive
    ) {
        self.runDirectory = runDirectory
        self.workers = max(1, workers)
        self.observer = observer
        self.modelAccounting = modelAccounting
        self.started = started
        self.folderMode = folderMode
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
            out.append(
                "\(name): \(NumberText.grouped(c.quarantined)) input record(s) quarantined; see "
                    + "\(runDirectory)/datasets/\(name)/quarantine.jsonl")
        }
        for w in mixture?["warnings"]?.arrayValue ?? [] {
            if let text = w.stringValue { out.append("mix: \(text)") }
        }
        return out
    }
}

/// How a run ended: finished here, or handed to a batch system.
public enum RunOutcome: Sendable {
    /// Every unit ran; the manifest is written.
    case finished(RunSummary)
    /// The units were submitted as jobs (their ids); `message` says how to follow them.
    case submitted(jobs: [String], message: String)

    /// The summary of a finished run.
    public var summary: RunSummary? {
        if case .finished(let s) = self { return s }
        return nil
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
    private let summaryBox = Locked<RunSummary?>(nil)
    /// Steps whose end was announced to the observer: tasks of a step that run side by side
    /// here may each see it finished.
    private let announced = Locked<Set<String>>([])

    /// True the first time it is called for a step in this process.
    func announceOnce(_ w: StepWork) -> Bool { announced.withLock { $0.insert(w.name).inserted } }

    /// The run folder's path.
    public var runDirectory: String { folder.path }

    /// Opens (creating and marking) the run folder and fingerprints the plan's steps. Fails when
    /// another run holds the folder or when it is a folder Jupiter did not make.
    public init(plan: Plan, options: RunOptions = RunOptions()) throws(RunError) {
        self.plan = plan
        self.options = options
        folder = try RunFolder(options.runDirectory ?? plan.settings.runDirectory, mode: options.folderMode)
        hashes = try InputHashes(plan)
        steps = Fingerprints.steps(of: plan, hashes: hashes.byFile, runDirectory: folder.path)
    }

    /// The work of `plan` in an existing run folder, for looking only (no lock is taken).
    static func workView(plan: Plan, runDirectory: String, shardTasks: Int) throws(RunError) -> RunWork {
        var options = RunOptions(runDirectory: runDirectory, folderMode: .observer)
        options.shardTasks = shardTasks
        return try RunEngine(plan: plan, options: options).work
    }

    /// The sharded global stage of a step, when its passes are split into units (``RunOptions/shardTasks`` > 1).
    func shardedStage(_ w: StepWork) -> (any ShardedStage)? {
        guard options.shardTasks > 1, case .global(let planned) = w.step else { return nil }
        if !options.shardLineDeciding && planned.stage is any LineDecidingStage { return nil }
        return planned.stage as? any ShardedStage
    }

    /// Runs every ``Preflighted`` stage's check once (after the models started, before any work) for
    /// steps that are not finished yet; the first failure stops the run.
    /// `only` limits the checks to one unit's stages (a cluster task checks what it will run).
    public func preflight(only: WorkUnit? = nil) async throws(RunError) {
        for dataset in plan.datasets {
            for w in steps[dataset.name] ?? [] where w.files.finished(fingerprint: w.fingerprint) == nil {
                if let only, only != .step(dataset: dataset.name, index: w.index) { continue }
                for planned in w.step.stages {
                    guard let stage = planned.stage as? any Preflighted else { continue }
                    do {
                        try await stage.preflight()
                    } catch let error as LLMError {
                        throw RunError(
                            error.kind == .cancelled ? .interrupted : .model,
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
        var shapes: [WorkUnit: UnitShape] = [:]
        var splits: [WorkUnit: Int] = [:]
        var labels: [WorkUnit: String] = [:]
        var fingerprints: [WorkUnit: String] = [:]
        var models: [WorkUnit: [String]] = [:]
        let declared = Set(plan.models.map(\.name))
        for dataset in plan.datasets {
            var previous: WorkUnit?
            if case .dataset(let up) = dataset.input { previous = .assemble(dataset: up) }
            for w in steps[dataset.name] ?? [] {
                let unit = WorkUnit.step(dataset: dataset.name, index: w.index)
                if shardedStage(w) != nil {
                    // scan → reduce → combine → the step (the filter), each after the one before.
                    for phase in ShardPhase.allCases {
                        let p = WorkUnit.phase(dataset: dataset.name, index: w.index, phase: phase)
                        units.append(p)
                        deps[p] = previous.map { [$0] } ?? []
                        shapes[p] = phase == .combine ? .whole : .sliced
                        if phase != .combine { splits[p] = options.shardTasks }
                        labels[p] = w.label + ": " + ShardPhase.labels[phase, default: phase.rawValue]
                        fingerprints[p] = w.fingerprint
                        previous = p
                    }
                }
                units.append(unit)
                deps[unit] = previous.map { [$0] } ?? []
                if case .batch = w.step { shapes[unit] = .sliced } else { shapes[unit] = shardedStage(w) == nil ? .whole : .sliced }
                if shardedStage(w) != nil { splits[unit] = options.shardTasks }
                labels[unit] = w.label
                fingerprints[unit] = w.fingerprint
                let used = Set(w.step.stages.flatMap { Self.modelNames(in: $0.stage.configuration, declared: declared) })
                if !used.isEmpty { models[unit] = used.sorted() }
                previous = unit
            }
            let assemble = WorkUnit.assemble(dataset: dataset.name)
            units.append(assemble)
            deps[assemble] = previous.map { [$0] } ?? []
            labels[assemble] = "assemble"
            fingerprints[assemble] = steps[dataset.name]?.last?.fingerprint ?? ""
        }
        var leaves = plan.datasets.map { WorkUnit.assemble(dataset: $0.name) }
        if let mix = plan.mix {
            units.append(.mix)
            deps[.mix] = mix.config.weights.map { .assemble(dataset: $0.dataset) }
            labels[.mix] = "mix"
            fingerprints[.mix] = Fingerprints.hash([
                "mix", JSONWriter.string(mix.config.json), "seed \(plan.settings.seed)",
                JSONWriter.string(mix.measure.json)
            ])
            leaves = [.mix] + leaves.filter { !deps[.mix, default: []].contains($0) }
        }
        units.append(.finish)
        deps[.finish] = leaves
        labels[.finish] = "manifest"
        return RunWork(
            units: units, runDirectory: runDirectory, dependencyMap: deps, shapes: shapes, shardSplits: splits, labels: labels,
            fingerprints: fingerprints, modelsByUnit: models,
            completion: { [self] unit in self.isComplete(unit) },
            taskCompletion: { [self] unit, task, tasks in self.isComplete(unit, task: task, of: tasks) },
            performer: { [self] unit, task, tasks, workers in
                try await self.perform(unit, task: task, of: tasks, workers: workers)
            })
    }

    /// Names of declared models in a stage configuration (the values of `model`, `*_model` and
    /// nested `model` keys).
    static func modelNames(in configuration: JSONValue, declared: Set<String>) -> [String] {
        var out: [String] = []
        func walk(_ v: JSONValue, key: String) {
            switch v {
            case .string(let s) where (key == "model" || key.hasSuffix("_model")) && declared.contains(s): out.append(s)
            case .object(let o): for e in o { walk(e.value, key: e.key) }
            case .array(let a): for x in a { walk(x, key: key) }
            default: break
            }
        }
        walk(configuration, key: "")
        return out
    }

    /// Whether a unit is recorded as done.
    func isComplete(_ unit: WorkUnit) -> Bool {
        switch unit {
        case .step(let dataset, let index):
            guard let w = steps[dataset]?[index] else { return false }
            return StepRunner(engine: self).finishedRecord(w, write: false) != nil
        case .phase(let dataset, let index, let phase):
            guard let w = steps[dataset]?[index] else { return false }
            return StepRunner(engine: self).finishedRecord(w, write: false) != nil
                || ShardFiles(w).isComplete(phase, tasks: options.shardTasks)
        case .assemble(let dataset):
            guard let r = DatasetResult.read(runDirectory: runDirectory, dataset: dataset),
                r.fingerprint == steps[dataset]?.last?.fingerprint ?? ""
            else { return false }
            return StepRunner.datasetFileNames.allSatisfy {
                FileSystem.size(runDirectory + "/datasets/\(dataset)/\($0)") == r.files[$0]?.bytes
            }
        case .mix:
            guard let mix = plan.mix else { return true }
            return MixStep(engine: self, mix: mix, workers: 1).isCurrent()
        case .finish:
            return false
        }
    }

    /// Whether task `task` of `tasks` finished its slice of a step.
    func isComplete(_ unit: WorkUnit, task: Int, of tasks: Int) -> Bool {
        switch unit {
        case .step(let dataset, let index):
            guard let w = steps[dataset]?[index] else { return false }
            return StepRunner(engine: self).sliceDone(w, task: task, of: tasks)
        case .phase(let dataset, let index, let phase):
            guard let w = steps[dataset]?[index] else { return false }
            return ShardFiles(w).isDone(phase, task: task, of: tasks)
        default:
            return false
        }
    }

    /// Performs one unit (or one task's slice of a step).
    func perform(_ unit: WorkUnit, task: Int, of tasks: Int, workers: Int) async throws -> UnitOutcome {
        switch unit {
        case .step(let dataset, let index):
            guard let w = steps[dataset]?[index] else { throw RunError(.stage, "no step \(dataset)/\(index) in the plan") }
            return try await StepRunner(engine: self).run(w, task: task, of: tasks, workers: workers)
        case .phase(let dataset, let index, let phase):
            guard let w = steps[dataset]?[index], let stage = shardedStage(w) else {
                throw RunError(.stage, "no sharded step \(dataset)/\(index) in the plan")
            }
            try await StepRunner(engine: self).runPhase(w, stage: stage, phase: phase, task: task, of: tasks, workers: workers)
            return .done
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
        case .finish:
            let summary = try await finish()
            summaryBox.withLock { $0 = summary }
            return .done
        }
    }

    /// Runs every unit with `executor` (default: this process, `options.workers` in parallel);
    /// the last unit writes the manifest and removes outputs the plan no longer produces.
    /// Cancelling the task stops between batches; finished work stays recorded. When model
    /// requests failed for transport reasons, everything else is finished first, then a
    /// ``RunError/Kind/model`` error lists what is left for a rerun (no manifest is written: the
    /// run is not complete). An executor that hands the work to a batch system returns
    /// ``RunOutcome/submitted(jobs:message:)``.
    public func run(executor: any Executor) async throws -> RunOutcome {
        switch try await executor.execute(work) {
        case .submitted(let jobs, let message):
            return .submitted(jobs: jobs, message: message)
        case .finished(let failures) where !failures.isEmpty:
            throw Self.modelFailure(failures)
        case .finished:
            // Written here by the last unit, or (a cluster run waited for) by the last job.
            guard let summary = try summaryBox.withLock({ $0 }) ?? recordedSummary() else {
                throw RunError(.stage, "the run ended without writing its manifest")
            }
            return .finished(summary)
        }
    }

    /// Runs every unit in this process (``LocalExecutor`` with `options.workers`).
    public func run() async throws -> RunSummary {
        guard let summary = try await run(executor: LocalExecutor(workers: options.workers)).summary else {
            throw RunError(.stage, "the local executor submitted jobs")
        }
        return summary
    }

    /// The summary of a run whose manifest another process wrote (from the completion records).
    func recordedSummary() throws -> RunSummary? {
        guard FileSystem.exists(runDirectory + "/manifest.json") else { return nil }
        var results: [String: DatasetResult] = [:]
        for dataset in plan.datasets {
            guard let r = DatasetResult.read(runDirectory: runDirectory, dataset: dataset.name) else { return nil }
            results[dataset.name] = r
        }
        return summary(results: results, mixture: plan.mix == nil ? nil : MixStep.recorded(runDirectory: runDirectory))
    }

    /// The summary of finished datasets and mixture.
    func summary(results: [String: DatasetResult], mixture: JSONValue?) -> RunSummary {
        var summary = RunSummary(
            runDirectory: runDirectory, manifestPath: runDirectory + "/manifest.json",
            counts: results.mapValues { r in
                let c = r.counts
                return (
                    read: c.read, kept: c.kept, dropped: c.dropped, quarantined: c.quarantined,
                    records: c.records
                )
            },
            mixture: mixture)
        summary.dropSummary = plan.datasets.flatMap { d in results[d.name].map { Self.dropLines(d.name, $0.counts) } ?? [] }
        return summary
    }

    /// The error for steps left unfinished by model failures.
    static func modelFailure(_ failures: [RunError.StepFailure]) -> RunError {
        let lines = failures.map { "  \($0.dataset) step \($0.step): \($0.batches) batch(es) not done: \($0.error)" }
        return RunError(
            .model,
            "model requests failed after every retry; the rest of the run finished, nothing "
                + "was written for the failed requests, and a rerun sends only them:\n"
                + lines.joined(separator: "\n"), failures: failures)
    }

    /// Writes the manifest (from the completion records) and removes stale outputs.
    func finish() async throws -> RunSummary {
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
        // Temporaries of tasks killed on other machines (every unit job has ended by now).
        if options.folderMode != .exclusive { RunFolder.removeStaleTemporaries(runDirectory + "/work") }
        var manifest = Manifest(
            plan: plan, inputs: hashes.entries, results: results, mixture: mixture,
            models: plan.models.map { ($0.name, $0.json) }, started: options.started, finished: Date(),
            usage: await options.modelAccounting?())
        for dataset in plan.datasets {
            for w in steps[dataset.name] ?? [] {
                if let s = w.files.finished(fingerprint: w.fingerprint)?.seconds {
                    manifest.stepSeconds["\(w.name) \(w.label)"] = .double(s)
                }
            }
        }
        do {
            try AtomicFile.write(Array(JSONWriter.pretty(manifest.json).utf8), to: runDirectory + "/manifest.json")
        } catch {
            throw RunError(.io, error.description)
        }
        removeStaleOutputs(datasets: Set(plan.datasets.map(\.name)), mixture: plan.mix != nil)
        return summary(results: results, mixture: mixture)
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
                entries.append(
                    .object([
                        "source": .string(source.name), "file": .string(file),
                        "bytes": .int(FileSystem.size(path) ?? 0), "sha256": .string(h)
                    ]))
            }
        }
    }
}
