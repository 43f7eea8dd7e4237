import JupiterCore
import JupiterLLM
import JupiterMix

/// Reads a recipe file and checks everything that can be checked without loading or building
/// anything: YAML syntax, unknown keys, value types, source files and formats, dataset references
/// and cycles, the `models:` and `mix:` sections. Every problem is reported with its line, all in
/// one pass, through the one ``ConfigReader``. It returns data only; ``PlanBuilder`` builds the
/// stages, loads tokenizers and checks stage options.
public enum RecipeLoader {
    static let datasetKeys = ["from", "steps"]

    /// True for names safe as folder names: letters, digits, `.`, `_`, `-`, not starting with `.`.
    public static func isSafeName(_ s: String) -> Bool {
        guard let f = s.unicodeScalars.first, f != "." else { return false }
        return s.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
                || $0 == "." || $0 == "_" || $0 == "-"
        }
    }

    /// Loads and checks a recipe. Returns the recipe only when there are no errors.
    public static func load(path: String) -> (Recipe?, [Diagnostic]) {
        let (recipe, problems) = loadPartial(path: path)
        return (problems.contains { $0.severity == .error } ? nil : recipe, problems)
    }

    /// Loads a recipe, returning what could be read even when there are errors (so later checks,
    /// such as stage options, can still report their problems in the same pass).
    public static func loadPartial(path: String) -> (Recipe?, [Diagnostic]) {
        let bytes: [UInt8]
        do { bytes = try FileSystem.read(path) } catch {
            return (nil, [Diagnostic(.error, "cannot read recipe: \(error.reason)", file: path)])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return (nil, [Diagnostic(.error, "recipe is not valid UTF-8", file: path)])
        }
        return loadPartial(text: text, file: path, baseDirectory: FileSystem.parent(of: path))
    }

    /// Reads only the `models:` section of a recipe (for `jupiter models`), with its problems.
    public static func loadModels(path: String) -> ([ModelConfig], [Diagnostic]) {
        let text: String
        do {
            guard let t = String(validating: try FileSystem.read(path), as: UTF8.self) else {
                return ([], [Diagnostic(.error, "recipe is not valid UTF-8", file: path)])
            }
            text = t
        } catch {
            return ([], [Diagnostic(.error, "cannot read recipe: \(error.reason)", file: path)])
        }
        let (tree, problems) = YAMLTree.parse(text, file: path)
        guard let tree else { return ([], problems) }
        let (models, modelProblems) = ModelsSection.parse(
            tree["models"], file: path,
            context: StageBuildContext(baseDirectory: FileSystem.parent(of: path)))
        return (models, problems + modelProblems)
    }

    /// Loads and checks recipe text; the recipe is returned whenever the YAML has the right shape.
    public static func loadPartial(text: String, file: String, baseDirectory: String) -> (Recipe?, [Diagnostic]) {
        let (treeOpt, yamlProblems) = YAMLTree.parse(text, file: file)
        guard let tree = treeOpt else { return (nil, yamlProblems) }
        guard tree.mapEntries != nil else {
            return (
                nil,
                yamlProblems + [
                    Diagnostic(
                        .error, "recipe must be a mapping with keys name, sources, datasets, …",
                        file: file, line: tree.line)
                ]
            )
        }
        var top = ConfigReader(tree, context: "", file: file, line: tree.line)
        top.append(yamlProblems)

        // name
        var name = ""
        if let s = top.string("name") {
            if isSafeName(s) {
                name = s
            } else {
                top.problem("name", "'name' must be a name of letters, digits, '.', '_' or '-'")
            }
        } else if !top.has("name") {
            top.problem(nil, "missing required key 'name'")
        }

        // seed
        var seed: UInt64 = 0
        if let n = top.node("seed") {
            if let v = n.scalar.flatMap({ UInt64($0.replacingOccurrences(of: "_", with: "")) }) {
                seed = v
            } else {
                top.problem("seed", "'seed' must be a non-negative integer, found \(n.scalar.map { "'\($0)'" } ?? n.typeName)")
            }
        }

        // output
        var output = OutputSpec(dir: "runs/\(name.isEmpty ? "run" : name)", batchSize: 2048)
        var outputReader = top.mapping("output")
        if var o = outputReader {
            if let d = o.nonEmptyString("dir") { output.dir = d }
            output.batchSize = o.int("batch_size", default: 2048, range: 1...1_000_000)
            outputReader = o
        }

        // models
        let (models, modelProblems) = ModelsSection.parse(
            top.node("models"), file: file,
            context: StageBuildContext(baseDirectory: baseDirectory))
        top.append(modelProblems)

        // sources
        var sources: [SourceSpec] = []
        var invalidSources = Set<String>()
        if let s = top.node("sources") {
            if let entries = s.mapEntries {
                for e in entries {
                    var problems: [Diagnostic] = []
                    if let spec = loadSource(
                        e.key, e.value, line: e.keyLine, file: file, base: baseDirectory,
                        problems: &problems)
                    {
                        sources.append(spec)
                    } else {
                        invalidSources.insert(e.key)
                    }
                    top.append(problems)
                }
            } else {
                top.problem("sources", "'sources' must be a mapping of source names to settings")
            }
        } else if !top.has("eval") {
            top.problem(nil, "missing required key 'sources'")
        }

        // datasets
        var datasets: [DatasetSpec] = []
        if let d = top.node("datasets") {
            if let entries = d.mapEntries {
                for e in entries {
                    var problems: [Diagnostic] = []
                    if let spec = loadDataset(e.key, e.value, line: e.keyLine, file: file, problems: &problems) {
                        datasets.append(spec)
                    }
                    top.append(problems)
                }
            } else {
                top.problem("datasets", "'datasets' must be a mapping of dataset names to settings")
            }
        } else if !top.has("eval") {
            top.problem(nil, "missing required key 'datasets'")
        }
        var referenceProblems: [Diagnostic] = []
        checkReferences(
            sources: sources, datasets: datasets, invalidSources: invalidSources, file: file,
            problems: &referenceProblems)
        top.append(referenceProblems)

        // mix (with output.shards / output.format, which only the mixer uses)
        var mix: MixSection?
        if let m = top.mapping("mix") {
            var mixReader = m
            mix = MixSectionLoader.load(&mixReader, output: &outputReader, datasets: datasets)
            top.append(mixReader.finish())
        } else if var o = outputReader {
            for key in ["shards", "format", "format_file"] where o.has(key) {
                _ = o.node(key)
                o.warning(key, "'\(key)' is used by the mixer; without 'mix:' it has no effect")
            }
            outputReader = o
        }
        if var o = outputReader { top.append(o.finish()) }

        // executor
        let executor = ExecutorSettings.load(&top)
        // eval (what `jupiter eval` runs; a recipe may hold only models and eval)
        var eval: EvalSection?
        if var e = top.mapping("eval") {
            eval = EvalSectionLoader.load(&e, models: models, seed: seed, baseDirectory: baseDirectory)
            top.append(e.finish())
        }

        let problems = top.finish()
        var sha = SHA256()
        sha.update(text)
        let recipe = Recipe(
            name: name, seed: seed, file: file, baseDirectory: baseDirectory, sha256: sha.hexDigest(),
            models: models, sources: sources, datasets: datasets, mix: mix, eval: eval, output: output,
            executor: executor, invalidSources: invalidSources)
        return (recipe, problems)
    }

    static func loadSource(
        _ name: String, _ node: ConfigNode, line: Int, file: String, base: String,
        problems: inout [Diagnostic]
    ) -> SourceSpec? {
        let context = "source '\(name)'"
        guard isSafeName(name) else {
            problems.append(
                Diagnostic(
                    .error, "\(context): names may contain only letters, digits, '.', '_' and '-'",
                    file: file, line: line))
            return nil
        }
        // Shorthand: `name: path/to/file`.
        let settings: ConfigNode
        if let s = node.scalar {
            settings = ConfigNode(.map([("path", node.line, ConfigNode(.scalar(s), line: node.line))]), line: node.line)
        } else if node.mapEntries != nil {
            settings = node
        } else {
            problems.append(Diagnostic(.error, "\(context): must be a path or a mapping with 'path'", file: file, line: node.line))
            return nil
        }
        var o = ConfigReader(settings, context: context, file: file, line: line)
        defer { problems += o.finish() }
        var format: Format?
        var parquetOnly = false  // `format: parquet`: the container is named, the shape comes from the columns
        if let f = o.string("format") {
            if f == "parquet" {
                parquetOnly = true
            } else if let v = Format(rawValue: f) {
                format = v
            } else {
                let names = Format.allCases.map(\.rawValue) + ["parquet"]
                o.problem(
                    "format",
                    "unknown format '\(f)'; expected one of " + names.joined(separator: ", ")
                        + Suggestion.didYouMean(f, among: names))
                return nil
            }
        }
        var patterns: [(String, Int)] = []
        if let p = o.string("path") { patterns.append((p, o.line(of: "path"))) }
        if let p = o.node("paths") {
            if let items = p.listItems, items.allSatisfy({ $0.scalar != nil }) {
                patterns += items.map { ($0.scalar ?? "", $0.line) }
            } else {
                o.problem("paths", "'paths' must be a list of paths")
            }
        }
        if patterns.isEmpty {
            if !o.has("path") && !o.has("paths") { o.problem(nil, "missing 'path'") }
            return nil
        }
        var files: [String] = []
        var ok = true
        let resolver = StageBuildContext(baseDirectory: base)
        for (pattern, l) in patterns {
            let matches = Glob.expand(pattern, base: base)
            let resolved = matches.map { resolver.resolve($0) }
            var message: String?
            if Glob.hasWildcards(pattern) && matches.isEmpty {
                message = "no file matches '\(pattern)'"
            } else if !Glob.hasWildcards(pattern) && !FileSystem.exists(resolved[0]) {
                message = "file not found: \(pattern) (looked for \(resolved[0]))"
            } else if !Glob.hasWildcards(pattern) && FileSystem.isDirectory(resolved[0]) {
                message = "'\(pattern)' is a directory; use a glob such as '\(pattern)/*.jsonl'"
            }
            if let message {
                problems.append(Diagnostic(.error, "\(context): \(message)", file: file, line: l))
                ok = false
            }
            files += matches
        }
        // Read the other settings before returning, so their problems are reported too.
        var options = FormatOptions()
        let langsLine = o.line(of: "langs")
        let langs = o.node("langs")
        if let t = o.string("text_field") { options.textField = t }
        if let m = o.int("max_line_bytes", range: 1024...Int.max) { options.maxLineBytes = m }
        guard ok else { return nil }
        for f in files {
            let path = resolver.resolve(f)
            if parquetOnly && !SourceFormats.isParquet(path) { o.problem("format", "\(f) is not a Parquet file (format: parquet)") }
            for problem in SourceFormats.unreadableParts(path: path) { o.problem(nil, "\(f): \(problem)") }
        }
        if format == nil {
            do {
                format = try SourceFormats.detect(path: resolver.resolve(files[0]))
            } catch {
                o.problem(nil, error.reason)
                return nil
            }
            if format == nil {
                let advice = SourceFormats.documentsAdvice(path: resolver.resolve(files[0]))?.advice
                o.problem(
                    nil,
                    "cannot detect the format of \(files[0]); "
                        + (advice ?? "set 'format:' (one of " + Format.allCases.map(\.rawValue).joined(separator: ", ") + ")"))
                return nil
            }
        }
        guard let format else { return nil }
        if format == .moses && files.count != 2 {
            o.problem(nil, "format 'moses' needs exactly two files in 'paths' (one per language), found \(files.count)")
            return nil
        }
        if let l = langs {
            if let items = l.listItems, items.count == 2, let a = items[0].scalar, let b = items[1].scalar, a != b {
                options.languages = [a, b]
            } else {
                problems.append(
                    Diagnostic(
                        .error,
                        "\(context): 'langs' must be a list of two different language codes, "
                            + "e.g. [en, cy]", file: file, line: langsLine))
            }
        } else if format.recordKind == .pair && format != .parallelJSONL {
            o.problem(nil, "parallel sources need 'langs: [source, target]', e.g. [en, cy]")
        }
        return SourceSpec(name: name, line: line, files: files, format: format, options: options)
    }

    static func loadDataset(
        _ name: String, _ node: ConfigNode, line: Int, file: String,
        problems: inout [Diagnostic]
    ) -> DatasetSpec? {
        let context = "dataset '\(name)'"
        guard isSafeName(name) else {
            problems.append(
                Diagnostic(
                    .error,
                    "\(context): names may contain only letters, digits, '.', '_' and '-' "
                        + "(they become folder names)", file: file, line: line))
            return nil
        }
        guard node.mapEntries != nil else {
            problems.append(
                Diagnostic(
                    .error, "\(context): must be a mapping with 'from' and 'steps'", file: file,
                    line: node.line))
            return nil
        }
        var o = ConfigReader(node, context: context, file: file, line: line)
        defer { problems += o.finish() }
        let fromLine = o.line(of: "from")
        guard let from = o.string("from") else {
            if !o.has("from") { o.problem(nil, "missing 'from' (a source or dataset name)") }
            return nil
        }
        var steps: [StepSpec] = []
        if let s = o.node("steps") {
            if let items = s.listItems {
                for item in items {
                    if let stepName = item.scalar {
                        steps.append(StepSpec(name: stepName, options: nil, line: item.line))
                    } else if let m = item.mapEntries, m.count == 1 {
                        steps.append(StepSpec(name: m[0].key, options: m[0].value, line: m[0].keyLine))
                    } else {
                        problems.append(
                            Diagnostic(
                                .error,
                                "\(context): each step must be a stage name or a one-key "
                                    + "mapping 'stage: {options}'", file: file, line: item.line))
                    }
                }
            } else if s.value != .null {
                o.problem("steps", "'steps' must be a list")
            }
        }
        return DatasetSpec(name: name, line: line, from: from, fromLine: fromLine, steps: steps)
    }

    static func checkReferences(
        sources: [SourceSpec], datasets: [DatasetSpec], invalidSources: Set<String>,
        file: String, problems: inout [Diagnostic]
    ) {
        let sourceNames = Set(sources.map(\.name)).union(invalidSources)
        let datasetNames = Set(datasets.map(\.name))
        for d in datasets where !sourceNames.contains(d.from) && !datasetNames.contains(d.from) {
            problems.append(
                Diagnostic(
                    .error,
                    "dataset '\(d.name)': 'from: \(d.from)' names no source or dataset"
                        + Suggestion.didYouMean(d.from, among: Array(sourceNames) + Array(datasetNames)),
                    file: file, line: d.fromLine))
        }
        // Cycles among dataset → dataset references (`from` names a source first, then a dataset).
        let byName = Dictionary(datasets.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var reported = Set<String>()
        for d in datasets {
            var path = [d.name]
            var current = d.from
            while !sourceNames.contains(current), let next = byName[current] {
                if let i = path.firstIndex(of: next.name) {
                    let cycle = path[i...] + [next.name]
                    let key = cycle.sorted().joined(separator: ",")
                    if reported.insert(key).inserted {
                        problems.append(
                            Diagnostic(
                                .error, "dataset cycle: \(cycle.joined(separator: " → "))",
                                file: file, line: d.fromLine))
                    }
                    break
                }
                path.append(next.name)
                current = next.from
            }
        }
    }
}
