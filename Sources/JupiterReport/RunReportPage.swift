import JupiterCore

/// `report/index.html` of a run folder: where the data went, as a pure function of
/// ``RunReportData`` (same data, same bytes).
///
/// An overview table (read, kept, dropped, quarantined per dataset); per dataset a funnel chart
/// (read → each stage → written), the drop rules of each stage with their counts, shares and
/// example records (text shortened, the measured value beside the rule's reason, which names the
/// threshold), the quarantine causes with the file and line of their first records, and a
/// histogram of the kept records' lengths; the mixture's composition (target against achieved
/// share, reasoning on/off); decontamination hits; model usage; the run's settings.
public enum RunReportPage {
    /// Characters of a record's text shown in an example.
    static let exampleLimit = 300

    /// Renders the page.
    public static func render(_ data: RunReportData) -> String {
        let read = data.datasets.reduce(0) { $0 + $1.read }
        var page = Page(
            title: "Run report: \(data.name)",
            subtitle: "\(data.datasets.count) dataset\(data.datasets.count == 1 ? "" : "s") · "
                + "\(NumberText.grouped(read)) input records read"
                + (data.mixture.map { " · mixture of \(NumberText.grouped($0.records)) conversations" } ?? "")
                + (data.finished.map { " · finished \($0)" } ?? ""))
        overview(data, &page)
        for d in data.datasets { datasetSection(d, &page) }
        if let mixture = data.mixture { mixtureSection(mixture, &page) }
        decontaminationSection(data.decontamination, &page)
        modelSection(data.models, &page)
        settingsSection(data, &page)
        return page.html
    }

    /// A name usable in an `id` attribute (letters, digits, `-`, `_`, `.`; anything else `-`).
    static func anchor(_ s: String) -> String {
        String(
            s.unicodeScalars.map { c -> Character in
                (c.properties.isAlphabetic && c.isASCII) || ("0"..."9").contains(c) || c == "-" || c == "_" || c == "." ? Character(c) : "-"
            })
    }

    /// A number in a span with an id, so tests and scripts can find it.
    static func figure(_ n: Int, id: String) -> Table.Cell {
        Table.Cell(html: "<span id=\"\(HTML.escape(id))\">\(NumberText.grouped(n))</span>")
    }

    static func overview(_ data: RunReportData, _ page: inout Page) {
        guard !data.datasets.isEmpty else {
            page.section("Datasets", id: "datasets", Page.paragraph("The recipe has no datasets.", cssClass: "muted"))
            return
        }
        var table = Table(
            columns: ["dataset", "from", "records", "read", "kept", "dropped", "quarantined", "written"],
            numeric: [3, 4, 5, 6, 7],
            caption: "Counted in input records (read = kept + dropped + quarantined); written: records in "
                + "kept.jsonl.gz (a conversation made of five pairs is one record written, five read).")
        for d in data.datasets {
            let a = anchor(d.name)
            table.add(cells: [
                Table.Cell(html: "<a href=\"#dataset-\(HTML.escape(a))\">\(HTML.escape(d.name))</a>"),
                Table.Cell(d.from), Table.Cell(d.inputKind == d.outputKind ? d.inputKind : "\(d.inputKind) → \(d.outputKind)"),
                figure(d.read, id: "read-\(a)"), figure(d.kept, id: "kept-\(a)"), figure(d.dropped, id: "dropped-\(a)"),
                Table.Cell(NumberText.grouped(d.quarantined), cssClass: d.quarantined > 0 ? "loss" : nil),
                figure(d.recordsWritten, id: "written-\(a)")
            ])
        }
        page.section("Datasets", id: "datasets", table.html)
    }

    static func datasetSection(_ d: RunReportData.Dataset, _ page: inout Page) {
        let a = anchor(d.name)
        var parts: [String] = []
        var stages = [FunnelChart.Stage(label: "read", count: d.read)]
        for s in d.steps {
            // Reading itself (records that could not be decoded) counts no records in or out.
            let left = isReading(s) ? max(0, (stages.last?.count ?? 0) - s.quarantined) : s.kept
            stages.append(FunnelChart.Stage(label: isReading(s) ? "decoded" : s.id, count: left, removed: s.dropped + s.quarantined))
        }
        stages.append(FunnelChart.Stage(label: "written", count: d.recordsWritten))
        let funnel = FunnelChart(stages: stages, title: "Records of \(d.name) after each stage")
        parts.append(
            "<figure class=\"chart funnel\" id=\"funnel-\(HTML.escape(a))\">\(funnel.svg)"
                + "<figcaption class=\"muted\">Records left after each stage (a stage's own output records), "
                + "share of those read, and what it removed.</figcaption></figure>")
        if d.steps.isEmpty { parts.append(Page.paragraph("No stages: every record read is written.", cssClass: "muted")) }
        for s in d.steps where !s.rules.isEmpty || !s.causes.isEmpty {
            parts.append(stepBlock(s, dataset: a))
        }
        if let lengths = d.lengths { parts.append(lengthsBlock(lengths, dataset: a)) }
        page.section("\(d.name)", id: "dataset-\(a)", parts.joined())
    }

