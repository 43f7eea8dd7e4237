/// At most `width` holders at once; `acquire` waits (first come, first served) for a place.
/// Nothing is tied to the task that acquired: whoever holds a place releases it exactly once.
public final class AsyncGate: Sendable {
    private struct State {
        var free: Int
        var waiters = FIFOQueue<CheckedContinuation<Void, Never>>()
    }

    /// The number of places.
    public let width: Int
    private let state: Locked<State>

    /// A gate of `width` places (at least one).
    public init(width: Int) {
        self.width = max(1, width)
        state = Locked(State(free: max(1, width)))
    }

    /// Takes a place, waiting for one when all are held.
    public func acquire() async {
        let taken = state.withLock { s -> Bool in
            guard s.free > 0 else { return false }
            s.free -= 1
            return true
        }
        if taken { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { s -> Bool in
                // A place may have been freed between the two critical sections.
                if s.free > 0 {
                    s.free -= 1
                    return true
                }
                s.waiters.append(c)
                return false
            }
            if granted { c.resume() }
        }
    }

    /// Gives a place back; the longest waiter, if any, gets it directly.
    public func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let c = s.waiters.popFirst() { return c }
            s.free += 1
            return nil
        }
        next?.resume()
    }

    /// Runs `body` holding a place.
    public func holding<T: Sendable, E: Error>(_ body: () async throws(E) -> T) async throws(E) -> T {
        await acquire()
        defer { release() }
        return try await body()
    }
}
