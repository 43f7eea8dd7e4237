import Foundation
import JupiterCore

/// Runs a dataset's steps and assembles its outputs, recording completion in files (see
/// ``BatchFiles``): shared by every executor.
struct StepRunner {
    let engine: RunEngine

    var observer: RunObserver? { engine.options.observer }
    var batchSize: Int { engine.plan.settings.batchSize }

    /// Runs `w` (or task `task` of `tasks`' slice of its batches), unless it is done already.
    /// A task that finished its slice records it in `task-<k>-of-<n>.json` (with the step's batch
    /// count, its peak memory and time), so a rerun submits only the tasks that did not; the task
    /// that finds every batch done writes `step.json`.
    func run(_ w: StepWork, task: Int, of tasks: Int, workers: Int) async throws -> UnitOutcome {
        let dataset = w.dataset.name
        if finishedRecord(w, write: true) != nil || (tasks > 1 && sliceDone(w, task: task, of: tasks)) {
            observer?(.stepSkipped(dataset: dataset, step: w.index, label: w.label))
            return .done
        }
        do { try FileSystem.createDirectory(w.files.directory) } catch { throw RunError(.io, error.description) }
        let outcome: UnitOutcome
        let record: StepRecord?
        let started = Date()
        switch w.step {
        case .batch(let stages):
            let processor = BatchProcessor(dataset: dataset, stages: stages)
            let result = try await runBatches(w, processor: processor, task: task, of: tasks, workers: workers)
            outcome = result.failure.map { .failed($0) } ?? .done
            if tasks > 1 && result.failure == nil {
                let slice = TaskRecord(
                    batches: result.batches, seconds: Date().timeIntervalSince(started),
                    peakResidentKiB: ProcessMemory.peakResidentKiB())
                do { try w.files.recordTask(task, of: tasks, slice) } catch { throw RunError(.io, error.description) }
            }
            record = try finishIfComplete(
                w, batches: result.batches,
                seconds: tasks == 1 ? Date().timeIntervalSince(started) : nil)
        case .global(let stage):
            if tasks > 1, let sharded = engine.shardedStage(w) {
                let batches = try await runShardedFilter(w, stage: stage, sharded: sharded, task: task, of: tasks)
                let slice = TaskRecord(
                    batches: batches, seconds: Date().timeIntervalSince(started),
                    peakResidentKiB: ProcessMemory.peakResidentKiB())
                do { try w.files.recordTask(task, of: tasks, slice) } catch { throw RunError(.io, error.description) }
                record = finishedRecord(w, write: true)
            } else {
                record = try await runGlobal(w, stage: stage, workers: workers, started: started)
            }
            outcome = .done
        }
        if let record, engine.announceOnce(w) {
            observer?(.stepFinished(dataset: dataset, step: w.index, records: record.counts.records))
        }
        return outcome
    }

    /// The step's record when it is done: its `step.json`, or, for a step of per-batch stages
    /// whose tasks all finished on other machines without one of them seeing the others' last
    /// batches (a network filesystem may show files late), the record made from its batches
    /// (written as `step.json` when `write`).
    func finishedRecord(_ w: StepWork, write: Bool) -> StepRecord? {
        if let r = w.files.finished(fingerprint: w.fingerprint) { return r }
        if case .global(let planned) = w.step {
            // A sharded step's filter tasks write one output batch per input batch.
            guard planned.stage is any ShardedStage, let previous = engine.steps[w.dataset.name]?[w.index - 1],
                let input = finishedRecord(previous, write: write)
            else { return nil }
            var total = StepCounts()
            total.stage(planned.id, "in", input.counts.records)
            let batches = max(1, input.batches)
            for b in 0..<batches {
                guard let c = w.files.done(b) else { return nil }
                total.add(c)
            }
            total.read = input.counts.kept
            let record = StepRecord(
                fingerprint: w.fingerprint, batches: batches, counts: total, seconds: shardedSeconds(w))
            if write { try? w.files.finish(record) }
            return record
        }
        let batches: Int
        if w.readsInput {
            guard let known = w.files.taskRecords().first?.batches else { return nil }
            batches = known
        } else {
            guard let previous = engine.steps[w.dataset.name]?[w.index - 1],
                let input = finishedRecord(previous, write: write)
            else { return nil }
            batches = input.batches
        }
        var total = StepCounts()
        for b in 0..<batches {
            guard let c = w.files.done(b) else { return nil }
            total.add(c)
        }
        let record = StepRecord(fingerprint: w.fingerprint, batches: batches, counts: total)
        if write { try? w.files.finish(record) }
        return record
    }

