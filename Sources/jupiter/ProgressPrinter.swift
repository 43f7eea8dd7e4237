import Foundation
import Jupiter

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows run progress: a live status line (records/s, percent, ETA) on a terminal, plain
/// timestamped lines every few seconds otherwise (logs, CI, Slurm).
final class ProgressPrinter: @unchecked Sendable {
    private let lock = NSLock()
    private let live: Bool
    private let quiet: Bool
    private var stepStart = Date()
    /// When each step (`dataset/index`) first started: a sharded dedup step starts once per pass.
    private var firstStarts: [String: Date] = [:]
    private var lastPrint = Date.distantPast
    private var totalBytes: Int?
    private var label = ""
    private var lineOpen = false

    init(live: Bool, quiet: Bool) {
        self.live = live
        self.quiet = quiet
    }

    func handle(_ event: RunEvent) {
        lock.lock()
        defer { lock.unlock() }
        if quiet { return }
        switch event {
        case .stepStarted(let dataset, let step, let of, let label, let totalBytes):
            self.totalBytes = totalBytes
            begin("[\(dataset)] step \(step + 1)/\(of) \(label)")
            if firstStarts["\(dataset)/\(step)"] == nil { firstStarts["\(dataset)/\(step)"] = stepStart }
        case .progress(_, _, let records, let bytes):
            guard let now = due() else { return }
            let elapsed = max(now.timeIntervalSince(stepStart), 0.001)
            var text = "\(label): \(NumberText.grouped(records)) records · \(NumberText.grouped(Int(Double(records) / elapsed)))/s"
            if let total = totalBytes, total > 0, bytes > 0 {
                let fraction = min(1, Double(bytes) / Double(total))
                text += " · \(Int(fraction * 100))%"
                if fraction > 0.01 {
                    let remaining = elapsed / fraction - elapsed
                    text += " · ETA \(Self.duration(remaining))"
                }
            }
            show(text)
        case .stepSkipped(let dataset, let step, let label):
            closeLine()
            Terminal.error("[\(dataset)] step \(step + 1) \(label): already done, skipped")
        case .stepFinished(let dataset, let step, let records):
            closeLine()
            let elapsed = Date().timeIntervalSince(firstStarts["\(dataset)/\(step)"] ?? stepStart)
            Terminal.error("\(label): done, \(NumberText.grouped(records)) records out in \(Self.duration(elapsed))")
        case .datasetFinished(let dataset, let read, let kept, let dropped, let quarantined, let records):
            closeLine()
            Terminal.error(
                "[\(dataset)] read \(NumberText.grouped(read)) · kept \(NumberText.grouped(kept)) · dropped "
                    + "\(NumberText.grouped(dropped)) · quarantined \(NumberText.grouped(quarantined)) → "
                    + "\(NumberText.grouped(records)) records")
        case .mixStarted(let datasets):
            begin("[mixture] \(datasets) dataset\(datasets == 1 ? "" : "s")")
        case .mix(let p):
            guard due() != nil else { return }
            let text: String
            switch p {
            case .measuring(let dataset, let records): text = "\(label): measuring \(dataset): \(NumberText.grouped(records)) records"
            case .encoding(let records, let of):
                text = "\(label): encoding \(NumberText.grouped(records))/\(NumberText.grouped(of)) records"
            case .shardWritten(let index, let of): text = "\(label): wrote shard \(index + 1)/\(of)"
            }
            show(text)
        case .mixSkipped:
            closeLine()
            Terminal.error("[mixture] already built with the same inputs and settings, skipped")
        case .mixFinished(let records, let tokens, let shards, _):
            closeLine()
            let elapsed = Date().timeIntervalSince(stepStart)
            Terminal.error(
                "[mixture] \(NumberText.grouped(records)) conversations · \(NumberText.grouped(tokens)) tokens · "
                    + "\(shards) shard\(shards == 1 ? "" : "s") in \(Self.duration(elapsed))")
        case .staleOutputRemoved(let path):
            closeLine()
            Terminal.error("removed \(path)/: the recipe no longer produces it")
        case .cluster(let line):
            closeLine()
            Terminal.error(line)
        }
    }

    /// Starts a step (or the mix): its label, clock and first progress line.
    private func begin(_ label: String) {
        closeLine()
        stepStart = Date()
        lastPrint = .distantPast
        self.label = label
        if !live { Terminal.error("\(label): started") }
    }

    /// Now, when a progress line is due (every 0.1 s live, every 5 s in logs); nil otherwise.
    private func due() -> Date? {
        let now = Date()
        guard now.timeIntervalSince(lastPrint) >= (live ? 0.1 : 5.0) else { return nil }
        lastPrint = now
        return now
    }

    /// Shows a progress line: rewritten in place on a terminal, a plain line in logs.
    private func show(_ text: String) {
        if live {
            Terminal.raw("\r\u{1B}[K" + text)
            lineOpen = true
        } else {
            Terminal.error(text)
        }
    }

    private func closeLine() {
        if lineOpen { Terminal.raw("\n"); lineOpen = false }
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return String(format: "%.1fs", seconds) }
        return String(format: "%d:%02d", s / 60, s % 60) + (s >= 3600 ? "" : "")
    }
}
