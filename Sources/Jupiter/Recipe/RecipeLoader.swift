import JupiterCore
import JupiterMix

/// Reads a recipe file and checks everything that can be checked without running: YAML syntax,
/// unknown keys, value types, source files, formats, dataset references and cycles, stage names
/// and options. Every problem is reported with its line; nothing stops at the first.
public enum RecipeLoader {
    static let topKeys = ["name", "seed", "models", "sources", "datasets", "mix", "output"]
    static let sourceKeys = ["path", "paths", "format", "langs", "text_field", "max_line_bytes"]
    static let datasetKeys = ["from", "steps"]
    static let outputKeys = ["dir", "batch_size", "shards", "format", "format_file"]

    /// True for names safe as folder names: letters, digits, `.`, `_`, `-`, not starting with `.`.
    public static func isSafeName(_ s: String) -> Bool {
        guard let f = s.unicodeScalars.first, f != "." else { return false }
        return s.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
            || $0 == "." || $0 == "_" || $0 == "-" }
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

    /// Loads and checks recipe text; the recipe is returned whenever the YAML has the right shape.
    public static func loadPartial(text: String, file: String, baseDirectory: String) -> (Recipe?, [Diagnostic]) {
        var problems: [Diagnostic] = []
        func error(_ message: String, _ line: Int?) { problems.append(Diagnostic(.error, message, file: file, line: line)) }

        let (treeOpt, yamlProblems) = YAMLTree.parse(text, file: file)
        problems += yamlProblems
        guard let tree = treeOpt else { return (nil, problems) }
        guard let top = tree.mapEntries else {
            error("recipe must be a mapping with keys \(topKeys.joined(separator: ", "))", tree.line)
            return (nil, problems)
        }
        for e in top where !topKeys.contains(e.key) {
            error("unknown key '\(e.key)'; expected one of \(topKeys.joined(separator: ", "))", e.keyLine)
        }

        // name
        var name = ""
        if let n = tree["name"] {
            if let s = n.scalar, isSafeName(s) { name = s } else {
                error("'name' must be a name of letters, digits, '.', '_' or '-'", n.line)
            }
        } else {
            error("missing required key 'name'", tree.line)
        }

        // seed
        var seed: UInt64 = 0
        if let s = tree["seed"] {
            if let v = s.scalar.flatMap({ UInt64($0) }) { seed = v } else {
                error("'seed' must be a non-negative integer, found \(s.scalar.map { "'\($0)'" } ?? s.typeName)", s.line)
            }
        }

        // output
        var output = OutputSpec(dir: "runs/\(name.isEmpty ? "run" : name)", batchSize: 2048)
        if let o = tree["output"] {
            if let entries = o.mapEntries {
                for e in entries where !outputKeys.contains(e.key) {
                    error("output: unknown key '\(e.key)'; expected one of \(outputKeys.joined(separator: ", "))", e.keyLine)
                }
                if let d = o["dir"] {
                    if let s = d.scalar, !s.isEmpty { output.dir = s } else { error("output.dir must be a path", d.line) }
                }
                if let b = o["batch_size"] {
                    if let v = b.scalar.flatMap({ Int($0) }), (1...1_000_000).contains(v) { output.batchSize = v } else {
                        error("output.batch_size must be an integer in 1...1000000", b.line)
                    }
                }
            } else {
                error("'output' must be a mapping", o.line)
            }
        }

        // sources
        var sources: [SourceSpec] = []
        var invalidSources = Set<String>()
        if let s = tree["sources"] {
            if let entries = s.mapEntries {
                for e in entries {
                    if let spec = loadSource(e.key, e.value, line: e.keyLine, file: file, base: baseDirectory,
                                             problems: &problems) {
                        sources.append(spec)
                    } else {
                        invalidSources.insert(e.key)
                    }
                }
            } else {
                error("'sources' must be a mapping of source names to settings", s.line)
            }
        } else {
            error("missing required key 'sources'", tree.line)
        }

        // datasets
        var datasets: [DatasetSpec] = []
        if let d = tree["datasets"] {
            if let entries = d.mapEntries {
                for e in entries {
                    if let spec = loadDataset(e.key, e.value, line: e.keyLine, file: file, problems: &problems) {
                        datasets.append(spec)
                    }
                }
            } else {
                error("'datasets' must be a mapping of dataset names to settings", d.line)
            }
        } else {
            error("missing required key 'datasets'", tree.line)
        }
        checkReferences(sources: sources, datasets: datasets, invalidSources: invalidSources, file: file,
                        problems: &problems)

        // mix (with output.shards / output.format, which only the mixer uses)
        var mix: MixSpec?
        if let m = tree["mix"] {
            mix = MixSpecLoader.load(m, output: tree["output"], datasets: datasets, file: file, base: baseDirectory,
                                     problems: &problems)
        } else if let o = tree["output"] {
            for key in ["shards", "format", "format_file"] {
                if let n = o[key] {
                    problems.append(Diagnostic(.warning, "output.\(key) is used by the mixer; without 'mix:' it has no effect",
                                               file: file, line: n.line))
                }
            }
        }

        var sha = SHA256()
        sha.update(text)
        let recipe = Recipe(name: name, seed: seed, file: file, baseDirectory: baseDirectory, sha256: sha.hexDigest(),
                            sources: sources, datasets: datasets, mix: mix, output: output, models: tree["models"],
                            invalidSources: invalidSources)
        return (recipe, problems)
    }