    /// A sharded step's wall time with the tasks of each pass side by side (as a local run of
    /// several workers runs them): each pass's slowest task, the filter's included; nil when a
    /// task's record is missing.
    func shardedSeconds(_ w: StepWork) -> Double? {
        let tasks = engine.options.shardTasks
        guard tasks > 1, let passes = ShardFiles(w).seconds(tasks: tasks) else { return nil }
        let filters = (0..<tasks).compactMap { w.files.taskRecord($0, of: tasks)?.seconds }
        guard filters.count == tasks else { return nil }
        return passes + (filters.max() ?? 0)
    }

    /// Whether task `task` of `tasks` finished its slice of `w` (its record names the step's
    /// batch count and each of its batches is done).
    func sliceDone(_ w: StepWork, task: Int, of tasks: Int) -> Bool {
        guard let slice = w.files.taskRecord(task, of: tasks) else { return false }
        return stride(from: task, to: slice.batches, by: tasks).allSatisfy { w.files.done($0) != nil }
    }

    /// The previous step's finished record and files (its input).
    func input(of w: StepWork) throws -> (files: BatchFiles, record: StepRecord) {
        guard let previous = engine.steps[w.dataset.name]?[w.index - 1],
            let record = finishedRecord(previous, write: true)
        else {
            throw RunError(.stage, "step \(w.name) needs step \(w.dataset.name)/\(w.index - 1), which is not finished")
        }
        return (previous.files, record)
    }

    // MARK: Batch steps

    /// Processes the batches of this task's slice that are not done, `workers` at a time: the
    /// reader waits for a free worker before it reads the next batch, so reading and processing
    /// together keep at most `workers` cores busy. A batch whose model requests failed for
    /// transport reasons is left not done (the others go on); any other error stops the step.
    func runBatches(_ w: StepWork, processor: BatchProcessor, task: Int, of tasks: Int, workers: Int) async throws
        -> (batches: Int, failure: RunError.StepFailure?)
    {
        let dataset = w.dataset.name
        var failed = 0
        var firstError: String?
        var finished = 0
        // A parallel-tsv source through one pair-keeping stage: kept pairs go straight from their lines.
        let pairLines = PairLineBatch(dataset: dataset, stages: processor.stages)
        func consume(_ result: Result<Int, LLMError>) {
            switch result {
            case .success(let records):
                finished += records
                if !w.readsInput { observer?(.progress(dataset: dataset, step: w.index, records: finished, bytes: 0)) }
            case .failure(let e):
                failed += 1
                if firstError == nil { firstError = e.message }
            }
        }
        /// Runs one batch; a transport failure of its model requests becomes a failed result.
        @Sendable func attempt(_ body: @escaping @Sendable () async throws -> Int) async throws -> Result<Int, LLMError> {
            do { return .success(try await body()) } catch let e as LLMError where e.isTransportFailure && e.kind != .cancelled {
                return .failure(e)
            }
        }
        let files = w.files
        var batches = 0
        // Batches' files are flushed to disk and put in place behind the next batches' work.
        let committer = BatchCommitter(workers: workers)
        try await committer.draining {
            if w.readsInput {
                let reader = InputReader(w.dataset, runDirectory: engine.runDirectory)
                observer?(
                    .stepStarted(
                        dataset: dataset, step: w.index, of: w.dataset.steps.count, label: w.label,
                        totalBytes: reader.totalBytes))
                try await OrderedTasks.run(limit: workers, holdProducer: true, consume: consume) { submit in
                    try await reader.forEachBatch(
                        batchSize: batchSize,
                        progress: { units, bytes in
                            observer?(.progress(dataset: dataset, step: w.index, records: units, bytes: bytes))
                        }
                    ) { batch in
                        batches = batch.index + 1
                        guard batch.index % tasks == task, files.done(batch.index) == nil else { return }
                        try await submit {
                            try await attempt {
                                let out: BatchOutput
                                if let pairs = pairLines, let languages = PairLineBatch.languages(of: batch) {
                                    out = try pairs.run(batch, languages: languages)
                                } else {
                                    let (records, pre) = InputReader.decode(batch)
                                    out = try await processor.run(records, batchIndex: batch.index, pre: pre)
                                }
                                try await committer.submit(try files.prepare(batch: batch.index, out))
                                return out.counts.records
                            }
                        }
                    }
                }
            } else {
                let (inputFiles, inputRecord) = try input(of: w)
                batches = inputRecord.batches
                observer?(
                    .stepStarted(
                        dataset: dataset, step: w.index, of: w.dataset.steps.count, label: w.label,
                        totalBytes: nil))
                try await OrderedTasks.run(limit: workers, holdProducer: true, consume: consume) { submit in
                    for b in 0..<batches where b % tasks == task && files.done(b) == nil {
                        try await submit {
                            try await attempt {
                                let out = try await processor.run(try inputFiles.readKept(b), batchIndex: b)
                                try await committer.submit(try files.prepare(batch: b, out))
                                return out.counts.records
                            }
                        }
                    }
                }
            }
        }
        let failure = firstError.map {
            RunError.StepFailure(dataset: dataset, step: w.label, batches: failed, error: $0)
        }
        return (batches, failure)
    }

