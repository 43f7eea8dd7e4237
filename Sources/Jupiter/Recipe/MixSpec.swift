import JupiterCore
import JupiterCurate
import JupiterMix
import JupiterTokenize

/// The recipe's `mix:` section, checked: the mixer settings, the loaded token measure, and the
/// lines to point at when a later check (dataset kinds) finds a problem.
public struct MixSpec: Sendable {
    /// Mixer settings (with `output.shards` and `output.format`).
    public var config: MixConfig
    /// How tokens are counted (tokenizer and chat template loaded, or an estimate).
    public var measure: MixMeasure
    /// Line of `mix:`.
    public var line: Int
    /// Line of each weight, by dataset.
    public var weightLines: [String: Int]
    /// The last decontamination before training (`mix.decontaminate`), nil when not asked for.
    public var decontamination: DecontaminateStage?
}

/// Reads the `mix:` section.
enum MixSpecLoader {
    static let keys = ["weights", "unit", "budget", "repeat", "reasoning", "tokenizer", "chat_template", "card",
                       "decontaminate"]

    /// `2000000`, `2_000_000`, `2M`, `1.5B`, `500k` → an integer.
    static func amount(_ s: String) -> Int? {
        var t = s.replacingOccurrences(of: "_", with: "").replacingOccurrences(of: ",", with: "")
        var scale = 1.0
        if let last = t.last, let m = ["k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6, "b": 1e9, "B": 1e9][last] {
            scale = m
            t.removeLast()
        }
        guard let v = Double(t), v.isFinite, v > 0, v * scale < 9e18 else { return nil }
        let r = (v * scale).rounded()
        return r >= 1 ? Int(r) : nil
    }

