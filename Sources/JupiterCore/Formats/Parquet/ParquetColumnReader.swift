/// Reads one column chunk page by page (dictionary page first, then data pages v1 or v2) and
/// serves its entries in order: each entry is a repetition level, a definition level and, when
/// the definition level is the column's maximum, a value. One page is held at a time.
final class ParquetColumnReader {
    /// Value encodings (and level encodings) this reader decodes.
    static let readableEncodings: Set<Int32> = [
        Encoding.plain.rawValue, Encoding.plainDictionary.rawValue, Encoding.rle.rawValue,
        Encoding.rleDictionary.rawValue, Encoding.deltaBinaryPacked.rawValue, Encoding.deltaLengthByteArray.rawValue,
        Encoding.deltaByteArray.rawValue, Encoding.byteStreamSplit.rawValue
    ]

    let leaf: ParquetLeaf
    private let file: ParquetFile
    private let codec: CompressionCodec
    private let converter: ParquetValueConverter
    private var offset: Int
    private let end: Int
    private var dictionary: [JSONValue]?

    // The current page.
    private var definitions: [Int32] = []
    private var repetitions: [Int32] = []
    private var values: [JSONValue] = []
    private var levelCount = 0
    private var levelIndex = 0
    private var valueIndex = 0
    private let maxDefinition: Int32
    private let maxRepetition: Int32

    init(file: ParquetFile, leaf: ParquetLeaf, chunk: ColumnChunkMeta) throws(ParquetError) {
        self.file = file
        self.leaf = leaf
        guard let codec = CompressionCodec(rawValue: chunk.codec), codec.isSupported else {
            throw ParquetError(.unsupported, "compression \(CompressionCodec.name(chunk.codec)) is not supported")
        }
        guard chunk.type == leaf.physical.rawValue else {
            throw ParquetError(.corrupt, "chunk type \(chunk.type) differs from the schema's \(leaf.physical.name)")
        }
        self.codec = codec
        converter = ParquetValueConverter(leaf)
        offset = Int(chunk.start)
        end = Int(chunk.start + chunk.totalCompressedSize)
        maxDefinition = Int32(leaf.maxDefinition)
        maxRepetition = Int32(leaf.maxRepetition)
    }

    // MARK: Entries

    /// Loads pages until one with entries is current; false at the end of the chunk.
    @inline(__always)
    private func ready() throws(ParquetError) -> Bool {
        while levelIndex == levelCount {
            if offset >= end { return false }
            try loadPage()
        }
        return true
    }

    /// The definition level of the current entry.
    @inline(__always)
    func definition() throws(ParquetError) -> Int {
        guard try ready() else { throw ParquetError(.truncated, "the column has fewer values than the row group's rows") }
        return maxDefinition == 0 ? 0 : Int(definitions[levelIndex])
    }

    /// The repetition level of the current entry; 0 at the end of the chunk (a new row).
    @inline(__always)
    func repetition() throws(ParquetError) -> Int {
        guard try ready() else { return 0 }
        return maxRepetition == 0 ? 0 : Int(repetitions[levelIndex])
    }

    /// Consumes the current entry: its value, or null when the definition level is below the
    /// maximum.
    @inline(__always)
    func take() throws(ParquetError) -> JSONValue {
        guard try ready() else { throw ParquetError(.truncated, "the column has fewer values than the row group's rows") }
        let present = maxDefinition == 0 || definitions[levelIndex] == maxDefinition
        levelIndex += 1
        guard present else { return .null }
        guard valueIndex < values.count else { throw ParquetError(.corrupt, "page holds fewer values than its levels say") }
        valueIndex += 1
        return values[valueIndex - 1]
    }

    // MARK: Pages

    private func readHeader() throws(ParquetError) -> (PageHeader, Int) {
        var want = min(end - offset, 256)
        while true {
            let bytes = try file.read(at: offset, count: want)
            let reader = ThriftReader(bytes)
            do throws(ParquetError) {
                return (try PageHeader.read(reader), reader.position)
            } catch  where error.kind == .truncated && want < end - offset {
                want = min(end - offset, want * 4)
            }
        }
    }

