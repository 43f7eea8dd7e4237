/// What `jupiter inspect` reports about one source: counts, quarantine, and per-kind statistics.
///
/// Lengths are in characters, counted as Unicode scalars (what Python's `len` counts).
public struct DatasetStats: Sendable {
    /// Format the source was read as.
    public var format: Format
    /// Whether the format was detected (false when given explicitly).
    public var detected: Bool
    /// Files read.
    public var files: [String]
    /// Bytes on disk.
    public var bytes: Int
    /// Records decoded.
    public var records = 0
    /// Units quarantined.
    public var quarantined = 0
    /// The first few quarantine entries.
    public var quarantineSamples: [QuarantineEntry] = []

    // Conversations (and eval prompts).
    /// Messages per role.
    public var roleCounts: [Role: Int] = [:]
    /// Turns per conversation.
    public var turns = Distribution([])
    /// Characters per message content (reasoning excluded).
    public var contentLength = Distribution([])
    /// Characters per reasoning trace (assistant turns with reasoning on).
    public var reasoningLength = Distribution([])
    /// Assistant turns.
    public var assistantTurns = 0
    /// Assistant turns with reasoning on.
    public var reasoningOn = 0
    /// Tool calls made by assistant turns.
    public var toolCalls = 0
    /// Conversations that offer tool schemas.
    public var withTools = 0

    // Pairs.
    /// Records per language direction (`en→cy`).
    public var directions: [String: Int] = [:]
    /// Characters per source text.
    public var sourceLength = Distribution([])
    /// Characters per target text.
    public var targetLength = Distribution([])
    /// Target characters / source characters (pairs with a non-empty source).
    public var lengthRatio = Distribution([])

    // Documents.
    /// Characters per document.
    public var textLength = Distribution([])

    // Evals.
    /// Accepted answers per item.
    public var idealsPerItem = Distribution([])
    /// Characters per first ideal answer.
    public var idealLength = Distribution([])

    // Norms.
    /// Norms per cultural group (all groups).
    public var culturalGroups: [String: Int] = [:]
    /// Norms per topic.
    public var topics: [String: Int] = [:]

    /// Share of assistant turns with reasoning on (0 when there are none).
    public var reasoningShare: Double { assistantTurns == 0 ? 0 : Double(reasoningOn) / Double(assistantTurns) }
}

/// Collects ``DatasetStats`` from records and quarantine entries, one at a time.
public struct DatasetStatsBuilder: Sendable {
    private var stats: DatasetStats
    private let sampleLimit: Int
    private var turns: [Double] = []
    private var content: [Double] = []
    private var reasoning: [Double] = []
    private var source: [Double] = []
    private var target: [Double] = []
    private var ratio: [Double] = []
    private var texts: [Double] = []
    private var ideals: [Double] = []
    private var idealChars: [Double] = []

    /// Starts collecting for a source.
    public init(format: Format, detected: Bool, files: [String], sampleLimit: Int = 5) {
        stats = DatasetStats(
            format: format, detected: detected, files: files,
            bytes: files.reduce(0) { $0 + (FileSystem.size($1) ?? 0) })
        self.sampleLimit = sampleLimit
    }

    static func chars(_ s: String) -> Double { Double(s.unicodeScalars.count) }

    /// Adds one item (record or quarantine entry).
    public mutating func add(_ item: SourceItem) {
        switch item {
        case .record(let r): add(r)
        case .quarantined(let q):
            stats.quarantined += 1
            if stats.quarantineSamples.count < sampleLimit { stats.quarantineSamples.append(q) }
        }
    }

    private mutating func addMessages(_ messages: [Message]) {
        for m in messages {
            stats.roleCounts[m.role, default: 0] += 1
            content.append(Self.chars(m.content))
            if m.role == .assistant {
                stats.assistantTurns += 1
                if let r = m.reasoning {
                    stats.reasoningOn += 1
                    reasoning.append(Self.chars(r))
                }
            }
            stats.toolCalls += m.toolCalls.count
        }
        turns.append(Double(messages.count))
    }

