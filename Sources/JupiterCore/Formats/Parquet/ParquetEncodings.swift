/// Parquet's integer encodings: the RLE / bit-packed hybrid (levels, dictionary indices,
/// booleans) and DELTA_BINARY_PACKED (also the lengths inside the DELTA byte-array encodings).
enum ParquetEncodings {
    static func corrupt(_ why: String) -> ParquetError { ParquetError(.corrupt, why) }

    /// Reads an unsigned LEB128 varint at `pos`.
    static func varint(_ p: UnsafeRawBufferPointer, _ pos: inout Int) throws(ParquetError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard pos < p.count, shift <= 63 else { throw corrupt("bad varint in page data") }
            let b = p[pos]
            pos += 1
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// A little-endian 32-bit integer at `pos`.
    static func uint32(_ p: UnsafeRawBufferPointer, _ pos: Int) throws(ParquetError) -> UInt32 {
        guard pos >= 0, pos + 4 <= p.count else { throw corrupt("page data ends inside a 4-byte length") }
        return UInt32(p[pos]) | UInt32(p[pos + 1]) << 8 | UInt32(p[pos + 2]) << 16 | UInt32(p[pos + 3]) << 24
    }

    /// Decodes `count` values of the RLE / bit-packed hybrid of `bitWidth` bits from `p`,
    /// appending them to `out`. Returns the number of bytes used.
    @discardableResult
    static func decodeHybrid(_ p: UnsafeRawBufferPointer, bitWidth: Int, count: Int, into out: inout [Int32])
        throws(ParquetError) -> Int
    {
        guard bitWidth >= 0, bitWidth <= 32 else { throw corrupt("bit width \(bitWidth) out of range") }
        let target = out.count + count
        out.reserveCapacity(target)
        var pos = 0
        let valueBytes = (bitWidth + 7) / 8
        let mask: UInt64 = bitWidth == 0 ? 0 : (1 << UInt64(bitWidth)) - 1
        while out.count < target {
            let header = try varint(p, &pos)
            if header & 1 == 0 {
                let run = Int(clamping: header >> 1)
                guard pos + valueBytes <= p.count else { throw corrupt("RLE run past the end of the data") }
                var v: UInt32 = 0
                for i in 0..<valueBytes { v |= UInt32(p[pos + i]) << (8 * UInt32(i)) }
                pos += valueBytes
                guard run > 0 else { throw corrupt("empty RLE run") }
                let value = Int32(bitPattern: v)
                let n = min(run, target - out.count)
                out.append(contentsOf: repeatElement(value, count: n))
            } else {
                let groups = Int(clamping: header >> 1)
                guard groups > 0, groups <= (p.count - pos) / max(bitWidth, 1) + 1 else {
                    throw corrupt("bit-packed run past the end of the data")
                }
                let bytes = groups * bitWidth
                guard pos + bytes <= p.count else { throw corrupt("bit-packed run past the end of the data") }
                let n = min(groups * 8, target - out.count)
                var acc: UInt64 = 0
                var accBits = 0
                var q = pos
                for _ in 0..<n {
                    while accBits < bitWidth {
                        acc |= UInt64(p[q]) << UInt64(accBits)
                        q += 1
                        accBits += 8
                    }
                    out.append(Int32(bitPattern: UInt32(truncatingIfNeeded: acc & mask)))
                    acc >>= UInt64(bitWidth)
                    accBits -= bitWidth
                }
                pos += bytes
            }
        }
        return pos
    }

    /// Encodes values with the hybrid: runs of 8 or more equal values as RLE runs, the rest
    /// bit-packed in groups of 8 (the last group padded with zeros).
    static func encodeHybrid(_ values: [Int32], bitWidth: Int, into out: inout [UInt8]) {
        func varint(_ v: Int) {
            var v = UInt64(v)
            while v >= 0x80 { out.append(UInt8(truncatingIfNeeded: v) | 0x80); v >>= 7 }
            out.append(UInt8(v))
        }
        let valueBytes = (bitWidth + 7) / 8
        let n = values.count
        func runLength(_ i: Int) -> Int {
            var j = i + 1
            while j < n, values[j] == values[i] { j += 1 }
            return j - i
        }
        var i = 0
        while i < n {
            let r = runLength(i)
            if r >= 8 {
                varint(r << 1)
                for b in 0..<valueBytes { out.append(UInt8(truncatingIfNeeded: UInt32(bitPattern: values[i]) >> (8 * UInt32(b)))) }
                i += r
                continue
            }
            var e = i + r
            while e < n {
                let r2 = runLength(e)
                if r2 >= 8 { break }
                e += r2
            }
            let groups = (e - i + 7) / 8
            varint(groups << 1 | 1)
            var acc: UInt64 = 0
            var bits = 0
            for k in 0..<(groups * 8) {
                let v = i + k < n ? UInt64(UInt32(bitPattern: values[i + k])) : 0
                acc |= v << UInt64(bits)
                bits += bitWidth
                while bits >= 8 {
                    out.append(UInt8(truncatingIfNeeded: acc))
                    acc >>= 8
                    bits -= 8
                }
            }
            i = min(n, i + groups * 8)
        }
    }

    /// The number of bits needed for values up to `max`.
    static func bitWidth(_ max: Int) -> Int { max <= 0 ? 0 : Int.bitWidth - max.leadingZeroBitCount }

    /// Decodes DELTA_BINARY_PACKED values starting at `pos`; returns them and moves `pos` past
    /// the encoded block data.
    static func decodeDeltaBinaryPacked(_ p: UnsafeRawBufferPointer, _ pos: inout Int) throws(ParquetError) -> [Int64] {
        let blockSize = Int(clamping: try varint(p, &pos))
        let miniblocks = Int(clamping: try varint(p, &pos))
        let total = Int(clamping: try varint(p, &pos))
        let firstRaw = try varint(p, &pos)
        guard blockSize > 0, blockSize % 128 == 0, miniblocks > 0, blockSize % miniblocks == 0,
            (blockSize / miniblocks) % 32 == 0, total <= p.count * 64 + 1
        else { throw corrupt("bad DELTA_BINARY_PACKED header") }
        let perMini = blockSize / miniblocks
        var values: [Int64] = []
        values.reserveCapacity(total)
        guard total > 0 else { return values }
        var last = Int64(bitPattern: (firstRaw >> 1) ^ (0 &- (firstRaw & 1)))
        values.append(last)
        while values.count < total {
            let minRaw = try varint(p, &pos)
            let minDelta = Int64(bitPattern: (minRaw >> 1) ^ (0 &- (minRaw & 1)))
            guard pos + miniblocks <= p.count else { throw corrupt("DELTA_BINARY_PACKED block past the end") }
            let widthsAt = pos
            pos += miniblocks
            for m in 0..<miniblocks where values.count < total {
                let width = Int(p[widthsAt + m])
                guard width <= 64 else { throw corrupt("DELTA_BINARY_PACKED bit width \(width)") }
                let bytes = perMini * width / 8
                guard pos + bytes <= p.count else { throw corrupt("DELTA_BINARY_PACKED miniblock past the end") }
                var bitPos = 0
                let n = min(perMini, total - values.count)
                for _ in 0..<n {
                    var v: UInt64 = 0
                    var got = 0
                    while got < width {
                        let byte = UInt64(p[pos + (bitPos >> 3)])
                        let off = bitPos & 7
                        let take = min(8 - off, width - got)
                        v |= ((byte >> UInt64(off)) & ((1 << UInt64(take)) - 1)) << UInt64(got)
                        got += take
                        bitPos += take
                    }
                    last = last &+ minDelta &+ Int64(bitPattern: v)
                    values.append(last)
                }
                pos += bytes
            }
        }
        return values
    }
}
