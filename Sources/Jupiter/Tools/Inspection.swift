import JupiterCore

/// `jupiter inspect`: what a data file holds, read with the same rules a run uses.
public enum Inspection {
    /// What to inspect and how.
    public struct Request: Sendable {
        /// The data file (Moses: the source-language file).
        public var file: String
        /// Read as this format instead of detecting it.
        public var format: String?
        /// Moses only: the second (target-language) file.
        public var second: String?
        /// Languages of a parallel source.
        public var languages: [String]
        /// Field holding the text of a documents JSONL.
        public var textField: String
        /// Lines longer than this are quarantined.
        public var maxLineBytes: Int
        /// Decoding tasks.
        public var parallelism: Int
        /// JSON instead of a table.
        public var json: Bool

        /// Creates a request.
        public init(
            file: String, format: String? = nil, second: String? = nil, languages: [String] = ["src", "tgt"],
            textField: String = "text", maxLineBytes: Int = 16 << 20, parallelism: Int = 1, json: Bool = false
        ) {
            self.file = file
            self.format = format
            self.second = second
            self.languages = languages
            self.textField = textField
            self.maxLineBytes = maxLineBytes
            self.parallelism = parallelism
            self.json = json
        }
    }

    /// The report (a table, or JSON). Errors: ``RunError/Kind/usage`` (unknown format, format not
    /// detectable, bad options) and ``RunError/Kind/io`` (the file cannot be read).
    public static func run(_ r: Request) async throws(RunError) -> String {
        let chosen: Format
        var detected = false
        var note: String?
        var textField = r.textField
        if let name = r.format {
            guard let f = Format(rawValue: name) else {
                throw RunError(
                    .usage,
                    "unknown format '\(name)' (known: \(Format.allCases.map(\.rawValue).joined(separator: ", ")))"
                        + Suggestion.didYouMean(name, among: Format.allCases.map(\.rawValue)))
            }
            chosen = f
        } else {
            guard FileSystem.exists(r.file) else { throw RunError(.io, "\(r.file): No such file or directory") }
            let guess: Format?
            do { guess = try SourceFormats.detect(path: r.file) } catch { throw RunError(.io, error.description) }
            if let guess {
                chosen = guess
                detected = true
            } else if let advice = SourceFormats.documentsAdvice(path: r.file) {
                // JSON objects of another shape (GSM8K's question/answer, say): inspected as documents.
                chosen = .documents
                if textField == "text" { textField = advice.textField }
                note = "note: \(r.file): \(advice.advice); inspected as documents with text from '\(textField)'\n\n"
            } else {
                throw RunError(.usage, "\(r.file): cannot detect the format; give it with --format")
            }
        }
        var paths = [r.file]
        if chosen == .moses {
            guard let second = r.second else { throw RunError(.usage, "format 'moses' needs --second FILE") }
            paths.append(second)
        } else if r.second != nil {
            throw RunError(.usage, "--second is only for format 'moses'")
        }
        guard r.maxLineBytes > 0, r.parallelism > 0 else {
            throw RunError(.usage, "--max-line-bytes and --parallelism must be positive")
        }
        let options = FormatOptions(languages: r.languages, textField: textField, maxLineBytes: r.maxLineBytes)
        let stats: DatasetStats
        do {
            stats = try await DatasetStats.collect(
                chosen, detected: detected, paths: paths, options: options,
                parallelism: r.parallelism)
        } catch let error as IOError {
            throw RunError(.io, error.description)
        } catch {
            throw RunError(.io, "\(error)")
        }
        return r.json ? JSONWriter.pretty(stats.json) : (note ?? "") + stats.table
    }
}