    /// Adds one record.
    public mutating func add(_ record: Record) {
        stats.records += 1
        switch record {
        case .conversation(let c):
            addMessages(c.messages)
            if let tools = c.tools, !tools.isEmpty { stats.withTools += 1 }
        case .eval(let e):
            addMessages(e.input)
            ideals.append(Double(e.ideal.count))
            if let first = e.ideal.first { idealChars.append(Self.chars(first)) }
        case .pair(let p):
            stats.directions["\(p.sourceLanguage)→\(p.targetLanguage)", default: 0] += 1
            let s = Self.chars(p.source), t = Self.chars(p.target)
            source.append(s)
            target.append(t)
            if s > 0 { ratio.append(t / s) }
        case .document(let d):
            texts.append(Self.chars(d.text))
        case .norm(let n):
            stats.culturalGroups[n.culturalGroup, default: 0] += 1
            stats.topics[n.topic, default: 0] += 1
        }
    }

    /// The finished statistics.
    public func finish() -> DatasetStats {
        var s = stats
        s.turns = Distribution(turns)
        s.contentLength = Distribution(content)
        s.reasoningLength = Distribution(reasoning)
        s.sourceLength = Distribution(source)
        s.targetLength = Distribution(target)
        s.lengthRatio = Distribution(ratio)
        s.textLength = Distribution(texts)
        s.idealsPerItem = Distribution(ideals)
        s.idealLength = Distribution(idealChars)
        return s
    }
}

extension DatasetStats {
    /// Reads a whole source with the engine's rules (sequential units, `parallelism` decoding
    /// tasks) and collects its statistics.
    public static func collect(
        _ format: Format, detected: Bool = false, paths: [String],
        options: FormatOptions = FormatOptions(), parallelism: Int = 1
    ) async throws
        -> DatasetStats
    {
        var builder = DatasetStatsBuilder(format: format, detected: detected, files: paths)
        if parallelism <= 1 {
            try SourceScanner.scan(format, paths: paths, options: options) { builder.add($0) }
        } else {
            try await SourceScanner.scanParallel(format, paths: paths, options: options, parallelism: parallelism) {
                for item in $0 { builder.add(item) }
            }
        }
        return builder.finish()
    }

