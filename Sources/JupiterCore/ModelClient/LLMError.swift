/// Why a model request failed. Messages never contain API keys (they are redacted before the
/// error is made).
public struct LLMError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: String, Sendable, Hashable {
        /// HTTP 429.
        case rateLimited = "rate-limited"
        /// HTTP 5xx (or 408).
        case serverError = "server-error"
        /// HTTP 4xx other than 408/429: the request itself is wrong (not retried).
        case badRequest = "bad-request"
        /// The request took longer than the model's `timeout_s`.
        case timeout
        /// Connecting failed or the connection was closed or reset.
        case connection
        /// The body was not valid JSON or lacked expected fields.
        case invalidResponse = "invalid-response"
        /// The model name is not declared in the recipe.
        case unknownModel = "unknown-model"
        /// The service is not started, or shut down.
        case notRunning = "not-running"
        /// A local backend could not be started.
        case backend
        /// The calling task was cancelled.
        case cancelled
    }

    /// The kind of failure.
    public var kind: Kind
    /// One sentence (endpoint named, key redacted).
    public var message: String
    /// HTTP status, when there was one.
    public var status: Int?
    /// Tries made (1 when not retried).
    public var attempts: Int

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, status: Int? = nil, attempts: Int = 1) {
        self.kind = kind
        self.message = message
        self.status = status
        self.attempts = attempts
    }

    /// True for failures of the way to the model rather than of the request: connection problems,
    /// timeouts, HTTP 429 and 5xx, a local server that is not running, and interruption. The rule
    /// for every model stage and the evaluation: such a failure, once its retries are spent, is
    /// never turned into a result (no quarantine, no drop, no empty answer); the stage throws it,
    /// the run finishes the rest and exits 4, and a rerun resends exactly those requests. Only a
    /// request the server rejects (``Kind/badRequest``: a prompt over the context, say) or an
    /// answer that cannot be used is quarantined or dropped with its reason.
    public var isTransportFailure: Bool {
        switch kind {
        case .rateLimited, .serverError, .timeout, .connection, .notRunning, .backend, .cancelled: true
        case .badRequest, .invalidResponse, .unknownModel: false
        }
    }

    /// Whether a retry may succeed.
    public var isRetryable: Bool {
        switch kind {
        case .rateLimited, .serverError, .timeout, .connection, .invalidResponse: true
        default: false
        }
    }

    /// `kind: message (after N attempts)`.
    public var description: String {
        attempts > 1 ? "\(kind.rawValue): \(message) (after \(attempts) attempts)" : "\(kind.rawValue): \(message)"
    }
}
