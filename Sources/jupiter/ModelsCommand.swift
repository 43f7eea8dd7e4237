import ArgumentParser

/// `jupiter models` (not implemented yet).
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "models", abstract: "Not implemented yet.")
    func run() async throws { throw ExitCode(2) }
}
