public import JupiterCore

/// `report/eval.html`: the evaluation report, a pure function of an evaluation's results document
/// (`eval/results.json`, or what `jupiter eval compare` writes, which has the same shape).
///
/// For each comparison (base against tuned): a verdict table, a forest plot of the differences
/// with their intervals (zero and the retention margin drawn), then per task every metric with
/// its interval, McNemar p-value and item count, the items not scored (request errors, shown
/// apart) and the task-file lines skipped, reasoning tokens, and example items that flipped
/// either way. Without a comparison: the scores per task. Always: a bar chart of the primary
/// metric per task and model, and the settings.
public enum EvalReportPage {
    /// Renders the page.
    public static func render(_ results: JSONValue) -> String {
        let models = results["settings"]?["models"]?.objectValue?.keys ?? []
        let tasks = results["settings"]?["tasks"]?.objectValue?.keys ?? []
        let comparisons = results["comparisons"]?.arrayValue ?? []
        let title =
            comparisons.first.map { "Evaluation: \($0["tuned"]?.stringValue ?? "") vs \($0["base"]?.stringValue ?? "")" }
            ?? "Evaluation: " + models.joined(separator: ", ")
        var page = Page(
            title: title,
            subtitle: "\(tasks.count) task\(tasks.count == 1 ? "" : "s") · \(models.count) model"
                + (models.count == 1 ? "" : "s") + " · every figure in points (0–100) on the items stated")
        for c in comparisons { comparisonSections(c, results, &page) }
        scoresSection(results, models: models, tasks: tasks, &page)
        settingsSection(results, models: models, tasks: tasks, &page)
        return page.html
    }

    static func primary(_ results: JSONValue, _ task: String) -> String {
        results["settings"]?["tasks"]?[task]?["primary_metric"]?.stringValue ?? ""
    }

    static func colour(_ verdict: String) -> ChartColour {
        switch verdict {
        case "gain", "retained": .gain
        case "loss", "lost": .loss
        default: .neutral
        }
    }

    static func badge(_ verdict: String) -> String {
        let c = colour(verdict)
        return Page.badge(verdict, cssClass: c == .gain ? "gain" : c == .loss ? "loss" : "neutral")
    }

    static func number(_ v: JSONValue?) -> Double { v?.doubleValue ?? .nan }

    static func pValue(_ v: JSONValue?) -> String {
        guard let p = v?.doubleValue else { return "–" }
        return p < 0.001 ? "<0.001" : HTML.fixed(p, 3)
    }

    static func comparisonSections(_ c: JSONValue, _ results: JSONValue, _ page: inout Page) {
        let base = c["base"]?.stringValue ?? "base", tuned = c["tuned"]?.stringValue ?? "tuned"
        let margin = number(c["margin"]), level = number(c["level"])
        let tasks = c["tasks"]?.arrayValue ?? []
        let pct = HTML.fixed(level * 100, 0)
        var table = Table(
            columns: ["task", "role", "metric", base, tuned, "Δ", "\(pct)% interval", "McNemar p", "items", "verdict"],
            numeric: [3, 4, 5, 6, 7, 8],
            caption: "Δ = \(tuned) − \(base) on the items scored for both; \(pct)% paired-bootstrap interval "
                + "(\(c["resamples"]?.intValue ?? 0) resamples, seed \(c["seed"].map { JSONWriter.string($0) } ?? "")). "
                + "Target tasks: gain when the whole interval is above 0. Retention tasks: retained when its lower end "
                + "is at or above −\(HTML.fixed(margin)) point(s).")
        var rows: [IntervalChart.Row] = []
        for t in tasks {
            let name = t["task"]?.stringValue ?? "", verdict = t["verdict"]?.stringValue ?? ""
            let items = t["items"]?.intValue ?? 0
            guard let m = t["metrics"]?.arrayValue?.first else {
                table.add(cells: [
                    .init(name), .init(t["role"]?.stringValue ?? ""), .init(t["metric"]?.stringValue ?? ""),
                    .init("–"), .init("–"), .init("–"), .init("–"), .init("–"), .init("0"), .init(html: badge(verdict))
                ])
                continue
            }
            let d = number(m["difference"]), lo = number(m["lower"]), hi = number(m["upper"])
            let cls = colour(verdict) == .gain ? "gain" : colour(verdict) == .loss ? "loss" : nil
            table.add(cells: [
                .init(html: "<a href=\"#task-\(HTML.escape(name))\">\(HTML.escape(name))</a>"),
                .init(t["role"]?.stringValue ?? ""), .init(m["name"]?.stringValue ?? ""),
                .init(HTML.fixed(number(m["base"]))), .init(HTML.fixed(number(m["tuned"]))),
                .init(HTML.signed(d), cssClass: cls), .init("[\(HTML.signed(lo)), \(HTML.signed(hi))]"),
                .init(pValue(m["p_value"])), .init(String(items)), .init(html: badge(verdict))
            ])
            rows.append(
                IntervalChart.Row(
                    label: name, estimate: d, lower: lo, upper: hi, colour: colour(verdict),
                    note: "n=\(items) · \(verdict)"))
        }
        var references = [IntervalChart.Reference(value: 0, label: "0", dashed: false)]
        if tasks.contains(where: { $0["role"]?.stringValue == "retention" }) {
            references.append(IntervalChart.Reference(value: -margin, label: "−\(HTML.fixed(margin)) (retention margin)", dashed: true))
        }
        let chart = IntervalChart(
            rows: rows, references: references,
            axisTitle: "\(tuned) − \(base), points, with \(pct)% paired-bootstrap intervals")
        page.section(
            "\(tuned) vs \(base)", id: "comparison", table.html,
            "<figure class=\"chart\" id=\"differences\">\(chart.svg)</figure>")
        for t in tasks { taskSection(t, base: base, tuned: tuned, results, &page) }
    }

