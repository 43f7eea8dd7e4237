/// Snappy raw block format (what Parquet's SNAPPY codec stores: no framing): a varint of the
/// uncompressed length, then literals and back-references of 1, 2 or 4-byte offsets.
enum Snappy {
    /// Decompresses `input` into exactly `output.count` bytes (the page header gives the size).
    static func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(ParquetError)
    {
        func corrupt(_ why: String) -> ParquetError { ParquetError(.corrupt, "snappy: " + why) }
        guard let src = input.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            throw corrupt("empty input")
        }
        let n = input.count
        var ip = 0
        var length: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard ip < n, shift < 35 else { throw corrupt("bad length header") }
            let b = src[ip]
            ip += 1
            length |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { break }
            shift += 7
        }
        guard length == UInt64(output.count) else {
            throw corrupt("holds \(length) bytes, the page header says \(output.count)")
        }
        guard let dst = output.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            if length == 0 { return }
            throw corrupt("no output buffer")
        }
        let end = output.count
        var op = 0
        while ip < n {
            let tag = src[ip]
            ip += 1
            switch tag & 3 {
            case 0:  // literal
                var len = Int(tag >> 2)
                if len >= 60 {
                    let extra = len - 59
                    guard ip + extra <= n else { throw corrupt("literal length past the end of input") }
                    len = 0
                    for i in 0..<extra { len |= Int(src[ip + i]) << (8 * i) }
                    ip += extra
                }
                len += 1
                guard len <= n - ip, len <= end - op else { throw corrupt("literal past the end") }
                (dst + op).update(from: src + ip, count: len)
                ip += len
                op += len
            default:
                let len: Int, offset: Int
                switch tag & 3 {
                case 1:
                    guard ip < n else { throw corrupt("copy past the end of input") }
                    len = Int((tag >> 2) & 7) + 4
                    offset = Int(tag >> 5) << 8 | Int(src[ip])
                    ip += 1
                case 2:
                    guard ip + 2 <= n else { throw corrupt("copy past the end of input") }
                    len = Int(tag >> 2) + 1
                    offset = Int(src[ip]) | Int(src[ip + 1]) << 8
                    ip += 2
                default:
                    guard ip + 4 <= n else { throw corrupt("copy past the end of input") }
                    len = Int(tag >> 2) + 1
                    offset = Int(src[ip]) | Int(src[ip + 1]) << 8 | Int(src[ip + 2]) << 16 | Int(src[ip + 3]) << 24
                    ip += 4
                }
                guard offset > 0, offset <= op else { throw corrupt("copy offset \(offset) at output byte \(op)") }
                guard len <= end - op else { throw corrupt("copy past the end of output") }
                if offset >= len {
                    (dst + op).update(from: dst + op - offset, count: len)
                } else {
                    for i in 0..<len { dst[op + i] = dst[op - offset + i] }
                }
                op += len
            }
        }
        guard op == end else { throw corrupt("produced \(op) bytes, expected \(end)") }
    }

    /// Compresses `input` (greedy matching with a 14-bit hash table over 4-byte sequences, in
    /// blocks of 64 KiB as the format's reference encoder does). Deterministic.
    static func compress(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count + input.count / 6 + 32)
        var v = UInt64(input.count)
        while v >= 0x80 { out.append(UInt8(truncatingIfNeeded: v) | 0x80); v >>= 7 }
        out.append(UInt8(v))
        input.withUnsafeBufferPointer { buf in
            guard let src = buf.baseAddress else { return }
            var table = [Int32](repeating: -1, count: 1 << 14)
            var blockStart = 0
            while blockStart < buf.count {
                let blockEnd = min(buf.count, blockStart + 65536)
                for i in table.indices { table[i] = -1 }
                compressBlock(src, from: blockStart, to: blockEnd, table: &table, into: &out)
                blockStart = blockEnd
            }
        }
        return out
    }

    private static func load32(_ p: UnsafePointer<UInt8>, _ i: Int) -> UInt32 {
        UInt32(p[i]) | UInt32(p[i + 1]) << 8 | UInt32(p[i + 2]) << 16 | UInt32(p[i + 3]) << 24
    }

    private static func compressBlock(
        _ src: UnsafePointer<UInt8>, from start: Int, to end: Int,
        table: inout [Int32], into out: inout [UInt8]
    ) {
        var literalStart = start
        var i = start
        if end - start >= 15 {
            let limit = end - 4
            while i <= limit {
                let word = load32(src, i)
                let h = Int((word &* 0x1E35_A7BD) >> 18)
                let candidate = Int(table[h])
                table[h] = Int32(i - start)
                if candidate >= 0, load32(src, start + candidate) == word {
                    let from = start + candidate
                    var len = 4
                    while i + len < end, src[from + len] == src[i + len] { len += 1 }
                    emitLiteral(src, literalStart, i, into: &out)
                    emitCopy(offset: i - from, length: len, into: &out)
                    i += len
                    literalStart = i
                } else {
                    i += 1
                }
            }
        }
        emitLiteral(src, literalStart, end, into: &out)
    }

    private static func emitLiteral(_ src: UnsafePointer<UInt8>, _ from: Int, _ to: Int, into out: inout [UInt8]) {
        let len = to - from
        guard len > 0 else { return }
        let n = len - 1
        if n < 60 {
            out.append(UInt8(n << 2))
        } else if n < 1 << 8 {
            out.append(60 << 2); out.append(UInt8(n))
        } else {
            out.append(61 << 2); out.append(UInt8(n & 0xFF)); out.append(UInt8(n >> 8))
        }
        out.append(contentsOf: UnsafeBufferPointer(start: src + from, count: len))
    }

    private static func emitCopy(offset: Int, length: Int, into out: inout [UInt8]) {
        var length = length
        while length > 0 {
            // 2-byte-offset copies carry 1…64 bytes; keep at least 4 for a final short copy.
            var len = min(length, 64)
            if length - len > 0 && length - len < 4 { len = length - 4 }
            if len >= 4 && len <= 11 && offset < 2048 {
                out.append(UInt8(1 | ((len - 4) << 2) | ((offset >> 8) << 5)))
                out.append(UInt8(offset & 0xFF))
            } else {
                out.append(UInt8(2 | ((len - 1) << 2)))
                out.append(UInt8(offset & 0xFF)); out.append(UInt8(offset >> 8))
            }
            length -= len
        }
    }
}
