import Foundation
import JupiterCore

/// How a run is carried out.
public struct RunOptions: Sendable {
    /// Run folder; default: the recipe's `output.dir`, relative to the recipe.
    public var runDirectory: String?
    /// Parallel batch workers; default: one per core.
    public var workers: Int
    /// Receives progress events.
    public var observer: RunObserver?
    /// Model usage to record in the manifest (filled by the LLM layer when models are used).
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
    /// Total records quarantined over all datasets.
    public var quarantined: Int { counts.values.reduce(0) { $0 + $1.quarantined } }
}

/// Runs a plan into a run folder, resumably.
///
/// Layout: `manifest.json`, `state.sqlite` (ledger), `datasets/<name>/{kept.jsonl.gz,
/// dropped.jsonl.gz, quarantine.jsonl}`, and `work/<dataset>/<step>-<fingerprint>/` with the
/// per-batch files. Each step's fingerprint hashes its input (file contents, upstream step), its
/// stages' configuration and seeds and the batch size, so a changed recipe or input never reuses
/// stale work, and an unchanged one reuses everything recorded in the ledger.
public final class RunEngine: Sendable {
    /// Version stamped into manifests and step fingerprints.
    public static let version = "0.1.0"

    /// The plan.
    public let plan: Plan
    /// The run folder.
    public let runDirectory: String
    /// The ledger (its database also holds the LLM response cache).
    public let ledger: Ledger
    let options: RunOptions
    let lock: RunLock

    /// Opens (creating) the run folder and its ledger. Fails if another run holds the folder.
    public init(plan: Plan, options: RunOptions = RunOptions()) throws {
        self.plan = plan
        self.options = options
        runDirectory = options.runDirectory ?? plan.recipe.resolve(plan.recipe.output.dir)
        try FileSystem.createDirectory(runDirectory)
        lock = try RunLock(directory: runDirectory)
        RunEngine.removeStaleTemporaries(runDirectory)
        ledger = try Ledger(path: runDirectory + "/state.sqlite")
    }

    /// Removes `*.tmp-<pid>` files left by a killed run.
    static func removeStaleTemporaries(_ dir: String) {
        for name in FileSystem.list(dir) ?? [] {
            let p = dir + "/" + name
            if FileSystem.isDirectory(p) { removeStaleTemporaries(p) } else if name.contains(".tmp-") { FileSystem.remove(p) }
        }
    }

    struct DatasetResult {
        var counts = StepCounts()
        var finalFingerprint = ""
        var steps: [(key: String, dir: String, batches: Int, counts: StepCounts)] = []
        /// Reports of reporting global stages, by stage id.
        var reports = JSONObject()
        /// Size and SHA-256 of each file in `datasets/<name>/`, hashed once after assembly (for the
        /// manifest and the mix fingerprint).
        var files: [String: (bytes: Int, sha256: String)] = [:]
    }

