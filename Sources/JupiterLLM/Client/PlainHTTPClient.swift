import Foundation
import JupiterCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// HTTP/1.1 over plain TCP for `http://` endpoints (local llama.cpp, vLLM or SGLang servers, a
/// cluster's model jobs): one request per connection at a time, connections kept alive and
/// reused, everything of an exchange done on its connection's network thread.
///
/// It exists for speed: a model stage sends thousands of small requests per second to a local
/// server, and AsyncHTTPClient's general machinery (redirects, TLS, HTTP/2, its connection-pool
/// state machine, a task per request) cost about a third of the client's CPU there. `https://`
/// endpoints still go through AsyncHTTPClient (``HTTPTransport``).
///
/// Failures are reported as ``Failure``s, which ``HTTPTransport`` turns into ``LLMError``s with the
/// same kinds and messages as its AsyncHTTPClient path.
final class PlainHTTPClient: Sendable {
    /// Why an exchange produced no answer.
    enum Failure: Error, Sendable {
        /// No connection could be made (the text says why, e.g. connection refused).
        case connect(String)
        /// The server closed the connection before the answer was complete.
        case closed
        /// The deadline passed.
        case timeout
        /// The caller's task was cancelled.
        case cancelled
        /// The answer's body passed the size limit.
        case tooBig
        /// Anything else on the connection (the text says what).
        case other(String)
    }

    /// Where a request goes: host, port and the path with its query.
    struct Target: Sendable {
        var host: String
        var port: Int
        var path: String

        /// `http://host[:port]/path?query`, or nil for anything else (https, user info, …).
        init?(_ url: String) {
            guard url.hasPrefix("http://") else { return nil }
            let rest = url.dropFirst(7)
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            let authority = rest[..<slash]
            guard !authority.isEmpty, !authority.contains("@") else { return nil }
            path = slash == rest.endIndex ? "/" : String(rest[slash...])
            if authority.hasPrefix("[") {
                // [IPv6]:port
                guard let close = authority.firstIndex(of: "]") else { return nil }
                host = String(authority[authority.index(after: authority.startIndex)..<close])
                let after = authority[authority.index(after: close)...]
                if after.isEmpty {
                    port = 80
                } else {
                    guard after.hasPrefix(":"), let p = Int(after.dropFirst()), (1...65535).contains(p) else { return nil }
                    port = p
                }
            } else if let colon = authority.lastIndex(of: ":") {
                host = String(authority[..<colon])
                guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p), !host.isEmpty else {
                    return nil
                }
                port = p
            } else {
                host = String(authority)
                port = 80
            }
        }

