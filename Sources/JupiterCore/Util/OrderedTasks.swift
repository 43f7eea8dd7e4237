/// Bounded, ordered concurrency: the one helper behind every "run these jobs on a few tasks and
/// hand back the results in order" loop (batches of a step, model requests of a batch, signature
/// chunks, shards).
///
/// Work is submitted one job at a time (so a producer can read its input as it goes); at most
/// `limit` jobs run at once, `submit` waits while the window is full; results are passed to
/// `consume` in submission order, however the jobs finish. The first error cancels the rest and
/// is rethrown.
///
/// ```swift
/// try await OrderedTasks.run(limit: 4, consume: { total += $0 }) { submit in
///     for batch in batches { try await submit { try await work(batch) } }
/// }
/// ```
public enum OrderedTasks {
    /// Runs the jobs `produce` submits, at most `limit` at once, consuming results in order.
    /// With `holdProducer`, `submit` returns only once fewer than `limit` jobs run, so the
    /// producer's own work (reading the next input) never runs beside `limit` jobs: at most
    /// `limit` things at once in all.
    public static func run<R: Sendable>(
        limit: Int,
        holdProducer: Bool = false,
        consume: (R) async throws -> Void,
        produce: (_ submit: (@escaping @Sendable () async throws -> R) async throws -> Void) async throws -> Void
    ) async throws {
        let limit = max(1, limit)
        // `consume` runs only inside this call; it is made escaping for the nested helpers alone.
        try await withoutActuallyEscaping(consume) { consume in
            try await withThrowingTaskGroup(of: (Int, R).self) { group in
                var submitted = 0
                var inFlight = 0
                var nextToConsume = 0
                var ready: [Int: R] = [:]
                func collect() async throws {
                    guard let (i, value) = try await group.next() else { return }
                    inFlight -= 1
                    ready[i] = value
                    while let v = ready.removeValue(forKey: nextToConsume) {
                        try await consume(v)
                        nextToConsume += 1
                    }
                }
                try await produce { job in
                    while inFlight >= limit { try await collect() }
                    try Task.checkCancellation()
                    let index = submitted
                    submitted += 1
                    group.addTask { (index, try await job()) }
                    inFlight += 1
                    if holdProducer { while inFlight >= limit { try await collect() } }
                }
                while inFlight > 0 { try await collect() }
            }
        }
    }

    /// `body` applied to every item, at most `limit` at once, results in input order.
    public static func map<T: Sendable, R: Sendable>(
        _ items: [T], limit: Int,
        _ body: @escaping @Sendable (T) async throws -> R
    ) async throws -> [R] {
        var out: [R] = []
        out.reserveCapacity(items.count)
        try await run(limit: limit, consume: { out.append($0) }) { submit in
            for item in items { try await submit { try await body(item) } }
        }
        return out
    }

    /// Splits `0..<count` into about `parts` contiguous ranges (at least `minimum` long).
    public static func ranges(_ count: Int, parts: Int, minimum: Int = 1) -> [Range<Int>] {
        guard count > 0 else { return [] }
        let size = max(minimum, (count + max(1, parts) - 1) / max(1, parts))
        return stride(from: 0, to: count, by: size).map { $0..<min(count, $0 + size) }
    }
}
