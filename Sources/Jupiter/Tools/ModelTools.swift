import Foundation
import JupiterCore
import JupiterLLM

/// `jupiter models check|serve` and `jupiter chat`: the recipe's models, and one quick request.
public enum ModelTools {
    /// The models of a recipe (its `models:` section alone, read by the same reader as a run),
    /// with the problems found; nil when the recipe cannot be read or the section has errors.
    static func models(recipePath: String) -> (models: [ModelConfig]?, problems: [Diagnostic]) {
        let (models, problems) = RecipeLoader.loadModels(path: recipePath)
        return (problems.contains { $0.severity == .error } ? nil : models, problems)
    }

    /// One line of `models check`.
    public struct CheckLine: Sendable {
        /// True when the endpoint answered and serves the model.
        public var ok: Bool
        /// `ok   base  http://…  serves: …`, or `FAIL …` with the reason.
        public var text: String
    }

    /// What `models check` found.
    public struct CheckResult: Sendable {
        /// Problems of the `models:` section.
        public var problems: [Diagnostic]
        /// False when the section has errors (nothing was checked).
        public var valid: Bool
        /// One line per endpoint.
        public var lines: [CheckLine]
        /// Warnings (a key variable that is not set, no models declared).
        public var warnings: [String]
    }

    /// Reaches every endpoint of the recipe's models (local backends are started, checked and
    /// stopped) and lists what each serves.
    public static func check(recipePath: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        async -> CheckResult
    {
        let (found, problems) = models(recipePath: recipePath)
        guard let models = found else { return CheckResult(problems: problems, valid: false, lines: [], warnings: []) }
        var lines: [CheckLine] = []
        var warnings: [String] = models.isEmpty ? ["\(recipePath): no models declared (add a 'models:' section)"] : []
        for m in models {
            let key = m.apiKeyEnv.flatMap { environment[$0] }
            if let v = m.apiKeyEnv, key == nil { warnings.append("model '\(m.name)': environment variable \(v) is not set") }
            switch m.backend {
            case .openAI(let endpoints):
                for url in endpoints {
                    do {
                        let served = try await LLMService.listModels(baseURL: url, apiKey: key, timeout: min(m.timeout, 30))
                        let ok = served.contains(m.model)
                        lines.append(
                            CheckLine(
                                ok: ok,
                                text: "\(ok ? "ok  " : "FAIL") \(m.name)  \(url)  serves: "
                                    + served.joined(separator: ", ") + (ok ? "" : "  (expected '\(m.model)')")))
                    } catch {
                        lines.append(CheckLine(ok: false, text: "FAIL \(m.name)  \(url)  \(error.message)"))
                    }
                }
            case .llamaCpp(let options):
                do {
                    let llm = try LLMService(models: [m], database: nil, environment: environment)
                    do throws(LLMError) {
                        try await llm.start()
                        let url = llm.endpoints(of: m.name).first ?? "?"
                        let served = try await LLMService.listModels(baseURL: url)
                        lines.append(
                            CheckLine(
                                ok: true,
                                text: "ok   \(m.name)  llama-cpp \(options.modelPath) at \(url)  "
                                    + "serves: \(served.joined(separator: ", "))"))
                    } catch {
                        lines.append(CheckLine(ok: false, text: "FAIL \(m.name)  llama-cpp \(options.modelPath)  \(error.message)"))
                    }
                    await llm.shutdown()
                } catch {
                    lines.append(CheckLine(ok: false, text: "FAIL \(m.name)  llama-cpp \(options.modelPath)  \(error)"))
                }
            case .slurm(let s):
                warnings.append(
                    "model '\(m.name)': served by \(s.replicas) Slurm job(s) during a run (\(s.command)); "
                        + "not started by `models check`")
            }
        }
        return CheckResult(problems: problems, valid: true, lines: lines, warnings: warnings)
    }

    /// Local model servers kept up by ``serve(recipePath:)`` until the process ends.
    public struct Served: Sendable {
        /// Problems of the `models:` section (warnings).
        public var problems: [Diagnostic]
        /// `NAME URL…` per model.
        public var lines: [String]
        let service: LLMService
        /// Keeps the servers up (call it while serving).
        public func keepAlive() { withExtendedLifetime(service) {} }
    }

    /// Starts the recipe's local backends (Ctrl-C and SIGTERM stop them); returns once every model
    /// is healthy. Errors: ``RunError/Kind/invalidRecipe`` (with `problems`) or ``RunError/Kind/model``.
    public static func serve(recipePath: String) async throws(RunError) -> Served {
        let (found, problems) = models(recipePath: recipePath)
        guard let models = found else {
            throw RunError(.invalidRecipe, problems.filter { $0.severity == .error }.map(\.description).joined(separator: "\n"))
        }
        ShutdownHooks.shared.installSignalHandlers()
        let llm: LLMService
        // Slurm-served models start with a run, not here.
        let local = models.filter { if case .slurm = $0.backend { return false } else { return true } }
        do { llm = try LLMService(models: local, database: nil) } catch { throw RunError(.model, "\(error)") }
        do throws(LLMError) { try await llm.start() } catch { throw RunError(.model, error.message) }
        return Served(
            problems: problems, lines: local.map { "\($0.name) \(llm.endpoints(of: $0.name).joined(separator: " "))" },
            service: llm)
    }

    /// One line per generated token: the token, its log-probability and the alternatives.
    public static func describeLogprobs(_ tokens: [TokenLogprob]) -> [String] {
        tokens.map { t in
            let alts = t.top.map { "\(JSONWriter.string(.string($0.token))) \(String(format: "%.3f", $0.logprob))" }
            return "\(JSONWriter.string(.string(t.token))) \(t.logprob.map { String(format: "%.3f", $0) } ?? "-")  "
                + "[\(alts.joined(separator: ", "))]"
        }
    }

    /// One chat request: where the model is, and what to ask.
    public struct ChatRequestSpec: Sendable {
        /// OpenAI-compatible base URL (with `model`), or nil with `gguf`.
        public var endpoint: String?
        /// Served model id.
        public var model: String?
        /// A GGUF file to serve with a local llama.cpp server.
        public var gguf: String?
        /// Environment variable holding the API key.
        public var apiKeyEnv: String?
        /// System prompt.
        public var system: String?
        /// The prompt.
        public var prompt: String
        /// Maximum tokens, temperature.
        public var maxTokens: Int?
        public var temperature: Double?
        /// Thinking on/off (nil: the server's choice).
        public var reasoning: ReasoningMode?
        /// Top alternatives per generated token (0: none).
        public var logprobs: Int

        /// Creates a request.
        public init(
            endpoint: String?, model: String?, gguf: String?, apiKeyEnv: String?, system: String?, prompt: String,
            maxTokens: Int?, temperature: Double?, reasoning: ReasoningMode?, logprobs: Int
        ) {
            self.endpoint = endpoint
            self.model = model
            self.gguf = gguf
            self.apiKeyEnv = apiKeyEnv
            self.system = system
            self.prompt = prompt
            self.maxTokens = maxTokens
            self.temperature = temperature
            self.reasoning = reasoning
            self.logprobs = logprobs
        }

        /// A usage problem, or nil.
        public var problem: String? {
            if gguf == nil {
                guard let endpoint else { return "give --endpoint URL --model ID, or --gguf FILE" }
                if let p = ModelsSection.urlProblem(endpoint) { return "--endpoint: \(p)" }
                if model == nil { return "--model is required with --endpoint" }
            } else if endpoint != nil {
                return "give either --endpoint or --gguf, not both"
            }
            if !(0...20).contains(logprobs) { return "--logprobs must be in 0...20" }
            return nil
        }
    }

    /// Sends one chat request (starting and stopping a local server for a GGUF).
    public static func chat(_ spec: ChatRequestSpec, log: @escaping @Sendable (String) -> Void) async throws(RunError)
        -> ChatResponse
    {
        let config: ModelConfig
        if let gguf = spec.gguf {
            let path = gguf.hasPrefix("/") ? gguf : FileManager.default.currentDirectoryPath + "/" + gguf
            config = ModelConfig(
                name: spec.model ?? "local", backend: .llamaCpp(.init(modelPath: path)),
                model: spec.model ?? "local", maxInFlight: 1, retry: RetryPolicy(maxAttempts: 2))
        } else {
            config = ModelConfig(
                name: "chat", endpoints: [spec.endpoint ?? ""], model: spec.model ?? "",
                apiKeyEnv: spec.apiKeyEnv, retry: RetryPolicy(maxAttempts: 3))
        }
        ShutdownHooks.shared.installSignalHandlers()
        let llm: LLMService
        do { llm = try LLMService(models: [config], database: nil, log: log) } catch { throw RunError(.model, "\(error)") }
        var messages: [Message] = []
        if let system = spec.system { messages.append(Message(role: .system, content: system)) }
        messages.append(Message(role: .user, content: spec.prompt))
        let request = ChatRequest(
            messages: messages, sampling: Sampling(temperature: spec.temperature, maxTokens: spec.maxTokens),
            logprobs: spec.logprobs > 0, topLogprobs: spec.logprobs > 0 ? spec.logprobs : nil,
            reasoning: spec.reasoning)
        do throws(LLMError) {
            if spec.gguf != nil { try await llm.start() }
            let answer = try await llm.chat(config.name, request)
            await llm.shutdown()
            return answer
        } catch {
            await llm.shutdown()
            throw RunError(.model, error.description)
        }
    }
}
