import JupiterCore

/// What the dataset card says about where a mixture came from.
public struct DatasetCardContext: Sendable {
    /// Mixture title (the recipe name).
    public var title: String
    /// Generator, e.g. `Jupiter 0.1.0`.
    public var generator: String
    /// Recipe file name (no directories: the card must not depend on where the run started).
    public var recipeFile: String
    /// SHA-256 of the recipe text.
    public var recipeSHA256: String
    /// The recipe seed.
    public var seed: UInt64

    /// Creates a context.
    public init(title: String, generator: String, recipeFile: String, recipeSHA256: String, seed: UInt64) {
        self.title = title
        self.generator = generator
        self.recipeFile = recipeFile
        self.recipeSHA256 = recipeSHA256
        self.seed = seed
    }
}

/// The mixture's `README.md`: a Hugging Face dataset card (YAML metadata with `configs` so
/// `load_dataset` finds the shards, then composition, token counting, reasoning balance, files
/// and format).
public enum DatasetCard {
    /// The card text.
    public static func markdown(_ report: MixReport, context: DatasetCardContext) -> String {
        let config = report.config
        var s = "---\n"
        s += "pretty_name: \(yaml("\(context.title) mixture"))\n"
        if !config.card.languages.isEmpty {
            s += "language:\n" + config.card.languages.map { "- \(yaml($0))\n" }.joined()
        }
        if let license = config.card.license { s += "license: \(yaml(license))\n" }
        s += "task_categories:\n- text-generation\n"
        s += "tags:\n- jupiter\n- forget-me-not\n- sovereign-post-training\n"
        s += "size_categories:\n- \(sizeCategory(report.records))\n"
        s += "configs:\n- config_name: default\n  data_files:\n  - split: train\n    path: \"part-*\(config.fileFormat.fileExtension)\"\n"
        s += "---\n\n"
        s += "# \(context.title) mixture\n\n"
        if let d = config.card.description { s += d + "\n\n" }
        s += "A Forget-Me-Not training mixture built by \(context.generator) from the recipe `\(context.recipeFile)` "
        s += "(sha256 `\(context.recipeSHA256.prefix(16))`), seed \(context.seed): \(count(report.records)) conversations, "
        s += "\(count(report.tokens)) tokens, in \(report.shards.count) shard\(report.shards.count == 1 ? "" : "s"). "
        s += "The same recipe, seed and inputs give byte-identical files.\n\n"

        s += "## Composition\n\n"
        let unit = config.unit.rawValue
        s += "Weights are shares of the mixture in \(unit)"
        if let b = config.budget { s += ", budget \(count(b)) \(unit)" } else { s += ", no budget (the largest mixture without repeats)" }
        s += config.repeatRecords ? "; records may repeat.\n\n" : "; no record repeats.\n\n"
        s += "| dataset | weight | share | records | repeats | tokens | available records | reasoning on / off |\n"
        s += "|---|---:|---:|---:|---:|---:|---:|---:|\n"
        let totalUnits = max(report.units, 1)
        let on = report.datasets.reduce(0) { $0 + $1.reasoningOn }, off = report.datasets.reduce(0) { $0 + $1.reasoningOff }
        for d in report.datasets {
            s += "| \(d.name) | \(percent(d.weight)) | \(percent(Double(d.units) / Double(totalUnits))) | \(count(d.records)) "
            s += "| \(count(d.records - d.uniqueRecords)) | \(count(d.tokens)) | \(count(d.availableRecords)) "
            s += "| \(count(d.reasoningOn)) / \(count(d.reasoningOff)) |\n"
        }
        s += "| **total** | 100% | 100% | \(count(report.records)) | "
        s += "\(count(report.datasets.reduce(0) { $0 + $1.records - $1.uniqueRecords })) | \(count(report.tokens)) | "
        s += "\(count(report.datasets.reduce(0) { $0 + $1.availableRecords })) | "
        s += "\(count(on)) / \(count(off)) |\n\n"

        s += "## Token counting\n\nTokens are \(report.measureSummary).\n\n"

        s += "## Reasoning on/off\n\n"
        if on + off > 0 {
            s += "\(percent(Double(on) / Double(on + off))) of conversations with an assistant turn carry reasoning "
            s += "(`reasoning_content`); the rest are reasoning-off examples"
            if let target = config.reasoningOn {
                s += " (target inside datasets holding both kinds: \(percent(target)))"
            }
            s += ".\n\n"
        } else {
            s += "No conversation has an assistant turn.\n\n"
        }

        if let check = report.exclusionCheck {
            s += "## Decontamination\n\n\(check) \(count(report.excluded)) conversation\(report.excluded == 1 ? " was" : "s were") "
            s += "excluded before drawing"
            if !report.exclusions.isEmpty {
                s += report.excluded > report.exclusions.count ? "; the first \(report.exclusions.count):\n\n" : ":\n\n"
                s += report.exclusions.map { "- \($0)\n" }.joined()
            } else {
                s += ".\n"
            }
            s += "\n"
        }
        if !report.warnings.isEmpty {
            s += "## Warnings\n\n" + report.warnings.map { "- \($0)\n" }.joined() + "\n"
        }

        s += "## Files\n\n| file | records | bytes | sha256 |\n|---|---:|---:|---|\n"
        for f in report.shards { s += "| \(f.name) | \(count(f.records)) | \(count(f.bytes)) | `\(f.sha256)` |\n" }
        s += "\n## Format\n\n"
        if config.fileFormat == .parquet {
            s += "Parquet files (Snappy), one row per record; the columns are the fields of the JSON form below, "
            s += "lists and objects as nested `list` and `struct` columns (a field missing from a record is null).\n\n"
        }
        switch config.format {
        case .messages:
            s += "One JSON object per line: `{\"id\", \"dataset\", \"messages\": [{\"role\", \"content\", "
            s += "\"reasoning_content\"?, \"tool_calls\"?}], \"tools\"?}`, the OpenAI chat shape TRL's `SFTTrainer` and "
            s += "Axolotl read. A missing `reasoning_content` means reasoning off.\n"
        case .sharegpt:
            s += "One JSON object per line: `{\"id\", \"dataset\", \"conversations\": [{\"from\", \"value\"}]}` (ShareGPT), "
            s += "reasoning inline as `<think>…</think>` at the start of an assistant turn.\n"
        case .text:
            s += "One JSON object per line: `{\"id\", \"dataset\", \"text\", \"assistant_spans\"}`: the conversation rendered "
            s += "with the chat template, and the `[start, end)` character ranges (Python string indices) of the assistant "
            s += "turns, for assistant-only loss masks.\n"
        }
        s += "\nEach record's `id` and `dataset` find it in the run's `datasets/<dataset>/kept.jsonl.gz`, with its full "
        s += "lineage (source file and line, every stage it passed). Load with:\n\n"
        s += "```python\nfrom datasets import load_dataset\nds = load_dataset(\"path/to/mixture\", split=\"train\")\n```\n"
        return s
    }

    /// A YAML double-quoted scalar.
    static func yaml(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    out += "\\x" + String(u.value, radix: 16, uppercase: true).leftPad(2)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// Hugging Face `size_categories` value for a record count.
    static func sizeCategory(_ n: Int) -> String {
        switch n {
        case ..<1_000: "n<1K"
        case ..<10_000: "1K<n<10K"
        case ..<100_000: "10K<n<100K"
        case ..<1_000_000: "100K<n<1M"
        case ..<10_000_000: "1M<n<10M"
        case ..<100_000_000: "10M<n<100M"
        case ..<1_000_000_000: "100M<n<1B"
        default: "1B<n<10B"
        }
    }

    static func count(_ n: Int) -> String { NumberText.grouped(n) }

    static func percent(_ x: Double) -> String {
        let v = (x * 1000).rounded() / 10
        return (v == v.rounded() ? String(Int(v)) : String(v)) + "%"
    }
}

extension String {
    fileprivate func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
