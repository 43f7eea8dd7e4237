import JupiterCore
import JupiterMix

/// Reads the `mix:` section (and `output.shards` / `output.format`) as data.
enum MixSectionLoader {
    static func load(_ o: inout ConfigReader, output: inout ConfigReader?, datasets: [DatasetSpec]) -> MixSection {
        var config = MixConfig(weights: [])
        var weightLines: [String: Int] = [:]
        let names = datasets.map(\.name)
        if let w = o.node("weights"), let items = w.mapEntries, !items.isEmpty {
            for item in items {
                guard names.contains(item.key) else {
                    o.problem(
                        "weights",
                        "weights: '\(item.key)' names no dataset; datasets: " + names.joined(separator: ", ")
                            + Suggestion.didYouMean(item.key, among: names))
                    continue
                }
                guard let v = item.value.scalar.flatMap(Double.init), v.isFinite, v > 0 else {
                    o.problem("weights", "weights: '\(item.key)' must be a positive number")
                    continue
                }
                config.weights.append((item.key, v))
                weightLines[item.key] = item.keyLine
            }
        } else {
            o.problem(
                o.has("weights") ? "weights" : nil,
                "'weights' must map dataset names to positive numbers, e.g. { replay: 0.4, welsh: 0.6 }")
        }
        if let u = o.choice("unit", MixUnit.allCases.map(\.rawValue)), let v = MixUnit(rawValue: u) { config.unit = v }
        config.budget = o.amount("budget")
        config.repeatRecords = o.bool("repeat", default: false)
        if let r = o.node("reasoning") {
            let problem = "'reasoning' must be { on: SHARE } with SHARE in 0...1 (the reasoning-on share)"
            if let share = r.scalar {
                if let v = Double(share), (0...1).contains(v) { config.reasoningOn = v } else { o.problem("reasoning", problem) }
            } else {
                var rr = ConfigReader(r, context: "mix: reasoning", file: o.file, line: o.line(of: "reasoning"))
                if let on = rr.node("on")?.scalar.flatMap(Double.init), (0...1).contains(on) {
                    config.reasoningOn = on
                    if let off = rr.double("off", range: 0...1), abs(off + on - 1) > 1e-9 {
                        rr.problem("off", "'on' and 'off' must add up to 1")
                    }
                } else {
                    o.problem("reasoning", problem)
                }
                o.append(rr.finish(also: ["off"]))
            }
        }
        if var c = o.mapping("card") {
            if let l = c.node("language") {
                if let items = l.listItems, items.allSatisfy({ $0.scalar != nil }) {
                    config.card.languages = items.compactMap(\.scalar)
                } else if let s = l.scalar {
                    config.card.languages = [s]
                } else {
                    c.problem("language", "card.language must be a language code or a list of them")
                }
            }
            config.card.license = c.string("license")
            config.card.description = c.string("description")
            o.append(c.finish())
        }
        if var out = output {
            if let n = out.node("shards") {
                if let v = n.scalar.flatMap({ Int($0.replacingOccurrences(of: "_", with: "")) }), (1...100_000).contains(v) {
                    config.shards = v
                } else {
                    out.append([
                        Diagnostic(
                            .error, "output.shards must be an integer in 1...100000", file: out.file,
                            line: out.line(of: "shards"))
                    ])
                }
            }
            if let f = out.string("format") {
                if let v = MixFormat(name: f) {
                    config.format = v
                } else {
                    out.append([
                        Diagnostic(
                            .error,
                            "output.format must be one of "
                                + MixFormat.allCases.map(\.rawValue).joined(separator: ", ")
                                + " (messages-jsonl = openai-messages)", file: out.file, line: out.line(of: "format"))
                    ])
                }
            }
            if let f = out.string("format_file") {
                if let v = MixFileFormat(rawValue: f) {
                    config.fileFormat = v
                } else {
                    out.append([
                        Diagnostic(
                            .error,
                            "output.format_file must be one of "
                                + MixFileFormat.allCases.map(\.rawValue).joined(separator: ", "), file: out.file,
                            line: out.line(of: "format_file"))
                    ])
                }
            }
            output = out
        }
        let tokenizer = o.nonEmptyString("tokenizer").map { ($0, o.line(of: "tokenizer")) }
        let template = o.nonEmptyString("chat_template").map { ($0, o.line(of: "chat_template")) }
        if template != nil && tokenizer == nil { o.problem("chat_template", "'chat_template' needs 'tokenizer' too") }
        var decontaminate: (ConfigNode, Int)?
        if let d = o.node("decontaminate") {
            // A list of eval files, or the decontaminate stage's options ({ evals: […], ngram_size, … }).
            let options = d.listItems != nil || d.scalar != nil ? ConfigNode(.map([("evals", d.line, d)]), line: d.line) : d
            decontaminate = (options, o.line(of: "decontaminate"))
        }
        // Returned even with errors (they are reported already), so the plan can still check the
        // tokenizer and the evaluation sets in the same pass.
        return MixSection(
            config: config, tokenizer: tokenizer, chatTemplate: template, decontaminate: decontaminate,
            line: o.line, weightLines: weightLines)
    }
}
