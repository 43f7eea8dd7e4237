import Foundation
import GRDB
import JupiterCore
import JupiterLLM
import JupiterTesting

@testable import JupiterEval

/// Real-shaped task files and a service with a run's cache for the runner tests.
enum EvalFixture {
    /// Welsh multiple-choice items (``EvalFixtures/welshMultipleChoice(_:)``).
    static func welshMCQ(_ n: Int) throws -> (jsonl: String, items: [(user: String, ideal: String)]) {
        EvalFixtures.welshMultipleChoice(n)
    }

    /// A file in a scratch folder.
    static func write(_ text: String, _ name: String, in dir: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A service over `models` whose answers are cached in `dir/state.sqlite`.
    static func service(_ models: [ModelConfig], dir: String) throws -> LLMService {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var config = Configuration()
        config.busyMode = .timeout(30)
        return try LLMService(models: models, database: try DatabasePool(path: dir + "/state.sqlite", configuration: config))
    }

    /// The runner's first lines of a JSONL file of items.
    static func records(_ dir: String, _ model: String, _ task: String) throws -> [ItemRecord] {
        try EvalRunner.readRecords(EvalRunner.recordsPath(directory: dir + "/eval", model: model, task: task))
    }
}
