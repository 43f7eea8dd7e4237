import JupiterCore

/// The base URLs serving one model, with a bound on requests in flight per URL. `acquire` hands
/// out the URL with the fewest outstanding requests (ties: the earliest declared), waiting in
/// FIFO order when every URL is at its bound, which is what gives the client backpressure.
final class EndpointPool: Sendable {
    /// A granted slot: release it when the request is done.
    struct Slot: Sendable {
        let index: Int
        let baseURL: String
    }

    private struct State {
        var outstanding: [Int]
        /// Waiters: each is called once with the index of the slot it is granted.
        var waiters = FIFOQueue<@Sendable (Int) -> Void>()
    }

    let baseURLs: [String]
    let maxInFlight: Int
    private let state: Locked<State>

    init(baseURLs: [String], maxInFlight: Int) {
        self.baseURLs = baseURLs
        self.maxInFlight = max(1, maxInFlight)
        state = Locked(State(outstanding: Array(repeating: 0, count: baseURLs.count)))
    }

    /// Requests currently in flight, per URL.
    var outstanding: [Int] { state.withLock { $0.outstanding } }

    /// Waits for a free slot on the least busy URL.
    func acquire() async -> Slot {
        await acquire(starting: { _ in () }).slot
    }

    /// Waits for a free slot on the least busy URL, running `start` with it the moment it is
    /// granted: on this task when one is free, otherwise on the thread that releases it (for a
    /// request, the network thread its predecessor's answer arrived on), before this task is
    /// scheduled again. A request ready to go thus leaves as soon as a place frees.
    func acquire<S: Sendable>(starting start: @escaping @Sendable (Slot) -> S) async -> (slot: Slot, started: S) {
        let immediate: Int? = state.withLock { s in
            guard let i = Self.leastBusy(s.outstanding, bound: maxInFlight) else { return nil }
            s.outstanding[i] += 1
            return i
        }
        if let immediate {
            let slot = Slot(index: immediate, baseURL: baseURLs[immediate])
            return (slot, start(slot))
        }
        let urls = baseURLs
        return await withCheckedContinuation { (c: CheckedContinuation<(slot: Slot, started: S), Never>) in
            let grant: @Sendable (Int) -> Void = { index in
                let slot = Slot(index: index, baseURL: urls[index])
                c.resume(returning: (slot, start(slot)))
            }
            let granted: Int? = state.withLock { s in
                // A slot may have been freed between the two critical sections.
                if let i = Self.leastBusy(s.outstanding, bound: maxInFlight) {
                    s.outstanding[i] += 1
                    return i
                }
                s.waiters.append(grant)
                return nil
            }
            if let granted { grant(granted) }
        }
    }

    /// Returns a slot; the next waiter, if any, gets it directly (and starts with it here).
    func release(_ slot: Slot) {
        let next: (@Sendable (Int) -> Void)? = state.withLock { s in
            if let grant = s.waiters.popFirst() { return grant }  // the slot passes on: the count stays
            s.outstanding[slot.index] -= 1
            return nil
        }
        next?(slot.index)
    }

    private static func leastBusy(_ outstanding: [Int], bound: Int) -> Int? {
        var best: Int?
        for (i, n) in outstanding.enumerated() where n < bound {
            if best.map({ n < outstanding[$0] }) ?? true { best = i }
        }
        return best
    }
}
