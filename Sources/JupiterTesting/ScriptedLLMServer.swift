import Foundation
import JupiterCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// An OpenAI-compatible server for tests and benchmarks, on a loopback port: deterministic
/// answers per prompt, top-logprobs, reasoning content, fault injection and a request log.
///
/// ```swift
/// let server = try await ScriptedLLMServer.start()
/// server.inject(.rateLimited(retryAfter: 0.1), times: 2)
/// // … point a model at server.baseURL …
/// #expect(server.requests(path: "/v1/chat/completions").count == 3)
/// try await server.stop()
/// ```
///
/// Answers (see ``ScriptedAnswers``): chat → `"Answer <h>: <last user turn>"` where `<h>` is a
/// hash of the prompt, seed and temperature (so equal requests get equal answers), with reasoning
/// `"Thinking about <h>."` in `reasoning_content` (or inline `<think>` with ``Options/inlineReasoning``)
/// unless `chat_template_kwargs.enable_thinking` is false; `/v1/completions` continues the
/// prompt (with `echo`, returns prompt logprobs); `/v1/embeddings` returns unit vectors.
public final class ScriptedLLMServer: Sendable {
    /// Server settings.
    public struct Options: Sendable {
        /// Model ids listed by `GET /v1/models` (requests for other models get 404).
        public var models: [String]
        /// Exact answers by prompt (last user turn); others get the default answer.
        public var script: [String: String]
        /// Put reasoning inline as `<think>…</think>` in `content` instead of `reasoning_content`.
        public var inlineReasoning: Bool
        /// Keep bodies in the request log (turn off for benchmarks).
        public var logBodies: Bool
        /// Event-loop threads.
        public var threads: Int
        /// Require this bearer token (401 otherwise), echoing the header back in the error body
        /// like a careless server would.
        public var requiredKey: String?
        /// Whether the model reasons (when `enable_thinking` is not false); false is a model that
        /// cannot think (SmolLM2): no reasoning whatever is asked.
        public var reasons: Bool
        /// Seconds every completion, chat and embedding answer waits (a model's latency), on the
        /// event loop (no thread is blocked), counted from the request's arrival. A timer fires
        /// late by the machine's wake-up time (0.4–1 ms on a 2-core VM), so the server sets each
        /// one early by the mean lateness of the ones before: answers then really take `latency`
        /// on average (``meanAnswerDelay`` says what they took).
        public var latency: Double
        /// Chat answers with given log-probabilities, by prompt: one list per generated position,
        /// the chosen token's log-probability first, then its alternatives. The answer's tokens
        /// are `t0`, ` t1`, … (one per position).
        public var logprobScript: [String: [[Double]]]
        /// The most alternatives returned per position, whatever `top_logprobs` asks (a server
        /// that caps or ignores the field); nil: as asked.
        public var maxTopLogprobs: Int?
        /// How `/v1/completions` gives log-probabilities (see ``PromptLogprobs``).
        public var promptLogprobs: PromptLogprobs

        /// Creates options.
        public init(
            models: [String] = ["test-model"], script: [String: String] = [:], inlineReasoning: Bool = false,
            logBodies: Bool = true, threads: Int = 1, requiredKey: String? = nil, reasons: Bool = true,
            latency: Double = 0, logprobScript: [String: [[Double]]] = [:], maxTopLogprobs: Int? = nil,
            promptLogprobs: PromptLogprobs = .hashed
        ) {
            self.models = models
            self.script = script
            self.inlineReasoning = inlineReasoning
            self.logBodies = logBodies
            self.threads = threads
            self.requiredKey = requiredKey
            self.reasons = reasons
            self.latency = latency
            self.logprobScript = logprobScript
            self.maxTopLogprobs = maxTopLogprobs
            self.promptLogprobs = promptLogprobs
        }
    }

    /// How the server's `/v1/completions` reports token log-probabilities.
    public enum PromptLogprobs: Sendable, Hashable {
        /// Each token gets ``ScriptedAnswers/logprob(_:position:)``, itself ranked first among its
        /// alternatives (the default).
        case hashed
        /// A tiny language model, aligned as OpenAI servers are: token `i` gets
        /// ``ScriptedAnswers/modelLogprob(previous:token:)`` given token `i−1`, and its alternatives
        /// are what that model predicts at `i` (``ScriptedAnswers/predictedToken(after:)`` first).
        case aligned
        /// The same model, shifted by one token as llama-cpp-python 0.3.36 reports echoed prompts:
        /// position `i` carries the distribution *after* token `i`, evaluated at token `i`; the
        /// first token gets a value too.
        case shiftedByOne
        /// No log-probabilities at all, whatever is asked.
        case none
    }

    struct Rule {
        var fault: Fault
        var remaining: Int
        var match: FaultMatch
    }

    struct State {
        var rules: [Rule] = []
        var log: [LoggedRequest] = []
        var count = 0
        var inFlight = 0
        var peakInFlight = 0
        var firstModelRequest: UInt64?
        var lastModelAnswer: UInt64?
        /// Mean lateness of the delay timers so far (seconds, moving average).
        var timerLateness = 0.0
        var delayedAnswers = 0
        var delaySum = 0.0
        var connections = 0
        /// Connections accepted and not yet closed.
        var openConnections = 0
    }

