import JupiterCore
import JupiterReport
import JupiterTokenize

/// The run report: `RUN/report/index.html` (``RunReportPage``), built from a finished run folder
/// alone — its `manifest.json`, and the examples, quarantine places and record lengths read from
/// `datasets/<name>/` — so the same folder always gives the same bytes.
public enum RunReport {
    /// The report's path inside a run folder.
    public static let path = "report/index.html"
    /// Example records shown per drop rule, and places per quarantine cause.
    static let examplesPerRule = 3
    /// Kept records measured per dataset for the length histogram.
    static let lengthSample = 100_000

    /// Reads a finished run folder into the report's data. Lengths are counted in tokens with
    /// `plan`'s mixture tokenizer when it has one, in characters otherwise; the axis says which.
    public static func data(runDirectory: String, plan: Plan? = nil) throws(RunError) -> RunReportData {
        let manifestPath = runDirectory + "/manifest.json"
        guard FileSystem.isRealDirectory(runDirectory) else {
            throw RunError(.usage, "\(runDirectory): no such run folder")
        }
        guard FileSystem.exists(manifestPath) else {
            throw RunError(
                .folder,
                "\(runDirectory) holds no finished run (no manifest.json): run or resume it with "
                    + "`jupiter run` first")
        }
        let manifest: JSONValue
        do {
            manifest = try JSONParser.parse(try FileSystem.read(manifestPath))
        } catch {
            throw RunError(.io, "\(manifestPath): \(error)")
        }
        guard let datasetsJSON = manifest["datasets"]?.objectValue, let recipe = manifest["recipe"] else {
            throw RunError(.folder, "\(manifestPath) is not a Jupiter run manifest (no 'recipe' or 'datasets')")
        }
        let timings = manifest["timings"]
        var data = RunReportData(
            name: recipe["name"]?.stringValue ?? "", recipeFile: recipe["file"]?.stringValue ?? "",
            recipeSHA256: recipe["sha256"]?.stringValue ?? "",
            seed: recipe["seed"].map { JSONWriter.string($0) } ?? "0",
            jupiterVersion: manifest["jupiter"]?.stringValue ?? "",
            started: timings?["started"]?.stringValue, finished: timings?["finished"]?.stringValue,
            seconds: timings?["seconds"]?.doubleValue)
        let measure = plan.flatMap(Self.tokenizer(of:))
        var counter = measure?.counter
        for entry in datasetsJSON {
            let folder = runDirectory + "/datasets/" + entry.key
            var d = try dataset(entry.key, entry.value, folder: folder)
            d.lengths = try lengths(
                folder + "/kept.jsonl.gz", total: d.recordsWritten, counter: &counter,
                unit: measure.map { "tokens per record (\($0.label))" } ?? "characters of text per record")
            data.datasets.append(d)
            for report in entry.value["reports"]?.objectValue ?? JSONObject() {
                data.decontamination += decontamination(report.value, scope: "\(entry.key) / \(report.key)")
            }
        }
        if let m = manifest["mixture"] { data.mixture = mixture(m) }
        let usage = timings?["models"]?.objectValue ?? JSONObject()
        let names = (manifest["models"]?.objectValue?.keys ?? []) + usage.keys.filter { manifest["models"]?[$0] == nil }
        data.models = names.map { name in
            let u = usage[name]
            return RunReportData.ModelUsage(
                name: name, requests: u?["requests"]?.intValue ?? 0, retries: u?["retries"]?.intValue ?? 0,
                failures: u?["failures"]?.intValue ?? 0, cacheHits: u?["cache_hits"]?.intValue ?? 0,
                promptTokens: u?["prompt_tokens"]?.intValue ?? 0,
                completionTokens: u?["completion_tokens"]?.intValue ?? 0,
                latencyP50: u?["latency_ms"]?["p50"]?.doubleValue,
                latencyP95: u?["latency_ms"]?["p95"]?.doubleValue)
        }
        return data
    }

    /// Writes `report/index.html` into a finished run folder (atomically: a temporary file renamed)
    /// and returns its path. `plan` (the recipe's) gives the tokenizer lengths are counted with.
    @discardableResult
    public static func write(runDirectory: String, plan: Plan? = nil) throws(RunError) -> String {
        let html = RunReportPage.render(try data(runDirectory: runDirectory, plan: plan))
        let out = runDirectory + "/" + path
        do {
            try FileSystem.createDirectory(FileSystem.parent(of: out))
            try AtomicFile.write(Array(html.utf8), to: out)
        } catch {
            throw RunError(.io, error.description)
        }
        return out
    }

