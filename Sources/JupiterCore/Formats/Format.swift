#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The input/output formats Jupiter reads and writes.
public enum Format: String, CaseIterable, Sendable, Hashable {
    /// OpenAI chat JSONL: `{"messages":[{"role","content","reasoning_content"?…}]}`; reasoning
    /// also from inline `<think>…</think>`.
    case openaiMessages = "openai-messages"
    /// ShareGPT JSONL: `{"conversations":[{"from":"human|gpt|system|…","value":…}]}`.
    case sharegpt
    /// Alpaca JSONL: `{"instruction","input","output"}` (+ optional `system`).
    case alpaca
    /// Two tab-separated columns per line: source text, target text.
    case parallelTSV = "parallel-tsv"
    /// Hugging Face translation JSONL: `{"translation":{"en":…,"cy":…}}`.
    case parallelJSONL = "parallel-jsonl"
    /// Moses: two line-aligned plain text files, one per language.
    case moses
    /// Documents JSONL: `{"text": …}` (field name configurable).
    case documents
    /// Plain `.txt`: each file is one document.
    case text
    /// CultureBank rows, CSV (with header) or JSONL.
    case culturebank
    /// OpenAI-evals JSONL: `{"input":[messages],"ideal":…}`.
    case openaiEvals = "openai-evals"

    /// The record kind this format holds.
    public var recordKind: RecordKind {
        switch self {
        case .openaiMessages, .sharegpt, .alpaca: .conversation
        case .parallelTSV, .parallelJSONL, .moses: .pair
        case .documents, .text: .document
        case .culturebank: .norm
        case .openaiEvals: .eval
        }
    }
}

/// Settings that shape how a source is read.
public struct FormatOptions: Sendable, Hashable {
    /// Languages of a parallel source, in column/file order (e.g. `["en", "cy"]`).
    public var languages: [String]
    /// Field holding the text of a document JSONL.
    public var textField: String
    /// Lines longer than this many bytes are quarantined without being held in memory.
    public var maxLineBytes: Int

    /// Creates options.
    public init(languages: [String] = ["src", "tgt"], textField: String = "text", maxLineBytes: Int = 16 << 20) {
        self.languages = languages
        self.textField = textField
        self.maxLineBytes = maxLineBytes
    }
}

/// One unit of raw input, cut sequentially from a source and decoded in parallel: usually one
/// line; a CSV row that spans lines; a line pair for Moses; a whole file for `.txt`; a row of a
/// Parquet file (its JSON value already built, numbered by row).
public struct SourceUnit: Sendable {
    /// 1-based line where the unit starts.
    public var line: Int
    /// Raw bytes (empty when `tooLong`).
    public var bytes: [UInt8]
    /// The aligned second line (Moses), if any.
    public var second: [UInt8]?
    /// The unit exceeded the line limit and was not read into memory.
    public var tooLong: Bool
    /// Length of the unit in bytes.
    public var length: Int
    /// A problem the reader found while cutting this unit (e.g. Moses files of different
    /// lengths). The format's decoder throws it as a ``RecordDecodingError``, so it is
    /// quarantined with the unit's line.
    public var problem: String?
    /// The unit's JSON value when the reader built it already (a Parquet row); the JSONL
    /// decoders take it instead of parsing `bytes`.
    public var value: JSONValue?

    /// Creates a unit.
    public init(
        line: Int, bytes: [UInt8], second: [UInt8]? = nil, tooLong: Bool = false, length: Int? = nil,
        problem: String? = nil, value: JSONValue? = nil
    ) {
        self.line = line
        self.bytes = bytes
        self.second = second
        self.tooLong = tooLong
        self.length = length ?? bytes.count
        self.problem = problem
        self.value = value
    }
}

/// Cuts a source into units, in order, in constant memory.
public protocol SourceUnitReader: AnyObject {
    /// The next unit, or nil at the end.
    func next() throws(IOError) -> SourceUnit?
    /// The next `maxUnits` units (fewer only at the end) as one block, or nil at the end: the
    /// units ``next()`` would give, one by one. The default makes them one by one.
    func nextBlock(maxUnits: Int) throws(IOError) -> UnitBlock?
    /// Bytes read from disk so far (for progress).
    var bytesRead: Int { get }
}