    /// Runs every dataset, skipping work the ledger says is done. Cancelling the task stops it
    /// between batches; completed work stays recorded.
    public func run() async throws -> RunSummary {
        let started = Date()
        var inputs: [JSONValue] = []
        var hashes: [String: String] = [:]
        for source in plan.recipe.sources {
            for file in source.files {
                let abs = plan.recipe.resolve(file)
                let h: String
                do { h = try SHA256.hex(ofFile: abs) } catch { throw RunError.input(error) }
                hashes[file] = h
                inputs.append(.object(["source": .string(source.name), "file": .string(file),
                                       "bytes": .int(FileSystem.size(abs) ?? 0), "sha256": .string(h)]))
            }
        }
        var results: [String: DatasetResult] = [:]
        var timings = JSONObject()
        for dataset in plan.datasets {
            let t0 = Date()
            let upstream: String? = if case .dataset(let up) = dataset.input { results[up]?.finalFingerprint } else { nil }
            results[dataset.name] = try await runDataset(dataset, hashes: hashes, upstreamFingerprint: upstream)
            timings[dataset.name] = .double((Date().timeIntervalSince(t0) * 1000).rounded() / 1000)
        }
        var mixture: JSONValue?
        var mixSeconds: Double?
        if let mix = plan.recipe.mix {
            let t0 = Date()
            mixture = try await runMix(mix, results: results)
            mixSeconds = (Date().timeIntervalSince(t0) * 1000).rounded() / 1000
        }
        removeUnusedWork(keep: Set(results.values.flatMap { $0.steps.map(\.dir) }))
        let manifest = await manifestJSON(inputs: inputs, results: results, mixture: mixture, timings: timings,
                                          mixSeconds: mixSeconds, started: started)
        let manifestPath = runDirectory + "/manifest.json"
        try AtomicFile.write(Array(JSONWriter.pretty(manifest).utf8), to: manifestPath)
        removeStaleOutputs(datasets: Set(plan.datasets.map(\.name)), mixture: plan.recipe.mix != nil)
        var counts: [String: (Int, Int, Int, Int, Int)] = [:]
        for (name, r) in results {
            counts[name] = (r.counts.read, r.counts.kept, r.counts.dropped, r.counts.quarantined, r.counts.records)
        }
        return RunSummary(runDirectory: runDirectory, manifestPath: manifestPath,
                          counts: counts.mapValues { (read: $0.0, kept: $0.1, dropped: $0.2, quarantined: $0.3, records: $0.4) },
                          mixture: mixture)
    }

    // MARK: Datasets

    func fingerprint(_ parts: [String]) -> String {
        var sha = SHA256()
        for p in parts { sha.update(p); sha.update([0x0A]) }
        return sha.hexDigest()
    }

    func stepDescription(_ step: PlanStep) -> [String] {
        step.stages.map {
            let seed = $0.stage is any SeedIndependent ? "-" : String($0.seed)
            return "\($0.id)|\($0.stage.name)|\(JSONWriter.string($0.stage.configuration))|\(seed)"
        }
    }

