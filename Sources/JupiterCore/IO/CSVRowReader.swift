/// Cuts an RFC 4180 CSV file into rows in constant memory, reporting the line each row starts on.
///
/// A quoted field may span lines (the line break becomes `\n` in the row's bytes). Rows longer
/// than `maxRowBytes` are not held in memory: they come back with `tooLong` set and reading goes
/// on. Blank lines between rows are skipped. Plain and gzip files are read alike.
public final class CSVRowReader: SourceUnitReader {
    private let lines: LineReader
    /// The longest row kept in memory.
    public let maxRowBytes: Int
    /// The first row has been read (used to strip a UTF-8 byte order mark).
    private var sawFirst = false

    /// Opens `path`.
    public init(path: String, maxRowBytes: Int) throws(IOError) {
        lines = try LineReader(path: path, maxLineBytes: maxRowBytes)
        self.maxRowBytes = maxRowBytes
    }

    /// Bytes read from disk so far.
    public var bytesRead: Int { lines.bytesRead }

    /// Scanner states for finding where a row ends.
    enum State { case fieldStart, unquoted, quoted, quoteInQuoted }

    /// Advances the quote-tracking state over one line's bytes.
    static func scan(_ bytes: [UInt8], from state: State) -> State {
        var s = state
        for b in bytes {
            switch s {
            case .fieldStart: s = b == 0x22 ? .quoted : (b == 0x2C ? .fieldStart : .unquoted)
            case .unquoted: if b == 0x2C { s = .fieldStart }
            case .quoted: if b == 0x22 { s = .quoteInQuoted }
            case .quoteInQuoted: s = b == 0x22 ? .quoted : (b == 0x2C ? .fieldStart : .unquoted)
            }
        }
        return s
    }

    /// The next row, or nil at the end of the file.
    public func next() throws(IOError) -> SourceUnit? {
        var startLine = 0
        var bytes: [UInt8] = []
        var length = 0
        var tooLong = false
        var state = State.fieldStart
        while let line = try lines.next() {
            if startLine == 0 {
                // Skip blank lines between rows.
                if !line.tooLong && line.bytes.isEmpty { continue }
                startLine = line.number
            } else {
                length += 1
                if !tooLong { bytes.append(0x0A) }
            }
            var content = line.bytes
            if !sawFirst {
                sawFirst = true
                if content.starts(with: [0xEF, 0xBB, 0xBF]) { content.removeFirst(3) }
            }
            if line.tooLong {
                // The skipped line's quoting is unknown: end the row here and quarantine it.
                return SourceUnit(line: startLine, bytes: [], tooLong: true, length: length + line.length)
            }
            length += content.count
            state = CSVRowReader.scan(content, from: state)
            if !tooLong {
                if length > maxRowBytes {
                    tooLong = true
                    bytes = []
                } else {
                    bytes.append(contentsOf: content)
                }
            }
            if state != .quoted { break }
        }
        guard startLine > 0 else { return nil }
        return tooLong
            ? SourceUnit(line: startLine, bytes: [], tooLong: true, length: length)
            : SourceUnit(line: startLine, bytes: bytes, length: length)
    }
}

/// RFC 4180 field splitting and quoting.
public enum CSV {
    /// Splits one row (as cut by ``CSVRowReader``) into its fields. Quoted fields may contain
    /// commas, line breaks and doubled quotes; a quote inside an unquoted field is kept literally.
    public static func fields(_ row: [UInt8]) throws(RecordDecodingError) -> [String] {
        var fields: [String] = []
        var field: [UInt8] = []
        var i = 0
        let n = row.count
        func finish(_ f: [UInt8]) throws(RecordDecodingError) -> String {
            guard let s = UTF8Text.string(f) else {
                throw RecordDecodingError("invalid UTF-8 in CSV field \(fields.count + 1)")
            }
            return s
        }
        while true {
            field.removeAll(keepingCapacity: true)
            if i < n, row[i] == 0x22 {
                // Quoted field.
                i += 1
                var closed = false
                while i < n {
                    let b = row[i]
                    if b == 0x22 {
                        if i + 1 < n, row[i + 1] == 0x22 { field.append(0x22); i += 2; continue }
                        i += 1
                        closed = true
                        break
                    }
                    field.append(b)
                    i += 1
                }
                guard closed else { throw RecordDecodingError("unterminated quoted field \(fields.count + 1)") }
                if i < n, row[i] != 0x2C {
                    throw RecordDecodingError("unexpected character after closing quote in field \(fields.count + 1)")
                }
            } else {
                while i < n, row[i] != 0x2C { field.append(row[i]); i += 1 }
            }
            fields.append(try finish(field))
            if i >= n { return fields }
            i += 1  // the comma
        }
    }

    /// Appends `field`, quoted when it holds a comma, quote, CR or LF (or leading/trailing space).
    public static func appendField(_ field: String, into out: inout [UInt8]) {
        let bytes = Array(field.utf8)
        let needsQuotes =
            bytes.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
            || bytes.first == 0x20 || bytes.last == 0x20
        guard needsQuotes else { out.append(contentsOf: bytes); return }
        out.append(0x22)
        for b in bytes {
            if b == 0x22 { out.append(0x22) }
            out.append(b)
        }
        out.append(0x22)
    }

    /// One row: fields joined by commas, ended by `\r\n` as RFC 4180 says.
    public static func row(_ fields: [String]) -> [UInt8] {
        var out: [UInt8] = []
        for (i, f) in fields.enumerated() {
            if i > 0 { out.append(0x2C) }
            appendField(f, into: &out)
        }
        out.append(contentsOf: [0x0D, 0x0A])
        return out
    }
}