    /// Writes `step.json` when every batch of the step is done (by any task); nil otherwise.
    func finishIfComplete(_ w: StepWork, batches: Int, seconds: Double?) throws -> StepRecord? {
        var total = StepCounts()
        for b in 0..<batches {
            guard let c = w.files.done(b) else { return nil }
            total.add(c)
        }
        let record = StepRecord(fingerprint: w.fingerprint, batches: batches, counts: total, seconds: seconds)
        do { try w.files.finish(record) } catch { throw RunError(.io, error.description) }
        return record
    }

    // MARK: Global steps

    /// The records of each of a finished step's batches.
    func recordCounts(_ files: BatchFiles, batches: Int) throws -> [Int] {
        try (0..<batches).map { b in
            guard let c = files.done(b) else { throw RunError(.stage, "\(files.directory): batch \(b) is not done") }
            return c.records
        }
    }

    /// The global index of each input batch's first record (the input's records numbered in order).
    func firstIndices(_ files: BatchFiles, batches: Int) throws -> [Int] {
        var n = 0
        return try recordCounts(files, batches: batches).map { c in
            defer { n += c }
            return n
        }
    }

    /// One pass of a sharded global step, for task `task` of `tasks` (its part, for `reduce`).
    func runPhase(_ w: StepWork, stage: any ShardedStage, phase: ShardPhase, task: Int, of tasks: Int, workers: Int) async throws {
        let shards = ShardFiles(w)
        if shards.isDone(phase, task: task, of: tasks) || finishedRecord(w, write: true) != nil { return }
        // One line per pass, not one per task (a cluster task's log shows its own).
        if task == 0 || engine.options.folderMode == .clusterTask {
            observer?(
                .stepStarted(
                    dataset: w.dataset.name, step: w.index, of: w.dataset.steps.count,
                    label: w.label + ": " + (ShardPhase.labels[phase] ?? phase.rawValue), totalBytes: nil))
        }
        do { try FileSystem.createDirectory(shards.directory) } catch { throw RunError(.io, error.description) }
        let (inputFiles, inputRecord) = try input(of: w)
        let id = w.step.stages.first?.id ?? stage.name
        let started = Date()
        do {
            switch phase {
            case .scan:
                let first = try firstIndices(inputFiles, batches: inputRecord.batches)
                let mine = (0..<inputRecord.batches).filter { $0 % tasks == task }
                try await stage.scan(
                    StepShardInput(files: inputFiles, batches: mine, firstIndex: first),
                    task: task, of: tasks, directory: shards.directory, workers: workers)
            case .reduce:
                try await stage.reduce(part: task, of: tasks, directory: shards.directory)
            case .combine:
                try await stage.combine(
                    parts: engine.options.shardTasks, records: inputRecord.counts.records,
                    directory: shards.directory)
            }
            let cost = TaskRecord(
                batches: inputRecord.batches, seconds: Date().timeIntervalSince(started),
                peakResidentKiB: ProcessMemory.peakResidentKiB())
            try shards.markDone(
                phase, task: phase == .combine ? 0 : task, of: phase == .combine ? engine.options.shardTasks : tasks,
                cost)
        } catch let error as RunError {
            throw error
        } catch let error as IOError {
            throw RunError(.io, error.description)
        } catch {
            throw RunError.stageFailed(dataset: w.dataset.name, stage: id, message: "\(error)")
        }
    }