/// Turns one unit into a record. Pure and thread-safe: the engine calls it from many tasks.
public protocol UnitDecoder: Sendable {
    /// Decodes a unit of `file`; `nil` means "nothing here" (a blank line), not an error.
    func decode(_ unit: SourceUnit, file: String) throws(RecordDecodingError) -> Record?
    /// Decodes line `number` of `file`, read whole (no problem, no prebuilt value), from its bytes
    /// where they lie: what ``decode(_:file:)`` gives for `SourceUnit(line: number, bytes: Array(bytes))`.
    /// The default makes that unit; the JSONL and TSV decoders read the bytes in place (on the
    /// JSONL bench, an array per line was one allocation in twelve and a copy of every byte).
    func decode(line bytes: UnsafeBufferPointer<UInt8>, number: Int, file: String) throws(RecordDecodingError) -> Record?
}

extension UnitDecoder {
    /// Makes the line's unit and decodes it.
    public func decode(line bytes: UnsafeBufferPointer<UInt8>, number: Int, file: String) throws(RecordDecodingError)
        -> Record?
    {
        try decode(SourceUnit(line: number, bytes: Array(bytes)), file: file)
    }
}

/// A ``SourceUnitReader`` where every line is a unit (JSONL, TSV).
public final class LineUnitReader: SourceUnitReader {
    private let reader: LineReader
    /// Opens a plain or gzip file.
    public init(path: String, maxLineBytes: Int) throws(IOError) {
        reader = try LineReader(path: path, maxLineBytes: maxLineBytes)
    }
    /// Bytes read from disk so far.
    public var bytesRead: Int { reader.bytesRead }
    /// The next line as a unit.
    public func next() throws(IOError) -> SourceUnit? {
        guard let l = try reader.next() else { return nil }
        return SourceUnit(line: l.number, bytes: l.bytes, tooLong: l.tooLong, length: l.length)
    }
    /// The next lines as one buffer (``LineReader/nextBlock(maxLines:)``).
    public func nextBlock(maxUnits: Int) throws(IOError) -> UnitBlock? { try reader.nextBlock(maxLines: maxUnits) }
    /// The next line where it lies (``LineReader/withNextLine(_:)``).
    package func withNextLine<R>(_ body: (_ number: Int, _ bytes: UnsafeBufferPointer<UInt8>?, _ length: Int) throws -> R)
        throws -> R?
    {
        try reader.withNextLine(body)
    }
}

/// Shared steps of JSONL decoders: blank lines are skipped, bytes are parsed as one JSON value
/// with a clear reason on failure, and the fallback record id is `file:line`. Parquet rows come
/// with their value built, or with the reader's problem, and take the same path from there.
public enum JSONLUnit {
    /// Parses a unit as JSON; nil for a blank line.
    public static func parse(_ unit: SourceUnit) throws(RecordDecodingError) -> JSONValue? {
        if let problem = unit.problem { throw RecordDecodingError(problem) }
        if let value = unit.value { return value }
        return try unit.bytes.withUnsafeBufferPointer { (u) throws(RecordDecodingError) in try parse(line: u) }
    }

    /// ``parse(_:)`` of a line read whole, from its bytes where they lie.
    public static func parse(line bytes: UnsafeBufferPointer<UInt8>) throws(RecordDecodingError) -> JSONValue? {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw RecordDecodingError("invalid JSON: \(error.description)")
        }
    }

    /// The id used for records whose source gives none: `<file as given>:<line>`.
    public static func fallbackID(file: String, line: Int) -> String {
        "\(file):\(line)"
    }
}

/// Decoder for the formats whose JSON shape is ``NativeCodec``'s (openai-messages,
/// parallel-jsonl, documents with the default field, openai-evals, culturebank JSONL).
public struct NativeJSONLDecoder: UnitDecoder {
    /// Kind of record expected.
    public var kind: RecordKind
    /// Creates a decoder.
    public init(kind: RecordKind) { self.kind = kind }

