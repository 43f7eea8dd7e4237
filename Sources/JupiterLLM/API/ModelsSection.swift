import Foundation
import JupiterCore

/// Reads a recipe's `models:` section (see ``ModelConfig`` for the shape).
public enum ModelsSection {
    /// Keys a model entry may have.
    public static let knownKeys: [String] = [
        "endpoint", "endpoints", "model", "backend", "api_key_env", "max_in_flight", "requests_per_minute",
        "tokens_per_minute", "timeout_s", "max_attempts", "retry_base_s", "retry_max_s", "extra_body", "ctx",
        "threads", "python", "startup_timeout_s",
    ]

    /// Parses the `models:` node into typed configurations, reporting every problem with its YAML
    /// line: unknown keys, wrong types, bad URLs, missing `model` or endpoint. Relative GGUF paths
    /// are resolved with `context`. Models with errors are left out of the result.
    public static func parse(_ node: ConfigNode?, file: String? = nil, context: StageBuildContext)
        -> (models: [ModelConfig], diagnostics: [Diagnostic])
    {
        guard let node, node.value != .null else { return ([], []) }
        guard let entries = node.mapEntries else {
            return ([], [Diagnostic(.error, "'models' must be a mapping of model names to settings, found \(node.typeName)",
                                    file: file, line: node.line, column: node.column)])
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
            if let m = reader.read(context: context), reader.problems.isEmpty { models.append(m) }
            diagnostics.append(contentsOf: reader.problems)
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

/// Reads one model entry, collecting problems.
private struct EntryReader {
    let name: String
    let node: ConfigNode
    let file: String?
    let keyLine: Int
    var problems: [Diagnostic] = []

    init(name: String, node: ConfigNode, file: String?, keyLine: Int) {
        self.name = name
        self.node = node
        self.file = file
        self.keyLine = keyLine
    }

    mutating func problem(_ line: Int, _ message: String) {
        problems.append(Diagnostic(.error, "model '\(name)': \(message)", file: file, line: line == 0 ? keyLine : line))
    }

    func value(_ key: String) -> ConfigNode? { node[key] }

    mutating func string(_ key: String) -> String? {
        guard let n = value(key) else { return nil }
        guard let s = n.scalar, !s.isEmpty else {
            problem(n.line, "'\(key)' must be a non-empty string, found \(n.typeName)")
            return nil
        }
        return s
    }

    mutating func int(_ key: String, range: ClosedRange<Int>) -> Int? {
        guard let n = value(key) else { return nil }
        guard let s = n.scalar, let v = Int(s.filter { $0 != "_" }) else {
            problem(n.line, "'\(key)' must be an integer, found \(n.scalar.map { "'\($0)'" } ?? n.typeName)")
            return nil
        }
        guard range.contains(v) else {
            problem(n.line, "'\(key)' must be in \(range.lowerBound)...\(range.upperBound), found \(v)")
            return nil
        }
        return v
    }

    mutating func double(_ key: String, range: ClosedRange<Double>) -> Double? {
        guard let n = value(key) else { return nil }
        guard let s = n.scalar, let v = Double(s.filter { $0 != "_" }), v.isFinite else {
            problem(n.line, "'\(key)' must be a number, found \(n.scalar.map { "'\($0)'" } ?? n.typeName)")
            return nil
        }
        guard range.contains(v) else {
            problem(n.line, "'\(key)' must be in \(range.lowerBound)...\(range.upperBound), found \(v)")
            return nil
        }
        return v
    }

    mutating func read(context: StageBuildContext) -> ModelConfig? {
        guard let entries = node.mapEntries else {
            problem(node.line, "settings must be a mapping (endpoint, model, …), found \(node.typeName)")
            return nil
        }
        for e in entries where !ModelsSection.knownKeys.contains(e.key) {
            problem(e.keyLine, "unknown key '\(e.key)' (known: \(ModelsSection.knownKeys.joined(separator: ", ")))")
        }
        let backendName = string("backend") ?? "openai"
        let model = string("model")
        if model == nil && value("model") == nil {
            problem(node.line, backendName == "llama-cpp" ? "missing 'model' (path of the GGUF file)" : "missing 'model' (the model id the server serves)")
        }
        let apiKeyEnv = string("api_key_env")
        if let apiKeyEnv, apiKeyEnv.contains(where: { !($0.isLetter || $0.isNumber || $0 == "_") }) {
            problem(value("api_key_env")?.line ?? 0, "'api_key_env' must name an environment variable (letters, digits, _), not hold the key itself")
        }
        let maxInFlightSetting = int("max_in_flight", range: 1...100_000)
        let maxInFlight = maxInFlightSetting ?? 32
        let rpm = int("requests_per_minute", range: 1...100_000_000)
        let tpm = int("tokens_per_minute", range: 1...10_000_000_000)
        let timeout = double("timeout_s", range: 0.001...86_400) ?? 300
        let attempts = int("max_attempts", range: 1...100) ?? 6
        let base = double("retry_base_s", range: 0...3600) ?? 0.5
        let cap = double("retry_max_s", range: 0...86_400) ?? 30
        var extraBody = JSONObject()
        if let n = value("extra_body") {
            if case .object(let o) = n.json { extraBody = o } else {
                problem(n.line, "'extra_body' must be a mapping, found \(n.typeName)")
            }
        }
        let retry = RetryPolicy(maxAttempts: attempts, baseDelay: base, maxDelay: cap)

        switch backendName {
        case "openai":
            for key in ["ctx", "threads", "python", "startup_timeout_s"] where value(key) != nil {
                problem(value(key)?.line ?? 0, "'\(key)' only applies to 'backend: llama-cpp'")
            }
            var endpoints: [String] = []
            if let one = value("endpoint") {
                if value("endpoints") != nil { problem(one.line, "give either 'endpoint' or 'endpoints', not both") }
                if let s = one.scalar { endpoints.append(s) } else {
                    problem(one.line, "'endpoint' must be a URL string, found \(one.typeName)")
                }
            }
            if let many = value("endpoints") {
                if let items = many.listItems, !items.isEmpty {
                    for item in items {
                        if let s = item.scalar { endpoints.append(s) } else {
                            problem(item.line == 0 ? many.line : item.line, "'endpoints' items must be URL strings, found \(item.typeName)")
                        }
                    }
                } else if let s = many.scalar {
                    endpoints.append(s)
                } else {
                    problem(many.line, "'endpoints' must be a non-empty list of URLs, found \(many.typeName)")
                }
            }
            if value("endpoint") == nil && value("endpoints") == nil {
                problem(node.line, "missing 'endpoint' (an OpenAI-compatible base URL such as http://localhost:8000/v1), or set 'backend: llama-cpp'")
            }
            for url in endpoints {
                if let p = ModelsSection.urlProblem(url) {
                    problem((value("endpoint") ?? value("endpoints"))?.line ?? 0, "bad endpoint: \(p)")
                }
            }
            guard let model, !endpoints.isEmpty else { return nil }
            return ModelConfig(name: name, endpoints: endpoints, model: model, apiKeyEnv: apiKeyEnv,
                               maxInFlight: maxInFlight, requestsPerMinute: rpm, tokensPerMinute: tpm, timeout: timeout,
                               retry: retry, extraBody: extraBody, line: keyLine)
        case "llama-cpp":
            for key in ["endpoint", "endpoints"] where value(key) != nil {
                problem(value(key)?.line ?? 0, "'\(key)' does not apply to 'backend: llama-cpp' (Jupiter starts the server itself)")
            }
            let ctx = int("ctx", range: 16...1_048_576) ?? 2048
            let threads = int("threads", range: 1...1024)
            let python = string("python")
            let startup = double("startup_timeout_s", range: 1...3600) ?? 120
            guard let model else { return nil }
            if !model.lowercased().hasSuffix(".gguf") {
                problem(value("model")?.line ?? 0, "'model' must be a path to a .gguf file for 'backend: llama-cpp', found '\(model)'")
            }
            let options = ModelConfig.LlamaCppOptions(modelPath: context.resolve(model), contextSize: ctx, threads: threads,
                                                      python: python, startupTimeout: startup)
            return ModelConfig(name: name, backend: .llamaCpp(options), model: name, apiKeyEnv: apiKeyEnv,
                               maxInFlight: maxInFlightSetting ?? 4, requestsPerMinute: rpm,
                               tokensPerMinute: tpm, timeout: timeout, retry: retry, extraBody: extraBody, line: keyLine)
        default:
            problem(value("backend")?.line ?? 0, "unknown backend '\(backendName)' (known: openai, llama-cpp)")
            return nil
        }
    }
}