    /// The reading of the input (lines that could not be decoded), which the manifest counts as a
    /// stage with no records in or out.
    static func isReading(_ s: RunReportData.Step) -> Bool { s.input == 0 && s.kept == 0 && s.dropped == 0 }

    static func stepBlock(_ s: RunReportData.Step, dataset: String) -> String {
        let id = "\(dataset)-\(anchor(s.id))"
        var out =
            "<h3 id=\"step-\(HTML.escape(id))\">\(HTML.escape(s.id))"
            + (s.id == s.stage ? "" : " <span class=\"muted\">(\(HTML.escape(s.stage)))</span>") + "</h3>"
        out += Page.paragraph(
            isReading(s)
                ? "\(NumberText.grouped(s.quarantined)) input record(s) could not be read (quarantined)"
                : "\(NumberText.grouped(s.input)) in · \(NumberText.grouped(s.kept)) kept · "
                    + "\(NumberText.grouped(s.dropped)) dropped · \(NumberText.grouped(s.quarantined)) quarantined")
        if !s.rules.isEmpty {
            let total = s.rules.reduce(0) { $0 + $1.count }
            var table = Table(columns: ["drop rule", "records", "share of the stage's drops", "share of its input"], numeric: [1, 2, 3])
            for r in s.rules {
                table.add(cells: [
                    Table.Cell(html: "<code>\(HTML.escape(r.name))</code>"),
                    figure(r.count, id: "rule-\(id)-\(anchor(r.name))"),
                    Table.Cell(NumberText.percent(r.count, of: total)), Table.Cell(NumberText.percent(r.count, of: s.input))
                ])
            }
            out += table.html
            for r in s.rules where !r.examples.isEmpty {
                out += Page.details(
                    "\(r.name): \(r.examples.count) example\(r.examples.count == 1 ? "" : "s") of \(NumberText.grouped(r.count))",
                    examplesTable(r.examples))
            }
        }
        if !s.causes.isEmpty {
            var table = Table(columns: ["quarantine cause", "records", "first places (file:line)"], numeric: [1])
            for c in s.causes {
                let places = c.places.map {
                    "<code>\(HTML.escape("\($0.file):\($0.line)"))</code> \(HTML.escape(shortened($0.error, 200)))"
                }
                table.add(cells: [
                    Table.Cell(c.cause), Table.Cell(NumberText.grouped(c.count), cssClass: "loss"),
                    Table.Cell(html: places.isEmpty ? "–" : places.joined(separator: "<br>"))
                ])
            }
            out += table.html
        }
        return out
    }

    static func examplesTable(_ examples: [RunReportData.Example]) -> String {
        var table = Table(columns: ["record", "measured", "reason (threshold)", "text"])
        for e in examples {
            table.add(cells: [
                Table.Cell(html: "<code>\(HTML.escape(e.id))</code>"), Table.Cell(e.value ?? "–"), Table.Cell(e.reason),
                Table.Cell(html: "<span class=\"example\">\(HTML.escape(shortened(e.text, exampleLimit)))</span>")
            ])
        }
        return table.html
    }

    /// `text` cut to `limit` characters, whitespace runs shown as one space.
    static func shortened(_ text: String, _ limit: Int) -> String {
        let flat = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    }

    static func lengthsBlock(_ l: RunReportData.Lengths, dataset: String) -> String {
        guard !l.values.isEmpty else {
            return "<h3>Lengths</h3>" + Page.paragraph("No records kept: nothing to measure.", cssClass: "muted")
        }
        let sorted = l.values.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        let histogram = Histogram(values: l.values, bins: min(30, max(5, Int(Double(l.values.count).squareRoot()))), axisTitle: l.unit)
        let measured =
            l.values.count < l.total
            ? "the first \(NumberText.grouped(l.values.count)) of \(NumberText.grouped(l.total)) records written"
            : "all \(NumberText.grouped(l.values.count)) records written"
        return "<h3>Lengths</h3>"
            + Page.paragraph(
                "\(l.unit) over \(measured): minimum \(HTML.fixed(sorted[0], 0)), median \(HTML.fixed(median, 0)), "
                    + "maximum \(HTML.fixed(sorted[sorted.count - 1], 0)).")
            + "<figure class=\"chart\" id=\"lengths-\(HTML.escape(dataset))\">\(histogram.svg)</figure>"
    }

