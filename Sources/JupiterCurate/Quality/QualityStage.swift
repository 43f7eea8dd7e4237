import JupiterCore

/// `quality`: documented heuristic filters. Rule groups, enabled per record kind with `rules`:
///
/// | group | what | anchor |
/// |---|---|---|
/// | `basic` | empty, punctuation-only and broken-encoding texts (``BasicTextRules``) | — |
/// | `gopher_repetition` | repeated lines, paragraphs and n-grams (``GopherRepetitionRules``) | datatrove `GopherRepetitionFilter` |
/// | `gopher_quality` | word count, word length, symbols, bullets, alphabetic words, stop words (``GopherQualityRules``) | datatrove `GopherQualityFilter` |
/// | `c4` | C4 line rules; removes lines, drops some documents (``C4LineRules``) | datatrove `C4QualityFilter` |
/// | `conversation` | role order, empty turns, garbage, truncation, echo, n-gram loops (``ConversationRules``) | — |
///
/// Default groups per kind: documents `[basic, gopher_repetition, gopher_quality, c4]` (FineWeb's
/// order of the three datatrove filters); conversations `[conversation]`; pairs, norms and eval
/// items `[basic]` (pairs have `pair-filter` for the rest). `rules: [...]` sets the groups for every
/// kind; `rules: {document: [...], conversation: [...]}` per kind. On conversations the Gopher
/// groups judge the assistant turns' text (joined by blank lines); on pairs, each side.
///
/// Every threshold is an option named as in datatrove (`min_doc_words`, `dup_line_frac`,
/// `top_n_grams: {2: 0.2, 3: 0.18, 4: 0.16}`, `min_num_sentences`, …); `null` turns a Gopher bound
/// off as `None` does in datatrove. `language` picks the stop-word list (``StopWords``: `en`, the
/// default, as datatrove; `cy` for Welsh), `stop_words` replaces it. Every drop names its rule and
/// measured value; kept documents carry the C4-rewritten text (kept lines, stripped, joined by
/// `\n`, as datatrove writes it), and those the C4 rules shortened get
/// `metadata.quality.c4_removed_lines`.
///
/// **Parity with datatrove.** With the default options, the three datatrove groups decide every
/// document as datatrove 0.10.1 does (same keep/drop, same first failing rule, same rewritten
/// text; `QualityParityTests` runs datatrove on the same documents): words and sentences come from
/// ``EnglishTokenizer`` (spaCy's blank English tokenizer, which datatrove loads), characters are
/// counted as Python counts them, stop words are counted once each. Deliberate differences, each
/// with its switch: the `basic` group runs first (leave it out of `rules` for datatrove's
/// decisions exactly); a bound of 0 is a bound, where datatrove reads 0 as "off" (write `null`);
/// `language: cy` (Welsh stop words) is Jupiter's own.
public struct QualityStage: RecordStage, KindAware {
    public let name = "quality"

    /// Rule groups.
    public enum Group: String, Sendable, Hashable, CaseIterable {
        case basic, gopherRepetition = "gopher_repetition", gopherQuality = "gopher_quality", c4, conversation
    }

    /// Groups per record kind.
    public var groups: [RecordKind: [Group]]
    public var basic = BasicTextRules()
    public var gopherQuality = GopherQualityRules()
    public var gopherRepetition = GopherRepetitionRules()
    public var c4 = C4LineRules()
    public var conversation = ConversationRules()

    /// Default groups of each kind.
    public static let defaultGroups: [RecordKind: [Group]] = [
        .document: [.basic, .gopherRepetition, .gopherQuality, .c4],
        .conversation: [.conversation],
        .pair: [.basic], .norm: [.basic], .eval: [.basic]
    ]

    /// Creates the stage with the default groups and datatrove's thresholds.
    public init(groups: [RecordKind: [Group]] = QualityStage.defaultGroups) {
        self.groups = groups
    }

    public var acceptedKinds: Set<RecordKind> { Set(RecordKind.allCases) }
    public func outputKind(for input: RecordKind) -> RecordKind { input }

