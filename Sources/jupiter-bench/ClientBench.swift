import ArgumentParser

/// `jupiter-bench client` (not implemented yet).
struct ClientBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "client", abstract: "Not implemented yet.")
    func run() async throws { throw ExitCode(2) }
}
