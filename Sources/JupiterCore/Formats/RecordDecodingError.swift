/// Why a source record could not be read. Becomes a quarantine entry with file and line.
public struct RecordDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Human-readable reason, e.g. `field "messages": expected array, found string`.
    public var reason: String
    /// Creates an error.
    public init(_ reason: String) { self.reason = reason }
    /// The reason.
    public var description: String { reason }

    /// `field "NAME": expected TYPE, found OTHER`.
    public static func wrongType(_ field: String, expected: String, found: JSONValue) -> RecordDecodingError {
        RecordDecodingError("field \"\(field)\": expected \(expected), found \(found.typeName)")
    }
    /// `missing field "NAME"`.
    public static func missing(_ field: String) -> RecordDecodingError {
        RecordDecodingError("missing field \"\(field)\"")
    }
}
