import Foundation
import GRDB
import JupiterCore

/// Jupiter's access to models: one per run, built from the recipe's `models:` section and the
/// run's `state.sqlite`.
///
/// - `start()` starts local llama.cpp backends and checks every endpoint's `/v1/models`.
/// - `chat`, `complete` and `embed` answer from the response cache when they can; otherwise
///   they send the request to the least busy endpoint, within the model's in-flight and rate
///   limits, retrying 429, 5xx, timeouts, dropped connections and invalid JSON with backoff.
/// - `accounting` is the per-model summary for the manifest.
/// - `shutdown()` stops local backends; call it on every exit path (``ShutdownHooks`` runs it
///   on SIGINT/SIGTERM once the CLI installs the handlers).
///
/// API keys are read from the environment variables the recipe names and never appear in logs,
/// errors, the cache or the accounting.
public final class LLMService: ModelClient {
    private struct State {
        var runtimes: [String: ModelRuntime] = [:]
        var servers: [LlamaCppServer] = []
        var hook: Int?
        var started = false
        var stopped = false
    }

    /// The declared models, in recipe order.
    public let models: [ModelConfig]
    /// What stages may know of each model (``ModelClient``), identity included.
    public let declaredModels: [ModelInfo]
    private let environment: [String: String]
    private let transport: HTTPTransport
    private let sender: RequestSender
    private let logDirectory: String
    private let state = Locked(State())

    /// Creates the service.
    /// - Parameters:
    ///   - models: the recipe's models (``ModelsSection/parse(_:file:context:)``).
    ///   - database: the run's open `state.sqlite` (a WAL `DatabasePool`); `nil` disables the cache.
    ///   - environment: where API keys and `JUPITER_LLAMA_PYTHON` are read.
    ///   - logDirectory: where local backends write their logs (default: the temporary directory).
    ///   - log: receives one line per notable event (retries, stores that failed), key-free.
    public init(
        models: [ModelConfig], database: (any DatabaseWriter)?,
        environment: [String: String] = ProcessInfo.processInfo.environment, logDirectory: String? = nil,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) throws {
        self.models = models
        declaredModels = models.map { m in
            ModelInfo(
                name: m.name, servedModel: m.model, reasoning: m.reasoning, contextTokens: m.contextTokens,
                identity: LLMService.identity(of: m))
        }
        self.environment = environment
        self.logDirectory = logDirectory ?? NSTemporaryDirectory()
        let keys = models.compactMap { $0.apiKeyEnv.flatMap { environment[$0] } }
        let redact = Redactor(secrets: keys)
        transport = HTTPTransport(maxConnectionsPerHost: models.map(\.maxInFlight).max() ?? 8)
        sender = RequestSender(
            transport: transport, cacheBox: Locked(try database.map { try ResponseCache(database: $0) }),
            redact: redact, log: { log(redact($0)) })
        var runtimes: [String: ModelRuntime] = [:]
        for m in models {
            if case .openAI(let endpoints) = m.backend {
                runtimes[m.name] = ModelRuntime(
                    config: m, identity: LLMService.identity(of: m), baseURLs: endpoints,
                    apiKey: m.apiKeyEnv.flatMap { environment[$0] })
            }
        }
        state.withLock { $0.runtimes = runtimes }
    }

    /// The response cache, when the service has a database.
    public var cache: ResponseCache? { sender.cache }

    /// Attaches the run's database as the response cache (creating the `llm_` tables), for
    /// callers that build the service before the run folder is open: build the service, register
    /// ``LLMStages/factories(service:)``, build the plan, open the run, then attach and `start()`.
    public func attachCache(database: any DatabaseWriter) throws {
        let cache = try ResponseCache(database: database)
        sender.cacheBox.withLock { $0 = cache }
    }