    /// Decodes one JSONL line.
    public func decode(_ unit: SourceUnit, file: String) throws(RecordDecodingError) -> Record? {
        if unit.problem == nil, unit.value == nil {
            return try unit.bytes.withUnsafeBufferPointer { (u) throws(RecordDecodingError) in
                try decode(line: u, number: unit.line, file: file)
            }
        }
        // A Parquet row: its value, or the reader's problem (no line bytes to decode directly).
        guard let value = try JSONLUnit.parse(unit) else { return nil }
        return try NativeCodec.decode(
            value, as: kind, fallbackID: JSONLUnit.fallbackID(file: file, line: unit.line),
            origin: Origin(file: file, line: unit.line))
    }

    /// Decodes one JSONL line where it lies.
    public func decode(line bytes: UnsafeBufferPointer<UInt8>, number: Int, file: String) throws(RecordDecodingError)
        -> Record?
    {
        if let direct = direct(bytes, number: number, file: file) { return direct }
        guard let value = try JSONLUnit.parse(line: bytes) else { return nil }
        return try NativeCodec.decode(
            value, as: kind, fallbackID: JSONLUnit.fallbackID(file: file, line: number), origin: Origin(file: file, line: number))
    }

    /// The common shapes straight from the bytes, or nil: anything unusual takes the general path.
    private func direct(_ bytes: UnsafeBufferPointer<UInt8>, number: Int, file: String) -> Record? {
        switch kind {
        case .conversation:
            DirectDecoding.conversation(
                bytes, fallbackID: JSONLUnit.fallbackID(file: file, line: number), origin: Origin(file: file, line: number))
        case .document:
            DirectDecoding.document(
                bytes, fallbackID: JSONLUnit.fallbackID(file: file, line: number), origin: Origin(file: file, line: number))
        case .pair:
            DirectDecoding.pair(
                bytes, fallbackID: JSONLUnit.fallbackID(file: file, line: number), origin: Origin(file: file, line: number))
        default:
            nil
        }
    }
}

/// Decoder for two tab-separated columns (source, target).
public struct ParallelTSVDecoder: UnitDecoder {
    /// Languages of the two columns.
    public var languages: (String, String)
    /// Creates a decoder.
    public init(languages: [String]) {
        self.languages = (languages.first ?? "src", languages.count > 1 ? languages[1] : "tgt")
    }

    /// The tabs of a line, found with memchr: the first, and whether there is a second; nil for none.
    package static func tabs(_ u: UnsafeBufferPointer<UInt8>) -> (first: Int, more: Bool)? {
        guard let base = u.baseAddress, let p = memchr(base, 0x09, u.count) else { return nil }
        let first = UnsafePointer(p.assumingMemoryBound(to: UInt8.self)) - base
        return (first, memchr(base + first + 1, 0x09, u.count - first - 1) != nil)
    }

    /// Decodes one line.
    public func decode(_ unit: SourceUnit, file: String) throws(RecordDecodingError) -> Record? {
        try unit.bytes.withUnsafeBufferPointer { (u) throws(RecordDecodingError) in
            try decode(line: u, number: unit.line, file: file)
        }
    }

    /// Decodes one line where it lies.
    public func decode(line bytes: UnsafeBufferPointer<UInt8>, number: Int, file: String) throws(RecordDecodingError)
        -> Record?
    {
        if bytes.isEmpty { return nil }
        guard let tabs = Self.tabs(bytes) else {
            throw RecordDecodingError("expected 2 tab-separated columns, found 1")
        }
        if tabs.more {
            throw RecordDecodingError("expected 2 tab-separated columns, found \(bytes.filter { $0 == 0x09 }.count + 1)")
        }
        let tab = tabs.first
        guard let source = UTF8Text.string(UnsafeBufferPointer(rebasing: bytes[..<tab])),
            let target = UTF8Text.string(UnsafeBufferPointer(rebasing: bytes[(tab + 1)...]))
        else { throw RecordDecodingError("invalid UTF-8") }
        return .pair(
            ParallelPair(
                id: JSONLUnit.fallbackID(file: file, line: number), sourceLanguage: languages.0,
                targetLanguage: languages.1, source: source, target: target,
                lineage: Lineage(file: file, line: number)))
    }
}