    func runDataset(_ dataset: DatasetPlan, hashes: [String: String], upstreamFingerprint: String?) async throws
        -> DatasetResult
    {
        var result = DatasetResult()
        let batchSize = plan.recipe.output.batchSize
        var previousFP: String
        switch dataset.input {
        case .source(let s):
            previousFP = fingerprint(["jupiter \(Self.version)", "source", s.format.rawValue,
                                      s.options.languages.joined(separator: ","), s.options.textField,
                                      String(s.options.maxLineBytes), "batch \(batchSize)"]
                                     + s.files.map { "\($0) \(hashes[$0] ?? "")" })
        case .dataset:
            previousFP = fingerprint(["jupiter \(Self.version)", "dataset", upstreamFingerprint ?? "", "batch \(batchSize)"])
        }
        var previous: (files: BatchFiles, batches: Int, counts: StepCounts)?
        for (index, step) in dataset.steps.enumerated() {
            let fp = fingerprint([previousFP] + stepDescription(step))
            previousFP = fp
            let key = "\(dataset.name)/\(index)/\(fp)"
            let dir = runDirectory + "/work/\(dataset.name)/\(index)-\(fp.prefix(16))"
            let files = BatchFiles(directory: dir)
            let label = step.stages.isEmpty ? "read" : step.stages.map(\.id).joined(separator: " → ")
            let done: (batches: Int, counts: StepCounts)
            var report: JSONValue?
            if let stats = try ledger.step(key), let n = stats["batches"]?.intValue,
               (0..<n).allSatisfy({ files.exists($0) }) {
                options.observer?(.stepSkipped(dataset: dataset.name, step: index, label: label))
                done = (n, StepCounts(json: stats["counts"] ?? .null))
                report = stats["report"]
            } else {
                try FileSystem.createDirectory(dir)
                switch step {
                case .batch(let stages):
                    let processor = BatchProcessor(dataset: dataset.name, stages: stages)
                    if let previous {
                        done = try await runBatchStep(dataset.name, index, of: dataset.steps.count, label: label,
                                                      key: key, files: files, processor: processor, input: previous)
                    } else {
                        done = try await runInputStep(dataset, index, label: label, key: key, files: files,
                                                      processor: processor)
                    }
                case .global(let stage):
                    guard let previous else { throw RunError.stageFailed(dataset: dataset.name, stage: stage.id,
                                                                          message: "a global stage needs input") }
                    let g = try await runGlobalStep(dataset.name, index, of: dataset.steps.count, stage: stage, key: key,
                                                    files: files, input: previous, batchSize: batchSize)
                    done = (g.batches, g.counts)
                    report = g.report
                }
                var stats: JSONObject = ["batches": .int(done.batches), "counts": done.counts.json]
                if let report { stats["report"] = report }
                try ledger.finishStep(key, stats: .object(stats))
                options.observer?(.stepFinished(dataset: dataset.name, step: index, records: done.counts.records))
            }
            result.steps.append((key, dir, done.batches, done.counts))
            if let report, let id = step.stages.first?.id { result.reports[id] = report }
            previous = (files, done.batches, done.counts)
        }
        result.finalFingerprint = previousFP
        // Dataset totals: read by the first step; drops and quarantines of every step; kept by the last.
        var total = StepCounts()
        for (i, s) in result.steps.enumerated() {
            if i == 0 { total.read = s.counts.read }
            total.dropped += s.counts.dropped
            total.quarantined += s.counts.quarantined
            for id in s.counts.stageOrder { for (k, v) in s.counts.stages[id] ?? [:] { total.stage(id, k, v) } }
        }
        total.kept = result.steps.last?.counts.kept ?? 0
        total.records = result.steps.last?.counts.records ?? 0
        result.counts = total
        try assemble(dataset.name, result)
        for name in Self.datasetFileNames {
            let path = runDirectory + "/datasets/\(dataset.name)/\(name)"
            do { result.files[name] = (FileSystem.size(path) ?? 0, try SHA256.hex(ofFile: path)) } catch {
                throw RunError.input(error)
            }
        }
        options.observer?(.datasetFinished(dataset: dataset.name, read: total.read, kept: total.kept,
                                           dropped: total.dropped, quarantined: total.quarantined, records: total.records))
        return result
    }

    // MARK: Steps

