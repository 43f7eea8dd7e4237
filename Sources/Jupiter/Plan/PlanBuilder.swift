import JupiterCore
import JupiterCurate
import JupiterMix
import JupiterTokenize

/// Turns a recipe into a ``Plan``: builds every stage from the ``StageCatalog`` with the recipe's
/// models, checks that each stage accepts the records it receives, groups stages into steps,
/// resolves sources, and loads what the mixture needs (tokenizer, chat template, evaluation sets).
/// Every problem is reported with its line; the plan is returned only without errors.
public enum PlanBuilder {
    /// Builds the plan. `models` is the client stages will use (not started yet); `runDirectory`
    /// overrides the recipe's `output.dir`.
    public static func build(
        _ recipe: Recipe, models: (any ModelClient)?, runDirectory: String? = nil,
        catalog: [String: StageFactory] = StageCatalog.byName
    ) -> (Plan?, [Diagnostic]) {
        var problems: [Diagnostic] = []
        let context = StageBuildContext(baseDirectory: recipe.baseDirectory, seed: recipe.seed, models: models)
        let byName = Dictionary(recipe.datasets.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let sources = Dictionary(
            recipe.sources.map { source in
                (
                    source.name,
                    SourcePlan(
                        name: source.name, files: source.files, paths: source.files.map(recipe.resolve),
                        format: source.format, options: source.options)
                )
            }, uniquingKeysWith: { a, _ in a })
        var planned: [String: DatasetPlan] = [:]
        var order: [DatasetPlan] = []
        var visiting = Set<String>()

        /// Builds one step's stage, recording every problem (unknown stage, bad or unknown
        /// options, a factory error such as a corrupt model file); nil when it cannot be built.
        func makeStage(_ step: StepSpec, in spec: DatasetSpec) -> (any Stage)? {
            guard let factory = catalog[step.name] else {
                let names = catalog.keys.sorted()
                problems.append(
                    Diagnostic(
                        .error,
                        "dataset '\(spec.name)': unknown stage '\(step.name)'"
                            + Suggestion.didYouMean(step.name, among: names)
                            + " (known stages: \(names.joined(separator: ", ")))",
                        file: recipe.file, line: step.line))
                return nil
            }
            var options = StageOptions(stage: step.name, node: step.options, file: recipe.file, line: step.line)
            let stage: (any Stage)?
            var thrown: Diagnostic?
            do {
                stage = try factory.make(&options, context)
            } catch let d as Diagnostic {
                stage = nil
                thrown = d
            } catch {
                stage = nil
                thrown = Diagnostic(.error, "\(error)", file: recipe.file, line: step.line)
            }
            // Each message names the dataset once; the file and line are the diagnostic's own.
            for var d in options.finish() + (thrown.map { [$0] } ?? []) {
                d.message = "dataset '\(spec.name)': " + d.message
                if d.file == nil { d.file = recipe.file }
                if d.line == nil || d.line == 0 { d.line = step.line }
                problems.append(d)
            }
            return thrown == nil ? stage : nil
        }

        func plan(_ spec: DatasetSpec) -> DatasetPlan? {
            if let p = planned[spec.name] { return p }
            guard visiting.insert(spec.name).inserted else { return nil }  // cycle: reported by the loader
            defer { visiting.remove(spec.name) }
            let input: DatasetInput
            var kind: RecordKind
            if recipe.invalidSources.contains(spec.from) {
                // The source was already reported; still check this dataset's stages and options.
                for step in spec.steps { _ = makeStage(step, in: spec) }
                return nil
            } else if let source = sources[spec.from] {
                input = .source(source)
                kind = source.format.recordKind
            } else if let upstream = byName[spec.from], let up = plan(upstream) {
                input = .dataset(up.name)
                kind = up.outputKind
            } else {
                return nil
            }
            let inputKind = kind
            var stages: [PlannedStage] = []
            var uses: [String: Int] = [:]
            for step in spec.steps {
                guard let stage = makeStage(step, in: spec) else { continue }
                if let aware = stage as? any KindAware {
                    if !aware.acceptedKinds.contains(kind) {
                        let accepted = aware.acceptedKinds.map(\.rawValue).sorted().joined(separator: ", ")
                        problems.append(
                            Diagnostic(
                                .error,
                                "dataset '\(spec.name)': stage '\(step.name)' takes \(accepted) "
                                    + "records but receives \(kind.rawValue) records here",
                                file: recipe.file, line: step.line))
                    } else {
                        kind = aware.outputKind(for: kind)
                    }
                }
                let n = (uses[step.name] ?? 0) + 1
                uses[step.name] = n
                let id = n == 1 ? step.name : "\(step.name)#\(n)"
                stages.append(PlannedStage(id: id, stage: stage, seed: StableHash.fnv1a64(seed: recipe.seed, [spec.name, id])))
            }
            // Group into steps: leading batch stages, then each global stage followed by a batch step.
            var steps: [PlanStep] = []
            var current: [PlannedStage] = []
            var first = true
            for s in stages {
                if s.stage is any GlobalStage {
                    if first || !current.isEmpty { steps.append(.batch(current)) }
                    first = false
                    current = []
                    steps.append(.global(s))
                } else if s.stage is any BatchStage {
                    current.append(s)
                } else {
                    problems.append(
                        Diagnostic(
                            .error, "stage '\(s.id)' is neither a batch nor a global stage",
                            file: recipe.file, line: spec.line))
                }
            }
            if first || !current.isEmpty { steps.append(.batch(current)) }
            let p = DatasetPlan(
                name: spec.name, input: input, inputKind: inputKind, outputKind: kind, stages: stages,
                steps: steps)
            planned[spec.name] = p
            order.append(p)
            return p
        }

        for spec in recipe.datasets { _ = plan(spec) }
        problems += ShortRecordCheck.warnings(recipe, planned: planned)
        var mix: MixPlan?
        if let section = recipe.mix {
            for (name, _) in section.config.weights {
                guard let p = planned[name], p.outputKind != .conversation else { continue }
                problems.append(
                    Diagnostic(
                        .error,
                        "mix: dataset '\(name)' holds \(p.outputKind.rawValue) records; only "
                            + "conversations can be mixed"
                            + (p.outputKind == .pair ? " (add a parallel-to-chat step)" : ""),
                        file: recipe.file, line: section.weightLines[name]))
            }
            mix = buildMix(section, recipe: recipe, problems: &problems)
        }
        if problems.contains(where: { $0.severity == .error }) { return (nil, problems) }
        let settings = RunSettings(
            name: recipe.name, seed: recipe.seed, recipeFile: recipe.file,
            recipeSHA256: recipe.sha256, baseDirectory: recipe.baseDirectory,
            runDirectory: runDirectory ?? recipe.resolve(recipe.output.dir),
            batchSize: recipe.output.batchSize, executor: recipe.executor)
        return (
            Plan(
                settings: settings, models: recipe.models, sources: recipe.sources.compactMap { sources[$0.name] },
                datasets: order, mix: mix), problems
        )
    }

    /// Loads the mixture's token measure and builds its decontamination check.
    static func buildMix(_ section: MixSection, recipe: Recipe, problems: inout [Diagnostic]) -> MixPlan? {
        func error(_ message: String, _ line: Int) {
            problems.append(Diagnostic(.error, "mix: \(message)", file: recipe.file, line: line))
        }
        var ok = true
        var measure = MixMeasure()
        if let (given, line) = section.tokenizer {
            var path = recipe.resolve(given)
            var shownTokenizer = given
            if FileSystem.isDirectory(path) {
                path += "/tokenizer.json"
                shownTokenizer = (given.hasSuffix("/") ? String(given.dropLast()) : given) + "/tokenizer.json"
            }
            do {
                let tokenizer = try Tokenizer(contentsOf: path)
                let sha = try SHA256.hex(ofFile: path)
                measure = MixMeasure(tokenizer: tokenizer, tokenizerSource: (shownTokenizer, sha))
                if section.chatTemplate?.path != "none" {
                    let folder = FileSystem.parent(of: shownTokenizer)
                    let shownFolder = folder == "." || folder.isEmpty ? "" : folder + "/"
                    do {
                        if let found = try ModelChatTemplate.load(
                            explicit: section.chatTemplate.map { (recipe.resolve($0.path), $0.path) },
                            folder: FileSystem.parent(of: path), shownFolder: shownFolder)
                        {
                            measure = MixMeasure(
                                tokenizer: tokenizer, tokenizerSource: (shownTokenizer, sha),
                                template: found.template, templateSource: (found.shown, found.sha256))
                        } else {
                            problems.append(
                                Diagnostic(
                                    .warning,
                                    "mix: no chat template beside \(shownTokenizer) "
                                        + "(tokenizer_config.json without 'chat_template', no chat_template.jinja): "
                                        + "tokens are counted on message texts, without turn markers; set "
                                        + "mix.chat_template, or chat_template: none to silence this",
                                    file: recipe.file, line: line))
                        }
                    } catch let problem {
                        error("chat template: \(problem)", section.chatTemplate?.line ?? line)
                        ok = false
                    }
                }
            } catch let problem {
                error("tokenizer: \(problem)", line)
                ok = false
            }
        }
        if section.config.format == .text && measure.template == nil && ok {
            problems.append(
                Diagnostic(
                    .error,
                    "output.format 'text' renders conversations with a chat template: set "
                        + "mix.tokenizer (the template comes from the tokenizer_config.json beside it, "
                        + "or from mix.chat_template)", file: recipe.file, line: section.line))
            ok = false
        }
        if measure.tokenizer == nil && section.config.unit == .tokens && ok {
            problems.append(
                Diagnostic(
                    .warning,
                    "mix: no tokenizer: token counts are estimated (one token per 4 UTF-8 "
                        + "bytes); set mix.tokenizer to the target model's tokenizer.json for exact budgets",
                    file: recipe.file, line: section.line))
        }
        var decontamination: DecontaminateStage?
        if let (node, line) = section.decontaminate {
            var o = ConfigReader(node, context: "mix: decontaminate", keyWord: "option", file: recipe.file, line: line)
            do {
                decontamination =
                    try DecontaminateStage.factory.make(&o, StageBuildContext(baseDirectory: recipe.baseDirectory))
                    as? DecontaminateStage
            } catch let problem as Diagnostic {
                var p = problem
                if !p.message.hasPrefix("mix:") { p.message = "mix: decontaminate: " + p.message }
                problems.append(p)
                ok = false
            } catch let problem {
                error("decontaminate: \(problem)", line)
                ok = false
            }
            let found = o.finish()
            problems += found
            if found.contains(where: { $0.severity == .error }) { ok = false }
        }
        return ok ? MixPlan(config: section.config, measure: measure, decontamination: decontamination) : nil
    }
}

/// A chat template found for a model folder.
struct ModelChatTemplate {
    let template: ChatTemplate
    /// Where it came from, as the recipe would write it.
    let shown: String
    let sha256: String

