/// Opens sources: picks the unit reader and the decoder for a format, and detects formats.
public enum SourceFormats {
    /// A reader over the source files (one file; two for Moses) and the decoder for its units.
    ///
    /// Every reader is gzip-transparent (detected from the magic bytes). A Parquet file (also
    /// recognised from its bytes) is a container: each row becomes the JSON object of its
    /// columns, decoded by the same decoder as a JSONL line of that content, so every format with
    /// a JSON shape reads Parquet too. For CultureBank, a file whose name ends in `.csv` (or
    /// `.csv.gz`) is read as CSV with a header row, anything else as JSONL; the CSV header is
    /// read here, so a file without one fails to open.
    public static func open(_ format: Format, paths: [String], options: FormatOptions) throws(IOError)
        -> (reader: any SourceUnitReader, decoder: any UnitDecoder)
    {
        guard let path = paths.first else { throw IOError(path: "<none>", "no input file") }
        if format == .moses {
            guard paths.count == 2 else {
                throw IOError(path: path, "format 'moses' needs two files (one per language), got \(paths.count)")
            }
            return (
                try MosesUnitReader(paths: (paths[0], paths[1]), maxLineBytes: options.maxLineBytes),
                MosesDecoder(languages: options.languages)
            )
        }
        guard paths.count == 1 else {
            throw IOError(path: path, "format '\(format.rawValue)' reads one file at a time, got \(paths.count)")
        }
        let parquet = isParquet(path)
        func lines() throws(IOError) -> any SourceUnitReader {
            if parquet { return try ParquetUnitReader(path: path) }
            return try LineUnitReader(path: path, maxLineBytes: options.maxLineBytes)
        }
        if parquet && [.parallelTSV, .text].contains(format) {
            throw IOError(
                path: path,
                "is a Parquet file, which format '\(format.rawValue)' does not read; use the "
                    + "format its columns have (e.g. parallel-jsonl, documents) or leave 'format' out to detect it")
        }
        switch format {
        case .openaiMessages, .parallelJSONL, .openaiEvals:
            return (try lines(), NativeJSONLDecoder(kind: format.recordKind))
        case .sharegpt:
            return (try lines(), ShareGPTDecoder())
        case .alpaca:
            return (try lines(), AlpacaDecoder())
        case .parallelTSV:
            return (try lines(), ParallelTSVDecoder(languages: options.languages))
        case .documents:
            return (try lines(), DocumentsDecoder(textField: options.textField))
        case .text:
            return (try TextFileUnitReader(path: path, maxBytes: options.maxLineBytes), TextFileDecoder())
        case .culturebank:
            guard isCSV(path) && !parquet else { return (try lines(), NativeJSONLDecoder(kind: .norm)) }
            let reader = try CSVRowReader(path: path, maxRowBytes: options.maxLineBytes)
            guard let headerRow = try reader.next() else {
                return (reader, CultureBankCSVDecoder(header: []))  // empty file: no units follow
            }
            if headerRow.tooLong { throw IOError(path: path, "CSV header row is longer than \(options.maxLineBytes) bytes") }
            let header: [String]
            do { header = try CSV.fields(headerRow.bytes).map { $0.trimmingWhitespace() } } catch {
                throw IOError(path: path, "line \(headerRow.line): bad CSV header: \(error.reason)")
            }
            return (reader, CultureBankCSVDecoder(header: header))
        case .moses:
            throw IOError(path: path, "unreachable")
        }
    }

    /// The file name without a trailing `.gz`/`.gzip`, lower-cased.
    static func plainName(_ path: String) -> String {
        var name = FileSystem.baseName(path).lowercased()
        for suffix in [".gz", ".gzip"] where name.hasSuffix(suffix) { name.removeLast(suffix.count) }
        return name
    }

    /// True when `path` names a CSV file (`.csv`, optionally gzipped).
    static func isCSV(_ path: String) -> Bool { plainName(path).hasSuffix(".csv") }

    /// True when `path` is a Parquet file (it starts with the `PAR1` magic bytes, whatever its name).
    public static func isParquet(_ path: String) -> Bool { ParquetFile.isParquet(path) }

