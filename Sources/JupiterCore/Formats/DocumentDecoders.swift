/// Decoder for documents JSONL whose text sits in a configurable field (default `text`).
public struct DocumentsDecoder: UnitDecoder {
    /// The field holding the text.
    public var textField: String
    /// Creates a decoder.
    public init(textField: String = "text") { self.textField = textField }

    /// Decodes one line.
    public func decode(_ unit: SourceUnit, file: String) throws(RecordDecodingError) -> Record? {
        if let direct = unit.bytes.withUnsafeBufferPointer({ direct($0, number: unit.line, file: file) }) { return direct }
        return try general(unit, file: file)
    }

    /// Decodes one line where it lies; when the text is not in `text`, through its unit.
    public func decode(line bytes: UnsafeBufferPointer<UInt8>, number: Int, file: String) throws(RecordDecodingError)
        -> Record?
    {
        if let direct = direct(bytes, number: number, file: file) { return direct }
        return try general(SourceUnit(line: number, bytes: Array(bytes)), file: file)
    }

    /// A document whose text is in `text`, straight from the bytes, or nil.
    private func direct(_ bytes: UnsafeBufferPointer<UInt8>, number: Int, file: String) -> Record? {
        guard textField == "text" else { return nil }
        return DirectDecoding.document(
            bytes, fallbackID: JSONLUnit.fallbackID(file: file, line: number), origin: Origin(file: file, line: number))
    }

    /// The general path: the line parsed whole.
    private func general(_ unit: SourceUnit, file: String) throws(RecordDecodingError) -> Record? {
        guard var o = try RecordEnvelope.object(unit) else { return nil }
        let (id, lineage) = try RecordEnvelope.take(
            &o, fallbackID: JSONLUnit.fallbackID(file: file, line: unit.line),
            origin: Origin(file: file, line: unit.line))
        let text = try RecordEnvelope.requiredString(&o, textField)
        let metadata = try RecordEnvelope.metadata(&o)
        return .document(Document(id: id, text: text, metadata: metadata, extra: o, lineage: lineage))
    }
}

/// Reads `.txt` files: each file is one unit (one document). A file larger than `maxBytes`
/// (after gzip decompression) becomes a `tooLong` unit without being held in memory.
public final class TextFileUnitReader: SourceUnitReader {
    private let path: String
    private let maxBytes: Int
    private var done = false
    /// Bytes read from disk so far.
    public private(set) var bytesRead = 0

    /// Prepares to read `path`.
    public init(path: String, maxBytes: Int) throws(IOError) {
        guard FileSystem.exists(path) else { throw IOError(path: path, "No such file or directory") }
        self.path = path
        self.maxBytes = maxBytes
    }

    /// The whole file as one unit; nil after it, or at once for an empty file.
    public func next() throws(IOError) -> SourceUnit? {
        if done { return nil }
        done = true
        let reader = try ByteChunkReader(path: path)
        var bytes: [UInt8] = []
        var length = 0
        while let chunk = try reader.next() {
            length += chunk.count
            if length <= maxBytes { bytes.append(contentsOf: chunk) } else { bytes = [] }
        }
        bytesRead = reader.bytesRead
        if length == 0 { return nil }
        return SourceUnit(line: 1, bytes: length > maxBytes ? [] : bytes, tooLong: length > maxBytes, length: length)
    }
}

/// Decoder for a whole `.txt` file: one document whose id is the file name and whose text is the
/// file's content, exactly (a whitespace-only file gives no record).
public struct TextFileDecoder: UnitDecoder {
    /// Creates a decoder.
    public init() {}

    /// Decodes a file's content.
    public func decode(_ unit: SourceUnit, file: String) throws(RecordDecodingError) -> Record? {
        guard let text = UTF8Text.string(unit.bytes) else {
            throw RecordDecodingError("invalid UTF-8 at byte \(UTF8Text.firstInvalidOffset(unit.bytes) ?? 0)")
        }
        if !text.contains(where: { !$0.isWhitespace }) { return nil }
        return .document(Document(id: FileSystem.baseName(file), text: text, lineage: Lineage(file: file, line: 1)))
    }
}
