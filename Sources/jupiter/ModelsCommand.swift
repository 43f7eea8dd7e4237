import ArgumentParser
import Foundation
import Jupiter
import JupiterCore
import JupiterLLM

/// `jupiter models …`: the recipe's model endpoints.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Check or serve the models a recipe declares.",
        subcommands: [ModelsCheckCommand.self, ModelsServeCommand.self])
}

/// Reads the `models:` section of a recipe, printing problems; nil when unusable.
func loadModels(recipePath: String) -> [ModelConfig]? {
    let (recipe, loadProblems) = RecipeLoader.loadPartial(path: recipePath)
    guard let recipe else {
        Terminal.report(loadProblems)
        return nil
    }
    let (models, problems) = ModelsSection.parse(recipe.models, file: recipe.file,
                                                 context: StageBuildContext(baseDirectory: recipe.baseDirectory))
    Terminal.report(problems)
    if problems.contains(where: { $0.severity == .error }) { return nil }
    if models.isEmpty { Terminal.error("\(recipePath): no models declared (add a 'models:' section)") }
    return models
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
        guard let models = loadModels(recipePath: recipe) else { throw Exit.usage }
        let env = ProcessInfo.processInfo.environment
        var failed = 0
        for m in models {
            let key = m.apiKeyEnv.flatMap { env[$0] }
            if let v = m.apiKeyEnv, key == nil { Terminal.error("warning: model '\(m.name)': environment variable \(v) is not set") }
            switch m.backend {
            case .openAI(let endpoints):
                for url in endpoints {
                    do {
                        let served = try await LLMService.listModels(baseURL: url, apiKey: key, timeout: min(m.timeout, 30))
                        let ok = served.contains(m.model)
                        if !ok { failed += 1 }
                        print("\(ok ? "ok  " : "FAIL") \(m.name)  \(url)  serves: \(served.joined(separator: ", "))"
                              + (ok ? "" : "  (expected '\(m.model)')"))
                    } catch {
                        failed += 1
                        print("FAIL \(m.name)  \(url)  \(error.message)")
                    }
                }
            case .llamaCpp(let options):
                let llm = try LLMService(models: [m], database: nil)
                do throws(LLMError) {
                    try await llm.start()
                    let url = llm.endpoints(of: m.name).first ?? "?"
                    let served = try await LLMService.listModels(baseURL: url)
                    print("ok   \(m.name)  llama-cpp \(options.modelPath) at \(url)  serves: \(served.joined(separator: ", "))")
                } catch {
                    failed += 1
                    print("FAIL \(m.name)  llama-cpp \(options.modelPath)  \(error.message)")
                }
                await llm.shutdown()
            }
        }
        if failed > 0 {
            Terminal.error("\(failed) endpoint\(failed == 1 ? "" : "s") failed")
            throw Exit.model
        }
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
        guard let models = loadModels(recipePath: recipe) else { throw Exit.usage }
        ShutdownHooks.shared.installSignalHandlers()
        let llm = try LLMService(models: models, database: nil)
        do {
            try await llm.start()
        } catch {
            Terminal.error("error: \(error.message)")
            throw Exit.model
        }
        for m in models {
            // Unbuffered, so a program reading the pipe sees each line at once.
            FileHandle.standardOutput.write(Data("\(m.name) \(llm.endpoints(of: m.name).joined(separator: " "))\n".utf8))
        }
        while true { try? await Task.sleep(nanoseconds: 3_600_000_000_000) }
    }
}