    static func load(_ node: ConfigNode, output: ConfigNode?, datasets: [DatasetSpec], file: String, base: String,
                     problems: inout [Diagnostic]) -> MixSpec? {
        func error(_ message: String, _ line: Int?) {
            problems.append(Diagnostic(.error, "mix: \(message)", file: file, line: line))
        }
        guard let entries = node.mapEntries else {
            error("must be a mapping with 'weights'", node.line)
            return nil
        }
        for e in entries where !keys.contains(e.key) {
            error("unknown key '\(e.key)'; expected one of \(keys.joined(separator: ", "))", e.keyLine)
        }
        var ok = true
        var config = MixConfig(weights: [])
        var weightLines: [String: Int] = [:]
        let names = Set(datasets.map(\.name))
        if let w = node["weights"], let items = w.mapEntries, !items.isEmpty {
            for item in items {
                guard names.contains(item.key) else {
                    error("weights: '\(item.key)' names no dataset; datasets: "
                          + datasets.map(\.name).joined(separator: ", "), item.keyLine)
                    ok = false
                    continue
                }
                guard let v = item.value.scalar.flatMap(Double.init), v.isFinite, v > 0 else {
                    error("weights: '\(item.key)' must be a positive number", item.value.line)
                    ok = false
                    continue
                }
                config.weights.append((item.key, v))
                weightLines[item.key] = item.keyLine
            }
        } else {
            error("'weights' must map dataset names to positive numbers, e.g. { replay: 0.4, welsh: 0.6 }",
                  node["weights"]?.line ?? node.line)
            ok = false
        }
        if let u = node["unit"] {
            if let s = u.scalar, let v = MixUnit(rawValue: s) { config.unit = v } else {
                error("'unit' must be one of \(MixUnit.allCases.map(\.rawValue).joined(separator: ", "))", u.line)
                ok = false
            }
        }
        if let b = node["budget"] {
            if let v = b.scalar.flatMap(amount) { config.budget = v } else {
                error("'budget' must be a positive amount such as 2000000, 2_000_000 or 2M", b.line)
                ok = false
            }
        }
        if let r = node["repeat"] {
            switch r.scalar {
            case "true": config.repeatRecords = true
            case "false": config.repeatRecords = false
            default: error("'repeat' must be true or false", r.line); ok = false
            }
        }
        if let r = node["reasoning"] {
            let value = r["on"] ?? (r.scalar != nil ? r : nil)
            for e in r.mapEntries ?? [] where e.key != "on" && e.key != "off" {
                error("reasoning: unknown key '\(e.key)'; expected 'on' (and optionally 'off')", e.keyLine)
            }
            if let v = value?.scalar.flatMap(Double.init), (0...1).contains(v) {
                config.reasoningOn = v
                if let off = r["off"]?.scalar.flatMap(Double.init), abs(off + v - 1) > 1e-9 {
                    error("reasoning: 'on' and 'off' must add up to 1", r["off"]?.line)
                    ok = false
                }
            } else {
                error("'reasoning' must be { on: SHARE } with SHARE in 0...1 (the reasoning-on share)", r.line)
                ok = false
            }
        }
        if let c = node["card"] {
            for e in c.mapEntries ?? [] where !["language", "license", "description"].contains(e.key) {
                error("card: unknown key '\(e.key)'; expected language, license, description", e.keyLine)
            }
            if let l = c["language"] {
                if let items = l.listItems, items.allSatisfy({ $0.scalar != nil }) {
                    config.card.languages = items.compactMap(\.scalar)
                } else if let s = l.scalar {
                    config.card.languages = [s]
                } else {
                    error("card.language must be a language code or a list of them", l.line); ok = false
                }
            }
            if let l = c["license"] {
                if let s = l.scalar { config.card.license = s } else { error("card.license must be a string", l.line); ok = false }
            }
            if let d = c["description"] {
                if let s = d.scalar { config.card.description = s } else {
                    error("card.description must be a string", d.line); ok = false
                }
            }
        }
        if let s = output?["shards"] {
            if let v = s.scalar.flatMap({ Int($0) }), (1...100_000).contains(v) { config.shards = v } else {
                problems.append(Diagnostic(.error, "output.shards must be an integer in 1...100000", file: file, line: s.line))
                ok = false
            }
        }
        if let f = output?["format"] {
            if let s = f.scalar, let v = MixFormat(name: s) { config.format = v } else {
                problems.append(Diagnostic(.error, "output.format must be one of "
                                           + MixFormat.allCases.map(\.rawValue).joined(separator: ", ")
                                           + " (messages-jsonl = openai-messages)", file: file, line: f.line))
                ok = false
            }
        }

        if let f = output?["format_file"] {
            if let s = f.scalar, let v = MixFileFormat(rawValue: s) { config.fileFormat = v } else {
                problems.append(Diagnostic(.error, "output.format_file must be one of "
                                           + MixFileFormat.allCases.map(\.rawValue).joined(separator: ", "),
                                           file: file, line: f.line))
                ok = false
            }
        }

        // Token measure.
        var measure = MixMeasure()
        let context = StageBuildContext(baseDirectory: base)
        if let t = node["tokenizer"] {
            if let given = t.scalar {
                var path = context.resolve(given)
                var shownTokenizer = given
                if FileSystem.isDirectory(path) {
                    path += "/tokenizer.json"
                    shownTokenizer = (given.hasSuffix("/") ? String(given.dropLast()) : given) + "/tokenizer.json"
                }
                do {
                    let tokenizer = try Tokenizer(contentsOf: path)
                    let sha = try SHA256.hex(ofFile: path)
                    measure = MixMeasure(tokenizer: tokenizer, tokenizerSource: (shownTokenizer, sha))
                    // Chat template: as given, else tokenizer_config.json next to the tokenizer when it has one.
                    let explicit = node["chat_template"]
                    if explicit?.scalar != "none" {
                        let configGiven = explicit?.scalar
                        let configPath = configGiven.map { context.resolve($0) }
                            ?? FileSystem.parent(of: path) + "/tokenizer_config.json"
                        if configGiven != nil || FileSystem.exists(configPath) {
                            do {
                                let template = try ChatTemplate(tokenizerConfig: configPath)
                                let file = FileSystem.isDirectory(configPath) ? configPath + "/tokenizer_config.json" : configPath
                                let folder = FileSystem.parent(of: shownTokenizer)
                                let shown = configGiven ?? (folder == "." || folder.isEmpty ? "" : folder + "/")
                                    + "tokenizer_config.json"
                                measure = MixMeasure(tokenizer: tokenizer, tokenizerSource: (shownTokenizer, sha), template: template,
                                                     templateSource: (shown, try SHA256.hex(ofFile: file)))
                            } catch let e as TokenizerError where configGiven == nil && e.path == "$.chat_template" {
                                // A tokenizer_config.json without a chat template: count message texts.
                            } catch let problem {
                                error("chat template: \(problem)", explicit?.line ?? t.line)
                                ok = false
                            }
                        }
                    }
                } catch let problem {
                    error("tokenizer: \(problem)", t.line)
                    ok = false
                }
            } else {
                error("'tokenizer' must be a path to tokenizer.json (or its folder)", t.line)
                ok = false
            }
        } else if let c = node["chat_template"] {
            error("'chat_template' needs 'tokenizer' too", c.line)
            ok = false
        }
        if config.format == .text && measure.template == nil && ok {
            problems.append(Diagnostic(.error, "output.format 'text' renders conversations with a chat template: set "
                                       + "mix.tokenizer (the template comes from the tokenizer_config.json beside it, "
                                       + "or from mix.chat_template)",
                                       file: file, line: output?["format"]?.line ?? node.line))
            ok = false
        }
        if measure.tokenizer == nil && config.unit == .tokens && ok {
            problems.append(Diagnostic(.warning, "mix: no tokenizer: token counts are estimated (one token per 4 UTF-8 "
                                       + "bytes); set mix.tokenizer to the target model's tokenizer.json for exact budgets",
                                       file: file, line: node.line))
        }
        // decontaminate: a list of eval files, or the decontaminate stage's options ({ evals: […], ngram_size, … }).
        var decontamination: DecontaminateStage?
        if let d = node["decontaminate"] {
            let options: ConfigNode = d.listItems != nil || d.scalar != nil
                ? ConfigNode(.map([("evals", d.line, d)]), line: d.line) : d
            var o = StageOptions(stage: "decontaminate", node: options, file: file, line: d.line)
            do {
                decontamination = try DecontaminateStage.factory.make(&o, StageBuildContext(baseDirectory: base))
                    as? DecontaminateStage
            } catch let problem as Diagnostic {
                problems.append(problem)
                ok = false
            } catch let problem {
                error("decontaminate: \(problem)", d.line)
                ok = false
            }
            let found = o.finish()
            problems += found.map { var p = $0; p.message = "mix: " + p.message; return p }
            if found.contains(where: { $0.severity == .error }) { ok = false }
        }
        return ok ? MixSpec(config: config, measure: measure, line: node.line, weightLines: weightLines,
                            decontamination: decontamination) : nil
    }
}
