public import JupiterCore

/// One model's figures on one task.
public struct TaskResult: Sendable, Hashable {
    /// The model's name.
    public var model: String
    /// The task's name.
    public var task: String
    /// Each metric's figure (points, 0–100) over the scored items, in the task's metric order.
    public var metrics: [Metric]
    /// The figures, `values[i]` for `metrics[i]`.
    public var values: [Double]
    /// Items in the task's slice.
    public var items: Int
    /// Items scored.
    public var scored: Int
    /// Items whose requests failed after every retry (transport failures).
    public var transportErrors: Int
    /// Items the server rejected or whose answer could not be used.
    public var rejected: Int
    /// Lines of the task file set aside (with file and line).
    public var quarantined: [QuarantinedLine]
    /// Summed token counts.
    public var tokens: ItemRecord.Tokens

    /// Creates a result.
    public init(
        model: String, task: String, metrics: [Metric], values: [Double], items: Int, scored: Int,
        transportErrors: Int, rejected: Int, quarantined: [QuarantinedLine], tokens: ItemRecord.Tokens
    ) {
        self.model = model
        self.task = task
        self.metrics = metrics
        self.values = values
        self.items = items
        self.scored = scored
        self.transportErrors = transportErrors
        self.rejected = rejected
        self.quarantined = quarantined
        self.tokens = tokens
    }

    /// A metric's figure.
    public func value(_ metric: String) -> Double? { metrics.firstIndex { $0.name == metric }.map { values[$0] } }

    /// The result of a model's records on a task.
    public init(model: String, task: String, metrics: [Metric], records: [ItemRecord], quarantined: [QuarantinedLine]) {
        let scored = records.filter(\.isScored)
        var tokens = ItemRecord.Tokens()
        for r in records {
            tokens.prompt += r.tokens.prompt
            tokens.completion += r.tokens.completion
            tokens.reasoning += r.tokens.reasoning
            tokens.reasoningEstimated = tokens.reasoningEstimated || r.tokens.reasoningEstimated
        }
        self.init(
            model: model, task: task, metrics: metrics,
            values: metrics.map { m in m.value(scored.map { $0.stats(m.name) ?? [] }) },
            items: records.count, scored: scored.count,
            transportErrors: records.filter { $0.error?.kind == .transport }.count,
            rejected: records.filter { $0.error?.kind == .rejected }.count, quarantined: quarantined, tokens: tokens)
    }

    var json: JSONValue {
        var m = JSONObject()
        for (metric, v) in zip(metrics, values) { m[metric.name] = .double(v) }
        var tokensObject: JSONObject = [
            "prompt": .int(tokens.prompt), "completion": .int(tokens.completion),
            "reasoning": .int(tokens.reasoning)
        ]
        if tokens.reasoningEstimated { tokensObject["reasoning_estimated"] = .bool(true) }
        return .object([
            "metrics": .object(m), "items": .int(items), "scored": .int(scored), "transport_errors": .int(transportErrors),
            "rejected": .int(rejected), "quarantined": .int(quarantined.count),
            "quarantine": .array(
                quarantined.map {
                    .object(["file": .string($0.file), "line": .int($0.line), "error": .string($0.error)])
                }),
            "tokens": .object(tokensObject)
        ])
    }
}

/// The evaluation's `results.json`: settings, per model and task the figures and counts, the
/// comparisons, and (apart, as in a run manifest) the timings. Everything but `timings` is a
/// pure function of the settings, the task files and the models' answers.
///
/// ```json
/// {"jupiter":"0.1.0",
///  "settings":{"models":{"base":{…}},"tasks":{"gsm8k":{"kind","role","file","sha256","limit","options",
///              "generation","metrics","primary_metric"}},"seeds":{…},"comparison":{…}},
///  "results":{"base":{"gsm8k":{"metrics":{…},"items","scored","transport_errors","rejected","quarantined",
///             "quarantine":[…],"tokens":{…}}}},
///  "comparisons":[{"base","tuned","margin","resamples","level","seed","tasks":[…]}],
///  "timings":{…}}
/// ```
public struct EvalResults: Sendable {
    /// The version written.
    public static let version = "0.1.0"
    /// Models, tasks, seeds and comparison settings, as JSON.
    public var settings: JSONObject
    /// Per model and task, in model then task order.
    public var results: [TaskResult]
    /// Base against each other model (empty with one model, or when read back).
    public var comparisons: [ModelComparison]
    /// Wall time and model usage of this execution.
    public var timings: JSONObject

