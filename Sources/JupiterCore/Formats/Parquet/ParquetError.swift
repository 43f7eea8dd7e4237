/// Why a Parquet file could not be read or written: what went wrong and where (file, row group,
/// column), so a quarantine entry or a validation error points at the exact spot.
public struct ParquetError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: String, Sendable, Hashable {
        /// The file does not end (or start) with the `PAR1` magic: not Parquet, or cut short.
        case notParquet = "not-parquet"
        /// Data ends before the metadata says it should.
        case truncated
        /// Bytes that do not decode (bad Thrift, bad compressed data, levels out of range…).
        case corrupt
        /// A valid file using something Jupiter does not read (a type, codec or encoding).
        case unsupported
        /// The operating system failed to read or write the file.
        case io
        /// Values that cannot be written in the schema asked for.
        case invalidValue = "invalid-value"
    }

    /// The kind of failure.
    public var kind: Kind
    /// What went wrong, in one sentence.
    public var message: String
    /// The file, when known.
    public var file: String?
    /// The 0-based row group, when known.
    public var rowGroup: Int?
    /// The column's dotted path (`messages.list.element.content`), when known.
    public var column: String?

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, file: String? = nil, rowGroup: Int? = nil, column: String? = nil) {
        self.kind = kind
        self.message = message
        self.file = file
        self.rowGroup = rowGroup
        self.column = column
    }

    /// The same error with its location filled in where it was not known yet.
    func at(file: String? = nil, rowGroup: Int? = nil, column: String? = nil) -> ParquetError {
        var e = self
        e.file = e.file ?? file
        e.rowGroup = e.rowGroup ?? rowGroup
        e.column = e.column ?? column
        return e
    }

    /// `row group N, column 'C': MESSAGE` (the description without the file).
    public var detail: String {
        var place: [String] = []
        if let rowGroup { place.append("row group \(rowGroup)") }
        if let column { place.append("column '\(column)'") }
        return (place.isEmpty ? "" : place.joined(separator: ", ") + ": ") + message
    }

    /// `FILE: row group N, column 'C': MESSAGE`.
    public var description: String { (file.map { $0 + ": " } ?? "") + detail }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for a body that throws ``ParquetError`` (the standard one rethrows
    /// untyped errors).
    func withParquetBytes<R>(_ body: (UnsafeRawBufferPointer) throws(ParquetError) -> R) throws(ParquetError) -> R {
        try withUnsafeBytes { p in Result { () throws(ParquetError) in try body(p) } }.get()
    }
}

extension ArraySlice where Element == UInt8 {
    /// `withUnsafeBytes` for a body that throws ``ParquetError``.
    func withParquetBytes<R>(_ body: (UnsafeRawBufferPointer) throws(ParquetError) -> R) throws(ParquetError) -> R {
        try withUnsafeBytes { p in Result { () throws(ParquetError) in try body(p) } }.get()
    }
}