    /// Reads the dataset's input (a source, or an upstream dataset's kept records) in batches and
    /// runs the first step's stages over them in parallel.
    func runInputStep(_ dataset: DatasetPlan, _ index: Int, label: String, key: String, files: BatchFiles,
                      processor: BatchProcessor) async throws -> (batches: Int, counts: StepCounts) {
        var groups: [(label: String, paths: [String], format: Format, options: FormatOptions)] = []
        switch dataset.input {
        case .source(let s):
            if s.format == .moses {
                groups = [(s.files[0], s.files.map { plan.recipe.resolve($0) }, s.format, s.options)]
            } else {
                groups = s.files.map { ($0, [plan.recipe.resolve($0)], s.format, s.options) }
            }
        case .dataset(let up):
            let path = runDirectory + "/datasets/\(up)/kept.jsonl.gz"
            groups = [("datasets/\(up)/kept.jsonl.gz", [path], .openaiMessages, FormatOptions(maxLineBytes: Int.max / 4))]
        }
        let totalBytes = groups.reduce(0) { $0 + $1.paths.reduce(0) { $0 + (FileSystem.size($1) ?? 0) } }
        options.observer?(.stepStarted(dataset: dataset.name, step: index, of: dataset.steps.count, label: label,
                                       totalBytes: totalBytes))
        let doneBatches = try ledger.batches(step: key)
        let batchSize = plan.recipe.output.batchSize
        let ledger = self.ledger
        let observer = options.observer
        let fromDataset: Bool = if case .dataset = dataset.input { true } else { false }
        var counts: [Int: StepCounts] = [:]
        var batchIndex = 0
        var unitsSeen = 0
        var bytesBefore = 0
        try await withThrowingTaskGroup(of: (Int, StepCounts).self) { group in
            var inFlight = 0
            func collect() async throws {
                if let (b, c) = try await group.next() { counts[b] = c; inFlight -= 1 }
            }
            for g in groups {
                let reader: any SourceUnitReader
                let decoder: any UnitDecoder
                do {
                    (reader, decoder) = fromDataset
                        ? (try LineUnitReader(path: g.paths[0], maxLineBytes: g.options.maxLineBytes), AnyNativeDecoder())
                        : try SourceFormats.open(g.format, paths: g.paths, options: g.options)
                } catch let error as IOError {
                    throw RunError.input(error)
                }
                var units: [SourceUnit] = []
                var fileUnits = 0
                func dispatch(_ units: [SourceUnit], emptyFile: Bool) async throws {
                    let b = batchIndex
                    batchIndex += 1
                    if let stats = doneBatches[b], files.exists(b) {
                        counts[b] = StepCounts(json: stats)
                        return
                    }
                    while inFlight >= options.workers * 2 { try await collect() }
                    try Task.checkCancellation()
                    let file = g.label
                    group.addTask {
                        var pre = BatchOutput()
                        var records: [Record] = []
                        records.reserveCapacity(units.count)
                        func quarantine(_ line: Int, _ error: String, _ raw: [UInt8]?) {
                            pre.quarantine += BatchProcessor.readQuarantine(file: file, line: line, error: error, raw: raw)
                            pre.counts.read += 1
                            pre.counts.quarantined += 1
                            pre.counts.stage("read", "quarantined")
                        }
                        if emptyFile { quarantine(0, "empty file", nil) }
                        for u in units {
                            if u.tooLong {
                                quarantine(u.line, "line is \(u.length) bytes, over the \(g.options.maxLineBytes)-byte "
                                           + "limit (source setting max_line_bytes)", nil)
                                continue
                            }
                            do {
                                if let r = try decoder.decode(u, file: file) { records.append(r) }
                            } catch let error as RecordDecodingError {
                                quarantine(u.line, error.reason, u.bytes)
                            } catch {
                                quarantine(u.line, "\(error)", u.bytes)
                            }
                        }
                        let out = try await processor.run(records, batchIndex: b, pre: pre)
                        try files.write(batch: b, kept: out.kept, dropped: out.dropped, quarantine: out.quarantine)
                        try ledger.finishBatch(step: key, batch: b, stats: out.counts.json)
                        return (b, out.counts)
                    }
                    inFlight += 1
                }
                do {
                    while let u = try reader.next() {
                        units.append(u)
                        fileUnits += 1
                        unitsSeen += 1
                        if units.count == batchSize {
                            try await dispatch(units, emptyFile: false)
                            units = []
                            observer?(.progress(dataset: dataset.name, step: index, records: unitsSeen,
                                                bytes: bytesBefore + reader.bytesRead))
                        }
                    }
                } catch let error as IOError {
                    throw RunError.input(error)
                }
                if !units.isEmpty || fileUnits == 0 { try await dispatch(units, emptyFile: fileUnits == 0) }
                bytesBefore += reader.bytesRead
                observer?(.progress(dataset: dataset.name, step: index, records: unitsSeen, bytes: bytesBefore))
            }
            while inFlight > 0 { try await collect() }
        }
        var total = StepCounts()
        for b in 0..<batchIndex { if let c = counts[b] { total.add(c) } }
        return (batchIndex, total)
    }

