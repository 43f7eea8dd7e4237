import ArgumentParser

/// `jupiter-bench minhash` (not implemented yet).
struct MinHashBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "minhash", abstract: "Not implemented yet.")
    func run() async throws { throw ExitCode(2) }
}
