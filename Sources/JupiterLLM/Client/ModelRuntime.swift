import AsyncHTTPClient
import Foundation
import JupiterCore

/// Everything needed to send requests to one model: its endpoints, limits, key and counters.
final class ModelRuntime: Sendable {
    let config: ModelConfig
    /// The model's identity (``LLMService/identity(of:)``): part of every cache key.
    let identity: String
    let pool: EndpointPool
    let apiKey: String?
    let requestBucket: TokenBucket?
    let tokenBucket: TokenBucket?
    let stats = Locked(ModelStats())
    /// For a local backend: why its process is gone (exit status, log tail), or nil while it
    /// runs. A connection failure to a dead server is not retried: it is reported with this.
    let deathNote: @Sendable () -> String?

    init(
        config: ModelConfig, identity: String, baseURLs: [String], apiKey: String?,
        deathNote: @escaping @Sendable () -> String? = { nil }
    ) {
        self.config = config
        self.deathNote = deathNote
        self.identity = identity
        pool = EndpointPool(baseURLs: baseURLs, maxInFlight: config.maxInFlight)
        self.apiKey = apiKey
        requestBucket = config.requestsPerMinute.map { TokenBucket(perMinute: $0) }
        tokenBucket = config.tokensPerMinute.map { TokenBucket(perMinute: $0) }
    }
}

/// A request started when its in-flight place was granted (no exchange: its task was cancelled
/// while it waited, and nothing was sent).
struct StartedRequest: Sendable {
    /// When it started (``Clock/now()``).
    let start: Double
    let exchange: PendingExchange?
}

/// The retrying, caching, rate-limited request path shared by chat, completions and embeddings.
struct RequestSender: Sendable {
    let transport: HTTPTransport
    let cacheBox: Locked<ResponseCache?>
    let redact: Redactor

    /// The response cache, once a database is attached.
    var cache: ResponseCache? { cacheBox.withLock { $0 } }
    let log: @Sendable (String) -> Void

