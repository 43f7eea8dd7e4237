import ArgumentParser

/// `jupiter-bench tokenize` (not implemented yet).
struct TokenizeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenize", abstract: "Not implemented yet.")
    func run() async throws { throw ExitCode(2) }
}