    /// The filter of a sharded global step for task `task` of `tasks`: its input batches decided
    /// from the combined decisions, output batch `b` holding the outputs of input batch `b` (as
    /// ``runGlobal(_:stage:)`` writes them). Returns the step's batch count.
    func runShardedFilter(_ w: StepWork, stage: PlannedStage, sharded: any ShardedStage, task: Int, of tasks: Int) async throws
        -> Int
    {
        let shards = ShardFiles(w)
        guard shards.isComplete(.combine, tasks: engine.options.shardTasks) else {
            throw RunError(.stage, "step \(w.name): the combine pass is not done (\(shards.directory))")
        }
        if task == 0 || engine.options.folderMode == .clusterTask {
            observer?(.stepStarted(dataset: w.dataset.name, step: w.index, of: w.dataset.steps.count, label: w.label, totalBytes: nil))
        }
        let (inputFiles, inputRecord) = try input(of: w)
        let first = try firstIndices(inputFiles, batches: inputRecord.batches)
        var decider: any ShardDecider
        do { decider = try sharded.decider(directory: shards.directory) } catch {
            throw RunError.stageFailed(dataset: w.dataset.name, stage: stage.id, message: "\(error)")
        }
        let batches = max(1, inputRecord.batches)
        for b in 0..<batches where b % tasks == task && w.files.done(b) == nil {
            try Task.checkCancellation()
            if b < inputRecord.batches, var place = decider as? any PlaceShardDecider {
                // Decided by place: each record is written from its stored line (decoded only
                // when the line is not in the run's own form), as a line-deciding stage's are.
                guard let expected = inputFiles.done(b)?.records else {
                    throw RunError(.stage, "\(inputFiles.directory): batch \(b) is not done")
                }
                let lines = try inputFiles.readKeptLines(b, reference: !w.files.compressKept)
                let path = lines.label
                let verdicts: [DropReason?]
                do { verdicts = try place.verdicts(count: expected, first: first[b]) } catch {
                    throw RunError.stageFailed(dataset: w.dataset.name, stage: stage.id, message: "\(error)")
                }
                decider = place
                var byPlace: any LineDecider = PlaceLineDecider(verdicts: verdicts, path: path)
                var out = LineBatch(stage: stage.id, reference: lines.reference)
                try out.decide(lines.bytes, path: path, with: &byPlace)
                guard out.records == expected else {
                    throw RunError(.stage, "\(path): \(out.records) records, but the batch's record says \(expected)")
                }
                try out.prepare(w.files, index: b).commit()
            } else {
                var writer = GlobalBatchWriter(files: w.files, index: b, background: false)
                if b < inputRecord.batches {
                    let records = try inputFiles.readKept(b)
                    let outputs: [StageOutput]
                    do { outputs = try decider.outputs(records, first: first[b]) } catch {
                        throw RunError.stageFailed(dataset: w.dataset.name, stage: stage.id, message: "\(error)")
                    }
                    guard outputs.count == records.count else {
                        throw RunError.stageFailed(
                            dataset: w.dataset.name, stage: stage.id,
                            message: "decided \(outputs.count) of the \(records.count) records of batch \(b)")
                    }
                    for o in outputs { try await writer.add(o, stage: stage.id) }
                }
                try await writer.finish().commit()
            }
        }
        return batches
    }