    /// Starts local backends (waiting until each is healthy) and checks that every endpoint
    /// answers `/v1/models` and serves its model. On failure everything started is stopped and
    /// the error names the model and endpoint. `served` gives the endpoints of `backend: slurm`
    /// models (their jobs run elsewhere; the run finds their endpoints); a Slurm model without
    /// endpoints there cannot be used. `only` limits the start to the named models (a cluster
    /// task starts only what its unit uses).
    public func start(only: Set<String>? = nil, served: [String: [String]] = [:]) async throws(LLMError) {
        let hook = ShutdownHooks.shared.add { [weak self] in await self?.shutdown() }
        state.withLock {
            $0.hook = hook; $0.started = true
        }
        do throws(LLMError) {
            let models = self.models.filter { only?.contains($0.name) ?? true }
            for m in models {
                guard case .llamaCpp(let options) = m.backend else { continue }
                // What the server needs, provisioned into the cache on first use.
                let provisioner = Provisioner(environment: environment, log: sender.log)
                let python = try provisioner.llamaPython(configured: options.python)
                let modelPath =
                    try Provisioner.WheelFile(options.modelPath).map { wheel throws(LLMError) in
                        try provisioner.fetch(wheel, python: python)
                    } ?? options.modelPath
                // The server binds its own port (LlamaCppServer.launcher): nothing else can take it.
                let server = LlamaCppServer(name: m.name, options: options, logDirectory: logDirectory)
                state.withLock { $0.servers.append(server) }
                try server.launch(python: python, modelPath: modelPath, environment: environment)
                let baseURL = try await waitHealthy(server, model: m, python: python)
                let runtime = ModelRuntime(
                    config: m, identity: identity(m.name), baseURLs: [baseURL],
                    apiKey: m.apiKeyEnv.flatMap { environment[$0] },
                    deathNote: { [server] in server.deathNote() })
                state.withLock { $0.runtimes[m.name] = runtime }
            }
            for m in models {
                guard case .slurm = m.backend else { continue }
                guard let urls = served[m.name], !urls.isEmpty else {
                    throw LLMError(
                        .notRunning,
                        "model '\(m.name)' is served by Slurm jobs (backend: slurm) and none of them "
                            + "is up: run the recipe with the slurm executor, or start the servers first")
                }
                let runtime = ModelRuntime(
                    config: m, identity: identity(m.name), baseURLs: urls.map(ModelConfig.normaliseBaseURL),
                    apiKey: m.apiKeyEnv.flatMap { environment[$0] })
                state.withLock { $0.runtimes[m.name] = runtime }
            }
            for m in models {
                let endpoints: [String]
                switch m.backend {
                case .openAI(let e): endpoints = e
                case .slurm: endpoints = served[m.name] ?? []
                case .llamaCpp: continue
                }
                for url in endpoints {
                    let served = try await LLMService.listModels(
                        baseURL: url, apiKey: apiKey(m), transport: transport,
                        timeout: min(m.timeout, 30), redact: sender.redact)
                    if !served.isEmpty && !served.contains(m.model) {
                        throw LLMError(
                            .badRequest,
                            "model '\(m.name)': endpoint \(url) does not serve '\(m.model)' (it serves: \(served.prefix(10).joined(separator: ", ")))"
                        )
                    }
                }
            }
        } catch {
            await shutdown()
            throw error
        }
    }

    private func apiKey(_ m: ModelConfig) -> String? { m.apiKeyEnv.flatMap { environment[$0] } }

    private func identity(_ name: String) -> String { declaredModels.first { $0.name == name }?.identity ?? name }

    /// A model's identity as configured, under which its answers are cached: the endpoint URLs
    /// and served id of a remote model; the GGUF file's SHA-256 and the server settings of a
    /// local one (its port changes every run, so the URL cannot be its identity).
    public static func identity(of m: ModelConfig) -> String {
        switch m.backend {
        case .openAI(let endpoints):
            return "openai " + endpoints.sorted().joined(separator: " ") + " model=" + m.model
        case .llamaCpp(let l):
            // A pinned wheel reference names one file forever; a file on disk is known by its bytes.
            let file =
                Provisioner.WheelFile(l.modelPath).map { $0.reference }
                ?? "gguf-sha256=" + ((try? SHA256.hex(ofFile: l.modelPath)) ?? "missing:\(l.modelPath)")
            return "llama-cpp \(file) ctx=\(l.contextSize) alias=\(m.model)"
        case .slurm(let s):
            // The command says what is served and how; the job's node and port change every run.
            return "slurm \(s.command) model=\(m.model)"
        }
    }

