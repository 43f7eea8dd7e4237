import JupiterCore

/// A failure the ``ScriptedLLMServer`` can inject instead of (or before) a normal answer.
public enum Fault: Sendable, Hashable, CustomStringConvertible {
    /// HTTP 429 with a `Retry-After` header (seconds) when given.
    case rateLimited(retryAfter: Double?)
    /// HTTP 500 with a JSON error body.
    case serverError
    /// Any HTTP status with a body (e.g. 401 echoing something back).
    case status(Int, body: String)
    /// The normal answer, sent after a delay (seconds).
    case slow(Double)
    /// The connection is closed without an answer.
    case dropConnection
    /// HTTP 200 with a JSON body cut in half (Content-Length matches the cut body).
    case truncatedJSON

    /// Short name, as written in the request log.
    public var description: String {
        switch self {
        case .rateLimited(let ra): "429" + (ra.map { " retry-after \($0)" } ?? "")
        case .serverError: "500"
        case .status(let s, _): "\(s)"
        case .slow(let s): "slow \(s)s"
        case .dropConnection: "drop"
        case .truncatedJSON: "truncated-json"
        }
    }
}

/// Which requests a fault rule applies to.
public enum FaultMatch: Sendable, Hashable {
    /// Every model request (not `GET /v1/models`).
    case any
    /// Requests whose prompt (the last user turn, the completion prompt or an embedding input)
    /// contains the text.
    case promptContains(String)
    /// Requests whose prompt is exactly the text.
    case promptIs(String)
    /// Requests to this path (e.g. `/v1/models`, `/v1/embeddings`).
    case path(String)
}

/// One line of the server's request log.
public struct LoggedRequest: Sendable, Hashable {
    /// HTTP method.
    public var method: String
    /// Path, e.g. `/v1/chat/completions`.
    public var path: String
    /// Parsed JSON body (nil for GET or when not JSON).
    public var body: JSONValue?
    /// The prompt the answer is derived from (last user turn, completion prompt, first embedding input).
    public var prompt: String?
    /// The `Authorization` header as received.
    public var authorization: String?
    /// The fault injected, if any.
    public var fault: Fault?
}
