import JupiterCore

/// The Markdown summary printed at the end of `jupiter eval` and `jupiter eval compare`.
public enum EvalSummary {
    /// Figures per model and task, then per comparison the differences with their intervals,
    /// p-values, item counts and verdicts, then what was set aside.
    public static func markdown(_ results: EvalResults) -> String {
        var out = "## Scores\n\n| task | metric | " + results.models.joined(separator: " | ") + " |\n"
        out += "|---|---|" + String(repeating: "---:|", count: results.models.count) + "\n"
        let tasks = results.settings["tasks"]?.objectValue?.keys ?? []
        for task in tasks {
            guard let info = results.comparedTask(task) else { continue }
            var row = "| \(task) | \(info.primary) |"
            for m in results.models {
                guard let r = results.result(model: m, task: task) else { row += " – |"; continue }
                row +=
                    " \(fixed(r.value(info.primary) ?? 0)) (n=\(r.scored)\(r.items > r.scored ? ", \(r.items - r.scored) errors" : "")) |"
            }
            out += row + "\n"
        }
        for c in results.comparisons {
            out += "\n## \(c.tuned) vs \(c.base)\n\n"
            out +=
                "| task | role | metric | \(c.base) | \(c.tuned) | Δ [\(Int(c.settings.level * 100))% CI] | McNemar p | items | verdict |\n"
            out += "|---|---|---|---:|---:|---|---:|---:|---|\n"
            for t in c.tasks {
                guard let m = t.primary else {
                    out += "| \(t.task.name) | \(t.task.role.rawValue) | \(t.task.primary) | – | – | – | – | 0 | \(t.verdict.rawValue) |\n"
                    continue
                }
                out +=
                    "| \(t.task.name) | \(t.task.role.rawValue) | \(m.metric.name) | \(fixed(m.base)) | \(fixed(m.tuned)) | "
                    + "\(signed(m.interval.difference)) [\(signed(m.interval.lower)), \(signed(m.interval.upper))] | "
                    + "\(m.pValue.map(pValue) ?? "–") | \(t.items) | **\(t.verdict.rawValue)** |\n"
            }
            out += "\nRetention margin \(fixed(c.settings.margin)) point(s); \(c.settings.resamples) paired-bootstrap resamples.\n"
        }
        var notes: [String] = []
        for r in results.results {
            if r.transportErrors + r.rejected > 0 {
                notes.append("- \(r.model) / \(r.task): \(r.transportErrors + r.rejected) item(s) not scored (errors, counted apart)")
            }
            if !r.quarantined.isEmpty, r.model == results.models.first {
                notes.append("- \(r.task): \(r.quarantined.count) line(s) of the task file skipped, first \(r.quarantined[0])")
            }
        }
        if !notes.isEmpty { out += "\n" + notes.joined(separator: "\n") + "\n" }
        return out
    }

    static func fixed(_ x: Double) -> String {
        var r = (x * 100).rounded() / 100
        if r == 0 { r = 0 }  // no "-0.00"
        var s = String(r)
        if let dot = s.firstIndex(of: ".") {
            let decimals = s.distance(from: dot, to: s.endIndex) - 1
            if decimals < 2 { s += String(repeating: "0", count: 2 - decimals) }
        } else {
            s += ".00"
        }
        return s
    }

    static func signed(_ x: Double) -> String { (x >= 0 ? "+" : "") + fixed(x) }

    static func pValue(_ p: Double) -> String {
        p < 0.001 ? "<0.001" : String((p * 1000).rounded() / 1000)
    }
}