    let options: Options
    let state = Locked(State())
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    /// The bound port.
    public let port: Int

    /// The OpenAI base URL, `http://127.0.0.1:PORT/v1`.
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    private init(options: Options, group: MultiThreadedEventLoopGroup, channel: any Channel, port: Int) {
        self.options = options
        self.group = group
        self.channel = channel
        self.port = port
    }

    /// Starts a server on `127.0.0.1` (port 0 = any free port).
    public static func start(_ options: Options = Options(), port: Int = 0) async throws -> ScriptedLLMServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, options.threads))
        let box = Locked<ScriptedLLMServer?>(nil)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                let server = box.withLock { $0 }
                server?.state.withLock {
                    $0.connections += 1
                    $0.openConnections += 1
                }
                channel.closeFuture.whenComplete { _ in server?.state.withLock { $0.openConnections -= 1 } }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(ScriptedHandler(server: box))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: "127.0.0.1", port: port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        let server = ScriptedLLMServer(
            options: options, group: group, channel: channel,
            port: channel.localAddress?.port ?? port)
        box.withLock { $0 = server }
        return server
    }

    /// Stops the server.
    public func stop() async throws {
        try? await channel.close()
        try await group.shutdownGracefully()
    }

    /// Injects `fault` into the next `times` matching requests (rules apply in the order added).
    public func inject(_ fault: Fault, times: Int = 1, when match: FaultMatch = .any) {
        state.withLock { $0.rules.append(Rule(fault: fault, remaining: times, match: match)) }
    }

    /// Removes every pending fault.
    public func clearFaults() {
        state.withLock { $0.rules = [] }
    }

    /// Every request received, in arrival order.
    public var requestLog: [LoggedRequest] { state.withLock { $0.log } }

    /// Number of requests received (also counted when bodies are not logged).
    public var requestCount: Int { state.withLock { $0.count } }

    /// Connections accepted since the server started.
    public var connectionsAccepted: Int { state.withLock { $0.connections } }

    /// Waits until no connection is open, for at most `timeout` seconds; answers whether it got
    /// there. A test that kills a client calls it before ``resetLog()``: requests the client sent
    /// just before it died may still be in the server's socket buffers, and are logged when they
    /// are read, before their connection closes. (An answer still delayed on a closed connection
    /// does not matter: its request was logged when it came.)
    public func waitUntilNoConnections(timeout: Double = 30) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if state.withLock({ $0.openConnections == 0 }) { return true }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        return false
    }

    /// The most model requests ever being answered at the same time.
    public var peakInFlight: Int { state.withLock { $0.peakInFlight } }

    /// Marks a model request as answered (or dropped).
    func finished(path: String) {
        if path != "/v1/models" {
            let now = DispatchTime.now().uptimeNanoseconds
            state.withLock {
                $0.inFlight -= 1
                $0.lastModelAnswer = now
            }
        }
    }

    /// How early to set a delay timer: the recent mean lateness of the timers.
    var timerLateness: Double { state.withLock { $0.timerLateness } }

    /// Records a delayed answer: how late its timer fired and how long after its request it went.
    func noteDelayed(lateness: Double, answeredAfter: Double) {
        state.withLock { s in
            s.timerLateness += (lateness - s.timerLateness) * 0.05
            s.delayedAnswers += 1
            s.delaySum += answeredAfter
        }
    }

    /// The mean seconds between a delayed request's arrival and its answer (nil when none) since
    /// the last ``resetLog()``: what ``Options/latency`` really was.
    public var meanAnswerDelay: Double? {
        state.withLock { $0.delayedAnswers > 0 ? $0.delaySum / Double($0.delayedAnswers) : nil }
    }

    /// Seconds from the first model request received to the last one answered since the last
    /// ``resetLog()`` (0 when none): the part of a client's wall time the server saw.
    public var modelSpan: Double {
        state.withLock { s in
            guard let a = s.firstModelRequest, let b = s.lastModelAnswer, b > a else { return 0 }
            return Double(b - a) / 1e9
        }
    }

    /// Requests to `path` (e.g. `/v1/chat/completions`).
    public func requests(path: String) -> [LoggedRequest] { requestLog.filter { $0.path == path } }

    /// Forgets the log and the count.
    public func resetLog() {
        state.withLock {
            $0.log = []; $0.count = 0; $0.peakInFlight = $0.inFlight
            $0.firstModelRequest = nil; $0.lastModelAnswer = nil
            $0.delayedAnswers = 0; $0.delaySum = 0
        }
    }

    /// Logs a request and picks the fault to inject, if any.
    func admit(method: String, path: String, body: JSONValue?, prompt: String?, authorization: String?) -> Fault? {
        state.withLock { s in
            var fault: Fault?
            for i in s.rules.indices where s.rules[i].remaining > 0 {
                let applies: Bool =
                    switch s.rules[i].match {
                    case .any: path != "/v1/models"
                    case .path(let p): p == path
                    case .promptContains(let t): prompt?.contains(t) ?? false
                    case .promptIs(let t): prompt == t
                    }
                if applies {
                    s.rules[i].remaining -= 1
                    fault = s.rules[i].fault
                    break
                }
            }
            s.count += 1
            if path != "/v1/models" {
                if s.firstModelRequest == nil { s.firstModelRequest = DispatchTime.now().uptimeNanoseconds }
                s.inFlight += 1
                s.peakInFlight = max(s.peakInFlight, s.inFlight)
            }
            if options.logBodies || fault != nil {
                s.log.append(
                    LoggedRequest(
                        method: method, path: path, body: options.logBodies ? body : nil, prompt: prompt,
                        authorization: authorization, fault: fault))
            } else {
                s.log.append(LoggedRequest(method: method, path: path, body: nil, prompt: nil, authorization: nil, fault: nil))
            }
            return fault
        }
    }
}