    /// Runs a global stage over all of the previous step's output and writes its result in
    /// batches of `batch_size` kept records. Memory is bounded whatever the stage decides: kept
    /// records wait in memory (at most one batch), drops and quarantine entries stream to the
    /// current batch's files as they come, so a long run of drops costs no memory.
    /// The stage's own parallel work uses `workers` threads.
    func runGlobal(_ w: StepWork, stage: PlannedStage, workers: Int, started: Date) async throws -> StepRecord {
        let dataset = w.dataset.name
        observer?(.stepStarted(dataset: dataset, step: w.index, of: w.dataset.steps.count, label: stage.id, totalBytes: nil))
        guard let global = stage.stage as? any GlobalStage else {
            throw RunError.stageFailed(dataset: dataset, stage: stage.id, message: "not a global stage")
        }
        if let lineStage = global as? any LineDecidingStage {
            return try await runLineGlobal(w, stage: stage, lineStage: lineStage, workers: workers, started: started)
        }
        let (inputFiles, inputRecord) = try input(of: w)
        var total = StepCounts()
        total.stage(stage.id, "in", inputRecord.counts.records)
        // With a second worker, drops are compressed beside the stage rather than by it.
        let background = workers > 1
        var batch = GlobalBatchWriter(files: w.files, index: 0, background: background)
        // Batches' files are flushed to disk and put in place behind the stage's further work.
        let committer = BatchCommitter(workers: workers)
        var emitted = 0
        let observer = self.observer
        let batchSize = self.batchSize
        let ctx = StageContext(stageID: stage.id, dataset: dataset, seed: stage.seed, workers: workers)
        let source = StepBatches(
            files: inputFiles, batchCount: inputRecord.batches, count: inputRecord.counts.records,
            prefetch: workers > 1)
        // A sharded stage emits one output per input record: output batch b holds input batch b's
        // outputs, as its filter tasks write them on a cluster. Other stages: batch_size kept records.
        let perInputBatch: [Int]? = global is any ShardedStage ? try recordCounts(inputFiles, batches: inputRecord.batches) : nil
        var inBatch = 0
        /// Input batches with no records give empty output batches (the last one is finished at the end).
        func skipEmptyInputBatches() async throws {
            guard let perInputBatch else { return }
            while batch.index < perInputBatch.count - 1 && perInputBatch[batch.index] == 0 {
                total.add(try await committer.submit(batch.finish()))
                batch = GlobalBatchWriter(files: w.files, index: batch.index + 1, background: background)
            }
        }
        var report: JSONValue?
        let batches: Int = try await committer.draining {
            try await skipEmptyInputBatches()
            let emitOutput: (StageOutput) async throws -> Void = { output in
                try await batch.add(output, stage: stage.id)
                emitted += 1
                inBatch += 1
                let full: Bool
                if let perInputBatch {
                    guard batch.index < perInputBatch.count else {
                        throw RunError.stageFailed(dataset: dataset, stage: stage.id, message: "emitted more outputs than it read records")
                    }
                    full = inBatch >= perInputBatch[batch.index] && batch.index < perInputBatch.count - 1
                } else {
                    full = batch.counts.records >= batchSize
                }
                if full {
                    total.add(try await committer.submit(batch.finish()))
                    batch = GlobalBatchWriter(files: w.files, index: batch.index + 1, background: background)
                    inBatch = 0
                    try await skipEmptyInputBatches()
                    observer?(.progress(dataset: dataset, step: w.index, records: emitted, bytes: 0))
                }
            }
            if let reporting = global as? any ReportingGlobalStage {
                report = try await reporting.runReporting(source, context: ctx, emit: emitOutput)
            } else {
                try await global.run(source, context: ctx, emit: emitOutput)
            }
            if let perInputBatch, emitted != perInputBatch.reduce(0, +) {
                throw RunError.stageFailed(
                    dataset: dataset, stage: stage.id,
                    message: "emitted \(emitted) outputs for \(perInputBatch.reduce(0, +)) records")
            }
            if batch.isEmpty && batch.index > 0 && perInputBatch == nil { return batch.index }
            total.add(try await committer.submit(batch.finish()))
            return batch.index + 1
        }
        // The batches' read counts are zero; the step read what its input kept.
        total.read = inputRecord.counts.kept
        let record = StepRecord(
            fingerprint: w.fingerprint, batches: batches, counts: total, report: report,
            seconds: Date().timeIntervalSince(started))
        do { try w.files.finish(record) } catch { throw RunError(.io, error.description) }
        return record
    }