    public var configuration: JSONValue {
        var g = JSONObject()
        for k in RecordKind.allCases { g[k.rawValue] = .array((groups[k] ?? []).map { .string($0.rawValue) }) }
        func opt(_ v: Double?) -> JSONValue { v.map { .double($0) } ?? .null }
        func opt(_ v: Int?) -> JSONValue { v.map { .int($0) } ?? .null }
        let q = gopherQuality, r = gopherRepetition, c = c4, cv = conversation
        return .object([
            // What the document rules reproduce (in the fingerprint, so work done by rules that
            // decided differently is not reused).
            "parity": .string("datatrove 0.10.1, spaCy 3.8 English words and sentences"),
            "rules": .object(g),
            "max_garbage_ratio": .double(basic.maxGarbageRatio),
            "min_doc_words": opt(q.minDocWords), "max_doc_words": opt(q.maxDocWords),
            "min_avg_word_length": opt(q.minAvgWordLength), "max_avg_word_length": opt(q.maxAvgWordLength),
            "max_symbol_word_ratio": opt(q.maxSymbolWordRatio), "max_bullet_lines_ratio": opt(q.maxBulletLinesRatio),
            "max_ellipsis_lines_ratio": opt(q.maxEllipsisLinesRatio),
            "max_non_alpha_words_ratio": opt(q.maxNonAlphaWordsRatio), "min_stop_words": opt(q.minStopWords),
            "stop_words": .array(q.stopWords.sorted().map { .string($0) }),
            "dup_line_frac": opt(r.dupLineFrac), "dup_para_frac": opt(r.dupParaFrac),
            "dup_line_char_frac": opt(r.dupLineCharFrac), "dup_para_char_frac": opt(r.dupParaCharFrac),
            "top_n_grams": .object(JSONObject(r.topNGrams.map { .init(key: String($0.n), value: .double($0.frac)) })),
            "dup_n_grams": .object(JSONObject(r.dupNGrams.map { .init(key: String($0.n), value: .double($0.frac)) })),
            "remove_citations": .bool(c.removeCitations), "filter_no_terminal_punct": .bool(c.filterNoTerminalPunct),
            "min_num_sentences": opt(c.minNumSentences), "min_words_per_line": opt(c.minWordsPerLine),
            "max_word_length": opt(c.maxWordLength), "filter_lorem_ipsum": .bool(c.filterLoremIpsum),
            "filter_javascript": .bool(c.filterJavascript), "filter_curly_bracket": .bool(c.filterCurlyBracket),
            "filter_policy": .bool(c.filterPolicy),
            "require_final_assistant": .bool(cv.requireFinalAssistant),
            "truncation_min_words": .int(cv.truncationMinWords), "max_echo_overlap": .double(cv.maxEchoOverlap),
            "loop_max_period": .int(cv.loopMaxPeriod), "loop_min_repeats": .int(cv.loopMinRepeats),
            "loop_min_words": .int(cv.loopMinWords)
        ])
    }

    /// The recipe factory.
    public static let factory = StageFactory(
        name: "quality",
        summary: "Heuristic quality filters: Gopher quality and repetition, C4 lines (datatrove defaults), chat rules."
    ) { o, _ in
        QualityStage(options: &o)
    }