    /// Runs batch stages over the previous step's batches, in parallel.
    func runBatchStep(_ dataset: String, _ index: Int, of stepCount: Int, label: String, key: String, files: BatchFiles,
                      processor: BatchProcessor, input: (files: BatchFiles, batches: Int, counts: StepCounts))
        async throws -> (batches: Int, counts: StepCounts)
    {
        options.observer?(.stepStarted(dataset: dataset, step: index, of: stepCount, label: label, totalBytes: nil))
        let doneBatches = try ledger.batches(step: key)
        let ledger = self.ledger
        var counts: [Int: StepCounts] = [:]
        var finished = 0
        try await withThrowingTaskGroup(of: (Int, StepCounts).self) { group in
            var inFlight = 0
            for b in 0..<input.batches {
                if let stats = doneBatches[b], files.exists(b) {
                    counts[b] = StepCounts(json: stats)
                    continue
                }
                while inFlight >= options.workers * 2 {
                    if let (i, c) = try await group.next() { counts[i] = c; inFlight -= 1; finished += c.records }
                    options.observer?(.progress(dataset: dataset, step: index, records: finished, bytes: 0))
                }
                try Task.checkCancellation()
                group.addTask {
                    let records = try input.files.readKept(b)
                    let out = try await processor.run(records, batchIndex: b)
                    try files.write(batch: b, kept: out.kept, dropped: out.dropped, quarantine: out.quarantine)
                    try ledger.finishBatch(step: key, batch: b, stats: out.counts.json)
                    return (b, out.counts)
                }
                inFlight += 1
            }
            for try await (i, c) in group { counts[i] = c }
        }
        var total = StepCounts()
        for b in 0..<input.batches { if let c = counts[b] { total.add(c) } }
        return (input.batches, total)
    }

    /// Runs a global stage over all of the previous step's output and writes its result in batches.
    func runGlobalStep(_ dataset: String, _ index: Int, of stepCount: Int, stage: PlannedStage, key: String,
                       files: BatchFiles, input: (files: BatchFiles, batches: Int, counts: StepCounts), batchSize: Int)
        async throws -> (batches: Int, counts: StepCounts, report: JSONValue?)
    {
        options.observer?(.stepStarted(dataset: dataset, step: index, of: stepCount, label: stage.id, totalBytes: nil))
        guard let global = stage.stage as? any GlobalStage else {
            throw RunError.stageFailed(dataset: dataset, stage: stage.id, message: "not a global stage")
        }
        var total = StepCounts()
        total.read = input.counts.kept
        total.stage(stage.id, "in", input.counts.records)
        var current = BatchOutput()
        var batches = 0
        var emitted = 0
        func flush() throws {
            try files.write(batch: batches, kept: current.kept, dropped: current.dropped, quarantine: current.quarantine)
            total.add(current.counts)
            batches += 1
            current = BatchOutput()
        }
        let observer = options.observer
        let ctx = StageContext(stageID: stage.id, dataset: dataset, seed: stage.seed)
        let source = StepBatches(files: input.files, batchCount: input.batches, count: input.counts.records)
        let emitOutput: (StageOutput) async throws -> Void = { output in
            switch output {
            case .kept(let r):
                RecordLines.append(r.passing(stage.id), to: &current.kept)
                current.counts.kept += max(1, r.lineage.origins.count)
                current.counts.records += 1
                current.counts.stage(stage.id, "kept")
            case .dropped(let r, let reason):
                BatchProcessor.appendDropped(r, stage: stage.id, reason: reason, to: &current)
            case .quarantined(let r, let error):
                BatchProcessor.appendQuarantined(r, stage: stage.id, error: error, to: &current)
            }
            emitted += 1
            if current.counts.records >= batchSize {
                try flush()
                observer?(.progress(dataset: dataset, step: index, records: emitted, bytes: 0))
            }
        }
        var report: JSONValue?
        if let reporting = global as? any ReportingGlobalStage {
            report = try await reporting.runReporting(source, context: ctx, emit: emitOutput)
        } else {
            try await global.run(source, context: ctx, emit: emitOutput)
        }
        if current.counts.records > 0 || !current.dropped.isEmpty || !current.quarantine.isEmpty || batches == 0 {
            try flush()
        }
        // `add` summed read counts of the flushed outputs (zero); keep the input's read count.
        total.read = input.counts.kept
        return (batches, total, report)
    }

