/// A problem found in a recipe, an input or a run, with where it is.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible, Error {
    /// How bad it is.
    public enum Severity: String, Sendable, Hashable { case error, warning, note }
    /// Severity.
    public var severity: Severity
    /// What is wrong, in one sentence.
    public var message: String
    /// File it is in, when known.
    public var file: String?
    /// 1-based line, when known.
    public var line: Int?
    /// 1-based column, when known.
    public var column: Int?

    /// Creates a diagnostic.
    public init(
        _ severity: Severity = .error, _ message: String, file: String? = nil, line: Int? = nil,
        column: Int? = nil
    ) {
        self.severity = severity
        self.message = message
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column: error: message` (the compiler convention editors understand).
    public var description: String {
        var prefix = ""
        if let file {
            prefix = file
            if let line { prefix += ":\(line)"; if let column { prefix += ":\(column)" } }
            prefix += ": "
        }
        return "\(prefix)\(severity.rawValue): \(message)"
    }
}
