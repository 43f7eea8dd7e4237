public import JupiterCore

/// Runs an evaluation: every model on every task, through a ``ModelClient`` (so the run's
/// response cache, retries, limits and accounting apply to every request), and writes
///
/// - `<directory>/<model>/<task>.jsonl`: one ``ItemRecord`` per item, in file order;
/// - `<directory>/results.json`: ``EvalResults`` (figures, counts, settings, comparisons).
///
/// Requests go out concurrently (``EvalSpec/concurrency`` at once, each model's own in-flight
/// limit applying too). Twice as many items are under way as requests may be in flight, held to
/// the limit only while they are on the wire (``ModelClient/limitingRequests(to:)``): when an
/// answer comes back, the next item's request, already built and looked up in the cache, takes
/// its place at once instead of after the answer is stored and scored. The runner keeps no state
/// of its own: the client's response cache makes a rerun — also after `kill -9` — re-ask nothing
/// that was answered, and rewrites the same files.
///
/// Failures: a request that fails for transport reasons after every retry
/// (``LLMError/isTransportFailure``) is never scored. The runner finishes every other item, writes
/// the JSONL files (the failed items with their `error`), and throws ``EvalError`` `.modelFailed`
/// (no results.json) so a rerun sends only those requests — unless ``EvalSpec/allowErrors``, when
/// the results count them as errors, apart from wrong answers. A request the server rejects is
/// recorded as `rejected` and counted the same way, without stopping the run.
public struct EvalRunner: Sendable {
    /// The model client.
    public let client: any ModelClient
    /// What to evaluate.
    public let spec: EvalSpec
    /// Where the files go (a run's `eval/` folder).
    public let directory: String
    /// Receives (items done, items in all) as answers arrive.
    public var progress: (@Sendable (Int, Int) -> Void)?
    /// Model usage for results.json's `timings` (the service's accounting).
    public var usage: (@Sendable () async -> JSONValue)?

    /// Creates a runner.
    public init(
        client: any ModelClient, spec: EvalSpec, directory: String, progress: (@Sendable (Int, Int) -> Void)? = nil,
        usage: (@Sendable () async -> JSONValue)? = nil
    ) {
        self.client = client
        self.spec = spec
        self.directory = directory
        self.progress = progress
        self.usage = usage
    }

    /// The path of a model's records on a task.
    public static func recordsPath(directory: String, model: String, task: String) -> String {
        "\(directory)/\(model)/\(task).jsonl"
    }

    /// Runs the evaluation; see the type's documentation for what is written and thrown.
    public func run() async throws(EvalError) -> EvalResults {
        let started = ContinuousClock.now
        try check()
        var tasks: [any LoadedTask] = []
        for t in spec.tasks { tasks.append(try TaskLoader.load(t, seeds: spec.seeds, detector: spec.languageDetector)) }
        try await probe(tasks)

        // Every (model, task, item), answered concurrently, consumed in order.
        struct Job: Sendable { var model: Int; var task: Int; var item: Int }
        var jobs: [Job] = []
        for m in spec.models.indices {
            for t in tasks.indices { for i in 0..<tasks[t].items.ids.count { jobs.append(Job(model: m, task: t, item: i)) } }
        }
        var records = [[[ItemRecord]]](repeating: [[ItemRecord]](repeating: [], count: tasks.count), count: spec.models.count)
        let total = jobs.count
        var done = 0
        let models = spec.models, seed = spec.seeds.generation, progress = self.progress
        let client = self.client.limitingRequests(to: spec.concurrency)
        do {
            try await OrderedTasks.run(
                limit: 2 * spec.concurrency,
                consume: { (job: Job, record: ItemRecord) in
                    records[job.model][job.task].append(record)
                    done += 1
                    progress?(done, total)
                }
            ) { submit in
                for job in jobs {
                    let task = tasks[job.task]
                    try await submit { (job, try await Self.answer(task, job.item, model: models[job.model], seed: seed, client: client)) }
                }
            }
        } catch {
            throw EvalError(.interrupted, "the evaluation was interrupted; answers received are kept, rerun to finish")
        }

        // Records, then the results (or the failure that asks for a rerun).
        for (m, model) in spec.models.enumerated() {
            for (t, task) in tasks.enumerated() {
                try Self.write(records[m][t], to: Self.recordsPath(directory: directory, model: model.name, task: task.spec.name))
            }
        }
        let failed = records.joined().joined().filter { $0.error?.kind == .transport }
        if !failed.isEmpty && !spec.allowErrors {
            FileSystem.remove(directory + "/results.json")
            throw EvalError(
                .modelFailed,
                "\(failed.count) request(s) failed after every retry (first: model '\(failed[0].model)', "
                    + "task '\(failed[0].task)', \(failed[0].id): \(failed[0].error?.message ?? "")); every other item was "
                    + "evaluated and recorded under \(directory)/. Rerun to send only the failed requests, or pass "
                    + "--allow-errors to report them as errors")
        }
        var results: [TaskResult] = []
        for (m, model) in spec.models.enumerated() {
            for (t, task) in tasks.enumerated() {
                results.append(
                    TaskResult(
                        model: model.name, task: task.spec.name, metrics: task.metrics, records: records[m][t],
                        quarantined: task.items.quarantined))
            }
        }
        var comparisons: [ModelComparison] = []
        if let baseName = spec.baselineName, let b = spec.models.firstIndex(where: { $0.name == baseName }) {
            for (m, model) in spec.models.enumerated() where m != b {
                var compared: [TaskComparison] = []
                for (t, task) in tasks.enumerated() {
                    let info = ComparedTask(name: task.spec.name, role: task.spec.role, metrics: task.metrics, primary: task.primary.name)
                    compared.append(try EvalComparison.compare(info, base: records[b][t], tuned: records[m][t], settings: spec.comparison))
                }
                comparisons.append(ModelComparison(base: baseName, tuned: model.name, settings: spec.comparison, tasks: compared))
            }
        }
        let elapsed = started.duration(to: .now)
        var timings: JSONObject = [
            "wall_seconds": .double(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18),
            "requests_items": .int(total)
        ]
        if let usage { timings["models"] = await usage() }
        let out = EvalResults(settings: settingsJSON(tasks), results: results, comparisons: comparisons, timings: timings)
        do {
            try AtomicFile.write(Array(JSONWriter.pretty(out.json).utf8), to: directory + "/results.json")
        } catch {
            throw EvalError(.io, "cannot write \(directory)/results.json: \(error)")
        }
        return out
    }