    static func taskSection(_ t: JSONValue, base: String, tuned: String, _ results: JSONValue, _ page: inout Page) {
        let name = t["task"]?.stringValue ?? ""
        var parts: [String] = []
        let items = t["items"]?.intValue ?? 0, excluded = t["excluded"]?.intValue ?? 0, unpaired = t["unpaired"]?.intValue ?? 0
        var line = "\(items) item\(items == 1 ? "" : "s") scored for both models"
        if excluded > 0 { line += "; \(excluded) left out because a request failed for a model (counted as errors, not as wrong answers)" }
        if unpaired > 0 { line += "; \(unpaired) present for only one model" }
        parts.append(Page.paragraph(line + ".", cssClass: items < 100 ? "muted" : nil))
        var table = Table(
            columns: ["metric", base, tuned, "Δ", "interval", "McNemar p", "only \(base) right", "only \(tuned) right"],
            numeric: [1, 2, 3, 4, 5, 6, 7])
        for m in t["metrics"]?.arrayValue ?? [] {
            let binary = m["binary"]?.boolValue ?? false
            table.add([
                m["name"]?.stringValue ?? "", HTML.fixed(number(m["base"])), HTML.fixed(number(m["tuned"])),
                HTML.signed(number(m["difference"])),
                "[\(HTML.signed(number(m["lower"]))), \(HTML.signed(number(m["upper"])))]", pValue(m["p_value"]),
                binary ? String(m["base_only"]?.intValue ?? 0) : "–", binary ? String(m["tuned_only"]?.intValue ?? 0) : "–"
            ])
        }
        parts.append(table.html)
        parts.append(countsTable(results, task: name, models: [base, tuned]))
        let lost = t["flips"]?["lost"]?.arrayValue ?? [], won = t["flips"]?["won"]?.arrayValue ?? []
        if !lost.isEmpty || !won.isEmpty {
            parts.append(
                "<div class=\"flips\"><div><h3>\(base) right, \(tuned) wrong (\(lost.count) shown)</h3>"
                    + lost.map { flip($0, base: base, tuned: tuned) }.joined()
                    + "</div><div><h3>\(tuned) right, \(base) wrong (\(won.count) shown)</h3>"
                    + won.map { flip($0, base: base, tuned: tuned) }.joined() + "</div></div>")
        }
        page.section(
            "\(name) · \(t["role"]?.stringValue ?? "") · \(t["verdict"]?.stringValue ?? "")", id: "task-\(name)",
            parts.joined())
    }

    static func flip(_ f: JSONValue, base: String, tuned: String) -> String {
        let prompt: String
        if let messages = f["prompt"]?.arrayValue {
            prompt = messages.map { "[\($0["role"]?.stringValue ?? "")] \($0["content"]?.stringValue ?? "")" }.joined(separator: "\n")
        } else {
            prompt = f["prompt"]?["context"]?.stringValue ?? JSONWriter.string(f["prompt"] ?? .null)
        }
        func answer(_ side: JSONValue?) -> String {
            let e = side?["extracted"]?.stringValue.map { " → \($0)" } ?? ""
            return (side?["response"]?.stringValue ?? "(no answer)") + e
        }
        let id = f["item"]?.stringValue ?? "", line = f["line"]?.intValue ?? 0
        return Page.details(
            id == "line \(line)" ? id : "\(id) (line \(line))",
            Page.pre(prompt) + "<p><b>\(HTML.escape(base))</b></p>" + Page.pre(answer(f["base"]), limit: 600)
                + "<p><b>\(HTML.escape(tuned))</b></p>" + Page.pre(answer(f["tuned"]), limit: 600))
    }

