/// Why a record could not be written: the wrong kind for the format, content the format cannot
/// hold, or a file error.
public struct RecordWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public var reason: String
    /// Creates an error.
    public init(_ reason: String) { self.reason = reason }
    /// The reason.
    public var description: String { reason }

    static func io(_ e: IOError) -> RecordWriteError { RecordWriteError(e.description) }
}

/// Writes records of one format to a file (two for Moses; a folder of `.txt` files for text)
/// atomically: nothing appears under the final name until ``commit()``. A path ending in `.gz`
/// is gzip-compressed with a fixed header, so the same records give the same bytes.
public protocol RecordWriter: AnyObject {
    /// The format written.
    var format: Format { get }
    /// Records written so far.
    var count: Int { get }
    /// Writes one record. Throws for a record of the wrong kind or one the format cannot hold;
    /// the writer stays usable after such an error.
    func write(_ record: Record) throws(RecordWriteError)
    /// Finishes the output and moves it into place. Without it, nothing is written.
    func commit() throws(RecordWriteError)
}

/// Opens ``RecordWriter``s.
public enum RecordWriters {
    /// A writer for `format` to `paths`.
    ///
    /// - One path for every format but Moses. Moses takes two paths, or one base path that gets the
    ///   language codes from `options.languages` appended (`corpus` → `corpus.en`, `corpus.cy`).
    /// - CultureBank writes CSV when the path ends in `.csv` (or `.csv.gz`), JSONL otherwise.
    /// - Text writes one document to a path ending in `.txt`, or one `<id>.txt` file per document
    ///   into a folder otherwise.
    /// - `includeLineage` adds each record's `lineage` to the JSONL formats.
    public static func open(
        _ format: Format, paths: [String], options: FormatOptions = FormatOptions(),
        includeLineage: Bool = false
    ) throws(IOError) -> any RecordWriter {
        guard let path = paths.first else { throw IOError(path: "<none>", "no output file") }
        if format == .moses {
            let pair: (String, String)
            switch paths.count {
            case 1:
                let langs = (options.languages.first ?? "src", options.languages.count > 1 ? options.languages[1] : "tgt")
                pair = (path + "." + langs.0, path + "." + langs.1)
            case 2: pair = (paths[0], paths[1])
            default: throw IOError(path: path, "format 'moses' writes two files, got \(paths.count) paths")
            }
            return try MosesRecordWriter(paths: pair)
        }
        guard paths.count == 1 else {
            throw IOError(path: path, "format '\(format.rawValue)' writes one file, got \(paths.count) paths")
        }
        let lineage = includeLineage
        switch format {
        case .openaiMessages, .parallelJSONL, .openaiEvals:
            let kind = format.recordKind
            return try JSONLRecordWriter(format: format, path: path) { (r) throws(RecordWriteError) in
                try expect(r, kind, format)
                return NativeCodec.encode(r, includeLineage: lineage)
            }
        case .documents:
            let field = options.textField
            return try JSONLRecordWriter(format: format, path: path) { (r) throws(RecordWriteError) in
                guard case .document(let d) = r else { throw wrongKind(r, format) }
                var o: JSONObject = ["id": .string(d.id)]
                o[field.isEmpty ? "text" : field] = .string(d.text)
                RecordEnvelope.finish(&o, metadata: d.metadata, extra: d.extra, lineage: lineage ? d.lineage : nil)
                return .object(o)
            }
        case .culturebank:
            if SourceFormats.isCSV(path) { return try CultureBankCSVWriter(path: path) }
            return try JSONLRecordWriter(format: format, path: path) { (r) throws(RecordWriteError) in
                try expect(r, .norm, format)
                return NativeCodec.encode(r, includeLineage: lineage)
            }
        case .sharegpt:
            return try JSONLRecordWriter(format: format, path: path) { (r) throws(RecordWriteError) in
                guard case .conversation(let c) = r else { throw wrongKind(r, format) }
                return ShareGPTCodec.encode(c, includeLineage: lineage)
            }
        case .alpaca:
            return try JSONLRecordWriter(format: format, path: path) { (r) throws(RecordWriteError) in
                guard case .conversation(let c) = r else { throw wrongKind(r, format) }
                return try AlpacaCodec.encode(c, includeLineage: lineage)
            }
        case .parallelTSV:
            return try ParallelTSVRecordWriter(path: path)
        case .text:
            return TextRecordWriter(path: path)
        case .moses:
            throw IOError(path: path, "unreachable")
        }
    }

