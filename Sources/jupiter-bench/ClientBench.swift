import ArgumentParser
import Foundation
import GRDB
import JupiterCore
import JupiterLLM
import JupiterTesting

/// `jupiter-bench client`: requests/s of Jupiter's model client against Python's `openai`
/// AsyncOpenAI client, both driving the same scripted OpenAI-compatible server in this process,
/// at the same concurrency, with the same prompts, in alternating rounds.
struct ClientBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Jupiter's LLM client vs Python's openai AsyncOpenAI on the scripted server (req/s).")

    @Option(help: "Requests per round and client.")
    var requests = 20_000

    @Option(help: "Concurrent requests.")
    var concurrency = 256

    @Option(help: "Rounds (each runs every client once; the best round counts).")
    var rounds = 3

    @Option(help: "Python interpreter with the openai package (the peer); omit to run Jupiter alone.")
    var python: String?

    @Option(name: .customLong("peer-script"), help: "The peer script (bench/client_peer.py).")
    var peerScript = "bench/client_peer.py"

    @Option(name: .customLong("server-threads"), help: "Event-loop threads of the scripted server.")
    var serverThreads = 1

    @Option(help: "Only serve the scripted server for this many seconds (for trying other clients).")
    var hold: Double?

    func run() async throws {
        let server = try await ScriptedLLMServer.start(.init(logBodies: false, threads: serverThreads))
        defer { Task { try? await server.stop() } }
        if let hold {
            print(server.baseURL)
            try await Task.sleep(nanoseconds: UInt64(hold * 1e9))
            print("requests: \(server.requestCount)")
            return
        }
        let prompts = (0..<requests).map { "Translate sentence \($0) of the Senedd record into Welsh." }
        let promptFile = NSTemporaryDirectory() + "jupiter-bench-prompts-\(getpid()).json"
        try JSONWriter.string(.array(prompts.map { .string($0) })).write(toFile: promptFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: promptFile) }

        print("scripted server \(server.baseURL), \(requests) chat requests per round, concurrency \(concurrency), \(rounds) rounds")
        // Warm up both (connections, JIT-free but page cache and allocator).
        _ = try await jupiterRound(server: server, prompts: Array(prompts.prefix(2000)), cache: false)
        if let python { _ = try peerRound(python: python, server: server, promptFile: promptFile, limit: 2000) }

        var jupiter: [Double] = []
        var jupiterCached: [Double] = []
        var peer: [Double] = []
        for r in 1...rounds {
            server.resetLog()
            let j = try await jupiterRound(server: server, prompts: prompts, cache: false)
            jupiter.append(j)
            guard server.requestCount == requests else {
                throw ValidationError("server saw \(server.requestCount) requests, expected \(requests)")
            }
            print("round \(r): jupiter \(fmt(j)) req/s", terminator: "")
            let jc = try await jupiterRound(server: server, prompts: prompts, cache: true)
            jupiterCached.append(jc)
            print(", jupiter+cache \(fmt(jc)) req/s", terminator: "")
            if let python {
                server.resetLog()
                let p = try peerRound(python: python, server: server, promptFile: promptFile, limit: requests)
                guard server.requestCount == requests else { throw ValidationError("peer: server saw \(server.requestCount) requests") }
                peer.append(p)
                print(", openai \(fmt(p)) req/s", terminator: "")
            }
            print("")
        }
        let best = jupiter.max() ?? 0
        let bestCached = jupiterCached.max() ?? 0
        print("")
        print("| client | concurrency | requests | best req/s | ratio vs openai |")
        print("|---|---|---|---|---|")
        if let peerBest = peer.max() {
            print("| Python openai AsyncOpenAI | \(concurrency) | \(requests) | \(fmt(peerBest)) | 1.00 |")
            print("| Jupiter LLMService | \(concurrency) | \(requests) | \(fmt(best)) | \(String(format: "%.2f", best / peerBest)) |")
            print(
                "| Jupiter LLMService + cache writes | \(concurrency) | \(requests) | \(fmt(bestCached)) | \(String(format: "%.2f", bestCached / peerBest)) |"
            )
            print("")
            print("ratio (jupiter / openai): \(String(format: "%.2f", best / peerBest))")
        } else {
            print("| Jupiter LLMService | \(concurrency) | \(requests) | \(fmt(best)) | – |")
            print("| Jupiter LLMService + cache writes | \(concurrency) | \(requests) | \(fmt(bestCached)) | – |")
        }
    }

    func fmt(_ x: Double) -> String { String(format: "%.0f", x) }

    /// One round of Jupiter's client: `concurrency` workers pulling prompts; returns req/s.
    func jupiterRound(server: ScriptedLLMServer, prompts: [String], cache: Bool) async throws -> Double {
        var dbPath: String?
        var pool: DatabasePool?
        if cache {
            let p = NSTemporaryDirectory() + "jupiter-bench-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).sqlite"
            dbPath = p
            pool = try DatabasePool(path: p)
        }
        defer { if let dbPath { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dbPath + s) } } }
        let model = ModelConfig(
            name: "bench", endpoints: [server.baseURL], model: "test-model", maxInFlight: concurrency,
            timeout: 60, retry: RetryPolicy(maxAttempts: 1))
        let llm = try LLMService(models: [model], database: pool)
        let next = Counter()
        let start = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while let i = next.take(below: prompts.count) {
                        let r = try await llm.chat(
                            "bench",
                            ChatRequest(
                                messages: [Message(role: .user, content: prompts[i])],
                                sampling: Sampling(maxTokens: 16)))
                        if r.choices.isEmpty { throw ValidationError("empty answer") }
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = Date().timeIntervalSince(start)
        await llm.shutdown()
        return Double(prompts.count) / elapsed
    }

    /// One round of the Python peer; returns its req/s.
    func peerRound(python: String, server: ScriptedLLMServer, promptFile: String, limit: Int) throws -> Double {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [
            python, peerScript, "--base-url", server.baseURL, "--model", "test-model", "--prompts", promptFile,
            "--limit", String(limit), "--concurrency", String(concurrency)
        ]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let line = String(data: data, encoding: .utf8)?.split(separator: "\n").last,
            let v = try? JSONParser.parse(String(line)), let rps = v["requests_per_second"]?.doubleValue
        else { throw ValidationError("peer failed (exit \(p.terminationStatus)): \(String(decoding: data, as: UTF8.self))") }
        return rps
    }
}

/// A shared work counter.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func take(below n: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < n else { return nil }
        value += 1
        return value - 1
    }
}