    static func loadSource(_ name: String, _ node: ConfigNode, line: Int, file: String, base: String,
                           problems: inout [Diagnostic]) -> SourceSpec? {
        func error(_ message: String, _ l: Int?) {
            problems.append(Diagnostic(.error, "source '\(name)': \(message)", file: file, line: l))
        }
        guard isSafeName(name) else {
            error("names may contain only letters, digits, '.', '_' and '-'", line)
            return nil
        }
        // Shorthand: `name: path/to/file`.
        let settings: ConfigNode
        if let s = node.scalar {
            settings = ConfigNode(.map([("path", node.line, ConfigNode(.scalar(s), line: node.line))]), line: node.line)
        } else if node.mapEntries != nil {
            settings = node
        } else {
            error("must be a path or a mapping with 'path'", node.line)
            return nil
        }
        for e in settings.mapEntries ?? [] where !sourceKeys.contains(e.key) {
            error("unknown key '\(e.key)'; expected one of \(sourceKeys.joined(separator: ", "))", e.keyLine)
        }
        var format: Format?
        var parquetOnly = false  // `format: parquet`: the container is named, the shape comes from the columns
        if let f = settings["format"] {
            if f.scalar == "parquet" { parquetOnly = true } else if let s = f.scalar, let v = Format(rawValue: s) {
                format = v
            } else {
                error("unknown format \(f.scalar.map { "'\($0)'" } ?? f.typeName); expected one of "
                      + (Format.allCases.map(\.rawValue) + ["parquet"]).joined(separator: ", "), f.line)
                return nil
            }
        }
        var patterns: [(String, Int)] = []
        if let p = settings["path"] {
            if let s = p.scalar { patterns.append((s, p.line)) } else { error("'path' must be a string", p.line) }
        }
        if let p = settings["paths"] {
            if let items = p.listItems, items.allSatisfy({ $0.scalar != nil }) {
                patterns += items.map { ($0.scalar ?? "", $0.line) }
            } else {
                error("'paths' must be a list of paths", p.line)
            }
        }
        if patterns.isEmpty {
            error("missing 'path'", settings.line)
            return nil
        }
        var files: [String] = []
        var ok = true
        for (pattern, l) in patterns {
            let matches = Glob.expand(pattern, base: base)
            let resolved = matches.map { StageBuildContext(baseDirectory: base).resolve($0) }
            if Glob.hasWildcards(pattern) && matches.isEmpty {
                error("no file matches '\(pattern)'", l); ok = false
            } else if !Glob.hasWildcards(pattern) && !FileSystem.exists(resolved[0]) {
                error("file not found: \(pattern) (looked for \(resolved[0]))", l); ok = false
            } else if !Glob.hasWildcards(pattern) && FileSystem.isDirectory(resolved[0]) {
                error("'\(pattern)' is a directory; use a glob such as '\(pattern)/*.jsonl'", l); ok = false
            }
            files += matches
        }
        guard ok else { return nil }
        for f in files {
            let path = StageBuildContext(baseDirectory: base).resolve(f)
            if parquetOnly && !SourceFormats.isParquet(path) { error("\(f) is not a Parquet file (format: parquet)", line) }
            for problem in SourceFormats.unreadableParts(path: path) { error("\(f): \(problem)", line) }
        }
        if format == nil {
            do {
                format = try SourceFormats.detect(path: StageBuildContext(baseDirectory: base).resolve(files[0]))
            } catch {
                problems.append(Diagnostic(.error, "source '\(name)': \(error.reason)", file: file, line: line))
                return nil
            }
            if format == nil {
                error("cannot detect the format of \(files[0]); set 'format:' (one of "
                      + Format.allCases.map(\.rawValue).joined(separator: ", ") + ")", line)
                return nil
            }
        }
        guard let format else { return nil }
        if format == .moses && files.count != 2 {
            error("format 'moses' needs exactly two files in 'paths' (one per language), found \(files.count)", line)
            return nil
        }
        var options = FormatOptions()
        if let l = settings["langs"] {
            if let items = l.listItems, items.count == 2, let a = items[0].scalar, let b = items[1].scalar, a != b {
                options.languages = [a, b]
            } else {
                error("'langs' must be a list of two different language codes, e.g. [en, cy]", l.line)
            }
        } else if format.recordKind == .pair && format != .parallelJSONL {
            error("parallel sources need 'langs: [source, target]', e.g. [en, cy]", line)
        }
        if let t = settings["text_field"] {
            if let s = t.scalar { options.textField = s } else { error("'text_field' must be a string", t.line) }
        }
        if let m = settings["max_line_bytes"] {
            if let v = m.scalar.flatMap({ Int($0) }), v >= 1024 { options.maxLineBytes = v } else {
                error("'max_line_bytes' must be an integer ≥ 1024", m.line)
            }
        }
        return SourceSpec(name: name, line: line, files: files, format: format, options: options)
    }