    static func wrongKind(_ r: Record, _ format: Format) -> RecordWriteError {
        RecordWriteError("record \(r.id) is a \(r.kind.rawValue); format '\(format.rawValue)' holds \(format.recordKind.rawValue) records")
    }

    static func expect(_ r: Record, _ kind: RecordKind, _ format: Format) throws(RecordWriteError) {
        if r.kind != kind { throw wrongKind(r, format) }
    }

    /// Fails when a text holds a character that would break a line-based format.
    static func checkLine(_ text: String, id: String, side: String, format: Format) throws(RecordWriteError) {
        if text.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || (format == .parallelTSV && $0 == 0x09) }) {
            let what = format == .parallelTSV ? "a tab or line break" : "a line break"
            throw RecordWriteError("record \(id): \(side) text contains \(what), which format '\(format.rawValue)' cannot hold")
        }
    }
}

/// Writes one JSON object per line.
final class JSONLRecordWriter: RecordWriter {
    let format: Format
    private(set) var count = 0
    private let file: AtomicFile
    private let encode: (Record) throws(RecordWriteError) -> JSONValue
    private var buffer: [UInt8] = []

    init(format: Format, path: String, encode: @escaping (Record) throws(RecordWriteError) -> JSONValue) throws(IOError) {
        self.format = format
        self.encode = encode
        file = try AtomicFile(path: path, gzip: path.lowercased().hasSuffix(".gz"))
    }

    func write(_ record: Record) throws(RecordWriteError) {
        let value = try encode(record)
        buffer.removeAll(keepingCapacity: true)
        JSONWriter.write(value, into: &buffer)
        buffer.append(0x0A)
        do { try file.write(buffer) } catch { throw .io(error) }
        count += 1
    }

    func commit() throws(RecordWriteError) {
        do { try file.commit() } catch { throw .io(error) }
    }
}

/// Writes `source<TAB>target` lines.
final class ParallelTSVRecordWriter: RecordWriter {
    let format = Format.parallelTSV
    private(set) var count = 0
    private let file: AtomicFile

    init(path: String) throws(IOError) { file = try AtomicFile(path: path, gzip: path.lowercased().hasSuffix(".gz")) }

    func write(_ record: Record) throws(RecordWriteError) {
        guard case .pair(let p) = record else { throw RecordWriters.wrongKind(record, format) }
        try RecordWriters.checkLine(p.source, id: p.id, side: "source", format: format)
        try RecordWriters.checkLine(p.target, id: p.id, side: "target", format: format)
        do { try file.write(p.source + "\t" + p.target + "\n") } catch { throw .io(error) }
        count += 1
    }

    func commit() throws(RecordWriteError) {
        do { try file.commit() } catch { throw .io(error) }
    }
}

/// Writes two line-aligned files.
final class MosesRecordWriter: RecordWriter {
    let format = Format.moses
    private(set) var count = 0
    private let first: AtomicFile
    private let second: AtomicFile

    init(paths: (String, String)) throws(IOError) {
        first = try AtomicFile(path: paths.0, gzip: paths.0.lowercased().hasSuffix(".gz"))
        second = try AtomicFile(path: paths.1, gzip: paths.1.lowercased().hasSuffix(".gz"))
    }