    /// Sends `body` to `path` of the model (or answers from the cache), retrying retryable
    /// failures with backoff, and decodes the answer with `decode` (a decode failure is retried
    /// like invalid JSON). Each HTTP exchange holds a place of every gate in `gates` (taken
    /// before the model's endpoint slot, given back with it).
    func send<T: Sendable>(
        _ runtime: ModelRuntime, path: String, body: JSONObject, gates: [AsyncGate] = [],
        decode: @Sendable (JSONValue, Bool) throws(ResponseShapeError) -> T
    ) async throws(LLMError) -> T {
        var merged = runtime.config.extraBody
        for e in body { merged[e.key] = e.value }
        let bodyValue = JSONValue.object(merged)
        let cache = self.cache
        let key = cache == nil ? "" : ResponseCache.key(path: path, model: runtime.identity, body: bodyValue)
        if let cache, let stored = await cache.lookup(key),
            let json = try? JSONParser.parse(stored), let value = try? decode(json, true)
        {
            runtime.stats.withLock {
                $0.cacheHits += 1; $0.answered += 1
            }
            return value
        }
        let bytes = JSONWriter.bytes(bodyValue)
        let estimate = Double(bytes.count) / 4 + Double(merged["max_tokens"]?.intValue ?? 256)
        let name = runtime.config.name
        var attempt = 0
        while true {
            attempt += 1
            if Task.isCancelled { throw LLMError(.cancelled, "request to model '\(name)' was cancelled", attempts: attempt) }
            do {
                if let b = runtime.requestBucket { try await Clock.sleep(b.reserve(1)) }
                if let b = runtime.tokenBucket { try await Clock.sleep(b.reserve(estimate)) }
            } catch {
                throw LLMError(.cancelled, "request to model '\(name)' was cancelled", attempts: attempt)
            }
            for gate in gates { await gate.acquire() }
            // The request is started the moment a place is granted — when a place frees, on the
            // network thread that freed it — and the place is given back there as it ends. A task
            // cancelled while it waited sends nothing: its grant only hands the place back.
            let cancelled = Locked(false)
            @Sendable func giveBack(_ slot: EndpointPool.Slot) {
                runtime.pool.release(slot)
                for gate in gates.reversed() { gate.release() }
            }
            let (slot, started) = await withTaskCancellationHandler {
                await runtime.pool.acquire { [transport] slot in
                    if cancelled.withLock({ $0 }) { return StartedRequest(start: Clock.now(), exchange: nil) }
                    return StartedRequest(
                        start: Clock.now(),
                        exchange: transport.start(
                            method: RequestMethod.POST, url: slot.baseURL + path, body: bytes, apiKey: runtime.apiKey,
                            timeout: runtime.config.timeout, finished: { giveBack(slot) }))
                }
            } onCancel: {
                cancelled.withLock { $0 = true }
            }
            guard let exchange = started.exchange else {
                giveBack(slot)
                throw LLMError(.cancelled, "request to model '\(name)' was cancelled", attempts: attempt)
            }
            let url = slot.baseURL + path
            let start = started.start
            let outcome: Result<HTTPAnswer, LLMError>
            do throws(LLMError) {
                outcome = .success(try await exchange.answer())
            } catch {
                outcome = .failure(error)
            }
            let elapsed = Clock.now() - start
            runtime.stats.withLock {
                $0.requests += 1; if attempt > 1 { $0.retries += 1 }
            }

            var failure: LLMError
            var retryAfter: Double?
            switch outcome {
            case .failure(let e):
                failure = e
            case .success(let answer):
                runtime.stats.withLock { $0.latency.add(seconds: elapsed) }
                retryAfter = answer.retryAfter
                if (200..<300).contains(answer.status) {
                    do {
                        let json = try JSONParser.parse(answer.body)
                        let value = try decode(json, false)
                        let usage = Usage(json: json["usage"])
                        runtime.stats.withLock {
                            $0.answered += 1
                            $0.promptTokens += usage.promptTokens
                            $0.completionTokens += usage.completionTokens
                        }
                        if let b = runtime.tokenBucket {
                            let used = Double(usage.promptTokens + usage.completionTokens)
                            if used > 0 { b.adjust(used - estimate) }
                        }
                        if let cache {
                            do {
                                try await cache.store(
                                    key: key, model: runtime.config.model, path: path, response: answer.body,
                                    usage: usage)
                            } catch {
                                log("model '\(name)': could not store an answer in the response cache: \(redact("\(error)"))")
                            }
                        }
                        return value
                    } catch let e as JSONParseError {
                        failure = LLMError(
                            .invalidResponse, "\(url) answered invalid JSON (\(e.message) at byte \(e.offset) of \(answer.body.count))",
                            status: answer.status)
                    } catch {
                        failure = LLMError(
                            .invalidResponse, "\(url) answered JSON of an unexpected shape: \(redact("\(error)"))",
                            status: answer.status)
                    }
                } else {
                    let kind: LLMError.Kind =
                        switch answer.status {
                        case 429: .rateLimited
                        case 408, 500...599: .serverError
                        default: .badRequest
                        }
                    let snippet = String(decoding: answer.body.prefix(300), as: UTF8.self)
                    failure = LLMError(kind, "\(url) answered HTTP \(answer.status): \(redact(snippet))", status: answer.status)
                }
            }
            failure.message = redact(failure.message)
            failure.attempts = attempt
            runtime.stats.withLock { $0.errorsByKind[failure.kind.rawValue, default: 0] += 1 }
            if failure.kind == .connection || failure.kind == .timeout, let note = runtime.deathNote() {
                runtime.stats.withLock { $0.failures += 1 }
                throw LLMError(.backend, "model '\(name)': \(redact(note))", attempts: attempt)
            }
            guard failure.isRetryable, attempt < runtime.config.retry.maxAttempts else {
                runtime.stats.withLock { $0.failures += 1 }
                throw failure
            }
            let wait = runtime.config.retry.delay(beforeRetry: attempt, retryAfter: retryAfter, unit: Double.random(in: 0...1))
            log(
                "model '\(name)': attempt \(attempt)/\(runtime.config.retry.maxAttempts) failed (\(failure)); retrying in \(String(format: "%.2f", wait)) s"
            )
            do { try await Clock.sleep(wait) } catch {
                throw LLMError(.cancelled, "request to model '\(name)' was cancelled", attempts: attempt)
            }
        }
    }
}