    /// Creates results.
    public init(settings: JSONObject, results: [TaskResult], comparisons: [ModelComparison], timings: JSONObject = JSONObject()) {
        self.settings = settings
        self.results = results
        self.comparisons = comparisons
        self.timings = timings
    }

    /// The models, in order.
    public var models: [String] { settings["models"]?.objectValue?.keys ?? [] }

    /// A task's settings.
    public func taskSettings(_ task: String) -> JSONValue? { settings["tasks"]?[task] }

    /// A task as the comparison needs it, from the settings.
    public func comparedTask(_ task: String) -> ComparedTask? {
        guard let s = taskSettings(task), let role = s["role"]?.stringValue.flatMap(EvalRole.init),
            let metrics = s["metrics"]?.arrayValue?.compactMap(Metric.init(json:)), !metrics.isEmpty
        else { return nil }
        return ComparedTask(name: task, role: role, metrics: metrics, primary: s["primary_metric"]?.stringValue ?? metrics[0].name)
    }

    /// The result of a model on a task.
    public func result(model: String, task: String) -> TaskResult? { results.first { $0.model == model && $0.task == task } }

    /// The document.
    public var json: JSONValue {
        var byModel = JSONObject()
        for r in results {
            var o = byModel[r.model]?.objectValue ?? JSONObject()
            o[r.task] = r.json
            byModel[r.model] = .object(o)
        }
        return .object([
            "jupiter": .string(Self.version), "settings": .object(settings), "results": .object(byModel),
            "comparisons": .array(comparisons.map(\.json)), "timings": .object(timings)
        ])
    }

    /// Reads a document back (comparisons are not read: they are recomputed from the records).
    public init(json: JSONValue, file: String) throws(EvalError) {
        guard let settings = json["settings"]?.objectValue, let results = json["results"]?.objectValue else {
            throw EvalError(.badItem, "not a Jupiter evaluation results file (no settings or results)", file: file)
        }
        var out: [TaskResult] = []
        for m in results {
            for t in m.value.objectValue ?? JSONObject() {
                let taskMetrics = settings["tasks"]?[t.key]?["metrics"]?.arrayValue?.compactMap(Metric.init(json:)) ?? []
                let r = t.value
                let quarantine: [QuarantinedLine] = (r["quarantine"]?.arrayValue ?? []).map {
                    QuarantinedLine(
                        file: $0["file"]?.stringValue ?? "", line: $0["line"]?.intValue ?? 0,
                        error: $0["error"]?.stringValue ?? "", raw: "")
                }
                out.append(
                    TaskResult(
                        model: m.key, task: t.key, metrics: taskMetrics,
                        values: taskMetrics.map { r["metrics"]?[$0.name]?.doubleValue ?? 0 }, items: r["items"]?.intValue ?? 0,
                        scored: r["scored"]?.intValue ?? 0, transportErrors: r["transport_errors"]?.intValue ?? 0,
                        rejected: r["rejected"]?.intValue ?? 0, quarantined: quarantine,
                        tokens: ItemRecord.Tokens(
                            prompt: r["tokens"]?["prompt"]?.intValue ?? 0,
                            completion: r["tokens"]?["completion"]?.intValue ?? 0,
                            reasoning: r["tokens"]?["reasoning"]?.intValue ?? 0,
                            reasoningEstimated: r["tokens"]?["reasoning_estimated"]?.boolValue ?? false)))
            }
        }
        self.init(settings: settings, results: out, comparisons: [], timings: json["timings"]?.objectValue ?? JSONObject())
    }
}
