/// Reads a Parquet file row by row, as JSON objects of its top-level columns (nested lists and
/// structs put back together from definition and repetition levels). Row groups are read one
/// after the other and each column one page at a time, so memory stays at about one page per
/// leaf column whatever the file size.
public final class ParquetRowReader {
    /// The file.
    public let path: String
    /// Top-level column names, in order.
    public var columnNames: [String] { file.schema.columnNames }
    /// Rows in the file (from the footer).
    public var rowCount: Int { Int(file.metadata.numRows) }
    /// Rows returned so far.
    public private(set) var rowsRead = 0
    /// Bytes read from disk so far.
    public var bytesRead: Int { file.bytesRead }

    private let file: ParquetFile
    private var group = -1
    private var rowsLeftInGroup = 0
    private var columns: [ParquetColumnReader] = []
    /// Leaf being read when an error happens (to name its column).
    private var currentLeaf = 0

    /// Opens `path` and reads its footer.
    public init(path: String) throws(ParquetError) {
        self.path = path
        file = try ParquetFile(path: path)
        if let problem = file.schema.unsupported.first {
            throw ParquetError(.unsupported, problem.reason, file: path, column: problem.column)
        }
    }

    /// The next row, or nil after the last one. An error names the file, row group and column.
    public func next() throws(ParquetError) -> JSONValue? {
        do throws(ParquetError) {
            while rowsLeftInGroup == 0 {
                group += 1
                columns = []
                guard group < file.metadata.rowGroups.count else { return nil }
                let meta = file.metadata.rowGroups[group]
                guard meta.numRows >= 0 else { throw ParquetError(.corrupt, "negative row count") }
                rowsLeftInGroup = Int(meta.numRows)
                for (i, chunk) in meta.columns.enumerated() {
                    currentLeaf = i
                    columns.append(try ParquetColumnReader(file: file, leaf: file.schema.leaves[i], chunk: chunk))
                }
            }
            let row = try read(file.schema.row)
            rowsLeftInGroup -= 1
            rowsRead += 1
            return row
        } catch {
            let column = file.schema.leaves.indices.contains(currentLeaf) ? file.schema.leaves[currentLeaf].path : nil
            throw error.at(file: path, rowGroup: group, column: column)
        }
    }

    private func skip(_ leaves: Range<Int>) throws(ParquetError) {
        for i in leaves {
            currentLeaf = i
            _ = try columns[i].take()
        }
    }

    private func read(_ shape: ParquetShape) throws(ParquetError) -> JSONValue {
        switch shape {
        case .value(let leaf, _):
            currentLeaf = leaf
            return try columns[leaf].take()
        case .object(let fields, let definition, let leaves):
            currentLeaf = leaves.lowerBound
            if definition > 0, try columns[leaves.lowerBound].definition() < definition {
                try skip(leaves)
                return .null
            }
            var o = JSONObject()
            o.entries.reserveCapacity(fields.count)
            for (name, field) in fields { o.entries.append(JSONObject.Entry(key: name, value: try read(field))) }
            return .object(o)
        case .list(let element, let definition, let elements, let repetition, let leaves):
            let first = columns[leaves.lowerBound]
            currentLeaf = leaves.lowerBound
            let d = try first.definition()
            if d < definition { try skip(leaves); return .null }
            if d < elements { try skip(leaves); return .array([]) }
            var items: [JSONValue] = []
            repeat {
                items.append(try read(element))
                currentLeaf = leaves.lowerBound
            } while try first.repetition() == repetition
            return .array(items)
        case .map(let key, let value, let definition, let elements, let repetition, let leaves):
            let first = columns[leaves.lowerBound]
            currentLeaf = leaves.lowerBound
            let d = try first.definition()
            if d < definition { try skip(leaves); return .null }
            var o = JSONObject()
            if d < elements { try skip(leaves); return .object(o) }
            repeat {
                let k = try read(key)
                let v = try read(value)
                let name: String =
                    switch k {
                    case .string(let s): s
                    case .number(let n): n
                    case .bool(let b): b ? "true" : "false"
                    default: JSONWriter.string(k)
                    }
                o.entries.append(JSONObject.Entry(key: name, value: v))
                currentLeaf = leaves.lowerBound
            } while try first.repetition() == repetition
            return .object(o)
        }
    }
}

/// The ``SourceUnitReader`` for Parquet files: one unit per row, its JSON value already built
/// (``SourceUnit/value``), numbered 1, 2, … across row groups, so the JSONL decoders of every
/// record format read Parquet rows exactly as they read JSONL lines of the same content.
///
/// A file that cannot be read (no footer, a corrupt page, an unsupported column) gives one unit
/// whose ``SourceUnit/problem`` names the file, row group and column; the rows before it are
/// kept and the file ends there, so a run quarantines that one entry and goes on.
public final class ParquetUnitReader: SourceUnitReader {
    private let path: String
    private var rows: ParquetRowReader?
    private var pending: ParquetError?
    private var done = false

    /// Opens `path`; only an unreadable file (missing, no permission) throws.
    public init(path: String) throws(IOError) {
        guard FileSystem.exists(path) else { throw IOError(path: path, "No such file or directory") }
        self.path = path
        do throws(ParquetError) { rows = try ParquetRowReader(path: path) } catch {
            if error.kind == .io { throw IOError(path: path, error.message) }
            pending = error
        }
    }

    /// Bytes read from disk so far.
    public var bytesRead: Int { rows?.bytesRead ?? 0 }

    /// The next row as a unit, or the unit carrying the error that ends the file.
    public func next() throws(IOError) -> SourceUnit? {
        if done { return nil }
        if let pending {
            done = true
            return SourceUnit(line: 0, bytes: [], problem: "unreadable Parquet file: \(pending)")
        }
        guard let rows else { return nil }
        do throws(ParquetError) {
            guard let row = try rows.next() else {
                done = true
                return nil
            }
            return SourceUnit(line: rows.rowsRead, bytes: [], value: row)
        } catch {
            done = true
            if error.kind == .io { throw IOError(path: path, error.description) }
            return SourceUnit(
                line: rows.rowsRead + 1, bytes: [],
                problem: "unreadable Parquet data from row \(rows.rowsRead + 1) on: \(error)")
        }
    }
}
