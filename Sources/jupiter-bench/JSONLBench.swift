import ArgumentParser

/// `jupiter-bench jsonl` (not implemented yet).
struct JSONLBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "jsonl", abstract: "Not implemented yet.")
    func run() async throws { throw ExitCode(2) }
}
