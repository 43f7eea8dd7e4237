/// The Parquet footer and page headers (parquet-format's `parquet.thrift`), with only the fields
/// Jupiter reads or writes. Field ids are those of the specification.

/// Physical types.
enum PhysicalType: Int32, Sendable {
    case boolean = 0, int32 = 1, int64 = 2, int96 = 3, float = 4, double = 5, byteArray = 6, fixedLenByteArray = 7

    var name: String {
        switch self {
        case .boolean: "BOOLEAN"
        case .int32: "INT32"
        case .int64: "INT64"
        case .int96: "INT96"
        case .float: "FLOAT"
        case .double: "DOUBLE"
        case .byteArray: "BYTE_ARRAY"
        case .fixedLenByteArray: "FIXED_LEN_BYTE_ARRAY"
        }
    }
}

/// Field repetition.
enum Repetition: Int32, Sendable {
    case required = 0, optional = 1, repeated = 2
}

/// Page and value encodings.
enum Encoding: Int32, Sendable {
    case plain = 0, plainDictionary = 2, rle = 3, bitPacked = 4, deltaBinaryPacked = 5, deltaLengthByteArray = 6,
        deltaByteArray = 7, rleDictionary = 8, byteStreamSplit = 9

    static func name(_ raw: Int32) -> String {
        switch Encoding(rawValue: raw) {
        case .plain?: "PLAIN"
        case .plainDictionary?: "PLAIN_DICTIONARY"
        case .rle?: "RLE"
        case .bitPacked?: "BIT_PACKED"
        case .deltaBinaryPacked?: "DELTA_BINARY_PACKED"
        case .deltaLengthByteArray?: "DELTA_LENGTH_BYTE_ARRAY"
        case .deltaByteArray?: "DELTA_BYTE_ARRAY"
        case .rleDictionary?: "RLE_DICTIONARY"
        case .byteStreamSplit?: "BYTE_STREAM_SPLIT"
        case nil: "encoding \(raw)"
        }
    }
}

/// Compression codecs.
enum CompressionCodec: Int32, Sendable {
    case uncompressed = 0, snappy = 1, gzip = 2, lzo = 3, brotli = 4, lz4 = 5, zstd = 6, lz4Raw = 7

    static func name(_ raw: Int32) -> String {
        switch CompressionCodec(rawValue: raw) {
        case .uncompressed?: "UNCOMPRESSED"
        case .snappy?: "SNAPPY"
        case .gzip?: "GZIP"
        case .lzo?: "LZO"
        case .brotli?: "BROTLI"
        case .lz4?: "LZ4"
        case .zstd?: "ZSTD"
        case .lz4Raw?: "LZ4_RAW"
        case nil: "codec \(raw)"
        }
    }

    /// Codecs Jupiter decompresses.
    var isSupported: Bool { [.uncompressed, .snappy, .gzip, .zstd].contains(self) }
}

/// Time units of TIME and TIMESTAMP.
enum TimeUnit: Sendable {
    case millis, micros, nanos
}

/// The logical type of a column (the `LogicalType` union, or the older `ConvertedType`).
enum LogicalType: Sendable, Equatable {
    case string, map, list, enumeration, json, bson, uuid, float16, date, unknown
    case decimal(scale: Int, precision: Int)
    case time(utc: Bool, unit: TimeUnit)
    case timestamp(utc: Bool, unit: TimeUnit)
    case integer(bits: Int, signed: Bool)
    /// A union member Jupiter does not know (VARIANT, GEOMETRY, …), by field id.
    case other(Int16)

    var name: String {
        switch self {
        case .string: "STRING"
        case .map: "MAP"
        case .list: "LIST"
        case .enumeration: "ENUM"
        case .json: "JSON"
        case .bson: "BSON"
        case .uuid: "UUID"
        case .float16: "FLOAT16"
        case .date: "DATE"
        case .unknown: "UNKNOWN"
        case .decimal(let s, let p): "DECIMAL(\(p),\(s))"
        case .time(_, let u): "TIME(\(u))"
        case .timestamp(let utc, let u): "TIMESTAMP(\(u)\(utc ? ", UTC" : ""))"
        case .integer(let b, let s): "\(s ? "INT" : "UINT")\(b)"
        case .other(let id): id == 16 ? "VARIANT" : id == 17 ? "GEOMETRY" : id == 18 ? "GEOGRAPHY" : "logical type \(id)"
        }
    }

