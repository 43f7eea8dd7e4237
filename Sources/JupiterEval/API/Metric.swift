public import JupiterCore

/// A task metric: how per-item statistics become the task's figure, in points (0–100).
///
/// Every item carries, per metric, a small vector of statistics; the task's figure is a function
/// of their sum over the items (``value(sum:count:)``). That makes the corpus metrics (BLEU, chrF,
/// instruction-level accuracy) resampleable item by item for the paired bootstrap, exactly as
/// sacrebleu's paired bootstrap resamples sentence statistics.
public struct Metric: Sendable, Hashable {
    /// How the summed statistics become the figure.
    public enum Aggregate: String, Sendable, Hashable {
        /// `[score]` per item, 0/1 or any value: 100 × the mean (accuracy in percent).
        case mean
        /// `[numerator, denominator]` per item: 100 × Σnum / Σden (e.g. instruction-level accuracy).
        case ratio
        /// sacrebleu BLEU statistics per item: corpus BLEU (default settings).
        case bleu
        /// sacrebleu chrF statistics per item: corpus chrF (default settings).
        case chrf
    }

    /// The metric's name as lm-eval reports it (`acc`, `exact_match,strict-match`, `prompt_level_strict_acc`, …).
    public var name: String
    /// The aggregation.
    public var aggregate: Aggregate
    /// True when every item scores 0 or 1 (McNemar's test applies; flipped items are listed).
    public var binary: Bool

    /// Creates a metric.
    public init(_ name: String, _ aggregate: Aggregate, binary: Bool = false) {
        self.name = name
        self.aggregate = aggregate
        self.binary = binary
    }

    /// An accuracy: 0/1 per item, reported in percent.
    public static func accuracy(_ name: String) -> Metric { Metric(name, .mean, binary: true) }

    /// The figure of summed statistics over `count` items.
    public func value(sum: [Double], count: Int) -> Double {
        switch aggregate {
        case .mean: return count == 0 ? 0 : 100 * (sum.first ?? 0) / Double(count)
        case .ratio:
            let den = sum.count > 1 ? sum[1] : 0
            return den == 0 ? 0 : 100 * sum[0] / den
        case .bleu:
            let bleu = BLEU()
            return sum.count == 2 + 2 * bleu.maxOrder ? bleu.score(sum.map { Int($0) }) : 0
        case .chrf:
            let chrF = ChrF()
            return sum.count == 3 * chrF.order ? chrF.fScore(sum.map { Int($0) }) : 0
        }
    }

    /// The figure over items' statistics.
    public func value(_ stats: [[Double]]) -> Double {
        guard let width = stats.first?.count else { return value(sum: [], count: 0) }
        var sum = [Double](repeating: 0, count: width)
        for s in stats { for k in 0..<min(width, s.count) { sum[k] += s[k] } }
        return value(sum: sum, count: stats.count)
    }

    /// `{"name", "aggregate", "binary"}` (results.json).
    public var json: JSONValue {
        .object(["name": .string(name), "aggregate": .string(aggregate.rawValue), "binary": .bool(binary)])
    }

    /// Reads ``json`` back.
    public init?(json: JSONValue) {
        guard let name = json["name"]?.stringValue, let a = json["aggregate"]?.stringValue.flatMap(Aggregate.init) else { return nil }
        self.init(name, a, binary: json["binary"]?.boolValue ?? false)
    }
}
