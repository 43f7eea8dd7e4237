import JupiterCore

extension PairedComparison {
    /// Paired bootstrap of any ``Metric`` (means, ratios, corpus BLEU/chrF): each resample draws
    /// `n` item indices with replacement — the same indices for both models, drawn exactly as
    /// ``bootstrap(a:b:resamples:level:seed:)`` draws them — sums each model's item statistics over
    /// them and takes `metric(b) − metric(a)`. For 0/1 scores it gives that function's interval
    /// (in points rather than fractions). `a[i]` and `b[i]` are the two models' statistics on item `i`.
    public static func bootstrap(
        metric: Metric, a: [[Double]], b: [[Double]], resamples: Int = 10_000,
        level: Double = 0.95, seed: UInt64 = 0
    ) throws(EvalError) -> Interval {
        guard a.count == b.count, !a.isEmpty else {
            throw EvalError(.badOption, "paired bootstrap needs two equally long, non-empty statistic lists (\(a.count) and \(b.count))")
        }
        guard resamples >= 1, level > 0, level < 1 else { throw EvalError(.badOption, "bad bootstrap settings") }
        let n = a.count
        let width = max(a.map(\.count).max() ?? 0, b.map(\.count).max() ?? 0)
        let pa = a.map { $0 + [Double](repeating: 0, count: width - $0.count) }
        let pb = b.map { $0 + [Double](repeating: 0, count: width - $0.count) }
        var rng = SeededRandom(seed: seed)
        let bound = UInt64(n)
        let limit = UInt64.max - UInt64.max % bound
        var diffs = [Double](repeating: 0, count: resamples)
        var sumA = [Double](repeating: 0, count: width), sumB = sumA
        for r in 0..<resamples {
            for k in 0..<width { sumA[k] = 0; sumB[k] = 0 }
            for _ in 0..<n {
                var x = rng.next()
                while x >= limit { x = rng.next() }
                let i = Int(x % bound)
                for k in 0..<width {
                    sumA[k] += pa[i][k]
                    sumB[k] += pb[i][k]
                }
            }
            diffs[r] = metric.value(sum: sumB, count: n) - metric.value(sum: sumA, count: n)
        }
        diffs.sort()
        let observed = metric.value(pb) - metric.value(pa)
        return Interval(
            difference: observed, lower: percentile(diffs, (1 - level) / 2),
            upper: percentile(diffs, (1 + level) / 2), level: level, resamples: resamples)
    }
}
