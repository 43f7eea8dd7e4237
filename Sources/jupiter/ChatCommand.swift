import ArgumentParser

/// `jupiter chat` (not implemented yet).
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "chat", abstract: "Not implemented yet.")
    func run() async throws { throw ExitCode(2) }
}