    /// Reads the stage from recipe options (problems are collected in `o`).
    public init(options o: inout StageOptions) {
        self.init()
        groups = Self.readGroups(&o)
        basic.maxGarbageRatio = o.double("max_garbage_ratio", default: 0.01, range: 0...1)
        conversation.maxGarbageRatio = basic.maxGarbageRatio

        var q = GopherQualityRules()
        q.minDocWords = Self.optionalInt(&o, "min_doc_words", q.minDocWords)
        q.maxDocWords = Self.optionalInt(&o, "max_doc_words", q.maxDocWords)
        q.minAvgWordLength = Self.optionalDouble(&o, "min_avg_word_length", q.minAvgWordLength)
        q.maxAvgWordLength = Self.optionalDouble(&o, "max_avg_word_length", q.maxAvgWordLength)
        q.maxSymbolWordRatio = Self.optionalDouble(&o, "max_symbol_word_ratio", q.maxSymbolWordRatio)
        q.maxBulletLinesRatio = Self.optionalDouble(&o, "max_bullet_lines_ratio", q.maxBulletLinesRatio)
        q.maxEllipsisLinesRatio = Self.optionalDouble(&o, "max_ellipsis_lines_ratio", q.maxEllipsisLinesRatio)
        q.maxNonAlphaWordsRatio = Self.optionalDouble(&o, "max_non_alpha_words_ratio", q.maxNonAlphaWordsRatio)
        q.minStopWords = Self.optionalInt(&o, "min_stop_words", q.minStopWords)
        let language = o.string("language", default: "en")
        if let list = StopWords.list(for: language) {
            q.stopWords = list
        } else if !o.has("stop_words") {
            o.problem("language", "no stop-word list ships for language '\(language)' (en, cy); give 'stop_words'")
        }
        if o.has("stop_words") { q.stopWords = Set(o.stringList("stop_words", default: [])) }
        gopherQuality = q

        var r = GopherRepetitionRules()
        r.dupLineFrac = Self.optionalDouble(&o, "dup_line_frac", r.dupLineFrac)
        r.dupParaFrac = Self.optionalDouble(&o, "dup_para_frac", r.dupParaFrac)
        r.dupLineCharFrac = Self.optionalDouble(&o, "dup_line_char_frac", r.dupLineCharFrac)
        r.dupParaCharFrac = Self.optionalDouble(&o, "dup_para_char_frac", r.dupParaCharFrac)
        r.topNGrams = Self.nGramBounds(&o, "top_n_grams", r.topNGrams)
        r.dupNGrams = Self.nGramBounds(&o, "dup_n_grams", r.dupNGrams)
        gopherRepetition = r

        var c = C4LineRules()
        c.removeCitations = o.bool("remove_citations", default: true)
        c.filterNoTerminalPunct = o.bool("filter_no_terminal_punct", default: true)
        c.minNumSentences = Self.optionalInt(&o, "min_num_sentences", c.minNumSentences)
        c.minWordsPerLine = Self.optionalInt(&o, "min_words_per_line", c.minWordsPerLine)
        c.maxWordLength = Self.optionalInt(&o, "max_word_length", c.maxWordLength)
        c.filterLoremIpsum = o.bool("filter_lorem_ipsum", default: true)
        c.filterJavascript = o.bool("filter_javascript", default: true)
        c.filterCurlyBracket = o.bool("filter_curly_bracket", default: true)
        c.filterPolicy = o.bool("filter_policy", default: true)
        c4 = c

        conversation.maxWordLength = c.maxWordLength
        conversation.requireFinalAssistant = o.bool("require_final_assistant", default: true)
        conversation.truncationMinWords = o.int("truncation_min_words", default: 8, range: 1...10_000)
        conversation.maxEchoOverlap = o.double("max_echo_overlap", default: 0.9, range: 0...1)
        conversation.loopMaxPeriod = o.int("loop_max_period", default: 50, range: 1...10_000)
        conversation.loopMinRepeats = o.int("loop_min_repeats", default: 3, range: 2...10_000)
        conversation.loopMinWords = o.int("loop_min_words", default: 30, range: 1...1_000_000)
    }

    // MARK: option helpers

    static func readGroups(_ o: inout StageOptions) -> [RecordKind: [Group]] {
        guard let node = o.node("rules") else { return defaultGroups }
        func parse(_ n: ConfigNode, _ key: String) -> [Group]? {
            let items = n.listItems ?? (n.scalar != nil ? [n] : nil)
            guard let items else {
                o.problem("rules", "option '\(key)' must be a list of rule groups")
                return nil
            }
            var out: [Group] = []
            for item in items {
                guard let s = item.scalar, let g = Group(rawValue: s) else {
                    o.problem(
                        "rules",
                        "option '\(key)' has unknown rule group '\(item.scalar ?? item.typeName)' "
                            + "(use \(Group.allCases.map(\.rawValue).joined(separator: ", ")))")
                    continue
                }
                out.append(g)
            }
            return out
        }
        var result = defaultGroups
        if let entries = node.mapEntries {
            for e in entries {
                guard let kind = RecordKind(rawValue: e.key) else {
                    o.problem("rules", "option 'rules' has unknown record kind '\(e.key)'")
                    continue
                }
                if let g = parse(e.value, "rules.\(e.key)") { result[kind] = g }
            }
        } else if let g = parse(node, "rules") {
            for k in RecordKind.allCases { result[k] = g }
        }
        for (kind, g) in result where kind != .document && kind != .norm && g.contains(.c4) {
            o.problem("rules", "rule group 'c4' rewrites documents; it does not apply to \(kind.rawValue) records")
        }
        for (kind, g) in result where kind != .conversation && g.contains(.conversation) {
            o.problem("rules", "rule group 'conversation' applies to conversations only, not \(kind.rawValue) records")
        }
        return result
    }

    static func isOff(_ n: ConfigNode) -> Bool {
        n.value == .null || ["null", "none", "off", "~"].contains(n.scalar?.lowercased() ?? "")
    }

    static func optionalDouble(_ o: inout StageOptions, _ key: String, _ def: Double?) -> Double? {
        guard o.has(key) else { return def }
        if let n = o.node(key), isOff(n) { return nil }
        return o.double(key, default: def ?? 0, range: 0...1e12)
    }

