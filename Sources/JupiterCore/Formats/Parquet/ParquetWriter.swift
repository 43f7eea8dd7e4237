/// Writes JSON rows as a Parquet file: every column nullable, lists as 3-level `LIST`
/// (`list.element`, as pyarrow writes them), structs as groups, strings plain or
/// dictionary-encoded, data pages v1, uncompressed / Snappy / zstd / gzip, one or more row groups.
///
/// The bytes are a pure function of the schema, options and rows: no timestamps anywhere,
/// `created_by` is `Jupiter`, and the file is written atomically (a temporary file renamed on
/// ``close()``).
public final class ParquetWriter {
    /// Page compression of a written file.
    public enum Compression: String, Sendable, CaseIterable {
        case none, snappy, zstd, gzip

        var codec: CompressionCodec {
            switch self {
            case .none: .uncompressed
            case .snappy: .snappy
            case .zstd: .zstd
            case .gzip: .gzip
            }
        }
    }

    /// How a file is written.
    public struct Options: Sendable, Hashable {
        /// Page compression (default Snappy, as pyarrow).
        public var compression: Compression
        /// Dictionary-encode string columns whose dictionary stays under ``dictionaryLimit`` bytes.
        public var dictionary: Bool
        /// Rows per row group.
        public var rowGroupRows: Int
        /// Approximate uncompressed bytes per data page.
        public var pageBytes: Int
        /// Largest dictionary (bytes of its values) before a column chunk falls back to plain.
        public var dictionaryLimit: Int

        /// Creates options.
        public init(
            compression: Compression = .snappy, dictionary: Bool = true, rowGroupRows: Int = 65536,
            pageBytes: Int = 1 << 20, dictionaryLimit: Int = 1 << 20
        ) {
            self.compression = compression
            self.dictionary = dictionary
            self.rowGroupRows = max(1, rowGroupRows)
            self.pageBytes = max(1024, pageBytes)
            self.dictionaryLimit = dictionaryLimit
        }
    }

    /// A leaf column being filled: levels and values of the current row group.
    private struct Column {
        var path: [String]
        var type: ParquetColumnType
        var maxDefinition: Int
        var maxRepetition: Int
        var definitions: [Int32] = []
        var repetitions: [Int32] = []
        var values: [JSONValue] = []
    }

    /// How rows are cut into leaves (the mirror of ``ParquetShape``).
    private indirect enum Node {
        case leaf(Int)
        case structure([(String, Node)], leaves: Range<Int>)
        case list(Node, repetition: Int, leaves: Range<Int>)
    }

    private let fields: [ParquetField]
    private let options: Options
    private let file: AtomicFile
    private var columns: [Column] = []
    private var row: Node = .leaf(0)
    private var rowsInGroup = 0
    private var rowGroups: [(meta: [ColumnChunkMeta], rows: Int, bytes: Int64)] = []
    private var offset = 0
    private var totalRows = 0

    /// Starts writing `path` with the given columns.
    public init(path: String, schema: [ParquetField], options: Options = Options()) throws(ParquetError) {
        fields = schema
        self.options = options
        do { file = try AtomicFile(path: path) } catch { throw ParquetError(.io, error.description, file: path) }
        var columns: [Column] = []
        func build(_ type: ParquetColumnType, path: [String], definition: Int, repetition: Int) -> Node {
            let first = columns.count
            switch type {
            case .structure(let fs):
                var children: [(String, Node)] = []
                for f in fs {
                    children.append(
                        (
                            f.name,
                            build(
                                f.type, path: path + [f.name], definition: definition + 1,
                                repetition: repetition)
                        ))
                }
                return .structure(children, leaves: first..<columns.count)
            case .list(let element):
                // optional group (LIST) → repeated group list → optional element
                let inner = build(
                    element, path: path + ["list", "element"], definition: definition + 2,
                    repetition: repetition + 1)
                return .list(inner, repetition: repetition + 1, leaves: first..<columns.count)
            default:
                columns.append(Column(path: path, type: type, maxDefinition: definition, maxRepetition: repetition))
                return .leaf(first)
            }
        }
        row = build(.structure(schema), path: [], definition: 0, repetition: 0)
        self.columns = columns
        try append(ParquetFile.magic)
    }

    private func append(_ bytes: [UInt8]) throws(ParquetError) {
        do { try file.write(bytes) } catch { throw ParquetError(.io, error.description, file: file.path) }
        offset += bytes.count
    }

