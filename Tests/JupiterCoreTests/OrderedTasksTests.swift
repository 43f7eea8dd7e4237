import Testing

@testable import JupiterCore

/// `OrderedTasks.run(holdProducer:)`: what `--workers N` relies on. The producer's own work
/// (reading the next batch) never runs beside `limit` jobs, so jobs plus producer stay within
/// `limit`; results still come back in submission order.
@Suite struct OrderedTasksTests {
    @Test("with holdProducer, the producer works only while fewer than `limit` jobs run", arguments: [1, 2, 3])
    func holdProducerBoundsConcurrency(limit: Int) async throws {
        let running = Locked(0)
        var seenBesideProducer: [Int] = []
        var results: [Int] = []
        try await OrderedTasks.run(limit: limit, holdProducer: true, consume: { results.append($0) }) { submit in
            for i in 0..<24 {
                // "Reading": how many jobs run while the producer works.
                seenBesideProducer.append(running.withLock { $0 })
                try await submit {
                    running.withLock { $0 += 1 }
                    try await Task.sleep(for: .milliseconds(2 + (i * 7) % 5))
                    running.withLock { $0 -= 1 }
                    return i
                }
            }
        }
        #expect(results == Array(0..<24))
        #expect(seenBesideProducer.allSatisfy { $0 <= limit - 1 }, "\(seenBesideProducer)")
    }
}
