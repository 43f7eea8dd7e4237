/// Reads two line-aligned Moses files in step: unit N holds line N of each. When one file ends
/// before the other, one last unit carries a ``SourceUnit/problem`` naming both files and the line.
public final class MosesUnitReader: SourceUnitReader {
    private let first: LineReader
    private let second: LineReader
    private var finished = false

    /// Opens both files.
    public init(paths: (String, String), maxLineBytes: Int) throws(IOError) {
        first = try LineReader(path: paths.0, maxLineBytes: maxLineBytes)
        second = try LineReader(path: paths.1, maxLineBytes: maxLineBytes)
    }

    /// Bytes read from disk so far (both files).
    public var bytesRead: Int { first.bytesRead + second.bytesRead }

    /// The next aligned line pair.
    public func next() throws(IOError) -> SourceUnit? {
        if finished { return nil }
        let a = try first.next()
        let b = try second.next()
        switch (a, b) {
        case (nil, nil):
            finished = true
            return nil
        case (let a?, let b?):
            let tooLong = a.tooLong || b.tooLong
            return SourceUnit(
                line: a.number, bytes: tooLong ? [] : a.bytes, second: tooLong ? nil : b.bytes,
                tooLong: tooLong, length: a.length + b.length)
        case (let a?, nil):
            finished = true
            return SourceUnit(
                line: a.number, bytes: [],
                problem:
                    "line count mismatch: \(first.path) has a line \(a.number) but \(second.path) ends after line \(a.number - 1)")
        case (nil, let b?):
            finished = true
            return SourceUnit(
                line: b.number, bytes: [],
                problem:
                    "line count mismatch: \(second.path) has a line \(b.number) but \(first.path) ends after line \(b.number - 1)")
        }
    }
}

/// Decoder for Moses line pairs: line N of the first file and line N of the second.
public struct MosesDecoder: UnitDecoder {
    /// Languages of the two files.
    public var languages: (String, String)
    /// Creates a decoder.
    public init(languages: [String]) {
        self.languages = (languages.first ?? "src", languages.count > 1 ? languages[1] : "tgt")
    }

    /// Decodes one aligned pair; a pair of blank lines gives no record.
    public func decode(_ unit: SourceUnit, file: String) throws(RecordDecodingError) -> Record? {
        if let problem = unit.problem { throw RecordDecodingError(problem) }
        let second = unit.second ?? []
        if unit.bytes.isEmpty && second.isEmpty { return nil }
        guard let source = UTF8Text.string(unit.bytes) else {
            throw RecordDecodingError("invalid UTF-8 in \(languages.0) line at byte \(UTF8Text.firstInvalidOffset(unit.bytes) ?? 0)")
        }
        guard let target = UTF8Text.string(second) else {
            throw RecordDecodingError("invalid UTF-8 in \(languages.1) line at byte \(UTF8Text.firstInvalidOffset(second) ?? 0)")
        }
        return .pair(
            ParallelPair(
                id: JSONLUnit.fallbackID(file: file, line: unit.line), sourceLanguage: languages.0,
                targetLanguage: languages.1, source: source, target: target,
                lineage: Lineage(file: file, line: unit.line)))
    }
}
