import ArgumentParser
import Jupiter

/// `jupiter chat`: one prompt to one model, for a quick manual try.
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Send one prompt to a model and print the answer.",
        discussion: """
            Either --endpoint URL --model ID (any OpenAI-compatible server: vLLM, SGLang, llama.cpp, \
            Ollama) or --gguf FILE (Jupiter starts a llama.cpp server for it and stops it afterwards). \
            The answer goes to stdout; reasoning, finish reason and token usage to stderr. \
            Exit code 4 when the model cannot be reached or fails.
            """)

    @Option(help: "OpenAI-compatible base URL, e.g. http://localhost:8000/v1.")
    var endpoint: String?

    @Option(help: "Model id the endpoint serves.")
    var model: String?

    @Option(help: "A GGUF model file to serve with a local llama.cpp server instead of --endpoint.")
    var gguf: String?

    @Option(name: .customLong("api-key-env"), help: "Environment variable holding the API key.")
    var apiKeyEnv: String?

    @Option(help: "A system prompt.")
    var system: String?

    @Option(name: .customLong("max-tokens"), help: "Maximum tokens to generate.")
    var maxTokens: Int?

    @Option(help: "Sampling temperature.")
    var temperature: Double?

    @Option(help: "Thinking: on or off (default: the server's).")
    var reasoning: String?

    @Option(help: "Show the top K alternatives of each generated token (0-20).")
    var logprobs: Int?

    @Argument(help: "The prompt.")
    var prompt: String

    var spec: ModelTools.ChatRequestSpec {
        ModelTools.ChatRequestSpec(
            endpoint: endpoint, model: model, gguf: gguf, apiKeyEnv: apiKeyEnv, system: system,
            prompt: prompt, maxTokens: maxTokens, temperature: temperature,
            reasoning: reasoning.flatMap(ReasoningMode.init(rawValue:)), logprobs: logprobs ?? 0)
    }

    func validate() throws {
        if let problem = spec.problem { throw ValidationError(problem) }
        if let reasoning, reasoning != "on", reasoning != "off" { throw ValidationError("--reasoning must be on or off") }
    }

    func run() async throws {
        let answer: ChatResponse
        do { answer = try await ModelTools.chat(spec, log: { Terminal.error("note: \($0)") }) } catch {
            throw Terminal.fail("error: \(error)", error.exitCode)
        }
        guard let choice = answer.choices.first else { throw Terminal.fail("error: the model answered no choice", .model) }
        if let r = choice.message.reasoning { Terminal.error("[reasoning]\n\(r)\n[/reasoning]") }
        print(choice.message.content)
        for line in ModelTools.describeLogprobs(choice.logprobs ?? []) { Terminal.error(line) }
        Terminal.error(
            "finish: \(choice.finishReason.rawValue ?? "?"), tokens: \(answer.usage.promptTokens) prompt + "
                + "\(answer.usage.completionTokens) completion")
    }
}