    func write(_ record: Record) throws(RecordWriteError) {
        guard case .pair(let p) = record else { throw RecordWriters.wrongKind(record, format) }
        try RecordWriters.checkLine(p.source, id: p.id, side: "source", format: format)
        try RecordWriters.checkLine(p.target, id: p.id, side: "target", format: format)
        do {
            try first.write(p.source + "\n")
            try second.write(p.target + "\n")
        } catch { throw .io(error) }
        count += 1
    }

    func commit() throws(RecordWriteError) {
        do {
            try first.commit()
            try second.commit()
        } catch { throw .io(error) }
    }
}

/// Writes CultureBank CSV: a header row from the first record (`id`, the CultureBank columns,
/// `agreement`, then the first record's extra columns), then one row per norm, quoted per RFC 4180.
final class CultureBankCSVWriter: RecordWriter {
    let format = Format.culturebank
    private(set) var count = 0
    private let file: AtomicFile
    private var extraColumns: [String]?

    init(path: String) throws(IOError) { file = try AtomicFile(path: path, gzip: path.lowercased().hasSuffix(".gz")) }

    static func cell(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): s
        case .null: ""
        case .number(let n): n
        default: JSONWriter.string(v)
        }
    }

    func write(_ record: Record) throws(RecordWriteError) {
        guard case .norm(let n) = record else { throw RecordWriters.wrongKind(record, format) }
        let base = NativeCodec.cultureBankColumns.map(\.column)
        var out: [UInt8] = []
        if extraColumns == nil {
            let extras = n.extra.keys
            extraColumns = extras
            out = CSV.row(["id"] + base + ["agreement"] + extras)
        }
        let columns = extraColumns ?? []
        for key in n.extra.keys where !columns.contains(key) {
            throw RecordWriteError("record \(n.id): column \"\(key)\" is not in the CSV header (set by the first record)")
        }
        var fields = [n.id]
        for (_, kp) in NativeCodec.cultureBankColumns { fields.append(n[keyPath: kp]) }
        fields.append(n.agreement.map { CultureBankCSVWriter.cell(JSONValue.double($0)) } ?? "")
        for c in columns { fields.append(n.extra[c].map(CultureBankCSVWriter.cell) ?? "") }
        out.append(contentsOf: CSV.row(fields))
        do { try file.write(out) } catch { throw .io(error) }
        count += 1
    }

    func commit() throws(RecordWriteError) {
        do { try file.commit() } catch { throw .io(error) }
    }
}

/// Writes documents as `.txt`: one document to a `.txt` path, or one `<id>.txt` per document into
/// a folder. Each file is written atomically as its document arrives; ``commit()`` only checks.
final class TextRecordWriter: RecordWriter {
    let format = Format.text
    private(set) var count = 0
    private let path: String
    private let single: Bool

    init(path: String) {
        self.path = path
        single = SourceFormats.plainName(path).hasSuffix(".txt")
    }

    /// A file name from an id: `/` and control characters become `_`, `.txt` is added when missing.
    static func fileName(_ id: String) -> String {
        var name = String(id.map { $0 == "/" || $0 == "\\" || ($0.asciiValue.map { $0 < 0x20 } ?? false) ? "_" : $0 })
        if name.isEmpty || name.hasPrefix(".") { name = "_" + name }
        return name.lowercased().hasSuffix(".txt") ? name : name + ".txt"
    }

    func write(_ record: Record) throws(RecordWriteError) {
        guard case .document(let d) = record else { throw RecordWriters.wrongKind(record, format) }
        if single && count > 0 {
            throw RecordWriteError("record \(d.id): \(path) holds one document; write to a folder for more")
        }
        let target = single ? path : path + "/" + TextRecordWriter.fileName(d.id)
        do {
            let f = try AtomicFile(path: target, gzip: target.lowercased().hasSuffix(".gz"))
            try f.write(d.text)
            try f.commit()
        } catch { throw .io(error) }
        count += 1
    }

    func commit() throws(RecordWriteError) {}
}