        /// The `Host` header's value.
        var hostHeader: String {
            let h = host.contains(":") ? "[\(host)]" : host
            return port == 80 ? h : "\(h):\(port)"
        }
    }

    /// A kept-alive connection and its handler (touched only on the channel's event loop).
    final class Connection: @unchecked Sendable {
        let channel: any Channel
        let handler: ExchangeHandler

        init(channel: any Channel, handler: ExchangeHandler) {
            self.channel = channel
            self.handler = handler
        }
    }

    private struct Pool {
        var idle: [String: [Connection]] = [:]
        var closed = false
    }

    /// Idle connections kept per host (beyond them, a finished connection is closed).
    let maxIdlePerHost: Int
    private let group: any EventLoopGroup
    private let pool = Locked(Pool())
    private let nextID = Locked<UInt64>(0)

    init(maxIdlePerHost: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.maxIdlePerHost = max(8, maxIdlePerHost)
        self.group = group
    }

    /// Closes the idle connections, and each busy one as its exchange ends; later requests open
    /// new ones (closed after use).
    func shutdown() {
        let all = pool.withLock { p -> [Connection] in
            defer {
                p.idle = [:]
                p.closed = true
            }
            return p.idle.values.flatMap { $0 }
        }
        for c in all { c.channel.close(promise: nil) }
    }

    /// Starts one request: the future of its whole answer (failing with a ``Failure``), and a
    /// closure that cancels it. An idle connection to the host is reused (one on the calling
    /// network thread first, where the request is then written at once), otherwise one is opened.
    func start(
        method: HTTPMethod, target: Target, headers: [(String, String)], body: [UInt8]?, timeout: Double,
        maxBody: Int
    ) -> (EventLoopFuture<HTTPAnswer>, @Sendable () -> Void) {
        let deadline = NIODeadline.now() + .nanoseconds(Int64(min(timeout, 86_400) * 1e9))
        let key = "\(target.host):\(target.port)"
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: target.path)
        head.headers.add(name: "Host", value: target.hostHeader)
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        head.headers.add(name: "Content-Length", value: String(body?.count ?? 0))
        let request = head
        let id = nextID.withLock { n -> UInt64 in
            n &+= 1
            return n
        }
        let state = Locked(Pending())
        @Sendable func begin(_ connection: Connection, _ promise: EventLoopPromise<HTTPAnswer>) {
            let exchange = ExchangeHandler.Exchange(
                id: id, head: request, body: body, maxBody: maxBody, promise: promise, deadline: deadline,
                done: { [weak self] reusable in
                    // Back to the pool before the answer is handed on, so that the request given
                    // this one's place finds the connection free (and is written on it at once).
                    if reusable, let self { self.giveBack(connection, key: key) } else { connection.channel.close(promise: nil) }
                })
            let loop = connection.channel.eventLoop
            if loop.inEventLoop {
                connection.handler.start(exchange, channel: connection.channel)
            } else {
                loop.execute { connection.handler.start(exchange, channel: connection.channel) }
            }
        }
        let cancel: @Sendable () -> Void = {
            let (connection, promise) = state.withLock { p -> (Connection?, EventLoopPromise<HTTPAnswer>?) in
                p.cancelled = true
                return (p.connection, p.connection == nil ? p.promise : nil)
            }
            if let connection {
                connection.channel.eventLoop.execute {
                    connection.handler.fail(.cancelled, channel: connection.channel, only: id)
                }
            } else {
                promise?.fail(Failure.cancelled)
            }
        }
        if let idle = takeIdle(key) {
            let promise = idle.channel.eventLoop.makePromise(of: HTTPAnswer.self)
            state.withLock { $0.connection = idle }
            begin(idle, promise)
            return (promise.futureResult, cancel)
        }
        let loop = group.next()
        let promise = loop.makePromise(of: HTTPAnswer.self)
        state.withLock { $0.promise = promise }
        let remaining = deadline - .now()
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(min(max(remaining, .milliseconds(1)), .seconds(30)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ExchangeHandler())
                }
            }
        bootstrap.connect(host: target.host, port: target.port).whenComplete { result in
            switch result {
            case .success(let channel):
                // On the channel's event loop: the pipeline is reachable synchronously.
                guard let handler = try? channel.pipeline.syncOperations.handler(type: ExchangeHandler.self) else {
                    channel.close(promise: nil)
                    promise.fail(Failure.other("no HTTP handler on the new connection"))
                    return
                }
                let connection = Connection(channel: channel, handler: handler)
                let cancelled = state.withLock { p -> Bool in
                    if !p.cancelled { p.connection = connection }
                    return p.cancelled
                }
                if cancelled {
                    channel.close(promise: nil)  // the promise was failed by the cancel
                } else {
                    begin(connection, promise)
                }
            case .failure(let error):
                let cancelled = state.withLock { $0.cancelled }
                if cancelled { return }
                if case ChannelError.connectTimeout = error {
                    promise.fail(Failure.timeout)
                } else {
                    promise.fail(Failure.connect(HTTPTransport.describe(error)))
                }
            }
        }
        return (promise.futureResult, cancel)
    }

    /// What a cancel needs to know about a request under way.
    private struct Pending {
        var connection: Connection?
        var promise: EventLoopPromise<HTTPAnswer>?
        var cancelled = false
    }

    /// An idle live connection to `key`: one on the calling event loop if any, else the latest.
    private func takeIdle(_ key: String) -> Connection? {
        pool.withLock { p -> Connection? in
            guard var list = p.idle[key], !list.isEmpty else { return nil }
            defer { p.idle[key] = list }
            list.removeAll { !$0.channel.isActive }
            if let i = list.lastIndex(where: { $0.channel.eventLoop.inEventLoop }) { return list.remove(at: i) }
            return list.popLast()
        }
    }

    /// Keeps a finished connection for the next request to the same host.
    private func giveBack(_ connection: Connection, key: String) {
        let kept = pool.withLock { p -> Bool in
            guard !p.closed, (p.idle[key]?.count ?? 0) < maxIdlePerHost else { return false }
            p.idle[key, default: []].append(connection)
            return true
        }
        if !kept { connection.channel.close(promise: nil) }
    }
}