    private func loadPage() throws(ParquetError) {
        let (header, headerLength) = try readHeader()
        let bodyStart = offset + headerLength
        guard header.compressedSize <= end - bodyStart else {
            throw ParquetError(.truncated, "page at byte \(offset) runs past the end of its column chunk")
        }
        offset = bodyStart + header.compressedSize
        guard let type = PageType(rawValue: header.type), type != .index else { return }  // index pages: skipped
        let body = try file.read(at: bodyStart, count: header.compressedSize)
        switch type {
        case .dictionary:
            let page = try decompress(body[...], size: header.uncompressedSize)
            guard header.encoding == Encoding.plain.rawValue || header.encoding == Encoding.plainDictionary.rawValue else {
                throw ParquetError(.unsupported, "dictionary page encoding \(Encoding.name(header.encoding)) is not supported")
            }
            var dict: [JSONValue] = []
            try page.withParquetBytes { (p) throws(ParquetError) in
                try decodeValues(p, encoding: Encoding.plain.rawValue, count: header.numValues, into: &dict)
            }
            dictionary = dict
        case .data:
            let page = try decompress(body[...], size: header.uncompressedSize)
            try page.withParquetBytes { (p) throws(ParquetError) in
                var pos = 0
                func levels(_ max: Int32, _ encoding: Int32, into out: inout [Int32]) throws(ParquetError) {
                    guard max > 0 else { return }
                    guard encoding == Encoding.rle.rawValue else {
                        throw ParquetError(.unsupported, "level encoding \(Encoding.name(encoding)) is not supported")
                    }
                    let length = Int(try ParquetEncodings.uint32(p, pos))
                    guard length <= p.count - pos - 4 else { throw ParquetError(.corrupt, "levels run past the page") }
                    try decodeLevels(
                        UnsafeRawBufferPointer(rebasing: p[(pos + 4)..<(pos + 4 + length)]), max: max,
                        count: header.numValues, into: &out)
                    pos += 4 + length
                }
                try levels(maxRepetition, header.repetitionLevelEncoding, into: &repetitions)
                try levels(maxDefinition, header.definitionLevelEncoding, into: &definitions)
                try startPage(header, values: UnsafeRawBufferPointer(rebasing: p[pos...]))
            }
        case .dataV2:
            let levelBytes = header.repetitionLevelsLength + header.definitionLevelsLength
            guard levelBytes <= body.count else { throw ParquetError(.corrupt, "levels run past the page") }
            try body.withParquetBytes { (p) throws(ParquetError) in
                if maxRepetition > 0 {
                    try decodeLevels(
                        UnsafeRawBufferPointer(rebasing: p[0..<header.repetitionLevelsLength]),
                        max: maxRepetition, count: header.numValues, into: &repetitions)
                }
                if maxDefinition > 0 {
                    try decodeLevels(
                        UnsafeRawBufferPointer(rebasing: p[header.repetitionLevelsLength..<levelBytes]),
                        max: maxDefinition, count: header.numValues, into: &definitions)
                }
            }
            let valueBytes =
                header.isCompressed
                ? try decompress(body[levelBytes...], size: header.uncompressedSize - levelBytes)
                : Array(body[levelBytes...])
            try valueBytes.withParquetBytes { (p) throws(ParquetError) in try startPage(header, values: p) }
        case .index:
            return
        }
    }

    private func decompress(_ body: ArraySlice<UInt8>, size: Int) throws(ParquetError) -> [UInt8] {
        guard size >= 0 else { throw ParquetError(.corrupt, "negative page size") }
        return try body.withParquetBytes { (p) throws(ParquetError) in try ParquetCompression.decompress(codec, p, size: size) }
    }

    private func decodeLevels(_ p: UnsafeRawBufferPointer, max: Int32, count: Int, into levels: inout [Int32])
        throws(ParquetError)
    {
        levels.removeAll(keepingCapacity: true)
        try ParquetEncodings.decodeHybrid(p, bitWidth: ParquetEncodings.bitWidth(Int(max)), count: count, into: &levels)
        for l in levels where l < 0 || l > max { throw ParquetError(.corrupt, "level \(l) above the maximum \(max)") }
    }

    /// Decodes a data page's values (levels already decoded) and makes it current.
    private func startPage(_ header: PageHeader, values p: UnsafeRawBufferPointer) throws(ParquetError) {
        let present = maxDefinition == 0 ? header.numValues : definitions.reduce(0) { $0 + ($1 == maxDefinition ? 1 : 0) }
        values.removeAll(keepingCapacity: true)
        try decodeValues(p, encoding: header.encoding, count: present, into: &values)
        levelCount = header.numValues
        levelIndex = 0
        valueIndex = 0
    }

    // MARK: Values