    // MARK: Outputs

    /// The files of `datasets/<name>/`, in manifest order.
    static let datasetFileNames = ["kept.jsonl.gz", "dropped.jsonl.gz", "quarantine.jsonl"]

    /// Writes `datasets/<name>/`: kept records of the last step, and every step's drops and
    /// quarantine entries, each file renamed into place when complete.
    func assemble(_ name: String, _ result: DatasetResult) throws {
        let dir = runDirectory + "/datasets/\(name)"
        try FileSystem.createDirectory(dir)
        guard let last = result.steps.last else { return }
        let lastFiles = BatchFiles(directory: last.dir)
        try concatenate((0..<last.batches).map { lastFiles.keptPath($0) }, to: dir + "/kept.jsonl.gz", gzip: true)
        var dropped: [String] = []
        var quarantine: [String] = []
        for s in result.steps {
            let f = BatchFiles(directory: s.dir)
            dropped += (0..<s.batches).map { f.droppedPath($0) }
            quarantine += (0..<s.batches).map { f.quarantinePath($0) }
        }
        try concatenate(dropped, to: dir + "/dropped.jsonl.gz", gzip: true)
        try concatenate(quarantine, to: dir + "/quarantine.jsonl", gzip: false)
    }

    /// Concatenates files (gzip members concatenate into a valid multi-member gzip file).
    func concatenate(_ paths: [String], to target: String, gzip: Bool) throws {
        let out = try AtomicFile(path: target)
        var wrote = false
        for p in paths {
            let reader = try RawFileReader(path: p)
            while let chunk = try reader.next() {
                try out.appendRawMember(chunk)
                wrote = true
            }
        }
        if gzip && !wrote { try out.appendRawMember(try GzipDeflater.compress([])) }
        try out.commit()
    }

    /// Deletes the outputs of earlier recipes that this one no longer produces: dataset folders
    /// of removed datasets and the mixture when `mix:` is gone. Called after the manifest is
    /// written, so the run folder then holds exactly what the manifest lists (a run killed in
    /// between finishes the job on its rerun); a stale mixture left beside a new manifest could
    /// otherwise be trained on by mistake.
    func removeStaleOutputs(datasets: Set<String>, mixture: Bool) {
        for name in (FileSystem.list(runDirectory + "/datasets") ?? []).sorted() where !datasets.contains(name) {
            FileSystem.removeTree(runDirectory + "/datasets/" + name)
            options.observer?(.staleOutputRemoved(path: "datasets/" + name))
        }
        if !mixture, FileSystem.exists(runDirectory + "/mixture") {
            FileSystem.removeTree(runDirectory + "/mixture")
            options.observer?(.staleOutputRemoved(path: "mixture"))
        }
    }

    /// Deletes work folders of earlier plans (kept: the current plan's, for instant reruns).
    func removeUnusedWork(keep: Set<String>) {
        let work = runDirectory + "/work"
        for dataset in FileSystem.list(work) ?? [] {
            let d = work + "/" + dataset
            for step in FileSystem.list(d) ?? [] where !keep.contains(d + "/" + step) { FileSystem.removeTree(d + "/" + step) }
            if (FileSystem.list(d) ?? []).isEmpty { FileSystem.removeTree(d) }
        }
    }
}

/// Decodes native JSONL lines of any record kind (an upstream dataset's output).
struct AnyNativeDecoder: UnitDecoder {
    func decode(_ unit: SourceUnit, file: String) throws(RecordDecodingError) -> Record? {
        guard let value = try JSONLUnit.parse(unit) else { return nil }
        return try NativeCodec.decodeAnyKind(value, fallbackID: JSONLUnit.fallbackID(file: file, line: unit.line),
                                             origin: Origin(file: file, line: unit.line))
    }
}