    // MARK: Outputs

    /// The files of `datasets/<name>/`, in manifest order.
    static let datasetFileNames = ["kept.jsonl.gz", "dropped.jsonl.gz", "quarantine.jsonl"]

    /// Writes `datasets/<name>/` from its finished steps: kept records of the last step, and every
    /// step's drops and quarantine entries, each file renamed into place when complete; then
    /// records the dataset's counts and file hashes in `work/<name>/assembled.json`.
    func assemble(_ dataset: DatasetPlan, _ works: [StepWork]) throws {
        var steps: [(work: StepWork, record: StepRecord)] = []
        for w in works {
            guard let r = finishedRecord(w, write: true) else {
                throw RunError(.stage, "dataset '\(dataset.name)': step \(w.index) (\(w.label)) is not finished")
            }
            steps.append((w, r))
        }
        let dir = engine.runDirectory + "/datasets/\(dataset.name)"
        var result = DatasetResult(fingerprint: works.last?.fingerprint ?? "")
        do {
            try FileSystem.createDirectory(dir)
            guard let last = steps.last else { return }
            try concatenate(
                (0..<last.record.batches).map { last.work.files.keptPath($0) }, to: dir + "/kept.jsonl.gz",
                gzip: true)
            var offset = 0
            for s in steps {
                for stage in s.work.step.stages { result.droppedOffsets[stage.id] = offset }
                for b in 0..<s.record.batches { offset += FileSystem.size(s.work.files.droppedPath(b)) ?? 0 }
            }
            // A batch's empty drop and quarantine files are not written (``PendingBatch``).
            try concatenate(
                steps.flatMap { s in (0..<s.record.batches).map { s.work.files.droppedPath($0) } },
                to: dir + "/dropped.jsonl.gz", gzip: true, missingIsEmpty: true)
            try concatenate(
                steps.flatMap { s in (0..<s.record.batches).map { s.work.files.quarantinePath($0) } },
                to: dir + "/quarantine.jsonl", gzip: false, missingIsEmpty: true)
            for name in Self.datasetFileNames {
                let path = dir + "/" + name
                result.files[name] = (FileSystem.size(path) ?? 0, try SHA256.hex(ofFile: path))
            }
        } catch {
            throw RunError(.io, error.description)
        }
        // Dataset totals: read by the first step; drops and quarantines of every step; kept by the last.
        var total = StepCounts()
        for (i, s) in steps.enumerated() {
            let c = s.record.counts
            if i == 0 { total.read = c.read }
            total.dropped += c.dropped
            total.quarantined += c.quarantined
            total.addStages(c)
            if let report = s.record.report, let id = s.work.step.stages.first?.id { result.reports[id] = report }
        }
        total.kept = steps.last?.record.counts.kept ?? 0
        total.records = steps.last?.record.counts.records ?? 0
        result.counts = total
        do { try result.write(runDirectory: engine.runDirectory, dataset: dataset.name) } catch {
            throw RunError(.io, error.description)
        }
        observer?(
            .datasetFinished(
                dataset: dataset.name, read: total.read, kept: total.kept, dropped: total.dropped,
                quarantined: total.quarantined, records: total.records))
    }

