import AsyncHTTPClient
import Foundation
import JupiterCore
import NIOCore
import NIOHTTP1

/// The HTTP methods the client uses.
enum RequestMethod: String, Sendable {
    // swift-format-ignore: AlwaysUseLowerCamelCase
    case GET, POST
}

/// A raw HTTP answer.
struct HTTPAnswer: Sendable {
    var status: Int
    var retryAfter: Double?
    var body: [UInt8]
}

/// HTTP/1.1 with failures mapped to ``LLMError`` kinds: `http://` URLs through
/// ``PlainHTTPClient``, anything else (`https://`) through AsyncHTTPClient. One transport per
/// service; its connection pools are sized to the largest `max_in_flight`.
final class HTTPTransport: Sendable {
    /// Largest body accepted (64 MiB).
    static let maxBody = 64 << 20
    let client: HTTPClient
    let plain: PlainHTTPClient
    /// Parsed `http://` URLs (a service sends to a handful), nil for the others.
    private let targets = Locked<[String: PlainHTTPClient.Target?]>([:])

    init(maxConnectionsPerHost: Int) {
        plain = PlainHTTPClient(maxIdlePerHost: maxConnectionsPerHost)
        var config = HTTPClient.Configuration()
        config.connectionPool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(8, maxConnectionsPerHost))
        config.httpVersion = .http1Only
        config.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(30))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    private let isShutDown = Locked(false)

    /// Closes connections. Also happens on deinit when forgotten.
    func shutdown() async {
        let first = isShutDown.withLock { done -> Bool in
            defer { done = true }; return !done
        }
        if first {
            plain.shutdown()
            try? await client.shutdown()
        }
    }

    deinit {
        let first = isShutDown.withLock { done -> Bool in
            defer { done = true }; return !done
        }
        if first {
            plain.shutdown()
            try? client.syncShutdown()
        }
    }

    /// Sends one request and waits for its answer; see ``start(method:url:body:apiKey:timeout:finished:)``.
    func send(method: RequestMethod, url: String, body: [UInt8]?, apiKey: String?, timeout: Double) async throws(LLMError)
        -> HTTPAnswer
    {
        try await start(method: method, url: url, body: body, apiKey: apiKey, timeout: timeout).answer()
    }

    /// Starts one request without waiting: ``PendingExchange/answer()`` waits for it, and a
    /// transport failure becomes a timeout/connection/cancelled error whose message names `url`
    /// (which holds no secret: keys only travel in headers).
    ///
    /// The deadline is an event-loop one: it fires on the network thread that owns the
    /// connection. A deadline enforced by a `Task` instead can be delayed past the answer on a
    /// machine whose cooperative threads are all busy (curation or mixing on every core); a late
    /// answer then counted as a success and a timeout was not a timeout. Task cancellation of the
    /// waiter still cancels the request.
    ///
    /// `finished`, when given, runs exactly once as soon as the exchange is over (answered or
    /// failed), on the network thread when the request got that far: a caller gives back its
    /// in-flight place there, so the next request waiting for it starts without waiting for this
    /// task to be scheduled again.
    func start(
        method: RequestMethod, url: String, body: [UInt8]?, apiKey: String?, timeout: Double,
        finished: (@Sendable () -> Void)? = nil
    ) -> PendingExchange {
        let what = "\(method.rawValue) \(url)"
        let pending: PendingExchange
        let target: PlainHTTPClient.Target? = targets.withLock { cache in
            if let known = cache[url] { return known }
            let parsed = PlainHTTPClient.Target(url)
            if cache.count < 4096 { cache[url] = parsed }
            return parsed
        }
        var headers: [(String, String)] = [("Accept", "application/json")]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        if let apiKey { headers.append(("Authorization", "Bearer \(apiKey)")) }
        if let target {
            let (future, cancel) = plain.start(
                method: method == .GET ? .GET : .POST, target: target, headers: headers, body: body, timeout: timeout,
                maxBody: HTTPTransport.maxBody)
            pending = PendingExchange(future: future, cancel: cancel, what: what, timeout: timeout)
        } else {
            do {
                let request = try HTTPClient.Request(
                    url: url, method: method == .GET ? .GET : .POST, headers: HTTPHeaders(headers),
                    body: body.map { .bytes($0) })
                let deadline = NIODeadline.now() + .nanoseconds(Int64(min(timeout, 86_400) * 1e9))
                let task = client.execute(
                    request: request, delegate: ResponseAccumulator(request: request, maxBodySize: HTTPTransport.maxBody),
                    deadline: deadline)
                let future = task.futureResult.map { response in
                    var bytes: [UInt8] = []
                    if let buffer = response.body {
                        bytes = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
                    }
                    let retryAfter = response.headers.first(name: "Retry-After").flatMap { RetryAfter.seconds($0) }
                    return HTTPAnswer(status: Int(response.status.code), retryAfter: retryAfter, body: bytes)
                }
                pending = PendingExchange(future: future, cancel: { task.cancel() }, what: what, timeout: timeout)
            } catch {
                pending = PendingExchange(
                    future: client.eventLoopGroup.next().makeFailedFuture(error), cancel: {}, what: what, timeout: timeout)
            }
        }
        // A future completes exactly once, whatever ends the exchange.
        if let finished { pending.future.whenComplete { _ in finished() } }
        return pending
    }

    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : String(format: "%.3g s", s)
    }

    static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("connection refused") || text.contains("Connection refused") { return "connection refused" }
        return text
    }
}

/// A request under way (``HTTPTransport/start(method:url:body:apiKey:timeout:finished:)``).
struct PendingExchange: Sendable {
    let future: EventLoopFuture<HTTPAnswer>
    let cancel: @Sendable () -> Void
    /// `METHOD url`, for error messages.
    let what: String
    let timeout: Double

    /// The answer, or the transport failure as an ``LLMError``; cancelling the waiting task
    /// cancels the request.
    func answer() async throws(LLMError) -> HTTPAnswer {
        do {
            return try await withTaskCancellationHandler {
                try await future.get()
            } onCancel: {
                cancel()
            }
        } catch {
            throw Self.llmError(error, what: what, timeout: timeout)
        }
    }

    /// The ``LLMError`` of a failure of either client: each kind of failure has one message.
    static func llmError(_ error: any Error, what: String, timeout: Double) -> LLMError {
        let failure: PlainHTTPClient.Failure
        switch error {
        case let f as PlainHTTPClient.Failure: failure = f
        case let error as HTTPClientError:
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout: failure = .timeout
            case .cancelled: failure = .cancelled
            case .remoteConnectionClosed: failure = .closed
            default: failure = .other("\(error)")
            }
        case is CancellationError: failure = .cancelled
        case let error as ResponseAccumulator.ResponseTooBigError:
            return LLMError(.invalidResponse, "\(what): answer larger than \(HTTPTransport.maxBody) bytes (\(error))")
        default: failure = .other(HTTPTransport.describe(error))
        }
        switch failure {
        case .timeout: return LLMError(.timeout, "\(what) got no answer within \(HTTPTransport.seconds(timeout))")
        case .cancelled: return LLMError(.cancelled, "\(what) was cancelled")
        case .closed: return LLMError(.connection, "\(what): the server closed the connection")
        case .connect(let why), .other(let why): return LLMError(.connection, "\(what): \(why)")
        case .tooBig: return LLMError(.invalidResponse, "\(what): answer larger than \(HTTPTransport.maxBody) bytes")
        }
    }
}
