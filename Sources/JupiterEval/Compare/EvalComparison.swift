public import JupiterCore

/// A task as the comparison needs it: its role and metrics.
public struct ComparedTask: Sendable, Hashable {
    /// The task's name.
    public var name: String
    /// Target (gain verdict) or retention (non-inferiority verdict).
    public var role: EvalRole
    /// Its metrics, in order.
    public var metrics: [Metric]
    /// The metric the verdict is given on.
    public var primary: String

    /// Creates a description.
    public init(name: String, role: EvalRole, metrics: [Metric], primary: String) {
        self.name = name
        self.role = role
        self.metrics = metrics
        self.primary = primary
    }
}

/// What the comparison concludes for one task.
public enum Verdict: String, Sendable, Hashable {
    /// Target task: the whole interval is above zero.
    case gain
    /// Target task: the whole interval is below zero.
    case loss
    /// Target task: the interval contains zero.
    case noClearChange = "no-clear-change"
    /// Retention task: the interval's lower end is at or above −margin (non-inferior).
    case retained
    /// Retention task: the whole interval is below −margin.
    case lost
    /// Retention task: the interval straddles −margin, so retention is not shown (more items needed).
    case inconclusive
    /// No item could be paired.
    case noData = "no-data"
}

/// One metric of a task, base against tuned, on the paired items.
public struct MetricComparison: Sendable, Hashable {
    /// The metric.
    public var metric: Metric
    /// Base model's figure on the paired items.
    public var base: Double
    /// Tuned model's figure on the paired items.
    public var tuned: Double
    /// `tuned − base` with its paired-bootstrap interval.
    public var interval: PairedComparison.Interval
    /// Exact McNemar p-value (0/1 metrics only).
    public var pValue: Double?
    /// Items only the base model got right (0/1 metrics).
    public var baseOnly: Int
    /// Items only the tuned model got right (0/1 metrics).
    public var tunedOnly: Int
}

/// An item the two models disagree on (the base right and the tuned wrong, or the other way).
public struct FlippedItem: Sendable, Hashable {
    /// The item's id.
    public var id: String
    /// Its line (in the tuned run's task file).
    public var line: Int
    /// What was sent to the tuned model.
    public var prompt: JSONValue
    /// The base model's answer and what was extracted from it.
    public var base: (response: String?, extracted: String?)
    /// The tuned model's answer and what was extracted from it.
    public var tuned: (response: String?, extracted: String?)

    public static func == (a: FlippedItem, b: FlippedItem) -> Bool { a.json == b.json }
    public func hash(into h: inout Hasher) { h.combine(json) }

    var json: JSONValue {
        func s(_ x: String?) -> JSONValue { x.map { .string($0) } ?? .null }
        return .object([
            "item": .string(id), "line": .int(line), "prompt": prompt,
            "base": .object(["response": s(base.response), "extracted": s(base.extracted)]),
            "tuned": .object(["response": s(tuned.response), "extracted": s(tuned.extracted)])
        ])
    }
}

/// One task, base against tuned.
public struct TaskComparison: Sendable, Hashable {
    /// The task.
    public var task: ComparedTask
    /// Items scored for both models (every figure of this comparison is on them).
    public var items: Int
    /// Items present for both whose request failed for either model (not compared).
    public var excluded: Int
    /// Items present for only one of the models.
    public var unpaired: Int
    /// Each metric, the primary first.
    public var metrics: [MetricComparison]
    /// The verdict on the primary metric.
    public var verdict: Verdict
    /// Examples the base got right and the tuned wrong (primary metric, 0/1 only).
    public var lost: [FlippedItem]
    /// Examples the tuned got right and the base wrong.
    public var won: [FlippedItem]

    /// The primary metric's comparison.
    public var primary: MetricComparison? { metrics.first { $0.metric.name == task.primary } }
}

/// Base against tuned over every task both were evaluated on.
public struct ModelComparison: Sendable, Hashable {
    /// The base model's name.
    public var base: String
    /// The tuned model's name.
    public var tuned: String
    /// How it was computed.
    public var settings: ComparisonSettings
    /// Per task.
    public var tasks: [TaskComparison]
}