    static func loadDataset(_ name: String, _ node: ConfigNode, line: Int, file: String,
                            problems: inout [Diagnostic]) -> DatasetSpec? {
        func error(_ message: String, _ l: Int?) {
            problems.append(Diagnostic(.error, "dataset '\(name)': \(message)", file: file, line: l))
        }
        guard isSafeName(name) else {
            error("names may contain only letters, digits, '.', '_' and '-' (they become folder names)", line)
            return nil
        }
        guard let entries = node.mapEntries else {
            error("must be a mapping with 'from' and 'steps'", node.line)
            return nil
        }
        for e in entries where !datasetKeys.contains(e.key) {
            error("unknown key '\(e.key)'; expected one of \(datasetKeys.joined(separator: ", "))", e.keyLine)
        }
        guard let fromNode = node["from"], let from = fromNode.scalar else {
            error("missing 'from' (a source or dataset name)", node.line)
            return nil
        }
        var steps: [StepSpec] = []
        if let s = node["steps"] {
            if let items = s.listItems {
                for item in items {
                    if let stepName = item.scalar {
                        steps.append(StepSpec(name: stepName, options: nil, line: item.line))
                    } else if let m = item.mapEntries, m.count == 1 {
                        steps.append(StepSpec(name: m[0].key, options: m[0].value, line: m[0].keyLine))
                    } else {
                        error("each step must be a stage name or a one-key mapping 'stage: {options}'", item.line)
                    }
                }
            } else if s.value != .null {
                error("'steps' must be a list", s.line)
            }
        }
        return DatasetSpec(name: name, line: line, from: from, fromLine: fromNode.line, steps: steps)
    }

    static func checkReferences(sources: [SourceSpec], datasets: [DatasetSpec], invalidSources: Set<String>,
                                file: String, problems: inout [Diagnostic]) {
        let sourceNames = Set(sources.map(\.name)).union(invalidSources)
        let datasetNames = Set(datasets.map(\.name))
        for d in datasets {
            if !sourceNames.contains(d.from) && !datasetNames.contains(d.from) {
                problems.append(Diagnostic(.error, "dataset '\(d.name)': 'from: \(d.from)' names no source or dataset",
                                           file: file, line: d.fromLine))
            }
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
                        problems.append(Diagnostic(.error, "dataset cycle: \(cycle.joined(separator: " → "))",
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