    /// Counts sorted by count (descending), then name.
    static func ranked(_ counts: [String: Int]) -> [(String, Int)] {
        counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The JSON form (what `jupiter inspect --json` prints).
    public var json: JSONValue {
        var o: JSONObject = [
            "files": .array(files.map { .string($0) }),
            "format": .string(format.rawValue),
            "detected": .bool(detected),
            "record_kind": .string(format.recordKind.rawValue),
            "bytes": .int(bytes),
            "records": .int(records),
            "quarantined": .int(quarantined),
            "quarantine_samples": .array(
                quarantineSamples.map {
                    .object(["file": .string($0.file), "line": .int($0.line), "reason": .string($0.reason)])
                })
        ]
        switch format.recordKind {
        case .conversation, .eval:
            o["roles"] = .object(JSONObject(Role.allCases.map { .init(key: $0.rawValue, value: .int(roleCounts[$0] ?? 0)) }))
            o["turns"] = turns.json
            o["content_chars"] = contentLength.json
            o["assistant_turns"] = .int(assistantTurns)
            o["reasoning_on"] = .int(reasoningOn)
            o["reasoning_off"] = .int(assistantTurns - reasoningOn)
            o["reasoning_on_share"] = .double(Distribution.round(reasoningShare))
            o["reasoning_chars"] = reasoningLength.json
            o["tool_calls"] = .int(toolCalls)
            o["conversations_with_tools"] = .int(withTools)
            if format.recordKind == .eval {
                o["ideals_per_item"] = idealsPerItem.json
                o["ideal_chars"] = idealLength.json
            }
        case .pair:
            o["directions"] = .object(JSONObject(DatasetStats.ranked(directions).map { .init(key: $0.0, value: .int($0.1)) }))
            o["source_chars"] = sourceLength.json
            o["target_chars"] = targetLength.json
            o["length_ratio"] = lengthRatio.json
        case .document:
            o["text_chars"] = textLength.json
        case .norm:
            o["cultural_groups"] = .object(JSONObject(DatasetStats.ranked(culturalGroups).map { .init(key: $0.0, value: .int($0.1)) }))
            o["topics"] = .object(JSONObject(DatasetStats.ranked(topics).map { .init(key: $0.0, value: .int($0.1)) }))
        }
        return .object(o)
    }

    /// A human-readable table (what `jupiter inspect` prints).
    public var table: String {
        var rows: [(String, String)] = []
        func num(_ v: Double) -> String {
            v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(Distribution.round(v))
        }
        func dist(_ d: Distribution) -> String {
            d.count == 0
                ? "–"
                : "min \(num(d.min)) · median \(num(d.median)) · p95 \(num(d.p95)) · max \(num(d.max)) · mean \(num(Distribution.round(d.mean)))"
        }
        rows.append(("file", files.joined(separator: ", ")))
        rows.append(("format", format.rawValue + (detected ? " (detected)" : "")))
        rows.append(("records", "\(records) \(format.recordKind.rawValue)"))
        rows.append(("quarantined", "\(quarantined)"))
        switch format.recordKind {
        case .conversation, .eval:
            rows.append(("messages", Role.allCases.map { "\($0.rawValue) \(roleCounts[$0] ?? 0)" }.joined(separator: " · ")))
            rows.append(
                (
                    "turns / " + (format.recordKind == .eval ? "item" : "conversation"),
                    turns.count == 0 ? "–" : "min \(num(turns.min)) · mean \(num(Distribution.round(turns.mean))) · max \(num(turns.max))"
                ))
            rows.append(("content chars", dist(contentLength)))
            if assistantTurns > 0 || format.recordKind == .conversation {
                let pct = String(Distribution.round(reasoningShare * 100))
                rows.append(
                    (
                        "reasoning",
                        "on \(reasoningOn) · off \(assistantTurns - reasoningOn) of \(assistantTurns) assistant turns (\(pct)% on)"
                    ))
                if reasoningOn > 0 { rows.append(("reasoning chars", dist(reasoningLength))) }
            }
            if format.recordKind == .conversation || toolCalls > 0 {
                rows.append(("tool calls", "\(toolCalls) · tool schemas offered in \(withTools) of \(records)"))
            }
            if format.recordKind == .eval {
                rows.append(("ideals / item", dist(idealsPerItem)))
                rows.append(("ideal chars", dist(idealLength)))
            }
        case .pair:
            rows.append(("languages", DatasetStats.ranked(directions).map { "\($0.0) \($0.1)" }.joined(separator: " · ")))
            rows.append(("source chars", dist(sourceLength)))
            rows.append(("target chars", dist(targetLength)))
            rows.append(("length ratio", dist(lengthRatio)))
        case .document:
            rows.append(("text chars", dist(textLength)))
        case .norm:
            let groups = DatasetStats.ranked(culturalGroups)
            rows.append(
                (
                    "cultural groups",
                    groups.prefix(8).map { "\($0.0.isEmpty ? "(none)" : $0.0) \($0.1)" }.joined(separator: " · ")
                        + (groups.count > 8 ? " · … (\(groups.count) in all)" : "")
                ))
            let topicList = DatasetStats.ranked(topics)
            rows.append(
                (
                    "topics",
                    topicList.prefix(8).map { "\($0.0.isEmpty ? "(none)" : $0.0) \($0.1)" }.joined(separator: " · ")
                        + (topicList.count > 8 ? " · … (\(topicList.count) in all)" : "")
                ))
        }
        let width = rows.map { $0.0.count }.max() ?? 0
        var out = rows.map { $0.0 + String(repeating: " ", count: width - $0.0.count) + "  " + $0.1 }.joined(separator: "\n")
        if !quarantineSamples.isEmpty {
            out += "\n\nfirst quarantined:\n" + quarantineSamples.map { "  \($0)" }.joined(separator: "\n")
        }
        return out + "\n"
    }
}
