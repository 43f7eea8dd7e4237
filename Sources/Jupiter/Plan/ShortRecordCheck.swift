import JupiterCore
import JupiterCurate

/// A validate-time warning: `quality` applying the web-document length rules (the Gopher quality
/// group's `min_doc_words`, the C4 group's `min_num_sentences`) to short records — questions,
/// prompts, chat turns — which they would mostly drop. The dataset's source is sampled (its first
/// ``sampleSize`` records, the text those rules judge: a document's text, a conversation's
/// assistant turns); a median under ``shortWords`` words is short. The warning names the step's
/// line and the options to set.
enum ShortRecordCheck {
    /// Records sampled from the source.
    static let sampleSize = 200
    /// A median below this many words is "short records".
    static let shortWords = 50

    static func warnings(_ recipe: Recipe, planned: [String: DatasetPlan]) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for spec in recipe.datasets {
            guard let plan = planned[spec.name], let source = rootSource(plan, planned) else { continue }
            var uses: [String: Int] = [:]
            var kind = plan.inputKind
            var medianWords: Int??  // sampled once per dataset, when needed
            for step in spec.steps {
                let n = (uses[step.name] ?? 0) + 1
                uses[step.name] = n
                let id = n == 1 ? step.name : "\(step.name)#\(n)"
                guard let planned = plan.stages.first(where: { $0.id == id }) else { continue }
                defer { if let aware = planned.stage as? any KindAware { kind = aware.outputKind(for: kind) } }
                guard let quality = planned.stage as? QualityStage, kind == .document || kind == .conversation else { continue }
                let groups = quality.groups[kind] ?? []
                var rules: [String] = []
                if groups.contains(.gopherQuality), let w = quality.gopherQuality.minDocWords { rules.append("min_doc_words: \(w)") }
                if groups.contains(.c4), let s = quality.c4.minNumSentences { rules.append("min_num_sentences: \(s)") }
                guard !rules.isEmpty else { continue }
                if medianWords == nil { medianWords = .some(median(source, kind: kind)) }
                guard let words = medianWords ?? nil, words < shortWords else { continue }
                let named = groups.filter { $0 == .gopherQuality || $0 == .c4 }.map(\.rawValue).joined(separator: " and ")
                let kept = groups.filter { $0 != .gopherQuality && $0 != .c4 }.map(\.rawValue)
                out.append(
                    Diagnostic(
                        .warning,
                        "dataset '\(spec.name)': quality applies the web-document rules \(named) (\(rules.joined(separator: ", "))) "
                            + "to short \(kind.rawValue) records (source '\(source.name)': median \(words) words over its first "
                            + "\(sampleSize) records), which would drop most of them; for prompts or questions set "
                            + "`rules: { \(kind.rawValue): [\(kept.joined(separator: ", "))] }` (leave out \(named)), or lower "
                            + rules.map { "`\($0.split(separator: ":")[0])`" }.joined(separator: " and "),
                        file: recipe.file, line: step.line))
            }
        }
        return out
    }

    /// The source a dataset's records come from, through upstream datasets.
    static func rootSource(_ plan: DatasetPlan, _ planned: [String: DatasetPlan]) -> SourcePlan? {
        var current = plan
        for _ in 0...planned.count {
            switch current.input {
            case .source(let s): return s
            case .dataset(let up):
                guard let p = planned[up] else { return nil }
                current = p
            }
        }
        return nil
    }

    /// The median word count of the text the length rules judge, over the source's first records
    /// of `kind`; nil when none can be read.
    static func median(_ source: SourcePlan, kind: RecordKind) -> Int? {
        var counts: [Int] = []
        guard let first = source.paths.first,
            let (reader, decoder) = try? SourceFormats.open(
                source.format, paths: source.format == .moses ? source.paths : [first],
                options: source.options)
        else { return nil }
        while counts.count < sampleSize, let unit = try? reader.next() {
            guard let record = try? decoder.decode(unit, file: source.files.first ?? first) else { continue }
            let text: String
            switch record {
            case .document(let d): text = d.text
            case .conversation(let c): text = c.messages.filter { $0.role == .assistant }.map(\.content).joined(separator: "\n\n")
            default: continue
            }
            counts.append(text.split(whereSeparator: { $0.isWhitespace }).count)
        }
        guard !counts.isEmpty else { return nil }
        return counts.sorted()[counts.count / 2]
    }
}