/// Paired comparison of two models' item records.
public enum EvalComparison {
    /// Compares one task: pairs the records by content hash (the k-th occurrence of a hash with
    /// the k-th), keeps items scored for both, and computes every metric's paired-bootstrap
    /// interval (seeded per task and metric from `settings.seed`), McNemar's exact test for 0/1
    /// metrics, the verdict on the primary metric and example flipped items.
    public static func compare(
        _ task: ComparedTask, base: [ItemRecord], tuned: [ItemRecord],
        settings: ComparisonSettings
    ) throws(EvalError) -> TaskComparison {
        var byHash: [String: [ItemRecord]] = [:]
        for r in base { byHash[r.hash, default: []].append(r) }
        var pairs: [(ItemRecord, ItemRecord)] = []
        var excluded = 0, unpaired = 0
        for t in tuned {
            guard var list = byHash[t.hash], !list.isEmpty else { unpaired += 1; continue }
            let b = list.removeFirst()
            byHash[t.hash] = list
            if b.isScored && t.isScored { pairs.append((b, t)) } else { excluded += 1 }
        }
        unpaired += byHash.values.reduce(0) { $0 + $1.count }
        guard !pairs.isEmpty else {
            return TaskComparison(
                task: task, items: 0, excluded: excluded, unpaired: unpaired, metrics: [], verdict: .noData,
                lost: [], won: [])
        }
        let ordered = [task.primary] + task.metrics.map(\.name).filter { $0 != task.primary }
        var metrics: [MetricComparison] = []
        for name in ordered {
            guard let metric = task.metrics.first(where: { $0.name == name }) else { continue }
            let a = pairs.map { $0.0.stats(name) ?? [] }, b = pairs.map { $0.1.stats(name) ?? [] }
            let seed = StableHash.fnv1a64(seed: settings.seed, ["paired-bootstrap", task.name, name])
            let interval = try PairedComparison.bootstrap(
                metric: metric, a: a, b: b, resamples: settings.resamples,
                level: settings.level, seed: seed)
            var baseOnly = 0, tunedOnly = 0
            var p: Double?
            if metric.binary {
                for (x, y) in zip(a, b) {
                    let bx = (x.first ?? 0) == 1, by = (y.first ?? 0) == 1
                    if bx && !by { baseOnly += 1 } else if by && !bx { tunedOnly += 1 }
                }
                p = PairedComparison.mcNemarExact(onlyA: baseOnly, onlyB: tunedOnly)
            }
            metrics.append(
                MetricComparison(
                    metric: metric, base: metric.value(a), tuned: metric.value(b), interval: interval,
                    pValue: p, baseOnly: baseOnly, tunedOnly: tunedOnly))
        }
        let verdict = metrics.first.map { verdictFor(task.role, $0.interval, margin: settings.margin) } ?? .noData
        var lost: [FlippedItem] = [], won: [FlippedItem] = []
        if let primary = metrics.first, primary.metric.binary {
            for (b, t) in pairs {
                let rb = (b.stats(task.primary)?.first ?? 0) == 1, rt = (t.stats(task.primary)?.first ?? 0) == 1
                guard rb != rt else { continue }
                let flip = FlippedItem(
                    id: t.id, line: t.line, prompt: t.prompt, base: (b.response, b.extracted),
                    tuned: (t.response, t.extracted))
                if rb, lost.count < settings.examples { lost.append(flip) }
                if rt, won.count < settings.examples { won.append(flip) }
            }
        }
        return TaskComparison(
            task: task, items: pairs.count, excluded: excluded, unpaired: unpaired, metrics: metrics,
            verdict: verdict, lost: lost, won: won)
    }

    /// The verdict of an interval for a task's role.
    public static func verdictFor(_ role: EvalRole, _ interval: PairedComparison.Interval, margin: Double) -> Verdict {
        switch role {
        case .target:
            if PairedComparison.isGain(interval) { return .gain }
            return interval.upper < 0 ? .loss : .noClearChange
        case .retention:
            if PairedComparison.isRetained(interval, margin: margin) { return .retained }
            return interval.upper < -margin ? .lost : .inconclusive
        }
    }
}

extension ModelComparison {
    /// The comparison as written in results.json (`comparisons[]`).
    public var json: JSONValue {
        .object([
            "base": .string(base), "tuned": .string(tuned), "margin": .double(settings.margin),
            "resamples": .int(settings.resamples), "level": .double(settings.level), "seed": .string(String(settings.seed)),
            "tasks": .array(tasks.map(\.json))
        ])
    }
}

extension TaskComparison {
    var json: JSONValue {
        .object([
            "task": .string(task.name), "role": .string(task.role.rawValue), "metric": .string(task.primary),
            "verdict": .string(verdict.rawValue), "items": .int(items), "excluded": .int(excluded), "unpaired": .int(unpaired),
            "metrics": .array(
                metrics.map { m in
                    .object([
                        "name": .string(m.metric.name), "binary": .bool(m.metric.binary), "base": .double(m.base),
                        "tuned": .double(m.tuned), "difference": .double(m.interval.difference), "lower": .double(m.interval.lower),
                        "upper": .double(m.interval.upper), "p_value": m.pValue.map(JSONValue.double) ?? .null,
                        "base_only": .int(m.baseOnly), "tuned_only": .int(m.tunedOnly)
                    ])
                }),
            "flips": .object(["lost": .array(lost.map(\.json)), "won": .array(won.map(\.json))])
        ])
    }
}
