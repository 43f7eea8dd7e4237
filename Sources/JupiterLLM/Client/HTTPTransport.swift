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

/// HTTP/1.1 over AsyncHTTPClient, with failures mapped to ``LLMError`` kinds. One transport per
/// service; its connection pool is sized to the largest `max_in_flight`.
final class HTTPTransport: Sendable {
    /// Largest body accepted (64 MiB).
    static let maxBody = 64 << 20
    let client: HTTPClient

    init(maxConnectionsPerHost: Int) {
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
        if first { try? await client.shutdown() }
    }

    deinit {
        let first = isShutDown.withLock { done -> Bool in
            defer { done = true }; return !done
        }
        if first { try? client.syncShutdown() }
    }

    /// Sends one request; a transport failure becomes a timeout/connection/cancelled error whose
    /// message names `url` (which holds no secret: keys only travel in headers).
    ///
    /// The deadline is AsyncHTTPClient's event-loop one (`execute(request:delegate:deadline:)`): it
    /// fires on the network thread that owns the connection. The `async` `execute(_:deadline:)`
    /// instead cancels through a `Task`, which a machine whose cooperative threads are all busy
    /// (curation or mixing on every core) can delay past the answer; a late answer then counted as
    /// a success and a timeout was not a timeout. Task cancellation still cancels the request.
    ///
    /// `finished`, when given, runs exactly once as soon as the exchange is over (answered or
    /// failed), on the network thread when the request got that far: a caller gives back its
    /// in-flight place there, so the next request waiting for it starts without waiting for this
    /// task to be scheduled again.
    func send(
        method: RequestMethod, url: String, body: [UInt8]?, apiKey: String?, timeout: Double,
        finished: (@Sendable () -> Void)? = nil
    ) async throws(LLMError) -> HTTPAnswer {
        let finish = finished.map(RunOnce.init)
        defer { finish?.run() }
        var headers = HTTPHeaders()
        headers.add(name: "Accept", value: "application/json")
        if body != nil { headers.add(name: "Content-Type", value: "application/json") }
        if let apiKey { headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        do {
            let request = try HTTPClient.Request(
                url: url, method: method == .GET ? .GET : .POST, headers: headers, body: body.map { .bytes($0) })
            let deadline = NIODeadline.now() + .nanoseconds(Int64(min(timeout, 86_400) * 1e9))
            let task = client.execute(
                request: request, delegate: ResponseAccumulator(request: request, maxBodySize: HTTPTransport.maxBody),
                deadline: deadline)
            if let finish { task.futureResult.whenComplete { _ in finish.run() } }
            let response = try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
            var bytes: [UInt8] = []
            if let buffer = response.body {
                bytes = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
            }
            var retryAfter: Double?
            if let ra = response.headers.first(name: "Retry-After") {
                retryAfter = RetryAfter.seconds(ra)
            }
            return HTTPAnswer(status: Int(response.status.code), retryAfter: retryAfter, body: bytes)
        } catch let error as HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout:
                throw LLMError(.timeout, "\(method.rawValue) \(url) got no answer within \(Self.seconds(timeout))")
            case .cancelled:
                throw LLMError(.cancelled, "\(method.rawValue) \(url) was cancelled")
            case .remoteConnectionClosed:
                throw LLMError(.connection, "\(method.rawValue) \(url): the server closed the connection")
            default:
                throw LLMError(.connection, "\(method.rawValue) \(url): \(error)")
            }
        } catch is CancellationError {
            throw LLMError(.cancelled, "\(method.rawValue) \(url) was cancelled")
        } catch let error as ResponseAccumulator.ResponseTooBigError {
            throw LLMError(.invalidResponse, "\(method.rawValue) \(url): answer larger than \(HTTPTransport.maxBody) bytes (\(error))")
        } catch {
            throw LLMError(.connection, "\(method.rawValue) \(url): \(Self.describe(error))")
        }
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

/// A closure run at most once, whoever calls first.
final class RunOnce: Sendable {
    private let body: Locked<(@Sendable () -> Void)?>

    init(_ body: @escaping @Sendable () -> Void) { self.body = Locked(body) }

    /// Runs the closure unless it already ran.
    func run() {
        let b = body.withLock { b -> (@Sendable () -> Void)? in
            defer { b = nil }
            return b
        }
        b?()
    }
}