    /// The logical type an old-style `ConvertedType` means.
    static func converted(_ raw: Int32, scale: Int, precision: Int) -> LogicalType? {
        switch raw {
        case 0: .string
        case 1, 2: .map
        case 3: .list
        case 4: .enumeration
        case 5: .decimal(scale: scale, precision: precision)
        case 6: .date
        case 7: .time(utc: true, unit: .millis)
        case 8: .time(utc: true, unit: .micros)
        case 9: .timestamp(utc: true, unit: .millis)
        case 10: .timestamp(utc: true, unit: .micros)
        case 11: .integer(bits: 8, signed: false)
        case 12: .integer(bits: 16, signed: false)
        case 13: .integer(bits: 32, signed: false)
        case 14: .integer(bits: 64, signed: false)
        case 15: .integer(bits: 8, signed: true)
        case 16: .integer(bits: 16, signed: true)
        case 17: .integer(bits: 32, signed: true)
        case 18: .integer(bits: 64, signed: true)
        case 19: .json
        case 20: .bson
        default: nil
        }
    }

    static func read(_ r: ThriftReader) throws(ParquetError) -> LogicalType? {
        var result: LogicalType?
        try r.fields { (r, id, _) throws(ParquetError) in
            switch id {
            case 1: result = .string
            case 2: result = .map
            case 3: result = .list
            case 4: result = .enumeration
            case 5:
                var scale = 0, precision = 0
                try r.fields { (r, id, _) throws(ParquetError) in
                    switch id {
                    case 1: scale = Int(try r.i32())
                    case 2: precision = Int(try r.i32())
                    default: return false
                    }
                    return true
                }
                result = .decimal(scale: scale, precision: precision)
                return true
            case 6: result = .date
            case 7, 8:
                var utc = false
                var unit = TimeUnit.millis
                try r.fields { (r, id, type) throws(ParquetError) in
                    switch id {
                    case 1: utc = type == ThriftType.boolTrue.rawValue
                    case 2:
                        try r.fields { (_, id, _) throws(ParquetError) in
                            unit = id == 2 ? .micros : id == 3 ? .nanos : .millis
                            return false
                        }
                    default: return false
                    }
                    return true
                }
                result = id == 7 ? .time(utc: utc, unit: unit) : .timestamp(utc: utc, unit: unit)
                return true
            case 10:
                var bits = 64, signed = true
                try r.fields { (r, id, type) throws(ParquetError) in
                    switch id {
                    case 1: bits = Int(Int8(bitPattern: try r.byte()))
                    case 2: signed = type == ThriftType.boolTrue.rawValue
                    default: return false
                    }
                    return true
                }
                result = .integer(bits: bits, signed: signed)
                return true
            case 11: result = .unknown
            case 12: result = .json
            case 13: result = .bson
            case 14: result = .uuid
            case 15: result = .float16
            default: result = .other(id)
            }
            return false  // the member's (empty) struct is skipped
        }
        return result
    }
}

/// One node of the flattened schema tree (`SchemaElement`).
struct SchemaElement: Sendable {
    var type: PhysicalType?
    var rawType: Int32?
    var typeLength = 0
    var repetition: Repetition = .required
    var name = ""
    var numChildren = 0
    var logical: LogicalType?

    static func read(_ r: ThriftReader) throws(ParquetError) -> SchemaElement {
        var e = SchemaElement()
        var converted: Int32?
        var scale = 0, precision = 0
        try r.fields { (r, id, _) throws(ParquetError) in
            switch id {
            case 1:
                let t = try r.i32()
                e.rawType = t
                e.type = PhysicalType(rawValue: t)
            case 2: e.typeLength = Int(try r.i32())
            case 3:
                let v = try r.i32()
                guard let rep = Repetition(rawValue: v) else {
                    throw ParquetError(.corrupt, "schema: unknown repetition \(v)")
                }
                e.repetition = rep
            case 4: e.name = try r.string()
            case 5: e.numChildren = try r.count()
            case 6: converted = try r.i32()
            case 7: scale = Int(try r.i32())
            case 8: precision = Int(try r.i32())
            case 10: e.logical = try LogicalType.read(r)
            default: return false
            }
            return true
        }
        if e.logical == nil, let converted {
            e.logical = LogicalType.converted(converted, scale: scale, precision: precision)
        }
        if case .decimal(let s, let p)? = e.logical, s == 0, p == 0, scale != 0 || precision != 0 {
            e.logical = .decimal(scale: scale, precision: precision)
        }
        return e
    }
}

/// Where a column chunk's pages are and how they are stored (`ColumnMetaData`).
struct ColumnChunkMeta: Sendable {
    var type: Int32 = 0
    var encodings: [Int32] = []
    var path: [String] = []
    var codec: Int32 = 0
    var numValues: Int64 = 0
    var totalUncompressedSize: Int64 = 0
    var totalCompressedSize: Int64 = 0
    var dataPageOffset: Int64 = 0
    var dictionaryPageOffset: Int64?

    /// The first byte of the chunk (its dictionary page, if any, comes first).
    var start: Int64 {
        if let d = dictionaryPageOffset, d > 0, d < dataPageOffset { return d }
        return dataPageOffset
    }

