import Foundation
import JupiterCore

/// A token bucket that may go into debt: `reserve` takes the cost at once and says how long the
/// caller must wait before its share is covered. Used for requests/min and tokens/min limits.
final class TokenBucket: Sendable {
    private struct State {
        var tokens: Double
        var last: Double
    }
    private let capacity: Double
    private let ratePerSecond: Double
    private let state: Locked<State>

    /// A bucket refilling `perMinute` tokens a minute, holding at most `burstSeconds` of refill.
    init(perMinute: Int, burstSeconds: Double = 10) {
        ratePerSecond = Double(perMinute) / 60
        capacity = max(1, ratePerSecond * burstSeconds)
        state = Locked(State(tokens: capacity, last: Clock.now()))
    }

    /// Takes `cost` tokens; returns the seconds to wait before going ahead (0 when covered).
    func reserve(_ cost: Double) -> Double {
        state.withLock { s in
            let now = Clock.now()
            s.tokens = min(capacity, s.tokens + (now - s.last) * ratePerSecond)
            s.last = now
            s.tokens -= cost
            return s.tokens >= 0 ? 0 : -s.tokens / ratePerSecond
        }
    }

    /// Corrects an earlier estimate (`delta` > 0 takes more tokens, < 0 gives some back).
    func adjust(_ delta: Double) {
        state.withLock { s in s.tokens = min(capacity, s.tokens - delta) }
    }
}

/// Monotonic seconds.
enum Clock {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func sleep(_ seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(min(seconds, 1e6) * 1e9))
    }
}