    /// The tokenizer a plan's mixture counts with, and how the axis names it.
    static func tokenizer(of plan: Plan) -> (counter: TokenCounter, label: String)? {
        guard let measure = plan.mix?.measure, let t = measure.tokenizer, let source = measure.tokenizerSource else { return nil }
        return (
            TokenCounter(tokenizer: t, template: measure.template),
            "tokenizer \(source.path)" + (measure.template == nil ? "" : " with its chat template")
        )
    }

    // MARK: Reading

    static func dataset(_ name: String, _ json: JSONValue, folder: String) throws(RunError) -> RunReportData.Dataset {
        let c = json["counts"]
        var d = RunReportData.Dataset(
            name: name, from: json["from"]?.stringValue ?? "",
            inputKind: json["input_kind"]?.stringValue ?? "", outputKind: json["output_kind"]?.stringValue ?? "",
            read: c?["read"]?.intValue ?? 0, kept: c?["kept"]?.intValue ?? 0,
            dropped: c?["dropped"]?.intValue ?? 0, quarantined: c?["quarantined"]?.intValue ?? 0,
            recordsWritten: c?["records_written"]?.intValue ?? 0)
        var stageNames: [String: String] = [:]
        for s in json["steps"]?.arrayValue ?? [] {
            if let id = s["id"]?.stringValue { stageNames[id] = s["stage"]?.stringValue ?? id }
        }
        // The record ids to show for each stage and rule (keys: stage, NUL, rule).
        var wanted: [String: Set<String>] = [:]
        var tallies: [(id: String, tally: StageTally)] = []
        for e in json["stages"]?.objectValue ?? JSONObject() {
            let t = StageTally(json: e.value)
            tallies.append((e.key, t))
            for (rule, r) in t.rules { wanted[e.key + "\u{0}" + rule] = Set(r.examples.prefix(examplesPerRule)) }
        }
        // Where each stage's drops start in the file (recorded when the dataset was assembled).
        let runDirectory = FileSystem.parent(of: FileSystem.parent(of: folder))
        let offsets = DatasetResult.read(runDirectory: runDirectory, dataset: name)?.droppedOffsets ?? [:]
        let examples = try droppedExamples(folder + "/dropped.jsonl.gz", wanted: wanted, offsets: offsets)
        let places = try quarantinePlaces(
            folder + "/quarantine.jsonl",
            wanted: Set(tallies.flatMap { t in t.tally.causes.keys.map { t.id + "\u{0}" + $0 } }))
        for (id, t) in tallies {
            let rules = StageTally.ranked(t.rules).map { rule, r in
                RunReportData.Rule(
                    name: rule, count: r.count,
                    examples: r.examples.prefix(examplesPerRule).compactMap {
                        examples[id + "\u{0}" + rule + "\u{0}" + $0]
                    })
            }
            let causes = StageTally.ranked(t.causes).map { cause, r in
                RunReportData.Cause(cause: cause, count: r.count, places: places[id + "\u{0}" + cause] ?? [])
            }
            d.steps.append(
                RunReportData.Step(
                    id: id, stage: stageNames[id] ?? id, input: t.counts["in"] ?? 0,
                    kept: t.counts["kept"] ?? 0, dropped: t.counts["dropped"] ?? 0,
                    quarantined: t.counts["quarantined"] ?? 0, rules: rules, causes: causes))
        }
        return d
    }

