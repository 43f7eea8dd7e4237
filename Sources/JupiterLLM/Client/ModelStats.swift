import JupiterCore

/// Counters of one model, for the run manifest.
struct ModelStats: Sendable {
    /// HTTP requests sent (retries included).
    var requests = 0
    /// Requests sent again after a retryable failure.
    var retries = 0
    /// Calls that failed for good (after all attempts, or not retryable).
    var failures = 0
    /// Calls answered from the response cache.
    var cacheHits = 0
    /// Calls answered (from the server or the cache).
    var answered = 0
    /// Prompt tokens reported by the server (cache hits not counted).
    var promptTokens = 0
    /// Completion tokens reported by the server (cache hits not counted).
    var completionTokens = 0
    /// Failures per kind.
    var errorsByKind: [String: Int] = [:]
    /// Latency of answered HTTP requests (send to last body byte).
    var latency = LatencyHistogram()

    var json: JSONValue {
        var o: JSONObject = [
            "requests": .int(requests), "retries": .int(retries), "failures": .int(failures),
            "cache_hits": .int(cacheHits), "answered": .int(answered),
            "prompt_tokens": .int(promptTokens), "completion_tokens": .int(completionTokens)
        ]
        o["latency_ms"] = .object([
            "p50": latency.quantileMs(0.5).map { .double(($0 * 100).rounded() / 100) } ?? .null,
            "p95": latency.quantileMs(0.95).map { .double(($0 * 100).rounded() / 100) } ?? .null
        ])
        if !errorsByKind.isEmpty {
            o["errors"] = .object(
                JSONObject(
                    errorsByKind.sorted { $0.key < $1.key }.map {
                        JSONObject.Entry(key: $0.key, value: .int($0.value))
                    }))
        }
        return .object(o)
    }
}
