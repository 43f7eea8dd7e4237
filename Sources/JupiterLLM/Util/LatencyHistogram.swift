import Foundation

/// Latencies in bounded memory: logarithmic buckets 1% wide from 0.01 ms up, so percentiles are
/// exact to within 1% whatever the number of requests.
struct LatencyHistogram: Sendable {
    private static let growth = 1.01
    private static let floorMs = 0.01
    private var buckets: [Int: Int] = [:]
    private(set) var count = 0

    mutating func add(seconds: Double) {
        let ms = max(seconds * 1000, LatencyHistogram.floorMs)
        let i = Int((log(ms / LatencyHistogram.floorMs) / log(LatencyHistogram.growth)).rounded(.down))
        buckets[i, default: 0] += 1
        count += 1
    }

    /// The `q` quantile (0–1) in milliseconds (upper edge of its bucket), nil when empty.
    func quantileMs(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = max(1, Int((q * Double(count)).rounded(.up)))
        var seen = 0
        for i in buckets.keys.sorted() {
            seen += buckets[i] ?? 0
            if seen >= rank { return LatencyHistogram.floorMs * pow(LatencyHistogram.growth, Double(i + 1)) }
        }
        return nil
    }
}