    /// Names unique and safe, models known to the client, reasoning possible.
    func check() throws(EvalError) {
        var seen = Set<String>()
        for m in spec.models {
            guard seen.insert(m.name).inserted else { throw EvalError(.badOption, "model name '\(m.name)' is used twice") }
            guard let info = client.model(named: m.model) else {
                throw EvalError(
                    .badOption,
                    "model '\(m.name)': no model '\(m.model)' is declared (declared: "
                        + client.declaredModels.map(\.name).joined(separator: ", ") + ")")
            }
            if m.reasoning == .on && info.reasoning == .never {
                throw EvalError(.badOption, "model '\(m.name)': reasoning on was asked, but '\(m.model)' is declared reasoning: never")
            }
            if m.reasoning == .off && info.reasoning == .always {
                throw EvalError(.badOption, "model '\(m.name)': reasoning off was asked, but '\(m.model)' is declared reasoning: always")
            }
        }
        seen = []
        for t in spec.tasks where !seen.insert(t.name).inserted {
            throw EvalError(.badOption, "task name '\(t.name)' is used twice")
        }
        guard !spec.models.isEmpty, !spec.tasks.isEmpty else { throw EvalError(.badOption, "an evaluation needs models and tasks") }
    }

    /// Refuses, before anything is scored, a server whose prompt log-probabilities a
    /// log-likelihood task cannot use (``LogprobProbe``).
    func probe(_ tasks: [any LoadedTask]) async throws(EvalError) {
        guard let task = tasks.first(where: { if case .multipleChoice = $0.spec.kind { return true } else { return false } })
        else { return }
        var probed = Set<String>()
        for m in spec.models where probed.insert(m.model).inserted {
            let server = client.model(named: m.model)?.identity ?? m.model
            let verdict: LogprobProbe.Verdict
            do {
                verdict = LogprobProbe.judge(try await client.complete(m.model, LogprobProbe.request))
            } catch {
                if error.kind == .cancelled { throw EvalError(.interrupted, "interrupted") }
                if error.isTransportFailure {
                    throw EvalError(
                        .modelFailed,
                        "task '\(task.spec.name)': the log-probability probe of model '\(m.model)' "
                            + "(\(server)) failed: \(error)")
                }
                verdict = .missing
            }
            guard verdict == .aligned else {
                throw EvalError(
                    .modelCapability,
                    "task '\(task.spec.name)' scores choices by log-likelihood, but model '\(m.model)' "
                        + "(\(server)) cannot give them: \(verdict.explanation). Nothing was scored. Use a server with "
                        + "aligned prompt log-probabilities (vLLM, SGLang), or score the task by generation "
                        + "(kind: openai-evals, scoring: mcq-letter)")
            }
        }
    }

