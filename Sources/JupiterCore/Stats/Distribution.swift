/// Summary of a list of numbers: count, min, mean, median, 95th percentile, max.
/// Percentiles use the nearest-rank method on the sorted values.
public struct Distribution: Sendable, Hashable {
    /// Number of values.
    public var count: Int
    /// Smallest value (0 when empty).
    public var min: Double
    /// Arithmetic mean (0 when empty).
    public var mean: Double
    /// 50th percentile.
    public var median: Double
    /// 95th percentile.
    public var p95: Double
    /// Largest value.
    public var max: Double

    /// Summarises `values`.
    public init(_ values: [Double]) {
        count = values.count
        guard !values.isEmpty else {
            min = 0; mean = 0; median = 0; p95 = 0; max = 0
            return
        }
        let sorted = values.sorted()
        func rank(_ p: Double) -> Double {
            let r = Int((p * Double(sorted.count)).rounded(.up))
            return sorted[Swift.max(0, Swift.min(sorted.count - 1, r - 1))]
        }
        min = sorted[0]
        max = sorted[sorted.count - 1]
        mean = sorted.reduce(0, +) / Double(sorted.count)
        median = rank(0.5)
        p95 = rank(0.95)
    }

    /// The JSON form: `{"count","min","mean","median","p95","max"}`.
    public var json: JSONValue {
        .object([
            "count": .int(count), "min": .double(min), "mean": .double(Distribution.round(mean)),
            "median": .double(median), "p95": .double(p95), "max": .double(max)
        ])
    }

    /// Rounds to 3 decimals for display.
    static func round(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }
}