    /// Waits until the server has written the port it bound and answers `GET /models` there;
    /// returns its base URL.
    private func waitHealthy(_ server: LlamaCppServer, model m: ModelConfig, python: String) async throws(LLMError) -> String {
        guard case .llamaCpp(let options) = m.backend else { throw LLMError(.backend, "model '\(m.name)' is not a llama.cpp model") }
        let deadline = Clock.now() + options.startupTimeout
        var lastError = "it has not bound its port yet"
        // Checked once more after the deadline: on a starved machine one sleep can outlast the
        // whole limit (measured: a loaded 2-core test run woke this loop after more than 120 s,
        // with the server up since long before).
        while true {
            if !server.isRunning {
                throw LLMError(
                    .backend,
                    "model '\(m.name)': the llama.cpp server exited during start-up (\(python) -m llama_cpp.server; is llama-cpp-python[server] installed?). Log \(server.logPath):\n\(sender.redact(server.logTail()))"
                )
            }
            if let url = server.baseURL {
                do throws(LLMError) {
                    _ = try await LLMService.listModels(
                        baseURL: url, apiKey: nil, transport: transport, timeout: 2,
                        redact: sender.redact)
                    return url
                } catch {
                    lastError = error.message
                }
            }
            if Clock.now() >= deadline { break }
            try? await Task.sleep(nanoseconds: 200_000_000)
            if Task.isCancelled { throw LLMError(.cancelled, "start-up of model '\(m.name)' was cancelled") }
        }
        let at = server.baseURL.map { " at \($0)" } ?? ""
        throw LLMError(
            .backend,
            "model '\(m.name)': the llama.cpp server\(at) was not healthy within \(Int(options.startupTimeout)) s (\(lastError)). Log \(server.logPath):\n\(sender.redact(server.logTail()))"
        )
    }

    /// Stops local backends and closes connections. Safe to call more than once.
    public func shutdown() async {
        let (servers, hook) = state.withLock { s -> ([LlamaCppServer], Int?) in
            let r = (s.servers, s.hook)
            s.servers = []
            s.hook = nil
            return r
        }
        if let hook { ShutdownHooks.shared.remove(hook) }
        for s in servers { await s.stop() }
        let first = state.withLock { s -> Bool in
            defer { s.stopped = true }
            return !s.stopped
        }
        if first { await transport.shutdown() }
    }

    /// Process ids of running local backends (for tests and diagnostics).
    public var localServerPIDs: [Int32] { state.withLock { $0.servers.compactMap(\.pid) } }

    /// The base URLs a model is currently served at (local backends: after `start()`).
    public func endpoints(of model: String) -> [String] {
        state.withLock { $0.runtimes[model]?.pool.baseURLs ?? [] }
    }

    private func runtime(_ model: String) throws(LLMError) -> ModelRuntime {
        let (runtime, stopped) = state.withLock { ($0.runtimes[model], $0.stopped) }
        if stopped { throw LLMError(.notRunning, "the model service is shut down") }
        if let runtime { return runtime }
        if models.contains(where: { $0.name == model }) {
            throw LLMError(.notRunning, "model '\(model)' is a local backend that has not been started (call start())")
        }
        throw LLMError(.unknownModel, "no model named '\(model)' (declared: \(models.map(\.name).joined(separator: ", ")))")
    }

    /// A chat completion.
    public func chat(_ model: String, _ request: ChatRequest) async throws(LLMError) -> ChatResponse {
        try await chat(model, request, gates: [])
    }

    /// A text completion (e.g. `echo` + `logprobs` to score a prompt).
    public func complete(_ model: String, _ request: CompletionRequest) async throws(LLMError) -> CompletionResponse {
        try await complete(model, request, gates: [])
    }

    /// Embeddings, one vector per input.
    public func embed(_ model: String, _ request: EmbeddingRequest) async throws(LLMError) -> EmbeddingResponse {
        try await embed(model, request, gates: [])
    }

    /// A view of this service that has at most `limit` requests at once on the wire (each
    /// model's `max_in_flight` still applies). Only the HTTP exchange holds a place: cache
    /// look-ups, retries' waits and decoding happen outside it.
    public func limitingRequests(to limit: Int) -> any ModelClient {
        LimitedLLMClient(service: self, gates: [AsyncGate(width: limit)])
    }

    func chat(_ model: String, _ request: ChatRequest, gates: [AsyncGate]) async throws(LLMError) -> ChatResponse {
        let rt = try runtime(model)
        return try await sender.send(rt, path: "/chat/completions", body: request.body(model: rt.config.model), gates: gates) {
            json, cached throws(ResponseShapeError) in try ChatResponse(json: json, cached: cached)
        }
    }

    func complete(_ model: String, _ request: CompletionRequest, gates: [AsyncGate]) async throws(LLMError)
        -> CompletionResponse
    {
        let rt = try runtime(model)
        return try await sender.send(rt, path: "/completions", body: request.body(model: rt.config.model), gates: gates) {
            json, cached throws(ResponseShapeError) in try CompletionResponse(json: json, cached: cached)
        }
    }

