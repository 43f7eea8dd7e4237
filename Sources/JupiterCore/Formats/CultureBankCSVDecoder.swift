/// Decoder for CultureBank CSV rows (as cut by ``CSVRowReader``), given the file's header.
///
/// Column names are matched loosely (case, spaces, underscores and hyphens do not matter), so
/// `cultural group`, `cultural_group` and `Cultural-Group` are the same column. Columns outside
/// the CultureBank schema are kept in the norm's `extra`. An empty `id` cell means "no id".
public struct CultureBankCSVDecoder: UnitDecoder {
    /// The header row's column names, as written.
    public var header: [String]

    /// Creates a decoder for rows under `header`.
    public init(header: [String]) { self.header = header }

    /// Decodes one row.
    public func decode(_ unit: SourceUnit, file: String) throws(RecordDecodingError) -> Record? {
        let fields = try CSV.fields(unit.bytes)
        if fields.count == 1 && fields[0].trimmingWhitespace().isEmpty { return nil }
        guard fields.count == header.count else {
            throw RecordDecodingError("CSV row has \(fields.count) fields, the header has \(header.count)")
        }
        var row = JSONObject()
        row.entries.reserveCapacity(fields.count)
        var id: String?
        for (name, value) in zip(header, fields) {
            if name == "id" { id = value.isEmpty ? nil : value; continue }
            row.entries.append(JSONObject.Entry(key: name, value: .string(value)))
        }
        let norm = try NativeCodec.decodeNorm(
            row, id: id ?? JSONLUnit.fallbackID(file: file, line: unit.line),
            lineage: Lineage(file: file, line: unit.line))
        return .norm(norm)
    }
}