    /// The template: `explicit` (a tokenizer_config.json, a model folder, or a `.jinja` file) when
    /// given; otherwise the model folder's, found the way `transformers` finds it
    /// (``ChatTemplate/find(inModelFolder:name:)``: `chat_template.jinja`, else the
    /// `chat_template` of `tokenizer_config.json`). Nil when the folder has none.
    static func load(explicit: (path: String, shown: String)?, folder: String, shownFolder: String) throws -> ModelChatTemplate? {
        if let (path, shown) = explicit {
            if path.hasSuffix(".jinja") { return try jinja(path, shown: shown, config: nil) }
            if FileSystem.isDirectory(path) {
                guard let found = try ChatTemplate.find(inModelFolder: path) else {
                    throw TokenizerError(.invalidValue, path: "$", "no chat template in \(path)", file: path)
                }
                return try located(found, shown: shown.hasSuffix("/") ? shown : shown + "/")
            }
            return ModelChatTemplate(
                template: try ChatTemplate(tokenizerConfig: path), shown: shown,
                sha256: try SHA256.hex(ofFile: path))
        }
        return try ChatTemplate.find(inModelFolder: folder).map { try located($0, shown: shownFolder) }
    }

    /// A template found in a model folder, named as the recipe would write it.
    static func located(_ found: LocatedChatTemplate, shown folder: String) throws -> ModelChatTemplate {
        let file: String
        switch found.source {
        case .jinjaFile(let path): file = path
        case .tokenizerConfig(let path, _): file = path
        }
        return ModelChatTemplate(
            template: found.template, shown: folder + FileSystem.baseName(file),
            sha256: try SHA256.hex(ofFile: file))
    }

    /// A `.jinja` template file; BOS/EOS tokens from the tokenizer_config.json beside it, if any.
    static func jinja(_ path: String, shown: String, config: String?) throws -> ModelChatTemplate {
        let source = String(decoding: try FileSystem.read(path), as: UTF8.self)
        var bos: String?, eos: String?
        if let config, let json = try? JSONParser.parse(FileSystem.read(config)) {
            bos = json["bos_token"]?.stringValue ?? json["bos_token"]?["content"]?.stringValue
            eos = json["eos_token"]?.stringValue ?? json["eos_token"]?["content"]?.stringValue
        }
        return ModelChatTemplate(
            template: try ChatTemplate(source: source, bosToken: bos, eosToken: eos), shown: shown,
            sha256: try SHA256.hex(ofFile: path))
    }
}