/// Per-connection HTTP handler.
final class ScriptedHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let server: Locked<ScriptedLLMServer?>
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?

    init(server: Locked<ScriptedLLMServer?>) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = nil
        case .body(var b):
            if body == nil { body = b } else { body?.writeBuffer(&b) }
        case .end:
            guard let head, let server = server.withLock({ $0 }) else { return }
            let bytes = body.map { Array($0.readableBytesView) } ?? []
            self.head = nil
            body = nil
            respond(context: context, server: server, head: head, bytes: bytes)
        }
    }

    private func respond(context: ChannelHandlerContext, server: ScriptedLLMServer, head: HTTPRequestHead, bytes: [UInt8]) {
        let received = DispatchTime.now().uptimeNanoseconds
        let path = String(head.uri.split(separator: "?", maxSplits: 1).first ?? "")
        let json = bytes.isEmpty ? nil : try? JSONParser.parse(bytes)
        let prompt = json.flatMap { ScriptedAnswers.prompt(path: path, body: $0) }
        let auth = head.headers.first(name: "Authorization")
        let fault = server.admit(method: head.method.rawValue, path: path, body: json, prompt: prompt, authorization: auth)
        let keepAlive = head.isKeepAlive
        let delayed = (fault.map(ScriptedHandler.isSlow) ?? false) || (server.options.latency > 0 && path != "/v1/models")
        defer { if !delayed { server.finished(path: path) } }

        if let required = server.options.requiredKey, auth != "Bearer \(required)" {
            let msg = "{\"error\":{\"message\":\"invalid key in header: \(auth ?? "none")\",\"code\":401}}"
            send(context: context, status: 401, body: Array(msg.utf8), keepAlive: keepAlive)
            return
        }
        var delay: Double = 0
        switch fault {
        case .rateLimited(let ra):
            var extra: [(String, String)] = []
            if let ra { extra.append(("Retry-After", ScriptedAnswers.format(ra))) }
            send(
                context: context, status: 429, body: Array("{\"error\":{\"message\":\"rate limited\",\"code\":429}}".utf8),
                keepAlive: keepAlive, headers: extra)
            return
        case .serverError:
            send(
                context: context, status: 500, body: Array("{\"error\":{\"message\":\"internal error\",\"code\":500}}".utf8),
                keepAlive: keepAlive)
            return
        case .status(let s, let b):
            send(context: context, status: s, body: Array(b.utf8), keepAlive: keepAlive)
            return
        case .dropConnection:
            context.close(promise: nil)
            return
        case .slow(let s):
            delay = s
        case .truncatedJSON, .none:
            break
        }
        let (status, answer) = ScriptedAnswers.answer(method: head.method.rawValue, path: path, body: json, options: server.options)
        if path != "/v1/models" { delay = max(delay, server.options.latency) }
        var out = JSONWriter.bytes(answer)
        if case .truncatedJSON = fault { out = Array(out.prefix(out.count / 2)) }
        if delay > 0 {
            let loop = context.eventLoop.assumeIsolated()
            let now = DispatchTime.now().uptimeNanoseconds
            let due = received + UInt64(delay * 1e9)
            let early = UInt64(max(0, server.timerLateness) * 1e9)
            let wait = due > now + early ? due - now - early : 0
            loop.scheduleTask(in: .nanoseconds(Int64(wait))) {
                let fired = DispatchTime.now().uptimeNanoseconds
                server.noteDelayed(
                    lateness: (Double(fired) - Double(now + wait)) / 1e9, answeredAfter: Double(fired - received) / 1e9)
                server.finished(path: path)
                self.send(context: context, status: status, body: out, keepAlive: keepAlive)
            }
        } else {
            send(context: context, status: status, body: out, keepAlive: keepAlive)
        }
    }

    static func isSlow(_ f: Fault) -> Bool {
        if case .slow = f { return true }
        return false
    }

    private func send(
        context: ChannelHandlerContext, status: Int, body: [UInt8], keepAlive: Bool,
        headers extra: [(String, String)] = []
    ) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.count))
        for (k, v) in extra { headers.add(name: k, value: v) }
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in loopContext.value.close(promise: nil) }
        }
    }
}
