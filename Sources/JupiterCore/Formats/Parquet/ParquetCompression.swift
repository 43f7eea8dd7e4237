import CZlib
import CZstd

/// Page compression: Snappy (Jupiter's own), gzip (zlib) and zstd (libzstd).
enum ParquetCompression {
    /// Decompresses a page body whose uncompressed size the page header gives.
    static func decompress(_ codec: CompressionCodec, _ input: UnsafeRawBufferPointer, size: Int)
        throws(ParquetError) -> [UInt8]
    {
        if codec == .uncompressed {
            guard input.count == size else {
                throw ParquetError(.corrupt, "page holds \(input.count) bytes, its header says \(size)")
            }
            return Array(input)
        }
        var out = [UInt8](repeating: 0, count: size)
        let result = out.withUnsafeMutableBytes { dst in
            Result { () throws(ParquetError) in
                switch codec {
                case .snappy:
                    try Snappy.decompress(input, into: dst)
                case .gzip:
                    try inflate(input, into: dst)
                case .zstd:
                    let n = ZSTD_decompress(dst.baseAddress, dst.count, input.baseAddress, input.count)
                    if ZSTD_isError(n) != 0 {
                        throw ParquetError(.corrupt, "zstd: " + String(cString: ZSTD_getErrorName(n)))
                    }
                    guard n == size else { throw ParquetError(.corrupt, "zstd: produced \(n) bytes, expected \(size)") }
                default:
                    throw ParquetError(.unsupported, "compression \(CompressionCodec.name(codec.rawValue)) is not supported")
                }
            }
        }
        try result.get()
        return out
    }

    /// gzip (or zlib) into a buffer of the exact expected size.
    private static func inflate(_ input: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer)
        throws(ParquetError)
    {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ParquetError(.corrupt, "gzip: zlib inflateInit failed")
        }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = UInt32(input.count)
        stream.next_out = dst.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.avail_out = UInt32(dst.count)
        let rc = CZlib.inflate(&stream, Z_FINISH)
        guard rc == Z_STREAM_END else {
            let msg = stream.msg.map { String(cString: $0) } ?? (rc == Z_BUF_ERROR ? "data ends early or is too long" : "error \(rc)")
            throw ParquetError(.corrupt, "gzip: " + msg)
        }
        guard Int(stream.total_out) == dst.count else {
            throw ParquetError(.corrupt, "gzip: produced \(stream.total_out) bytes, expected \(dst.count)")
        }
    }

    /// Compresses a page body for writing.
    static func compress(_ codec: CompressionCodec, _ input: [UInt8]) throws(ParquetError) -> [UInt8] {
        switch codec {
        case .uncompressed: return input
        case .snappy: return Snappy.compress(input)
        case .zstd:
            let bound = ZSTD_compressBound(input.count)
            var out = [UInt8](repeating: 0, count: bound)
            let n = out.withUnsafeMutableBytes { dst in
                input.withUnsafeBytes { src in ZSTD_compress(dst.baseAddress, dst.count, src.baseAddress, src.count, 3) }
            }
            if ZSTD_isError(n) != 0 { throw ParquetError(.io, "zstd: " + String(cString: ZSTD_getErrorName(n))) }
            out.removeSubrange(n...)
            return out
        case .gzip:
            do { return try GzipDeflater.compress(input) } catch { throw ParquetError(.io, error.description) }
        default:
            throw ParquetError(.unsupported, "compression \(CompressionCodec.name(codec.rawValue)) is not supported")
        }
    }
}
