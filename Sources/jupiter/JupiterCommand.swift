import ArgumentParser
import Foundation

/// The `jupiter` command line: a thin layer over the `Jupiter` library.
@main
struct JupiterCommand: AsyncParsableCommand {
    /// Runs the CLI with the documented exit codes: usage errors (unknown option, missing
    /// argument, failed validation) exit with 2, help and version requests with 0.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is ExitCode {
                exit(withError: error)
            }
            // ArgumentParser's own usage errors: print its message, but exit with our code 2.
            Terminal.error(fullMessage(for: error))
            Foundation.exit(2)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "jupiter",
        abstract: "Sovereign post-training data pipelines: curate, synthesise, mix and evaluate.",
        discussion: """
            Exit codes: 0 success; 1 a stage failed during a run; 2 bad usage or an invalid \
            recipe; 3 an input or output file could not be read or written; 4 a model endpoint failed; \
            130 interrupted.
            """,
        subcommands: [
            RunCommand.self, ValidateCommand.self, InspectCommand.self, TokensCommand.self,
            ModelsCommand.self, ChatCommand.self, EvalCommand.self, ReportCommand.self, StatusCommand.self, CancelCommand.self,
            WorkCommand.self
        ]
    )
}