    /// The dropped records named in `wanted` (stage and rule → ids), by stage, rule and id. With
    /// `offsets` (stage → where its step's drops start in the file, a gzip member boundary), each
    /// stage's examples are looked for from there: the drops of a late stage of a big run are
    /// found without inflating every earlier stage's.
    static func droppedExamples(
        _ path: String, wanted: [String: Set<String>], offsets: [String: Int] = [:]
    ) throws(RunError) -> [String: RunReportData.Example] {
        var out: [String: RunReportData.Example] = [:]
        guard wanted.values.contains(where: { !$0.isEmpty }), FileSystem.exists(path) else { return out }
        let size = FileSystem.size(path) ?? 0
        // Stage → its wanted keys, grouped by where reading starts (0 when not recorded).
        var groups: [Int: [String: Set<String>]] = [:]
        for (key, ids) in wanted where !ids.isEmpty {
            let stage = String(key.split(separator: "\u{0}", maxSplits: 1, omittingEmptySubsequences: false)[0])
            let start = offsets[stage].flatMap { $0 < size ? $0 : nil } ?? 0
            groups[start, default: [:]][key] = ids
        }
        for (start, group) in groups.sorted(by: { $0.key < $1.key }) {
            let total = group.values.reduce(0) { $0 + $1.count }
            var found = 0
            // Drop records are written id first: a line whose leading id is not wanted is skipped
            // without parsing it (the file can hold millions of drops; the report wants a few).
            let ids = Set(group.values.joined())
            do {
                let reader = try LineReader(path: path, maxLineBytes: Int.max / 4, offset: start)
                while found < total, let line = try reader.next() {
                    if let id = RawRecordLine.leadingID(line.bytes), !ids.contains(id) { continue }
                    guard let value = try? JSONParser.parse(line.bytes), let drop = value["dropped"],
                        let stage = drop["stage"]?.stringValue, let rule = drop["rule"]?.stringValue,
                        let id = value["id"]?.stringValue, group[stage + "\u{0}" + rule]?.contains(id) == true
                    else { continue }
                    let key = stage + "\u{0}" + rule + "\u{0}" + id
                    if out[key] == nil { found += 1 }
                    out[key] = RunReportData.Example(
                        id: id, text: text(of: value), value: drop["value"].map { $0.stringValue ?? JSONWriter.string($0) },
                        reason: drop["reason"]?.stringValue ?? "")
                }
            } catch {
                throw RunError(.io, "\(path): \(error)")
            }
        }
        return out
    }

    /// The first places of each wanted quarantine cause (stage and cause).
    static func quarantinePlaces(_ path: String, wanted: Set<String>) throws(RunError) -> [String: [RunReportData.Place]] {
        var out: [String: [RunReportData.Place]] = [:]
        guard !wanted.isEmpty, FileSystem.exists(path) else { return out }
        try forEachLine(path) { value in
            let error = value["error"]?.stringValue ?? ""
            let key = (value["stage"]?.stringValue ?? "") + "\u{0}" + StepCounts.cause(error)
            if wanted.contains(key), out[key, default: []].count < examplesPerRule {
                out[key, default: []].append(
                    RunReportData.Place(
                        file: value["file"]?.stringValue ?? "",
                        line: value["line"]?.intValue ?? 0, error: error))
            }
            return true
        }
        return out
    }

    /// Calls `body` with each JSON line of a (gzip or plain) JSONL file until it returns false.
    static func forEachLine(_ path: String, _ body: (JSONValue) -> Bool) throws(RunError) {
        do {
            let reader = try LineUnitReader(path: path, maxLineBytes: Int.max / 4)
            while let unit = try reader.next() {
                guard let value = try? JSONLUnit.parse(unit) else { continue }
                if !body(value) { return }
            }
        } catch {
            throw RunError(.io, "\(path): \(error)")
        }
    }

    /// A record's text as a reader wants to see it: a document's text, a conversation's turns
    /// (each after its role), a pair's two sides (after their languages), an evaluation item's
    /// input; any other shape as its JSON. `labelled: false` gives the texts alone, joined (what
    /// the lengths count).
    static func text(of value: JSONValue, labelled: Bool = true) -> String {
        if let t = value["text"]?.stringValue { return t }
        if let messages = value["messages"]?.arrayValue {
            return messages.map { (labelled ? "[\($0["role"]?.stringValue ?? "")] " : "") + ($0["content"]?.stringValue ?? "") }
                .joined(separator: labelled ? " " : "")
        }
        if let t = value["translation"]?.objectValue {
            return t.map { (labelled ? "\($0.key): " : "") + ($0.value.stringValue ?? "") }.joined(separator: labelled ? " | " : "")
        }
        if let input = value["input"]?.arrayValue {
            return input.map { $0["content"]?.stringValue ?? "" }.joined(separator: labelled ? " " : "")
        }
        var o = value.objectValue ?? JSONObject()
        for key in ["id", "lineage", "dropped"] { o[key] = nil }
        return JSONWriter.string(.object(o))
    }