    /// Adds a row (a JSON object; missing fields are null). Writes a row group when it is full.
    public func write(_ value: JSONValue) throws(ParquetError) {
        guard case .object = value else {
            throw ParquetError(.invalidValue, "a row must be a JSON object, found \(value.typeName)", file: file.path)
        }
        try shred(value, row, repetition: 0, definition: 0, top: true)
        rowsInGroup += 1
        totalRows += 1
        if rowsInGroup >= options.rowGroupRows { try flushRowGroup() }
    }

    /// Writes the last row group and the footer, and moves the file into place.
    public func close() throws(ParquetError) {
        if rowsInGroup > 0 { try flushRowGroup() }
        let footer = ThriftWriter.encode { w in
            w.i32(1, 2)
            w.list(2, .structure, count: 1 + schemaElementCount(fields)) { w in
                w.element { w in
                    w.string(4, "schema")
                    w.i32(5, Int32(fields.count))
                }
                for f in fields { writeSchema(f.name, f.type, into: &w) }
            }
            w.i64(3, Int64(totalRows))
            w.list(4, .structure, count: rowGroups.count) { w in
                for g in rowGroups {
                    w.element { w in
                        w.list(1, .structure, count: g.meta.count) { w in
                            for c in g.meta {
                                w.element { w in
                                    w.i64(2, c.start)
                                    w.structure(3) { w in
                                        w.i32(1, c.type)
                                        w.list(2, .i32, count: c.encodings.count) { w in
                                            for e in c.encodings { w.element(e) }
                                        }
                                        w.list(3, .binary, count: c.path.count) { w in for p in c.path { w.element(p) } }
                                        w.i32(4, c.codec)
                                        w.i64(5, c.numValues)
                                        w.i64(6, c.totalUncompressedSize)
                                        w.i64(7, c.totalCompressedSize)
                                        w.i64(9, c.dataPageOffset)
                                        if let d = c.dictionaryPageOffset { w.i64(11, d) }
                                    }
                                }
                            }
                        }
                        w.i64(2, g.bytes)
                        w.i64(3, Int64(g.rows))
                    }
                }
            }
            w.string(6, "Jupiter")
        }
        try append(footer)
        var tail: [UInt8] = []
        withUnsafeBytes(of: UInt32(footer.count).littleEndian) { tail.append(contentsOf: $0) }
        try append(tail + ParquetFile.magic)
        do { try file.commit() } catch { throw ParquetError(.io, error.description, file: file.path) }
    }

    // MARK: Schema

    private func schemaElementCount(_ fields: [ParquetField]) -> Int {
        fields.reduce(0) { n, f in
            switch f.type {
            case .structure(let fs): n + 1 + schemaElementCount(fs)
            case .list(let e): n + 2 + schemaElementCount([ParquetField(name: "element", type: e)])
            default: n + 1
            }
        }
    }

    private func writeSchema(
        _ name: String, _ type: ParquetColumnType, repetition: Repetition = .optional,
        into w: inout ThriftWriter
    ) {
        switch type {
        case .structure(let fs):
            w.element { w in
                w.i32(3, repetition.rawValue)
                w.string(4, name)
                w.i32(5, Int32(fs.count))
            }
            for f in fs { writeSchema(f.name, f.type, into: &w) }
        case .list(let e):
            w.element { w in
                w.i32(3, repetition.rawValue)
                w.string(4, name)
                w.i32(5, 1)
                w.i32(6, 3)  // converted type LIST
                w.structure(10) { w in w.structure(3) { _ in } }
            }
            w.element { w in
                w.i32(3, Repetition.repeated.rawValue)
                w.string(4, "list")
                w.i32(5, 1)
            }
            writeSchema("element", e, into: &w)
        default:
            let physical = Self.physical(type)
            w.element { w in
                w.i32(1, physical.rawValue)
                w.i32(3, repetition.rawValue)
                w.string(4, name)
                switch type {
                case .string, .null:
                    w.i32(6, 0)  // UTF8
                    w.structure(10) { w in w.structure(1) { _ in } }
                case .json:
                    w.i32(6, 19)  // JSON
                    w.structure(10) { w in w.structure(12) { _ in } }
                default: break
                }
            }
        }
    }

    private static func physical(_ type: ParquetColumnType) -> PhysicalType {
        switch type {
        case .int64: .int64
        case .double: .double
        case .boolean: .boolean
        default: .byteArray
        }
    }

    // MARK: Shredding