    /// Items, errors, skipped lines and tokens per model on a task.
    static func countsTable(_ results: JSONValue, task: String, models: [String]) -> String {
        var table = Table(
            columns: [
                "model", "items", "scored", "request errors", "rejected", "task-file lines skipped",
                "prompt tokens", "completion tokens", "of which reasoning"
            ],
            numeric: [1, 2, 3, 4, 5, 6, 7, 8])
        var skipped: [JSONValue] = []
        for m in models {
            guard let r = results["results"]?[m]?[task] else { continue }
            let tokens = r["tokens"]
            let estimated = tokens?["reasoning_estimated"]?.boolValue == true ? " (estimated)" : ""
            table.add(cells: [
                .init(m), .init(String(r["items"]?.intValue ?? 0)), .init(String(r["scored"]?.intValue ?? 0)),
                .init(
                    String(r["transport_errors"]?.intValue ?? 0),
                    cssClass: (r["transport_errors"]?.intValue ?? 0) > 0 ? "loss" : nil),
                .init(String(r["rejected"]?.intValue ?? 0)), .init(String(r["quarantined"]?.intValue ?? 0)),
                .init(String(tokens?["prompt"]?.intValue ?? 0)), .init(String(tokens?["completion"]?.intValue ?? 0)),
                .init(String(tokens?["reasoning"]?.intValue ?? 0) + estimated)
            ])
            if skipped.isEmpty { skipped = r["quarantine"]?.arrayValue ?? [] }
        }
        var out = table.html
        if !skipped.isEmpty {
            out += Page.details(
                "\(skipped.count) line(s) of the task file skipped (the task is scored on the rest)",
                "<ul>"
                    + skipped.prefix(50).map {
                        "<li><code>\(HTML.escape($0["file"]?.stringValue ?? "")):\($0["line"]?.intValue ?? 0)</code> "
                            + HTML.escape($0["error"]?.stringValue ?? "") + "</li>"
                    }.joined() + "</ul>")
        }
        return out
    }

    static func scoresSection(_ results: JSONValue, models: [String], tasks: [String], _ page: inout Page) {
        let colours: [ChartColour] = [.neutral, .bar, .second, .gain, .loss]
        let series = models.enumerated().map { i, m in
            BarChart.Series(
                name: m, values: tasks.map { number(results["results"]?[m]?[$0]?["metrics"]?[primary(results, $0)]) },
                colour: colours[i % colours.count])
        }
        let chart = BarChart(categories: tasks.map { "\($0) (\(primary(results, $0)))" }, series: series, maximum: 100)
        var parts = ["<figure class=\"chart\" id=\"scores\">\(chart.svg)</figure>"]
        if (results["comparisons"]?.arrayValue ?? []).isEmpty {
            for task in tasks {
                var table = Table(columns: ["metric"] + models, numeric: Set(1...max(1, models.count)))
                for metric in results["settings"]?["tasks"]?[task]?["metrics"]?.arrayValue ?? [] {
                    let name = metric["name"]?.stringValue ?? ""
                    table.add([name] + models.map { HTML.fixed(number(results["results"]?[$0]?[task]?["metrics"]?[name])) })
                }
                parts.append(
                    "<h3 id=\"task-\(HTML.escape(task))\">\(HTML.escape(task))</h3>" + table.html
                        + countsTable(results, task: task, models: models))
            }
        }
        page.section("Scores", id: "scores-section", parts.joined())
    }

    static func settingsSection(_ results: JSONValue, models: [String], tasks: [String], _ page: inout Page) {
        var modelTable = Table(columns: ["model", "served as", "identity", "system prompt", "reasoning"])
        for m in models {
            let s = results["settings"]?["models"]?[m]
            modelTable.add([
                m, s?["model"]?.stringValue ?? "", s?["identity"]?.stringValue ?? "",
                s?["system_prompt"]?.stringValue ?? "–", s?["reasoning"]?.stringValue ?? "server default"
            ])
        }
        var taskTable = Table(columns: ["task", "kind", "role", "file", "limit", "options", "generation"])
        for t in tasks {
            let s = results["settings"]?["tasks"]?[t]
            taskTable.add([
                t, s?["kind"]?.stringValue ?? "", s?["role"]?.stringValue ?? "", s?["file"]?.stringValue ?? "",
                s?["limit"]?.intValue.map(String.init) ?? "all", JSONWriter.string(s?["options"] ?? .null),
                JSONWriter.string(s?["generation"] ?? .null)
            ])
        }
        page.section(
            "Settings", id: "settings", modelTable.html, taskTable.html,
            Page.paragraph(
                "Seeds: " + JSONWriter.string(results["settings"]?["seeds"] ?? .null) + " · comparison: "
                    + JSONWriter.string(results["settings"]?["comparison"] ?? .null), cssClass: "muted"))
    }
}