    /// Lengths of the first kept records: tokens with `counter`, characters of ``text(of:)`` otherwise.
    static func lengths(_ path: String, total: Int, counter: inout TokenCounter?, unit: String) throws(RunError)
        -> RunReportData.Lengths?
    {
        guard FileSystem.exists(path) else { return nil }
        var values: [Double] = []
        var failure: String?
        try forEachLine(path) { value in
            if var c = counter {
                do {
                    let record = try NativeCodec.decodeAnyKind(value, fallbackID: "", origin: Origin(file: path, line: 0))
                    values.append(Double(try c.count(record).total))
                } catch {
                    failure = "\(error)"
                    return false
                }
                counter = c
            } else {
                values.append(Double(text(of: value, labelled: false).unicodeScalars.count))
            }
            return values.count < lengthSample
        }
        if let failure { throw RunError(.stage, "\(path): cannot count tokens: \(failure)") }
        return RunReportData.Lengths(values: values, unit: unit, total: total)
    }

    static func mixture(_ m: JSONValue) -> RunReportData.Mixture {
        let unit = m["config"]?["unit"]?.stringValue ?? "tokens"
        let entries = m["datasets"]?.objectValue ?? JSONObject()
        let weightSum = entries.reduce(0.0) { $0 + ($1.value["weight"]?.doubleValue ?? 0) }
        let tokens = m["tokens"]
        var method = tokens?["method"]?.stringValue ?? "unknown"
        if method == "estimate-utf8-bytes-div-4" { method = "tokens estimated as UTF-8 bytes ÷ 4" }
        if let t = tokens?["tokenizer"]?.stringValue { method = "tokens counted with \(t)" }
        return RunReportData.Mixture(
            unit: unit, tokenMethod: method, records: m["records"]?.intValue ?? 0, units: m["units"]?.intValue ?? 0,
            datasets: entries.map { e in
                RunReportData.MixDataset(
                    name: e.key, target: (e.value["weight"]?.doubleValue ?? 0) / max(weightSum, 1e-12),
                    achieved: e.value["share"]?.doubleValue ?? 0, records: e.value["records"]?.intValue ?? 0,
                    units: e.value["units"]?.intValue ?? 0,
                    reasoningOn: e.value["reasoning"]?["on"]?.intValue ?? 0,
                    reasoningOff: e.value["reasoning"]?["off"]?.intValue ?? 0)
            },
            warnings: (m["warnings"]?.arrayValue ?? []).compactMap(\.stringValue) + exclusions(m))
    }

    /// The mixture's last decontamination check, as warnings when it excluded anything.
    static func exclusions(_ m: JSONValue) -> [String] {
        guard let n = m["excluded"]?.intValue, n > 0 else { return [] }
        return ["\(NumberText.grouped(n)) conversation(s) overlapping the evaluation sets were never drawn"]
            + (m["exclusions"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    /// A decontamination stage's report (`eval_sets` with their matches); other reports give nothing.
    static func decontamination(_ report: JSONValue, scope: String) -> [RunReportData.Decontamination] {
        (report["eval_sets"]?.arrayValue ?? []).map { set in
            let matched = set["matched"]?.arrayValue ?? []
            return RunReportData.Decontamination(
                scope: scope, evalSet: set["name"]?.stringValue ?? "", items: set["items"]?.intValue ?? 0,
                matchedItems: set["matched_items"]?.intValue ?? matched.count,
                records: matched.reduce(0) { $0 + ($1["training_records"]?.intValue ?? 0) },
                matches: matched.prefix(5).map {
                    RunReportData.Match(
                        item: $0["id"]?.stringValue ?? "", overlap: $0["max_overlap"]?.doubleValue ?? 0,
                        records: ($0["record_ids"]?.arrayValue ?? []).compactMap(\.stringValue))
                })
        }
    }
}

extension Pipeline {
    /// Writes `report/index.html` into a finished run folder (``RunReport``) and returns its path;
    /// `plan` (the run's recipe, planned) lets lengths be counted with its mixture's tokenizer.
    /// Throws ``RunError``: `.usage` for a folder that does not exist, `.folder` for one that holds
    /// no finished run, `.io` when a file cannot be read or written.
    @discardableResult
    public static func report(runDirectory: String, plan: Plan? = nil) throws(RunError) -> String {
        try RunReport.write(runDirectory: runDirectory, plan: plan)
    }
}