    /// Cuts `value` into the leaves of `node` (Dremel striping). `definition` is the level of
    /// the parent; `repetition` the level to record for this value's first entry.
    private func shred(_ value: JSONValue?, _ node: Node, repetition: Int, definition: Int, top: Bool = false)
        throws(ParquetError)
    {
        let value = value ?? .null
        switch node {
        case .leaf(let i):
            let r = Int32(repetition)
            if value.isNull {
                add(i, r, Int32(definition), nil)
            } else {
                add(i, r, Int32(definition + 1), try Self.leafValue(value, columns[i].type, column: columns[i].path))
            }
        case .structure(let children, let leaves):
            guard case .object(let o) = value else {
                if value.isNull { return nullEntries(leaves, repetition, definition) }
                throw mismatch(value, leaves)
            }
            let d = top ? definition : definition + 1
            if children.count <= 8 {
                for (name, child) in children { try shred(o[name], child, repetition: repetition, definition: d) }
            } else {
                var byName: [String: JSONValue] = [:]
                for e in o.entries where byName[e.key] == nil { byName[e.key] = e.value }
                for (name, child) in children { try shred(byName[name], child, repetition: repetition, definition: d) }
            }
        case .list(let element, let rep, let leaves):
            guard case .array(let items) = value else {
                if value.isNull { return nullEntries(leaves, repetition, definition) }
                throw mismatch(value, leaves)
            }
            if items.isEmpty { return nullEntries(leaves, repetition, definition + 1) }
            for (k, item) in items.enumerated() {
                try shred(item, element, repetition: k == 0 ? repetition : rep, definition: definition + 2)
            }
        }
    }

    private func nullEntries(_ leaves: Range<Int>, _ repetition: Int, _ definition: Int) {
        for i in leaves { add(i, Int32(repetition), Int32(definition), nil) }
    }

    @inline(__always)
    private func add(_ i: Int, _ r: Int32, _ d: Int32, _ v: JSONValue?) {
        if columns[i].maxRepetition > 0 { columns[i].repetitions.append(r) }
        if columns[i].maxDefinition > 0 { columns[i].definitions.append(d) }
        if let v { columns[i].values.append(v) }
    }

    private func mismatch(_ value: JSONValue, _ leaves: Range<Int>) -> ParquetError {
        let path = columns[leaves.lowerBound].path.joined(separator: ".")
        return ParquetError(.invalidValue, "a \(value.typeName) does not fit the schema", file: file.path, column: path)
    }

    private static func leafValue(_ value: JSONValue, _ type: ParquetColumnType, column: [String]) throws(ParquetError)
        -> JSONValue
    {
        switch (type, value) {
        case (.json, _): return .string(JSONWriter.string(value))
        case (.string, .string), (.boolean, .bool), (.double, .number): return value
        case (.int64, .number(let n)) where Int64(n) != nil: return value
        default:
            throw ParquetError(
                .invalidValue, "a \(value.typeName) does not fit type \(type)",
                column: column.joined(separator: "."))
        }
    }

    // MARK: Row groups and pages

    private func flushRowGroup() throws(ParquetError) {
        var metas: [ColumnChunkMeta] = []
        var bytes: Int64 = 0
        for i in columns.indices {
            let (meta, uncompressed) = try writeColumnChunk(columns[i])
            metas.append(meta)
            bytes += uncompressed
            columns[i].definitions.removeAll(keepingCapacity: true)
            columns[i].repetitions.removeAll(keepingCapacity: true)
            columns[i].values.removeAll(keepingCapacity: true)
        }
        rowGroups.append((metas, rowsInGroup, bytes))
        rowsInGroup = 0
    }

