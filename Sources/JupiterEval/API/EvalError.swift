/// Why an evaluation task or scorer could not do its work. Bad input names its file and line.
public struct EvalError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: String, Sendable, Hashable {
        /// A task file could not be read.
        case io
        /// A line or record is not what the task expects (JSON, fields, types).
        case badItem = "bad-item"
        /// A task option is invalid (unknown scorer, unknown instruction id, bad kwargs).
        case badOption = "bad-option"
        /// A regular expression from a task definition does not compile.
        case badPattern = "bad-pattern"
        /// Language profiles for language detection are missing or malformed.
        case languageProfiles = "language-profiles"
        /// Language detection found no features in the text (langdetect's `CantDetectError`).
        case cannotDetect = "cannot-detect"
        /// A model cannot do what a task needs (no aligned prompt log-probabilities, say).
        case modelCapability = "model-capability"
        /// Model requests failed after every retry (transport failures); the rest was evaluated
        /// and a rerun sends only those requests.
        case modelFailed = "model-failed"
        /// The evaluation was interrupted; answers received are kept in the cache.
        case interrupted
        /// Two evaluations cannot be compared (a task setting differs, a model or task is missing).
        case mismatch
    }

    /// The kind of failure.
    public var kind: Kind
    /// One sentence; names the file and line when there is one.
    public var message: String
    /// The file, when the error is about one.
    public var file: String?
    /// The 1-based line, when the error is about one.
    public var line: Int?

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, file: String? = nil, line: Int? = nil) {
        self.kind = kind
        self.message = message
        self.file = file
        self.line = line
    }

    /// `file:line: kind: message`.
    public var description: String {
        var prefix = ""
        if let file { prefix = line.map { "\(file):\($0): " } ?? "\(file): " }
        return "\(prefix)\(kind.rawValue): \(message)"
    }
}