/// One exchange at a time on a connection: writes the request, gathers the answer, completes the
/// exchange's promise; a close, an error or the deadline fails it.
final class ExchangeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    /// What one request needs on the network thread.
    struct Exchange: @unchecked Sendable {
        /// Tells this request from later ones on the same connection.
        var id: UInt64
        var head: HTTPRequestHead
        var body: [UInt8]?
        var maxBody: Int
        var promise: EventLoopPromise<HTTPAnswer>
        var deadline: NIODeadline
        /// Called once the answer is complete (true: the connection may be reused) or failed (false).
        var done: @Sendable (Bool) -> Void
    }

    private var current: Exchange?
    private var status = 0
    private var retryAfter: Double?
    private var keepAlive = true
    private var body: [UInt8] = []
    private var timer: Scheduled<Void>?

    /// Starts an exchange (on the channel's event loop).
    func start(_ exchange: Exchange, channel: any Channel) {
        guard current == nil, channel.isActive else {
            // Failed on a later turn of the loop: a failure hands the place on at once, and the
            // next request must not start (and maybe fail) inside this call.
            channel.eventLoop.assumeIsolated().execute {
                exchange.done(false)
                exchange.promise.fail(PlainHTTPClient.Failure.closed)
            }
            return
        }
        current = exchange
        status = 0
        retryAfter = nil
        keepAlive = true
        body = []
        let loop = channel.eventLoop
        let id = exchange.id
        timer = loop.assumeIsolated().scheduleTask(deadline: exchange.deadline) { [weak self] in
            self?.fail(.timeout, channel: channel, only: id)
        }
        channel.write(HTTPClientRequestPart.head(exchange.head), promise: nil)
        if let bytes = exchange.body, !bytes.isEmpty {
            var buffer = channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            channel.write(HTTPClientRequestPart.body(.byteBuffer(buffer)), promise: nil)
        }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
    }

    /// Fails the exchange under way, if any (and if it is `only`, when given), and closes the
    /// connection.
    func fail(_ failure: PlainHTTPClient.Failure, channel: any Channel, only: UInt64? = nil) {
        guard let exchange = current, only == nil || only == exchange.id else { return }
        current = nil
        timer?.cancel()
        timer = nil
        exchange.done(false)
        exchange.promise.fail(failure)
        channel.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard current != nil else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            keepAlive = head.isKeepAlive
            if let ra = head.headers.first(name: "Retry-After") { retryAfter = RetryAfter.seconds(ra) }
            if let length = head.headers.first(name: "Content-Length").flatMap(Int.init), length > 0,
                length <= current?.maxBody ?? 0
            {
                body.reserveCapacity(length)
            }
        case .body(let buffer):
            guard let exchange = current else { return }
            if body.count + buffer.readableBytes > exchange.maxBody {
                fail(.tooBig, channel: context.channel)
                return
            }
            buffer.withUnsafeReadableBytes { body.append(contentsOf: $0) }
        case .end:
            guard let exchange = current else { return }
            current = nil
            timer?.cancel()
            timer = nil
            let answer = HTTPAnswer(status: status, retryAfter: retryAfter, body: body)
            body = []
            exchange.done(keepAlive && context.channel.isActive)
            exchange.promise.succeed(answer)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.closed, channel: context.channel)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(.other("\(error)"), channel: context.channel)
    }
}