    /// What in `path` Jupiter cannot read, found without reading records: for a Parquet file, its
    /// unsupported columns (each named with its type, codec or encoding) or a footer that does
    /// not read; empty for other files. The recipe validator reports each as an error.
    public static func unreadableParts(path: String) -> [String] {
        guard isParquet(path) else { return [] }
        do throws(ParquetError) { return try ParquetSchema.unsupportedColumns(path) } catch { return [error.detail] }
    }

    /// Guesses the format of a file from its name and first non-blank record. `.tsv` is
    /// parallel-tsv, `.csv` CultureBank, `.txt` text; otherwise the first record decides: a JSON
    /// object with `messages` (openai-messages), `conversations` (sharegpt), `instruction` and
    /// `output` (alpaca), `translation` (parallel-jsonl), `input` and `ideal` (openai-evals),
    /// `text` (documents) or CultureBank columns (culturebank); a non-JSON line with one tab is
    /// parallel-tsv. Nil when nothing fits. Gzip files are read through. A Parquet file is
    /// detected the same way from its column names (read from the footer, no rows needed).
    public static func detect(path: String) throws(IOError) -> Format? {
        if isParquet(path) {
            do throws(ParquetError) {
                let columns = try ParquetFile(path: path).schema.columnNames
                return detectJSON(JSONObject(columns.map { JSONObject.Entry(key: $0, value: .null) }))
            } catch {
                throw IOError(path: path, error.detail)
            }
        }
        let name = plainName(path)
        if name.hasSuffix(".tsv") { return .parallelTSV }
        if name.hasSuffix(".csv") { return .culturebank }
        if name.hasSuffix(".txt") { return .text }
        let reader = try LineReader(path: path, maxLineBytes: 16 << 20)
        var checked = 0
        while let line = try reader.next(), checked < 100 {
            if line.tooLong { continue }
            if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            checked += 1
            guard let value = try? JSONParser.parse(line.bytes) else {
                // Not JSON: two tab-separated columns look like parallel TSV; otherwise try the next
                // line only if this one might be a stray bad record among JSON lines.
                if line.bytes.filter({ $0 == 0x09 }).count == 1 { return .parallelTSV }
                continue
            }
            guard case .object(let o) = value else { return nil }
            return detectJSON(o)
        }
        return nil
    }

    /// The fields of the first JSON object line of a JSONL file (in order, with whether each holds a
    /// string), for a file of no known record shape; nil when the file does not hold JSON objects.
    public static func firstObjectFields(path: String) -> [(name: String, isString: Bool)]? {
        guard !isParquet(path), let reader = try? LineReader(path: path, maxLineBytes: 16 << 20) else { return nil }
        while let line = try? reader.next() {
            if line.tooLong || line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            guard case .object(let o)? = try? JSONParser.parse(line.bytes) else { return nil }
            return o.entries.map { ($0.key, $0.value.stringValue != nil) }
        }
        return nil
    }

    /// For JSON objects of no known shape: the advice to read them as documents, naming the
    /// fields and the string field to take the text from (`question` in GSM8K-style files).
    public static func documentsAdvice(path: String) -> (textField: String, advice: String)? {
        guard let fields = firstObjectFields(path: path), let text = fields.first(where: \.isString)?.name else { return nil }
        return (
            text,
            "its records are JSON objects of no known shape (fields: "
                + fields.map(\.name).joined(separator: ", ") + "): read them as documents with "
                + "`format: documents, text_field: \(text)` (or another string field)"
        )
    }

    /// The JSONL format whose fields `o` has, or nil.
    public static func detectJSON(_ o: JSONObject) -> Format? {
        func has(_ key: String) -> Bool { o.entries.contains { $0.key == key } }
        if has("messages") { return .openaiMessages }
        if has("conversations") { return .sharegpt }
        if has("instruction") && has("output") { return .alpaca }
        if has("translation") { return .parallelJSONL }
        if has("input") && has("ideal") { return .openaiEvals }
        if has("text") { return .documents }
        let keys = Set(o.keys.map(NativeCodec.normaliseColumn))
        if keys.contains("cultural_group") || keys.contains("actor_behavior") { return .culturebank }
        return nil
    }
}
