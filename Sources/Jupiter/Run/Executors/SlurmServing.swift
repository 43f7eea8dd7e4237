import Foundation
import JupiterCore
import JupiterLLM

/// Models with `backend: slurm`: the body of a server job (`jupiter work RUN --serve-model M
/// --replica R`), and how tasks find the servers.
///
/// A server job picks a free port on its node, runs the model's `command` with `{port}` replaced,
/// waits until `GET /v1/models` answers, then publishes `slurm/endpoints/<model>-<replica>.json`
/// (its URL, node and job id) and stays until the server exits or the job is cancelled. Tasks
/// that use the model wait for the endpoints of the current submission's server jobs.
enum SlurmServing {
    /// The URL a server job published, when it belongs to job `job` (any job when nil).
    static func endpoint(_ run: String, model: String, replica: Int, job: String?) -> String? {
        let path = SlurmRecord.endpointPath(run, model: model, replica: replica)
        guard let bytes = try? FileSystem.read(path), let json = try? JSONParser.parse(bytes),
            let url = json["url"]?.stringValue
        else { return nil }
        if let job, json["job"]?.stringValue != job { return nil }
        return url
    }

    /// The endpoints of `model`'s server jobs in `record`, waiting until at least one published
    /// its URL (replicas that come up later join the next tasks). Fails when every server job has
    /// left the queue without publishing, or after the model's start-up timeout.
    static func waitForEndpoints(
        _ record: SlurmRecord, model: ModelConfig, slurm: SlurmCommands,
        log: (String) -> Void
    ) async throws(RunError) -> [String] {
        guard case .slurm(let options) = model.backend else { return [] }
        let jobs = record.jobs.filter { $0.kind == .server && $0.unit.hasPrefix(model.name + "/") }
        guard !jobs.isEmpty else {
            throw RunError(.model, "model '\(model.name)': no server job was submitted for it")
        }
        let started = Date()
        var announced = false
        while true {
            let urls = jobs.compactMap { job -> String? in
                let replica = Int(job.unit.split(separator: "/").last ?? "") ?? 0
                return endpoint(record.runDirectory, model: model.name, replica: replica, job: job.id)
            }
            if !urls.isEmpty { return urls }
            if let queued = slurm.queued(jobs.map(\.id)), queued.isEmpty {
                throw RunError(
                    .model,
                    "model '\(model.name)': its server job(s) \(jobs.map(\.id).joined(separator: ", ")) "
                        + "ended without serving; see \(record.runDirectory)/slurm/logs/serve-\(model.name)-*.log")
            }
            if Date().timeIntervalSince(started) > options.startupTimeout {
                throw RunError(
                    .model,
                    "model '\(model.name)': no server came up within \(Int(options.startupTimeout)) s "
                        + "(startup_timeout_s); see \(record.runDirectory)/slurm/logs/serve-\(model.name)-*.log")
            }
            if !announced {
                log("waiting for model '\(model.name)' (server job \(jobs.map(\.id).joined(separator: ", ")))")
                announced = true
            }
            do { try await Task.sleep(nanoseconds: 1_000_000_000) } catch { throw RunError(.interrupted, "interrupted") }
        }
    }

    /// Runs the server of `model` (replica `replica`) for the run in `run`: returns the server's
    /// exit status when it ends. `log` prints to the job's log.
    static func serve(
        run: String, model: ModelConfig, replica: Int, environment: [String: String],
        log: @escaping @Sendable (String) -> Void
    ) async throws(RunError) -> Int32 {
        guard case .slurm(let options) = model.backend else {
            throw RunError(.usage, "model '\(model.name)' is not a 'backend: slurm' model")
        }
        let port = try freePort()
        let host = environment["SLURMD_NODENAME"] ?? hostname()
        let command = options.command.replacingOccurrences(of: "{port}", with: String(port))
        log("jupiter: starting model '\(model.name)' replica \(replica) on \(host):\(port): \(command)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        p.environment = environment
        do { try p.run() } catch { throw RunError(.model, "model '\(model.name)': cannot run /bin/sh -c \(command): \(error)") }
        let child = p.processIdentifier
        // scancel sends SIGTERM: pass it on to the server, then end.
        let endpointFile = SlurmRecord.endpointPath(run, model: model.name, replica: replica)
        let term = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        signal(SIGTERM, SIG_IGN)
        term.setEventHandler {
            FileSystem.remove(endpointFile)
            kill(child, SIGTERM)
        }
        term.resume()
        defer { term.cancel() }
        let local = "http://127.0.0.1:\(port)/v1"
        let started = Date()
        var served: [String] = []
        while true {
            if !p.isRunning {
                throw RunError(
                    .model,
                    "model '\(model.name)': the server command exited with status \(p.terminationStatus) "
                        + "before answering /v1/models")
            }
            if let list = try? await LLMService.listModels(baseURL: local, timeout: 5) {
                served = list
                break
            }
            if Date().timeIntervalSince(started) > options.startupTimeout {
                kill(child, SIGTERM)
                throw RunError(
                    .model,
                    "model '\(model.name)': the server did not answer /v1/models within "
                        + "\(Int(options.startupTimeout)) s (startup_timeout_s)")
            }
            do { try await Task.sleep(nanoseconds: 500_000_000) } catch { throw RunError(.interrupted, "interrupted") }
        }
        if !served.isEmpty && !served.contains(model.model) {
            log("jupiter: warning: the server serves \(served.joined(separator: ", ")), not '\(model.model)'")
        }
        let url = "http://\(host):\(port)/v1"
        let record: JSONValue = .object([
            "url": .string(url), "host": .string(host), "port": .int(port),
            "job": .string(environment["SLURM_JOB_ID"] ?? ""),
            "served": .array(served.map { .string($0) })
        ])
        do {
            try AtomicFile.write(JSONWriter.bytes(record), to: endpointFile)
        } catch {
            kill(child, SIGTERM)
            throw RunError(.io, error.description)
        }
        log("jupiter: model '\(model.name)' is up at \(url) (after \(Int(Date().timeIntervalSince(started))) s)")
        while p.isRunning {
            do { try await Task.sleep(nanoseconds: 500_000_000) } catch { break }
        }
        FileSystem.remove(endpointFile)
        return p.isRunning ? 0 : p.terminationStatus
    }

    /// This machine's host name (`gethostname`: no DNS lookup).
    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A free TCP port on all interfaces (``FreePort``).
    static func freePort() throws(RunError) -> Int {
        do { return try FreePort.find(loopback: false) } catch { throw RunError(.io, error.description) }
    }
}