    static func optionalInt(_ o: inout StageOptions, _ key: String, _ def: Int?) -> Int? {
        guard o.has(key) else { return def }
        if let n = o.node(key), isOff(n) { return nil }
        return o.int(key, default: def ?? 0, range: 0...Int(Int32.max))
    }

    static func nGramBounds(_ o: inout StageOptions, _ key: String, _ def: [(n: Int, frac: Double)])
        -> [(n: Int, frac: Double)]
    {
        guard let node = o.node(key) else { return def }
        if isOff(node) { return [] }
        guard let entries = node.mapEntries else {
            o.problem(key, "option '\(key)' must map n to a fraction, e.g. {2: 0.2, 3: 0.18}")
            return def
        }
        var out: [(n: Int, frac: Double)] = []
        for e in entries {
            guard let n = Int(e.key), n >= 1, n <= 100, let s = e.value.scalar, let f = Double(s), f >= 0, f <= 1 else {
                o.problem(key, "option '\(key)' entry '\(e.key)' must be an n in 1...100 with a fraction in 0...1")
                continue
            }
            out.append((n, f))
        }
        return out
    }

    // MARK: processing

    public func process(_ batch: [Record], context: StageContext) async throws -> [StageOutput] {
        var scratch = QualityScratch()
        return batch.map { process($0, &scratch) }
    }

    public func process(_ record: Record, context: StageContext) throws -> StageOutput {
        var scratch = QualityScratch()
        return process(record, &scratch)
    }

    func process(_ record: Record, _ scratch: inout QualityScratch) -> StageOutput {
        let enabled = groups[record.kind] ?? []
        if enabled.isEmpty { return .kept(record) }
        switch record {
        case .document(var d):
            if let r = checkText(d.text, enabled, place: nil, &scratch) { return .dropped(record, r) }
            if enabled.contains(.c4) {
                switch applyC4(d.text, enabled, &scratch) {
                case .dropped(let r): return .dropped(record, r)
                case .kept(let text, let removed):
                    if text != d.text { d.text = text }
                    if removed > 0 {
                        var q = d.metadata["quality"]?.objectValue ?? JSONObject()
                        q["c4_removed_lines"] = .int(removed)
                        d.metadata["quality"] = .object(q)
                    }
                }
            }
            return .kept(.document(d))
        case .pair(let p):
            for (place, text) in [("source side", p.source), ("target side", p.target)] {
                if let r = checkText(text, enabled, place: place, &scratch) { return .dropped(record, r) }
            }
            return .kept(record)
        case .conversation(let c):
            if enabled.contains(.conversation), let r = conversation.check(c.messages) { return .dropped(record, r) }
            if enabled.contains(.gopherQuality) || enabled.contains(.gopherRepetition) || enabled.contains(.basic) {
                let assistant = c.messages.filter { $0.role == .assistant }.map(\.content).joined(separator: "\n\n")
                if let r = checkText(assistant, enabled, place: "assistant turns", &scratch) { return .dropped(record, r) }
            }
            return .kept(record)
        case .norm, .eval:
            let text = record.text
            if let r = checkText(text, enabled, place: nil, &scratch) { return .dropped(record, r) }
            if enabled.contains(.c4), case .dropped(let r) = applyC4(text, enabled, &scratch) { return .dropped(record, r) }
            return .kept(record)
        }
    }

    /// basic → Gopher repetition → Gopher quality, as enabled (the text is split into words once).
    func checkText(_ text: String, _ enabled: [Group], place: String?, _ scratch: inout QualityScratch) -> DropReason? {
        if enabled.contains(.basic), let r = basic.check(text, place: place) { return r }
        let repetition = enabled.contains(.gopherRepetition), quality = enabled.contains(.gopherQuality)
        guard repetition || quality else { return nil }
        scratch.load(text)
        if repetition, let r = gopherRepetition.check(&scratch) { return Self.placed(r, place) }
        if quality, let r = gopherQuality.check(&scratch) { return Self.placed(r, place) }
        return nil
    }

    /// The C4 rules on `text` (its scalars are already loaded when a Gopher group ran).
    func applyC4(_ text: String, _ enabled: [Group], _ scratch: inout QualityScratch) -> C4LineRules.Outcome {
        if !(enabled.contains(.gopherRepetition) || enabled.contains(.gopherQuality)) {
            scratch.scalars = PythonText.scalars(text)
        }
        return c4.apply(&scratch)
    }

    static func placed(_ r: DropReason, _ place: String?) -> DropReason {
        guard let place else { return r }
        var r = r
        r.message += " (\(place))"
        return r
    }
}
