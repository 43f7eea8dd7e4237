import ArgumentParser
import Foundation
import Jupiter

/// `jupiter status RUN`: where a cluster run stands.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a Slurm run's progress: per unit, tasks done, running, pending and failed, with failed tasks' logs.")

    @Argument(help: "The run folder.")
    var run: String

    func run() async throws {
        do {
            print(try Pipeline.clusterStatus(runDirectory: run).text(runDirectory: run))
        } catch {
            throw Terminal.fail(error)
        }
    }
}

/// `jupiter cancel RUN`: cancels every job of a cluster run.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel every Slurm job of a run (finished work stays; `jupiter run` resumes later).")

    @Argument(help: "The run folder.")
    var run: String

    func run() async throws {
        do {
            let ids = try Pipeline.cancelCluster(runDirectory: run)
            print(ids.isEmpty ? "no job of \(run) is queued or running" : "cancelled \(ids.count) job(s): " + ids.joined(separator: ", "))
        } catch {
            throw Terminal.fail(error)
        }
    }
}

/// `jupiter work RUN --unit U --task K --tasks N`: what a Slurm job runs (not for people).
struct WorkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "work",
        abstract: "Do one task of a submitted cluster run (Slurm jobs run this).",
        shouldDisplay: false)

    @Argument(help: "The run folder.")
    var run: String

    @Option(name: .long, help: "The unit: step:DATASET/INDEX, assemble:DATASET, mix or finish.")
    var unit: String?

    @Option(name: .long, help: "This task's index.")
    var task = 0

    @Option(name: .long, help: "Tasks of the unit.")
    var tasks = 1

    @Option(name: .long, help: "Parallel workers in this task.")
    var workers = 1

    @Option(name: .customLong("serve-model"), help: "Serve this model (a backend: slurm server job).")
    var serveModel: String?

    @Option(name: .long, help: "The server replica.")
    var replica = 0

    func run() async throws {
        if let serveModel {
            do {
                let status = try await Pipeline.serveModel(
                    runDirectory: run, model: serveModel, replica: replica,
                    log: { Terminal.error($0) })
                throw ExitCode(status)
            } catch let error as RunError {
                throw Terminal.fail(error)
            }
        }
        guard let unit else { throw ValidationError("give --unit (or --serve-model)") }
        let printer = ProgressPrinter(live: false, quiet: true)
        let (run, task, tasks, workers) = (self.run, self.task, self.tasks, self.workers)
        // SIGTERM (scancel, a requeue, the time limit): stop between batches; done batches stay.
        let work = Task {
            await Pipeline.work(
                runDirectory: run, unit: unit, task: task, tasks: tasks, workers: workers,
                observer: { printer.handle($0) }, log: { Terminal.error($0) })
        }
        let trap = SignalTrap { _ in work.cancel() }
        defer { withExtendedLifetime(trap) {} }
        let (status, message) = await work.value
        if status != .success { Terminal.error("error: \(message)") }
        throw Terminal.exit(status)
    }
}
