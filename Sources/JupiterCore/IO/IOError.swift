/// A file could not be read or written. Carries the path and the system's reason.
public struct IOError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file.
    public var path: String
    /// What went wrong.
    public var reason: String
    /// Creates an error.
    public init(path: String, _ reason: String) { self.path = path; self.reason = reason }
    /// "path: reason".
    public var description: String { "\(path): \(reason)" }
}
