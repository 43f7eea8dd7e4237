import Foundation
import GRDB
import JupiterCore
import JupiterTesting

@testable import JupiterLLM

/// A fresh temporary directory.
func temporaryDirectory() throws -> String {
    try ScratchDirectory.make("llm")
}

/// A WAL database pool like the run engine's `state.sqlite`.
func statePool(_ dir: String) throws -> DatabasePool {
    try DatabasePool(path: dir + "/state.sqlite")
}

/// Collects log lines.
final class LogSink: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return storage }
    func add(_ s: String) { lock.lock(); storage.append(s); lock.unlock() }
}