    private func writeColumnChunk(_ c: Column) throws(ParquetError) -> (ColumnChunkMeta, Int64) {
        let start = offset
        var meta = ColumnChunkMeta()
        meta.type = Self.physical(c.type).rawValue
        meta.path = c.path
        meta.codec = options.compression.codec.rawValue
        let entries = max(c.definitions.count, c.repetitions.count, c.values.count)
        meta.numValues = Int64(entries)
        var uncompressedTotal: Int64 = 0

        // Dictionary for strings, when it stays small.
        var indices: [Int32]?
        if options.dictionary, [.string, .json, .null].contains(c.type) {
            var map: [String: Int32] = [:]
            var dict: [UInt8] = []
            var idx: [Int32] = []
            idx.reserveCapacity(c.values.count)
            var fits = true
            for v in c.values {
                guard case .string(let s) = v else { continue }
                if let k = map[s] { idx.append(k); continue }
                let k = Int32(map.count)
                map[s] = k
                Self.plainBytes(s, into: &dict)
                idx.append(k)
                if dict.count > options.dictionaryLimit { fits = false; break }
            }
            if fits {
                indices = idx
                meta.dictionaryPageOffset = Int64(offset)
                uncompressedTotal += try writePage(type: .dictionary, body: dict, values: map.count, encoding: .plain)
            }
        }
        meta.dataPageOffset = Int64(offset)
        meta.encodings =
            indices != nil
            ? [Encoding.plain.rawValue, Encoding.rle.rawValue, Encoding.rleDictionary.rawValue]
            : [Encoding.plain.rawValue, Encoding.rle.rawValue]

        // Data pages, cut at row starts once a page holds about `pageBytes`.
        var level = 0, value = 0
        while level < entries {
            let firstLevel = level, firstValue = value
            var size = 0
            while level < entries {
                if level > firstLevel, size >= options.pageBytes, c.maxRepetition == 0 || c.repetitions[level] == 0 { break }
                let present = c.maxDefinition == 0 || c.definitions[level] == c.maxDefinition
                if present {
                    size += indices != nil ? 2 : Self.estimatedSize(c.values[value])
                    value += 1
                }
                size += 1
                level += 1
            }
            var body: [UInt8] = []
            if c.maxRepetition > 0 { Self.levels(Array(c.repetitions[firstLevel..<level]), max: c.maxRepetition, into: &body) }
            if c.maxDefinition > 0 { Self.levels(Array(c.definitions[firstLevel..<level]), max: c.maxDefinition, into: &body) }
            let encoding: Encoding
            if let indices {
                let slice = Array(indices[firstValue..<value])
                let width = ParquetEncodings.bitWidth(Int(slice.max() ?? 0))
                body.append(UInt8(width))
                ParquetEncodings.encodeHybrid(slice, bitWidth: width, into: &body)
                encoding = .rleDictionary
            } else {
                Self.plain(c.values[firstValue..<value], Self.physical(c.type), into: &body)
                encoding = .plain
            }
            uncompressedTotal += try writePage(type: .data, body: body, values: level - firstLevel, encoding: encoding)
        }
        meta.totalCompressedSize = Int64(offset - start)
        meta.totalUncompressedSize = uncompressedTotal
        return (meta, uncompressedTotal)
    }

    /// Writes one page (header + compressed body); returns its uncompressed size with header.
    private func writePage(type: PageType, body: [UInt8], values: Int, encoding: Encoding) throws(ParquetError) -> Int64 {
        let compressed = try ParquetCompression.compress(options.compression.codec, body)
        let header = ThriftWriter.encode { w in
            w.i32(1, type.rawValue)
            w.i32(2, Int32(body.count))
            w.i32(3, Int32(compressed.count))
            if type == .dictionary {
                w.structure(7) { w in
                    w.i32(1, Int32(values))
                    w.i32(2, encoding.rawValue)
                }
            } else {
                w.structure(5) { w in
                    w.i32(1, Int32(values))
                    w.i32(2, encoding.rawValue)
                    w.i32(3, Encoding.rle.rawValue)
                    w.i32(4, Encoding.rle.rawValue)
                }
            }
        }
        try append(header)
        try append(compressed)
        return Int64(header.count + body.count)
    }

    private static func levels(_ levels: [Int32], max: Int, into body: inout [UInt8]) {
        var encoded: [UInt8] = []
        ParquetEncodings.encodeHybrid(levels, bitWidth: ParquetEncodings.bitWidth(max), into: &encoded)
        withUnsafeBytes(of: UInt32(encoded.count).littleEndian) { body.append(contentsOf: $0) }
        body.append(contentsOf: encoded)
    }

    private static func plainBytes(_ s: String, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { u in
            withUnsafeBytes(of: UInt32(u.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: u)
        }
    }

    private static func estimatedSize(_ v: JSONValue) -> Int {
        if case .string(let s) = v { return 4 + s.utf8.count }
        return 8
    }

    private static func plain(_ values: ArraySlice<JSONValue>, _ physical: PhysicalType, into out: inout [UInt8]) {
        switch physical {
        case .boolean:
            var byte: UInt8 = 0
            for (k, v) in values.enumerated() {
                if v.boolValue == true { byte |= 1 << UInt8(k & 7) }
                if k & 7 == 7 { out.append(byte); byte = 0 }
            }
            if values.count & 7 != 0 { out.append(byte) }
        case .int64:
            for v in values {
                let n = v.intValue.map(Int64.init) ?? 0
                withUnsafeBytes(of: n.littleEndian) { out.append(contentsOf: $0) }
            }
        case .double:
            for v in values {
                withUnsafeBytes(of: (v.doubleValue ?? 0).bitPattern.littleEndian) { out.append(contentsOf: $0) }
            }
        default:
            for v in values { if case .string(let s) = v { plainBytes(s, into: &out) } }
        }
    }
}
