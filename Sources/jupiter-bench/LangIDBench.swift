import ArgumentParser

/// `jupiter-bench langid` (not implemented yet).
struct LangIDBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "langid", abstract: "Not implemented yet.")
    func run() async throws { throw ExitCode(2) }
}