    /// Concatenates files (gzip members concatenate into a valid multi-member gzip file); with
    /// `missingIsEmpty`, a missing file adds nothing.
    func concatenate(_ paths: [String], to target: String, gzip: Bool, missingIsEmpty: Bool = false) throws(IOError) {
        let out = try AtomicFile(path: target)
        var wrote = false
        for p in paths {
            if missingIsEmpty && !FileSystem.exists(p) { continue }
            let reader = try RawFileReader(path: p)
            while let chunk = try reader.next() {
                try out.appendRawMember(chunk)
                wrote = true
            }
        }
        if gzip && !wrote { try out.appendRawMember(try GzipDeflater.compress([])) }
        try out.commit()
    }
}

/// One output batch of a global step: kept records in memory (at most `batch_size`), drops and
/// quarantine entries streamed to the batch's files as they come. Drops go out in chunks of about
/// a megabyte (deflate's output does not depend on how its input is cut); with `background`, each
/// chunk is compressed and written by a task of its own while the stage goes on (one at a time,
/// in order).
struct GlobalBatchWriter {
    let files: BatchFiles
    let index: Int
    let background: Bool
    private var kept = BatchOutput()
    private var dropped: AtomicFile?
    private var droppedChunk: [UInt8] = []
    private var writing: Task<Void, any Error>?
    private var quarantine: AtomicFile?
    /// Counts so far.
    var counts: StepCounts { kept.counts }
    /// True when nothing was added.
    var isEmpty: Bool { counts.records == 0 && dropped == nil && quarantine == nil }

    init(files: BatchFiles, index: Int, background: Bool) {
        self.files = files
        self.index = index
        self.background = background
    }

    /// Adds one output of the stage.
    mutating func add(_ output: StageOutput, stage: String) async throws {
        var one = BatchOutput()
        switch output {
        case .kept(let r):
            RecordLines.append(r.passing(stage), to: &kept.kept)
            countKept(origins: r.lineage.origins.count, stage: stage)
        case .dropped(let r, let reason):
            BatchProcessor.appendDropped(r, stage: stage, reason: reason, to: &one)
            try await addDrops(one)
        case .quarantined(let r, let error):
            BatchProcessor.appendQuarantined(r, stage: stage, error: error, to: &one)
            if quarantine == nil { quarantine = try AtomicFile(path: files.quarantinePath(index)) }
            try quarantine?.write(one.quarantine)
            kept.counts.quarantined += one.counts.quarantined
            kept.counts.addStages(one.counts)
        }
    }

    private mutating func countKept(origins: Int, stage: String) {
        kept.counts.kept += max(1, origins)
        kept.counts.records += 1
        kept.counts.stage(stage, "kept")
    }

    /// Takes one drop line and its counts: the line goes to the batch's drop file in chunks.
    private mutating func addDrops(_ one: BatchOutput) async throws {
        if dropped == nil { dropped = try AtomicFile(path: files.droppedPath(index), gzip: true, level: BatchFiles.droppedLevel) }
        droppedChunk.append(contentsOf: one.dropped)
        if droppedChunk.count >= 1 << 20 { try await flushDropped() }
        kept.counts.dropped += one.counts.dropped
        kept.counts.addStages(one.counts)
    }

    /// Hands the drops gathered so far to the file (after the previous chunk is written).
    private mutating func flushDropped() async throws {
        guard let file = dropped, !droppedChunk.isEmpty else { return }
        let chunk = droppedChunk
        droppedChunk = []
        if let previous = writing { try await previous.value }
        writing = nil
        if background {
            let box = UncheckedFile(file: file)
            writing = Task { try box.file.write(chunk) }
        } else {
            try file.write(chunk)
        }
    }

    /// Writes the batch's files into their temporary places; committing them (``PendingBatch``)
    /// writes its completion record.
    mutating func finish() async throws -> PendingBatch {
        try await flushDropped()
        if let previous = writing { try await previous.value }
        writing = nil
        let keptFile = try files.prepareKept(index, kept.kept)
        try dropped?.finish()
        try quarantine?.finish()
        return PendingBatch(
            files: files, batch: index, counts: kept.counts, kept: keptFile, dropped: dropped, quarantine: quarantine)
    }
}

/// A file used by one task at a time (the writer awaits each chunk's task before the next).
private struct UncheckedFile: @unchecked Sendable {
    let file: AtomicFile
}