    private func decodeValues(_ p: UnsafeRawBufferPointer, encoding: Int32, count: Int, into out: inout [JSONValue])
        throws(ParquetError)
    {
        out.reserveCapacity(count)
        guard let e = Encoding(rawValue: encoding) else {
            throw ParquetError(.unsupported, "encoding \(Encoding.name(encoding)) is not supported")
        }
        let c = converter
        func short() -> ParquetError { ParquetError(.corrupt, "page holds fewer values than its header says") }
        switch (e, leaf.physical) {
        case (.plainDictionary, _), (.rleDictionary, _):
            guard let dictionary else { throw ParquetError(.corrupt, "dictionary-encoded page without a dictionary page") }
            guard count > 0 else { return }
            guard p.count >= 1 else { throw short() }
            var indices: [Int32] = []
            try ParquetEncodings.decodeHybrid(
                UnsafeRawBufferPointer(rebasing: p[1...]), bitWidth: Int(p[0]), count: count,
                into: &indices)
            for i in indices {
                guard i >= 0, Int(i) < dictionary.count else {
                    throw ParquetError(.corrupt, "dictionary index \(i) out of range (\(dictionary.count) entries)")
                }
                out.append(dictionary[Int(i)])
            }
        case (.plain, .boolean):
            guard p.count * 8 >= count else { throw short() }
            for i in 0..<count { out.append(.bool(p[i >> 3] >> UInt8(i & 7) & 1 == 1)) }
        case (.rle, .boolean):
            var bits: [Int32] = []
            let length = Int(try ParquetEncodings.uint32(p, 0))
            guard length <= p.count - 4 else { throw short() }
            try ParquetEncodings.decodeHybrid(
                UnsafeRawBufferPointer(rebasing: p[4..<(4 + length)]), bitWidth: 1, count: count,
                into: &bits)
            for b in bits { out.append(.bool(b != 0)) }
        case (.plain, .byteArray):
            var pos = 0
            for _ in 0..<count {
                let n = Int(try ParquetEncodings.uint32(p, pos))
                guard n <= p.count - pos - 4 else { throw short() }
                out.append(c.bytes(UnsafeRawBufferPointer(rebasing: p[(pos + 4)..<(pos + 4 + n)])))
                pos += 4 + n
            }
        case (.plain, _):
            let w = c.width
            guard w > 0, count <= p.count / w, let base = p.baseAddress else {
                if count == 0 { return }
                throw short()
            }
            for i in 0..<count { out.append(c.fixed(base + i * w)) }
        case (.deltaBinaryPacked, .int32), (.deltaBinaryPacked, .int64):
            var pos = 0
            let ints = try ParquetEncodings.decodeDeltaBinaryPacked(p, &pos)
            guard ints.count >= count else { throw short() }
            for v in ints.prefix(count) { out.append(leaf.physical == .int32 ? c.int32(Int32(truncatingIfNeeded: v)) : c.int64(v)) }
        case (.deltaLengthByteArray, .byteArray):
            var pos = 0
            let lengths = try ParquetEncodings.decodeDeltaBinaryPacked(p, &pos)
            guard lengths.count >= count else { throw short() }
            for n in lengths.prefix(count) {
                guard n >= 0, n <= p.count - pos else { throw short() }
                out.append(c.bytes(UnsafeRawBufferPointer(rebasing: p[pos..<(pos + Int(n))])))
                pos += Int(n)
            }
        case (.deltaByteArray, .byteArray), (.deltaByteArray, .fixedLenByteArray):
            var pos = 0
            let prefixes = try ParquetEncodings.decodeDeltaBinaryPacked(p, &pos)
            let suffixes = try ParquetEncodings.decodeDeltaBinaryPacked(p, &pos)
            guard prefixes.count >= count, suffixes.count >= count else { throw short() }
            var previous: [UInt8] = []
            for i in 0..<count {
                let prefix = Int(prefixes[i]), n = Int(suffixes[i])
                guard prefix >= 0, prefix <= previous.count, n >= 0, n <= p.count - pos else { throw short() }
                var value = Array(previous[..<prefix])
                value.append(contentsOf: UnsafeRawBufferPointer(rebasing: p[pos..<(pos + n)]))
                pos += n
                out.append(value.withUnsafeBytes { c.bytes($0) })
                previous = value
            }
        case (.byteStreamSplit, _) where c.width > 0 && leaf.physical != .int96:
            let w = c.width
            guard count <= p.count / w else { throw short() }
            var value = [UInt8](repeating: 0, count: w)
            for i in 0..<count {
                for j in 0..<w { value[j] = p[j * count + i] }
                out.append(value.withUnsafeBytes { v in v.baseAddress.map { c.fixed($0) } ?? .null })
            }
        default:
            throw ParquetError(.unsupported, "encoding \(Encoding.name(encoding)) is not supported for \(leaf.physical.name)")
        }
    }
}