    func embed(_ model: String, _ request: EmbeddingRequest, gates: [AsyncGate]) async throws(LLMError)
        -> EmbeddingResponse
    {
        let rt = try runtime(model)
        return try await sender.send(rt, path: "/embeddings", body: request.body(model: rt.config.model), gates: gates) {
            json, cached throws(ResponseShapeError) in try EmbeddingResponse(json: json, cached: cached)
        }
    }

    /// Any JSON request to a path under the model's base URL (e.g. `/chat/completions` with a
    /// body built by hand), with the same cache, limits and retries; returns the raw answer.
    public func send(_ model: String, path: String, body: JSONObject) async throws(LLMError) -> JSONValue {
        let rt = try runtime(model)
        var b = body
        if b["model"] == nil { b["model"] = .string(rt.config.model) }
        return try await sender.send(rt, path: path, body: b) { json, _ throws(ResponseShapeError) in json }
    }

    /// Per-model counters of this service's life, for the manifest's `timings.models`: requests
    /// sent, retries, failures, cache hits, tokens and latency p50/p95 (ms, of answered HTTP
    /// requests). They describe one execution (a resumed run sends fewer requests), so they are
    /// kept apart from the model's settings.
    public var accounting: JSONValue {
        let runtimes = state.withLock { $0.runtimes }
        var o = JSONObject()
        for m in models {
            let stats = runtimes[m.name]?.stats.withLock({ $0 }) ?? ModelStats()
            o[m.name] = stats.json
        }
        return .object(o)
    }

    /// The model ids an endpoint serves (`GET {baseURL}/models`); errors name the endpoint.
    public static func listModels(baseURL: String, apiKey: String? = nil, timeout: Double = 30) async throws(LLMError)
        -> [String]
    {
        let transport = HTTPTransport(maxConnectionsPerHost: 1)
        defer { Task { await transport.shutdown() } }
        return try await listModels(
            baseURL: ModelConfig.normaliseBaseURL(baseURL), apiKey: apiKey, transport: transport,
            timeout: timeout, redact: Redactor(secrets: apiKey.map { [$0] } ?? []))
    }

    static func listModels(
        baseURL: String, apiKey: String?, transport: HTTPTransport, timeout: Double,
        redact: Redactor
    ) async throws(LLMError) -> [String] {
        let url = baseURL + "/models"
        let answer: HTTPAnswer
        do throws(LLMError) {
            answer = try await transport.send(method: .GET, url: url, body: nil, apiKey: apiKey, timeout: timeout)
        } catch {
            throw LLMError(error.kind, "endpoint \(baseURL) is unreachable: \(redact(error.message))")
        }
        guard answer.status == 200 else {
            let hint = answer.status == 404 && !baseURL.hasSuffix("/v1") ? " (base URLs usually end in /v1)" : ""
            let snippet = redact(String(decoding: answer.body.prefix(200), as: UTF8.self))
            throw LLMError(
                answer.status == 401 || answer.status == 403 ? .badRequest : .serverError,
                "endpoint \(baseURL): GET /models answered HTTP \(answer.status)\(hint): \(snippet)", status: answer.status)
        }
        guard let json = try? JSONParser.parse(answer.body), let data = json["data"]?.arrayValue else {
            throw LLMError(.invalidResponse, "endpoint \(baseURL): GET /models did not answer an OpenAI model list")
        }
        return data.compactMap { $0["id"]?.stringValue }
    }
}

/// ``LLMService/limitingRequests(to:)``: the service, with every HTTP exchange holding a place
/// of each of `gates` (one per nested limit).
struct LimitedLLMClient: ModelClient {
    let service: LLMService
    let gates: [AsyncGate]

    var declaredModels: [ModelInfo] { service.declaredModels }

    func chat(_ model: String, _ request: ChatRequest) async throws(LLMError) -> ChatResponse {
        try await service.chat(model, request, gates: gates)
    }

    func complete(_ model: String, _ request: CompletionRequest) async throws(LLMError) -> CompletionResponse {
        try await service.complete(model, request, gates: gates)
    }

    func embed(_ model: String, _ request: EmbeddingRequest) async throws(LLMError) -> EmbeddingResponse {
        try await service.embed(model, request, gates: gates)
    }

    func limitingRequests(to limit: Int) -> any ModelClient {
        LimitedLLMClient(service: service, gates: gates + [AsyncGate(width: limit)])
    }
}
