import ArgumentParser
import Foundation
import JupiterCore
import JupiterLLM

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

    func validate() throws {
        if gguf == nil {
            guard let endpoint else { throw ValidationError("give --endpoint URL --model ID, or --gguf FILE") }
            if let p = ModelsSection.urlProblem(endpoint) { throw ValidationError("--endpoint: \(p)") }
            if model == nil { throw ValidationError("--model is required with --endpoint") }
        } else if endpoint != nil {
            throw ValidationError("give either --endpoint or --gguf, not both")
        }
        if let reasoning, reasoning != "on", reasoning != "off" { throw ValidationError("--reasoning must be on or off") }
        if let logprobs, !(0...20).contains(logprobs) { throw ValidationError("--logprobs must be in 0...20") }
    }

    func run() async throws {
        let config: ModelConfig
        if let gguf {
            let path = gguf.hasPrefix("/") ? gguf : FileManager.default.currentDirectoryPath + "/" + gguf
            config = ModelConfig(name: model ?? "local", backend: .llamaCpp(.init(modelPath: path)), model: model ?? "local",
                                 maxInFlight: 1, retry: RetryPolicy(maxAttempts: 2))
        } else {
            config = ModelConfig(name: "chat", endpoints: [endpoint ?? ""], model: model ?? "", apiKeyEnv: apiKeyEnv,
                                 retry: RetryPolicy(maxAttempts: 3))
        }
        ShutdownHooks.shared.installSignalHandlers()
        let llm = try LLMService(models: [config], database: nil, log: { Terminal.error("note: \($0)") })
        var messages: [Message] = []
        if let system { messages.append(Message(role: .system, content: system)) }
        messages.append(Message(role: .user, content: prompt))
        let request = ChatRequest(messages: messages, sampling: Sampling(temperature: temperature, maxTokens: maxTokens),
                                  logprobs: (logprobs ?? 0) > 0, topLogprobs: logprobs.flatMap { $0 > 0 ? $0 : nil },
                                  reasoning: reasoning.flatMap(ReasoningMode.init(rawValue:)))
        let answer: ChatResponse
        do throws(LLMError) {
            if gguf != nil { try await llm.start() }
            answer = try await llm.chat(config.name, request)
            await llm.shutdown()
        } catch {
            await llm.shutdown()
            Terminal.error("error: \(error)")
            throw Exit.model
        }
        let choice = answer.choices[0]
        if let r = choice.message.reasoning { Terminal.error("[reasoning]\n\(r)\n[/reasoning]") }
        print(choice.message.content)
        if let lps = choice.logprobs {
            for t in lps {
                let alts = t.top.map { "\(JSONWriter.string(.string($0.token))) \(String(format: "%.3f", $0.logprob))" }
                Terminal.error("\(JSONWriter.string(.string(t.token))) \(t.logprob.map { String(format: "%.3f", $0) } ?? "-")  [\(alts.joined(separator: ", "))]")
            }
        }
        Terminal.error("finish: \(choice.finishReason.rawValue ?? "?"), tokens: \(answer.usage.promptTokens) prompt + \(answer.usage.completionTokens) completion")
    }
}
