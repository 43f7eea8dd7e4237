import JupiterCore
import JupiterEval
import JupiterLLM

/// The recipe's `eval:` section as written (paths resolved): what `jupiter eval` runs.
public struct EvalSection: Sendable {
    /// Models, tasks, seeds and comparison settings (no language detector, no error policy:
    /// those are given when the evaluation runs).
    public var spec: EvalSpec
    /// `eval.langdetect`: the langdetect package folder for IFEval's language instructions (resolved).
    public var langdetect: String?
    /// Line of `eval:`.
    public var line: Int
}

/// Reads the `eval:` section through the one ``ConfigReader``:
///
/// ```yaml
/// eval:
///   models:                    # recipe models by name: a list, or eval names mapped to them
///     base: base
///     tuned: { model: base, system_prompt: "Rwyt ti'n gynorthwyydd Cymraeg.", reasoning: off }
///   baseline: base             # the model the others are compared with (default: the first)
///   tasks:
///     welsh-mmlu: { kind: openai-evals, path: evals/welsh-mmlu-lite.jsonl, scoring: mcq-letter, limit: 20 }
///     welsh-mmlu-ll: { kind: multiple-choice, path: evals/welsh-mmlu-lite.jsonl, choices: letters }
///     gsm8k: { kind: gsm8k, path: evals/gsm8k.jsonl, fewshot: 8, max_tokens: 256 }
///     ifeval: { kind: ifeval, path: evals/ifeval.jsonl, max_tokens: 512 }
///   reasoning: off             # on | off for every model without its own (default: not sent)
///   limit: 200                 # items per task unless the task sets its own
///   seed: 1234                 # requests' seed, GSM8K's sampled exemplars, the bootstrap (default: the recipe's seed)
///   seeds: { generation: 1234, fewshot: 1234, bootstrap: 7 }   # each apart
///   concurrency: 32            # requests in flight over all models
///   margin: 1                  # retention margin in points
///   resamples: 10000           # paired-bootstrap resamples (at least 1000)
///   confidence: 0.95
///   examples: 5                # flipped items shown per direction
///   langdetect: .venv/lib/python3.11/site-packages/langdetect   # IFEval language checks
/// ```
///
/// Task keys: `kind` (`openai-evals`, `multiple-choice`, `gsm8k`, `ifeval`), `path`, `role`
/// (`target` or `retention`; default target for `openai-evals` and `multiple-choice`, retention
/// for `gsm8k` and `ifeval`), `limit`, `max_tokens`, `temperature`, `metric` (the verdict's
/// metric); `scoring` (`mcq-letter`, `exact-match`, `bleu`, `chrf`) for `openai-evals`;
/// `choices` (`letters`, `texts`) for `multiple-choice`; `variant` (`gsm8k`, `gsm8k-cot`),
/// `fewshot` (a count), `fewshot_from` (`chain-of-thought`, lm-eval's eight fixed exemplars, or a
/// GSM8K train file to draw from) and `multiturn` for `gsm8k`.
enum EvalSectionLoader {
    static func load(_ o: inout ConfigReader, models: [ModelConfig], seed recipeSeed: UInt64, baseDirectory: String) -> EvalSection {
        let resolver = StageBuildContext(baseDirectory: baseDirectory)
        let declared = models.map(\.name)
        let defaultReasoning = o.choice("reasoning", ["on", "off"]).flatMap(ReasoningMode.init(rawValue:))

        // models
        var evalModels: [EvalModelSpec] = []
        var modelLines: [String: Int] = [:]
        func add(_ m: EvalModelSpec, line: Int, _ o: inout ConfigReader) {
            guard declared.contains(m.model) else {
                o.append([
                    Diagnostic(
                        .error,
                        "eval: models: '\(m.model)' names no model in 'models:' (declared: "
                            + declared.joined(separator: ", ") + ")" + Suggestion.didYouMean(m.model, among: declared),
                        file: o.file, line: line)
                ])
                return
            }
            evalModels.append(m)
            modelLines[m.name] = line
        }
        if let node = o.node("models") {
            if let items = node.listItems {
                for item in items {
                    guard let name = item.scalar else { o.problem("models", "'models' list items must be model names"); continue }
                    add(EvalModelSpec(name: name, reasoning: defaultReasoning), line: item.line, &o)
                }
            } else if let entries = node.mapEntries {
                for e in entries {
                    guard RecipeLoader.isSafeName(e.key) else {
                        o.problem("models", "eval model name '\(e.key)' may contain only letters, digits, '.', '_' and '-'")
                        continue
                    }
                    if let target = e.value.scalar {
                        add(EvalModelSpec(name: e.key, model: target, reasoning: defaultReasoning), line: e.keyLine, &o)
                        continue
                    }
                    var m = ConfigReader(e.value, context: "eval model '\(e.key)'", file: o.file, line: e.keyLine)
                    let target = m.string("model") ?? e.key
                    let system = m.string("system_prompt")
                    let reasoning = m.choice("reasoning", ["on", "off"]).flatMap(ReasoningMode.init(rawValue:)) ?? defaultReasoning
                    o.append(m.finish())
                    add(EvalModelSpec(name: e.key, model: target, systemPrompt: system, reasoning: reasoning), line: e.keyLine, &o)
                }
            } else {
                o.problem("models", "'models' must be a list of model names or a mapping of eval names to models")
            }
        } else {
            o.problem(nil, "missing 'models' (the recipe models to evaluate)")
        }
        for m in evalModels {
            guard let config = models.first(where: { $0.name == m.model }) else { continue }
            let line = modelLines[m.name] ?? o.line
            if m.reasoning == .on && config.reasoning == .never {
                o.append([
                    Diagnostic(
                        .error, "eval: model '\(m.name)': reasoning on, but model '\(m.model)' is declared reasoning: never",
                        file: o.file, line: line)
                ])
            }
            if m.reasoning == .off && config.reasoning == .always {
                o.append([
                    Diagnostic(
                        .error, "eval: model '\(m.name)': reasoning off, but model '\(m.model)' is declared reasoning: always",
                        file: o.file, line: line)
                ])
            }
        }
        let baseline = o.string("baseline")
        if let baseline, !evalModels.contains(where: { $0.name == baseline }) {
            o.problem("baseline", "'baseline' must name one of the eval models (\(evalModels.map(\.name).joined(separator: ", ")))")
        }

        // settings
        let limit = o.int("limit", range: 1...Int.max)
        let seed = o.int("seed", range: 0...Int.max).map(UInt64.init) ?? recipeSeed
        var seeds = EvalSeeds(seed)
        var comparison = ComparisonSettings(seed: seed)
        if var s = o.mapping("seeds") {
            if let g = s.int("generation", range: 0...Int(Int32.max)) { seeds.generation = g }
            if let f = s.int("fewshot", range: 0...Int.max) { seeds.fewShot = UInt64(f) }
            if let b = s.int("bootstrap", range: 0...Int.max) { comparison.seed = UInt64(b) }
            o.append(s.finish())
        }
        let concurrency = o.int("concurrency", default: 32, range: 1...100_000)
        comparison.margin = o.double("margin", default: 1, range: 0...100)
        comparison.resamples = o.int("resamples", default: 10_000, range: 1000...10_000_000)
        comparison.level = o.double("confidence", default: 0.95, range: 0.5...0.999)
        comparison.examples = o.int("examples", default: 5, range: 0...1000)
        let langdetect = o.nonEmptyString("langdetect").map { resolver.resolve($0) }

        // tasks
        var tasks: [EvalTaskSpec] = []
        if let node = o.node("tasks"), let entries = node.mapEntries, !entries.isEmpty {
            for e in entries {
                guard RecipeLoader.isSafeName(e.key) else {
                    o.problem("tasks", "task name '\(e.key)' may contain only letters, digits, '.', '_' and '-' (it names files)")
                    continue
                }
                var t = ConfigReader(e.value, context: "eval task '\(e.key)'", file: o.file, line: e.keyLine)
                if let task = loadTask(e.key, &t, limit: limit, resolver: resolver) { tasks.append(task) }
                o.append(t.finish())
            }
        } else {
            o.problem(o.has("tasks") ? "tasks" : nil, "'tasks' must map task names to { kind, path, … }")
        }
        let spec = EvalSpec(
            models: evalModels, tasks: tasks, seeds: seeds, concurrency: concurrency, comparison: comparison,
            baseline: baseline)
        return EvalSection(spec: spec, langdetect: langdetect, line: o.line)
    }