    static func mixtureSection(_ m: RunReportData.Mixture, _ page: inout Page) {
        var table = Table(
            columns: ["dataset", "target share", "achieved share", "conversations", m.unit, "reasoning on", "reasoning off"],
            numeric: [1, 2, 3, 4, 5, 6],
            caption: "Shares of the mixture's \(m.unit) (\(NumberText.grouped(m.units)) in all; \(m.tokenMethod)). "
                + "Reasoning on/off: conversations whose records say so ('–' when none do).")
        for d in m.datasets {
            let says = d.reasoningOn + d.reasoningOff > 0
            table.add(cells: [
                Table.Cell(d.name), Table.Cell(HTML.fixed(d.target * 100, 1) + "%"),
                Table.Cell(html: "<span id=\"share-\(HTML.escape(anchor(d.name)))\">\(HTML.fixed(d.achieved * 100, 1))%</span>"),
                Table.Cell(NumberText.grouped(d.records)), Table.Cell(NumberText.grouped(d.units)),
                Table.Cell(says ? NumberText.grouped(d.reasoningOn) : "–"), Table.Cell(says ? NumberText.grouped(d.reasoningOff) : "–")
            ])
        }
        let chart = BarChart(
            categories: m.datasets.map(\.name),
            series: [
                BarChart.Series(name: "target %", values: m.datasets.map { $0.target * 100 }, colour: .neutral),
                BarChart.Series(name: "achieved %", values: m.datasets.map { $0.achieved * 100 }, colour: .bar)
            ],
            maximum: 100)
        var parts = [
            Page.paragraph("\(NumberText.grouped(m.records)) conversations, \(NumberText.grouped(m.units)) \(m.unit)."),
            table.html, "<figure class=\"chart\" id=\"mixture-shares\">\(chart.svg)</figure>"
        ]
        if !m.warnings.isEmpty {
            parts.append("<ul class=\"loss\">" + m.warnings.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>")
        }
        page.section("Mixture", id: "mixture", parts.joined())
    }

    static func decontaminationSection(_ hits: [RunReportData.Decontamination], _ page: inout Page) {
        guard !hits.isEmpty else { return }
        var table = Table(
            columns: ["where", "evaluation set", "items", "items matched", "training records", "first matches"],
            numeric: [2, 3, 4])
        for h in hits {
            let matches = h.matches.map {
                "<code>\(HTML.escape($0.item))</code> (overlap \(HTML.fixed($0.overlap * 100, 0))%): "
                    + $0.records.map { "<code>\(HTML.escape($0))</code>" }.joined(separator: ", ")
            }
            table.add(cells: [
                Table.Cell(h.scope), Table.Cell(h.evalSet), Table.Cell(NumberText.grouped(h.items)),
                Table.Cell(NumberText.grouped(h.matchedItems), cssClass: h.matchedItems > 0 ? "loss" : nil),
                Table.Cell(NumberText.grouped(h.records)),
                Table.Cell(html: matches.isEmpty ? "–" : matches.joined(separator: "<br>"))
            ])
        }
        page.section("Decontamination", id: "decontamination", table.html)
    }

    static func modelSection(_ models: [RunReportData.ModelUsage], _ page: inout Page) {
        guard !models.isEmpty else {
            page.section("Model usage", id: "models", Page.paragraph("No models: the recipe uses none.", cssClass: "muted"))
            return
        }
        var table = Table(
            columns: [
                "model", "requests sent", "cache hits", "retries", "failures", "prompt tokens",
                "completion tokens", "latency p50 (ms)", "latency p95 (ms)"
            ],
            numeric: [1, 2, 3, 4, 5, 6, 7, 8],
            caption: "This execution's figures (a resumed run sends fewer requests and takes more answers "
                + "from the cache).")
        for m in models {
            table.add(cells: [
                Table.Cell(m.name), Table.Cell(NumberText.grouped(m.requests)), Table.Cell(NumberText.grouped(m.cacheHits)),
                Table.Cell(NumberText.grouped(m.retries)),
                Table.Cell(NumberText.grouped(m.failures), cssClass: m.failures > 0 ? "loss" : nil),
                Table.Cell(NumberText.grouped(m.promptTokens)), Table.Cell(NumberText.grouped(m.completionTokens)),
                Table.Cell(m.latencyP50.map { HTML.fixed($0, 0) } ?? "–"),
                Table.Cell(m.latencyP95.map { HTML.fixed($0, 0) } ?? "–")
            ])
        }
        page.section("Model usage", id: "models", table.html)
    }

    static func settingsSection(_ data: RunReportData, _ page: inout Page) {
        var table = Table(columns: ["", ""])
        table.add(["recipe", data.recipeFile])
        table.add(["recipe SHA-256", data.recipeSHA256])
        table.add(["seed", data.seed])
        table.add(["Jupiter", data.jupiterVersion])
        if let started = data.started { table.add(["started", started]) }
        if let finished = data.finished { table.add(["finished", finished]) }
        if let seconds = data.seconds { table.add(["seconds", HTML.fixed(seconds, 1)]) }
        page.section("Run", id: "run", table.html)
    }
}

extension NumberText {
    /// A share in percent with one decimal (`68.3%`).
    static func percent(_ part: Int, of whole: Int) -> String {
        HTML.fixed(Double(part) / Double(max(1, whole)) * 100, 1) + "%"
    }
}
