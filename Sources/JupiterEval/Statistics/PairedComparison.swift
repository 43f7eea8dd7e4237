import JupiterCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Paired comparison of two models on the same items (base vs tuned): a bootstrap interval for
/// the difference of means, the exact McNemar test for 0/1 scores, and the gain and retention
/// (non-inferiority) verdicts the report uses.
public enum PairedComparison {
    /// A percentile bootstrap interval for `mean(b) − mean(a)`.
    public struct Interval: Sendable, Hashable {
        /// The observed difference of means (b − a).
        public var difference: Double
        /// Lower end of the interval.
        public var lower: Double
        /// Upper end.
        public var upper: Double
        /// Confidence level (0.95).
        public var level: Double
        /// Resamples drawn.
        public var resamples: Int
    }

    /// Paired bootstrap over items: each resample draws `n` item indices with replacement (the
    /// same indices for both models), computes `mean(b) − mean(a)`; the interval is the
    /// `(1−level)/2` and `(1+level)/2` percentiles of the sorted differences (nearest rank, linear
    /// interpolation as NumPy's default). Deterministic: Jupiter's ``SeededRandom`` with `seed`.
    /// `a[i]` and `b[i]` are the two models' scores on item `i` (0/1 or any per-item score).
    public static func bootstrap(
        a: [Double], b: [Double], resamples: Int = 10_000, level: Double = 0.95,
        seed: UInt64 = 0
    ) throws(EvalError) -> Interval {
        guard a.count == b.count, !a.isEmpty else {
            throw EvalError(.badOption, "paired bootstrap needs two equally long, non-empty score lists (\(a.count) and \(b.count))")
        }
        guard resamples >= 1, level > 0, level < 1 else { throw EvalError(.badOption, "bad bootstrap settings") }
        let n = a.count
        let d = zip(b, a).map { $0 - $1 }
        var rng = SeededRandom(seed: seed)
        var diffs = [Double](repeating: 0, count: resamples)
        let bound = UInt64(n)
        for r in 0..<resamples {
            var sum = 0.0
            for _ in 0..<n {
                // Rejection sampling for an unbiased index.
                var x = rng.next()
                let limit = UInt64.max - UInt64.max % bound
                while x >= limit { x = rng.next() }
                sum += d[Int(x % bound)]
            }
            diffs[r] = sum / Double(n)
        }
        diffs.sort()
        let observed = d.reduce(0, +) / Double(n)
        return Interval(
            difference: observed, lower: percentile(diffs, (1 - level) / 2),
            upper: percentile(diffs, (1 + level) / 2), level: level, resamples: resamples)
    }

    /// Linear-interpolation percentile of sorted values (`q` in 0…1), NumPy's default method.
    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        let pos = q * Double(sorted.count - 1)
        let lo = Int(pos.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        let frac = pos - Double(lo)
        return sorted[lo] + (sorted[hi] - sorted[lo]) * frac
    }

    /// Exact McNemar test: the two-sided binomial test of the discordant pairs,
    /// `onlyA` (a right, b wrong) against `onlyB` (b right, a wrong) with p = ½; 1 when there are
    /// none. Equal to `scipy.stats.binomtest(onlyA, onlyA + onlyB, 0.5).pvalue`.
    public static func mcNemarExact(onlyA: Int, onlyB: Int) -> Double {
        let n = onlyA + onlyB
        guard n > 0 else { return 1 }
        let k = min(onlyA, onlyB)
        // P(X ≤ k) for X ~ Binomial(n, ½), summed in log space for large n.
        var logTerms: [Double] = []
        for i in 0...k { logTerms.append(logChoose(n, i) - Double(n) * log(2.0)) }
        let m = logTerms.max() ?? 0
        let tail = exp(m) * logTerms.reduce(0) { $0 + exp($1 - m) }
        return min(1, 2 * tail)
    }

    /// McNemar from two 0/1 score lists.
    public static func mcNemarExact(a: [Bool], b: [Bool]) throws(EvalError) -> Double {
        guard a.count == b.count else { throw EvalError(.badOption, "McNemar needs paired lists (\(a.count) and \(b.count))") }
        var onlyA = 0, onlyB = 0
        for (x, y) in zip(a, b) where x != y { if x { onlyA += 1 } else { onlyB += 1 } }
        return mcNemarExact(onlyA: onlyA, onlyB: onlyB)
    }

    private static func logChoose(_ n: Int, _ k: Int) -> Double {
        lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
    }

    /// Gain: the whole interval is above zero (`lower > 0`).
    public static func isGain(_ interval: Interval) -> Bool { interval.lower > 0 }

    /// Retention (non-inferiority): the tuned model loses at most `margin` —
    /// `lower ≥ −margin`. Scores and margin share a unit: the default margin of 1 point is for
    /// percentages (use 0.01 for 0/1 scores).
    public static func isRetained(_ interval: Interval, margin: Double = 1) -> Bool { interval.lower >= -margin }
}
