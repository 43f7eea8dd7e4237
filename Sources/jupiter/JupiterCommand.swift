import ArgumentParser

/// The `jupiter` command line: a thin layer over the `Jupiter` library.
@main
struct JupiterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jupiter",
        abstract: "Sovereign post-training data pipelines: curate, synthesise, mix and evaluate.",
        discussion: """
            Exit codes: 0 success; 1 a stage failed during a run; 2 bad usage or an invalid \
            recipe; 3 an input or output file could not be read or written; 4 a model endpoint failed; \
            130 interrupted.
            """,
        subcommands: [RunCommand.self, ValidateCommand.self, InspectCommand.self, TokensCommand.self,
                      ModelsCommand.self, ChatCommand.self]
    )
}