    static func read(_ r: ThriftReader) throws(ParquetError) -> ColumnChunkMeta {
        var m = ColumnChunkMeta()
        try r.fields { (r, id, _) throws(ParquetError) in
            switch id {
            case 1: m.type = try r.i32()
            case 2: m.encodings = try r.list { (r) throws(ParquetError) in try r.i32() }
            case 3: m.path = try r.list { (r) throws(ParquetError) in try r.string() }
            case 4: m.codec = try r.i32()
            case 5: m.numValues = try r.i64()
            case 6: m.totalUncompressedSize = try r.i64()
            case 7: m.totalCompressedSize = try r.i64()
            case 9: m.dataPageOffset = try r.i64()
            case 11: m.dictionaryPageOffset = try r.i64()
            default: return false
            }
            return true
        }
        return m
    }
}

/// One row group: its row count and one chunk per leaf column, in schema order.
struct RowGroupMeta: Sendable {
    var columns: [ColumnChunkMeta] = []
    var numRows: Int64 = 0

    static func read(_ r: ThriftReader) throws(ParquetError) -> RowGroupMeta {
        var g = RowGroupMeta()
        try r.fields { (r, id, _) throws(ParquetError) in
            switch id {
            case 1:
                g.columns = try r.list { (r) throws(ParquetError) in
                    var meta: ColumnChunkMeta?
                    var external: String?
                    try r.fields { (r, id, _) throws(ParquetError) in
                        switch id {
                        case 1: external = try r.string()
                        case 3: meta = try ColumnChunkMeta.read(r)
                        default: return false
                        }
                        return true
                    }
                    if let external {
                        throw ParquetError(.unsupported, "column chunk stored in another file (\(external))")
                    }
                    guard let meta else { throw ParquetError(.corrupt, "column chunk without metadata") }
                    return meta
                }
            case 3: g.numRows = try r.i64()
            default: return false
            }
            return true
        }
        return g
    }
}

/// The footer.
struct FileMetaData: Sendable {
    var schema: [SchemaElement] = []
    var numRows: Int64 = 0
    var rowGroups: [RowGroupMeta] = []
    var createdBy: String?

    static func read(_ r: ThriftReader) throws(ParquetError) -> FileMetaData {
        var m = FileMetaData()
        try r.fields { (r, id, _) throws(ParquetError) in
            switch id {
            case 2: m.schema = try r.list(SchemaElement.read)
            case 3: m.numRows = try r.i64()
            case 4: m.rowGroups = try r.list(RowGroupMeta.read)
            case 6: m.createdBy = try r.string()
            default: return false
            }
            return true
        }
        return m
    }
}

/// Page types.
enum PageType: Int32 {
    case data = 0, index = 1, dictionary = 2, dataV2 = 3
}

/// A page header: its type, sizes and the header of its kind.
struct PageHeader: Sendable {
    var type: Int32 = 0
    var uncompressedSize = 0
    var compressedSize = 0
    var numValues = 0
    var encoding: Int32 = 0
    /// v1: encodings of the levels (RLE expected).
    var definitionLevelEncoding: Int32 = 3
    var repetitionLevelEncoding: Int32 = 3
    /// v2 only.
    var numNulls = 0
    var numRows = 0
    var definitionLevelsLength = 0
    var repetitionLevelsLength = 0
    var isCompressed = true

    static func read(_ r: ThriftReader) throws(ParquetError) -> PageHeader {
        var h = PageHeader()
        try r.fields { (r, id, _) throws(ParquetError) in
            switch id {
            case 1: h.type = try r.i32()
            case 2: h.uncompressedSize = try r.count()
            case 3: h.compressedSize = try r.count()
            case 5:  // DataPageHeader
                try r.fields { (r, id, _) throws(ParquetError) in
                    switch id {
                    case 1: h.numValues = try r.count()
                    case 2: h.encoding = try r.i32()
                    case 3: h.definitionLevelEncoding = try r.i32()
                    case 4: h.repetitionLevelEncoding = try r.i32()
                    default: return false
                    }
                    return true
                }
            case 7:  // DictionaryPageHeader
                try r.fields { (r, id, _) throws(ParquetError) in
                    switch id {
                    case 1: h.numValues = try r.count()
                    case 2: h.encoding = try r.i32()
                    default: return false
                    }
                    return true
                }
            case 8:  // DataPageHeaderV2
                try r.fields { (r, id, type) throws(ParquetError) in
                    switch id {
                    case 1: h.numValues = try r.count()
                    case 2: h.numNulls = try r.count()
                    case 3: h.numRows = try r.count()
                    case 4: h.encoding = try r.i32()
                    case 5: h.definitionLevelsLength = try r.count()
                    case 6: h.repetitionLevelsLength = try r.count()
                    case 7: h.isCompressed = type == ThriftType.boolTrue.rawValue
                    default: return false
                    }
                    return true
                }
            default: return false
            }
            return true
        }
        return h
    }
}
