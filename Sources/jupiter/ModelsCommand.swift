import ArgumentParser
import Jupiter

/// `jupiter models …`: the recipe's model endpoints.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Check or serve the models a recipe declares.",
        subcommands: [ModelsCheckCommand.self, ModelsServeCommand.self])
}

/// `jupiter models check RECIPE`: reaches every endpoint and lists what it serves.
struct ModelsCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Reach every model endpoint of a recipe and list the models it serves.",
        discussion: """
            OpenAI-compatible endpoints are asked GET /v1/models (with the API key from the variable \
            named by api_key_env). llama-cpp backends are started, checked and stopped again. \
            Exit codes: 0 every model is reachable and served; 2 invalid models section; 4 a model failed.
            """)

    @Argument(help: "The recipe (YAML).")
    var recipe: String

    func run() async throws {
        let result = await ModelTools.check(recipePath: recipe)
        Terminal.report(result.problems)
        guard result.valid else { throw Terminal.exit(.usage) }
        for w in result.warnings { Terminal.error("warning: \(w)") }
        for line in result.lines { print(line.text) }
        let failed = result.lines.filter { !$0.ok }.count
        if failed > 0 { throw Terminal.fail("\(failed) endpoint\(failed == 1 ? "" : "s") failed", .model) }
    }
}

/// `jupiter models serve RECIPE`: starts the recipe's local backends and keeps them up.
struct ModelsServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Start the recipe's llama-cpp models and serve them until interrupted.",
        discussion: """
            Prints one line per model, `NAME URL`, once every backend is healthy, then waits. Ctrl-C or \
            SIGTERM stops the servers (exit 130 or 143).
            """)

    @Argument(help: "The recipe (YAML).")
    var recipe: String

    func run() async throws {
        let served: ModelTools.Served
        do { served = try await ModelTools.serve(recipePath: recipe) } catch {
            throw Terminal.fail(error.kind == .invalidRecipe ? error.message : "error: \(error)", error.exitCode)
        }
        Terminal.report(served.problems)
        for line in served.lines { Terminal.out(line + "\n") }
        while true {
            try? await Task.sleep(nanoseconds: 3_600_000_000_000)
            served.keepAlive()
        }
    }
}