    static func loadTask(_ name: String, _ t: inout ConfigReader, limit: Int?, resolver: StageBuildContext) -> EvalTaskSpec? {
        let kindName = t.choice("kind", ["openai-evals", "multiple-choice", "gsm8k", "ifeval"])
        if kindName == nil && !t.has("kind") { t.problem(nil, "missing 'kind' (openai-evals, multiple-choice, gsm8k or ifeval)") }
        let file = t.nonEmptyString("path")
        if file == nil && !t.has("path") { t.problem(nil, "missing 'path' (the task's JSONL file)") }
        var path: String?
        if let file {
            let resolved = resolver.resolve(file)
            if FileSystem.exists(resolved) && !FileSystem.isDirectory(resolved) {
                path = resolved
            } else {
                t.problem("path", "file not found: \(file) (looked for \(resolved))")
            }
        }
        let roleName = t.choice("role", EvalRole.allCases.map(\.rawValue))
        let taskLimit = t.int("limit", range: 1...Int.max) ?? limit
        let maxTokens = t.int("max_tokens", range: 1...10_000_000)
        let temperature = t.double("temperature", range: 0...10)
        let metric = t.string("metric")
        var kind: EvalTaskKind?
        switch kindName {
        case "openai-evals":
            if let s = t.choice("scoring", OpenAIEvalsTask.Kind.allCases.map(\.rawValue)), let k = OpenAIEvalsTask.Kind(rawValue: s) {
                kind = .openAIEvals(k)
            } else if !t.has("scoring") {
                t.problem(nil, "missing 'scoring' (" + OpenAIEvalsTask.Kind.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
        case "multiple-choice":
            let c = t.choice("choices", MultipleChoiceTask.Choices.allCases.map(\.rawValue), default: "letters")
            kind = .multipleChoice(MultipleChoiceTask.Choices(rawValue: c) ?? .letters)
        case "gsm8k":
            var options = GSM8KOptions()
            if let v = t.choice("variant", GSM8KScorer.Variant.allCases.map(\.rawValue)), let variant = GSM8KScorer.Variant(rawValue: v) {
                options.variant = variant
            }
            options.fewShot = t.int("fewshot", default: 0, range: 0...64)
            options.multiturn = t.bool("multiturn", default: false)
            if let from = t.nonEmptyString("fewshot_from"), from != "chain-of-thought" {
                let resolved = resolver.resolve(from)
                if FileSystem.exists(resolved) {
                    options.fewShotSource = .sampled(trainFile: resolved)
                } else {
                    t.problem("fewshot_from", "'fewshot_from' must be chain-of-thought or a GSM8K train file; not found: \(resolved)")
                }
            } else if options.fewShot > GSM8KTask.chainOfThoughtExemplars.count {
                t.problem(
                    "fewshot",
                    "there are \(GSM8KTask.chainOfThoughtExemplars.count) fixed exemplars; draw more with "
                        + "'fewshot_from: TRAIN_FILE'")
            }
            kind = .gsm8k(options)
        case "ifeval":
            kind = .ifeval
        default:
            break
        }
        guard let kind, let file, let path else { return nil }
        let defaultRole: EvalRole =
            switch kind {
            case .openAIEvals, .multipleChoice: .target
            case .gsm8k, .ifeval: .retention
            }
        return EvalTaskSpec(
            name: name, kind: kind, file: file, path: path, role: roleName.flatMap(EvalRole.init(rawValue:)) ?? defaultRole,
            limit: taskLimit, maxTokens: maxTokens, temperature: temperature, primaryMetric: metric)
    }
}
