import Foundation
import JupiterCore

/// Clean-up work that must run when the process is interrupted (Ctrl-C, SIGTERM): stopping local
/// model servers above all. ``LLMService`` registers itself on `start()`; the CLI calls
/// ``installSignalHandlers()`` once so SIGINT/SIGTERM run every hook (newest first) and then exit
/// with 128 + the signal number (130 for Ctrl-C).
public final class ShutdownHooks: Sendable {
    /// The process-wide registry.
    public static let shared = ShutdownHooks()

    private struct State {
        var next = 0
        var hooks: [(Int, @Sendable () async -> Void)] = []
        var sources: [any DispatchSourceSignal] = []
    }
    private let state = Locked(State())

    /// Registers a hook; returns a token for ``remove(_:)``.
    public func add(_ hook: @escaping @Sendable () async -> Void) -> Int {
        state.withLock { s in
            s.next += 1
            s.hooks.append((s.next, hook))
            return s.next
        }
    }

    /// Unregisters a hook.
    public func remove(_ token: Int) {
        state.withLock { $0.hooks.removeAll { $0.0 == token } }
    }

    /// Number of registered hooks.
    public var count: Int { state.withLock { $0.hooks.count } }

    /// Runs every hook, newest first, and unregisters them.
    public func runAll() async {
        let hooks = state.withLock { s -> [(Int, @Sendable () async -> Void)] in
            defer { s.hooks = [] }
            return s.hooks
        }
        for (_, hook) in hooks.reversed() { await hook() }
    }

    /// Makes SIGINT and SIGTERM run the hooks and then exit with 128 + signal. Call once, early.
    /// A second signal while the hooks run exits at once.
    public func installSignalHandlers(signals: [Int32] = [SIGINT, SIGTERM]) {
        state.withLock { s in
            guard s.sources.isEmpty else { return }
            for sig in signals {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                let fired = Locked(false)
                source.setEventHandler {
                    let again = fired.withLock { f -> Bool in
                        defer { f = true }; return f
                    }
                    if again { exit(128 + sig) }
                    Task.detached {
                        await ShutdownHooks.shared.runAll()
                        exit(128 + sig)
                    }
                }
                source.resume()
                s.sources.append(source)
            }
        }
    }
}
