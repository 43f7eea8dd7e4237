import ArgumentParser

/// `jupiter tokens` (not implemented yet).
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokens", abstract: "Not implemented yet.")
    func run() async throws { throw ExitCode(2) }
}