    /// Asks one item and scores it; only cancellation is thrown.
    static func answer(_ task: any LoadedTask, _ i: Int, model: EvalModelSpec, seed: Int, client: any ModelClient)
        async throws -> ItemRecord
    {
        var record = ItemRecord(
            task: task.spec.name, model: model.name, id: task.items.ids[i], line: task.items.lines[i],
            hash: task.items.hashes[i], prompt: task.prompt(i, model: model))
        do throws(LLMError) {
            let answer: TaskAnswer
            switch task.request(i, model: model, seed: seed) {
            case .chat(let request):
                let r = try await client.chat(model.model, request)
                let choice = r.choices[0]
                let s = ScorableResponse(content: choice.message.content, reasoningContent: choice.message.reasoning)
                record.response = s.answer
                record.reasoning = s.reasoning
                record.finish = choice.finishReason.rawValue
                record.tokens = tokens(r.usage, raw: r.raw, reasoning: s.reasoningLength, answer: s.answer.unicodeScalars.count)
                answer = .text(s.answer)
            case .choices(let requests):
                var responses: [CompletionResponse] = []
                for request in requests { responses.append(try await client.complete(model.model, request)) }
                record.tokens.prompt = responses.reduce(0) { $0 + $1.usage.promptTokens }
                record.tokens.completion = responses.reduce(0) { $0 + $1.usage.completionTokens }
                answer = .choices(responses)
            }
            do {
                let scoring = try task.score(i, answer, model: model)
                record.extracted = scoring.extracted
                record.stats = zip(task.metrics, scoring.stats).map { (metric: $0.name, values: $1) }
                record.detail = scoring.detail
                if let s = record.stats(task.primary.name) {
                    record.score = task.primary.aggregate == .mean ? s.first : task.primary.value([s])
                }
            } catch {
                record.error = ItemRecord.Failure(.rejected, "scoring failed: \(error)")
            }
        } catch {
            if error.kind == .cancelled { throw CancellationError() }
            record.error = ItemRecord.Failure(error.isTransportFailure ? .transport : .rejected, error.description)
        }
        return record
    }

    /// Token counts of a chat answer; reasoning tokens from the server, else estimated by length.
    static func tokens(_ usage: Usage, raw: JSONValue, reasoning: Int, answer: Int) -> ItemRecord.Tokens {
        var t = ItemRecord.Tokens(prompt: usage.promptTokens, completion: usage.completionTokens)
        if let r = raw["usage"]?["completion_tokens_details"]?["reasoning_tokens"]?.intValue {
            t.reasoning = r
        } else if reasoning > 0 {
            t.reasoning = Int((Double(usage.completionTokens) * Double(reasoning) / Double(reasoning + answer)).rounded())
            t.reasoningEstimated = true
        }
        return t
    }

    static func write(_ records: [ItemRecord], to path: String) throws(EvalError) {
        var bytes: [UInt8] = []
        for r in records {
            JSONWriter.write(r.json, into: &bytes)
            bytes.append(0x0A)
        }
        do {
            try FileSystem.createDirectory(FileSystem.parent(of: path))
            try AtomicFile.write(bytes, to: path)
        } catch {
            throw EvalError(.io, "cannot write \(path): \(error)")
        }
    }

    /// Reads a model's records on a task back.
    public static func readRecords(_ path: String) throws(EvalError) -> [ItemRecord] {
        let reader: LineReader
        do { reader = try LineReader(path: path) } catch { throw EvalError(.io, "cannot read \(path): \(error)") }
        var out: [ItemRecord] = []
        while true {
            let line: Line
            do {
                guard let l = try reader.next() else { break }
                line = l
            } catch {
                throw EvalError(.io, "reading failed: \(error)", file: path)
            }
            if line.bytes.isEmpty { continue }
            do { out.append(try ItemRecord(json: try JSONParser.parse(line.bytes))) } catch let e as EvalError {
                throw EvalError(.badItem, e.message, file: path, line: line.number)
            } catch {
                throw EvalError(.badItem, "not JSON: \(error)", file: path, line: line.number)
            }
        }
        return out
    }

    func settingsJSON(_ tasks: [any LoadedTask]) -> JSONObject {
        var models = JSONObject()
        for m in spec.models {
            let info = client.model(named: m.model)
            models[m.name] = .object([
                "model": .string(m.model), "served": info.map { JSONValue.string($0.servedModel) } ?? .null,
                "identity": info.map { JSONValue.string($0.identity) } ?? .null,
                "system_prompt": m.systemPrompt.map { JSONValue.string($0) } ?? .null,
                "reasoning": m.reasoning.map { JSONValue.string($0.rawValue) } ?? .null
            ])
        }
        var taskSettings = JSONObject()
        for t in tasks { taskSettings[t.spec.name] = t.settingsJSON }
        let c = spec.comparison
        return [
            "models": .object(models), "tasks": .object(taskSettings),
            "seeds": .object(["generation": .int(spec.seeds.generation), "fewshot": .number(String(spec.seeds.fewShot))]),
            "comparison": .object([
                "baseline": spec.baselineName.map { JSONValue.string($0) } ?? .null, "margin": .double(c.margin),
                "resamples": .int(c.resamples), "level": .double(c.level), "seed": .number(String(c.seed)),
                "examples": .int(c.examples)
            ])
        ]
    }
}
