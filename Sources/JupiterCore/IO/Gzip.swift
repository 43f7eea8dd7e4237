import CZlib

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streaming gzip decompression (zlib `inflate` with automatic gzip header detection). Handles
/// multi-member files (concatenated gzip streams), as `gzip -d` does.
public final class GzipInflater {
    private var stream = z_stream()
    private var finished = false
    private let path: String
    /// Output scratch, reused by every call.
    private let chunk = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 256 * 1024)

    /// Creates an inflater; `path` is used in error messages.
    public init(path: String) throws(IOError) {
        self.path = path
        // 15 window bits + 32: detect zlib or gzip header automatically.
        let rc = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw IOError(path: path, "zlib inflateInit failed (\(rc))") }
    }

    deinit {
        inflateEnd(&stream)
        chunk.deallocate()
    }

    /// Decompresses `input`, appending output to `out`.
    public func inflate(_ input: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) throws(IOError) {
        guard let base = input.baseAddress, input.count > 0 else { return }
        stream.next_in = UnsafeMutablePointer(mutating: base)
        stream.avail_in = UInt32(input.count)
        while stream.avail_in > 0 {
            if finished {
                // Another gzip member follows: reset and continue.
                guard inflateReset(&stream) == Z_OK else { throw IOError(path: path, "corrupt gzip stream") }
                finished = false
            }
            stream.next_out = chunk.baseAddress
            stream.avail_out = UInt32(chunk.count)
            let rc = CZlib.inflate(&stream, Z_NO_FLUSH)
            let produced = chunk.count - Int(stream.avail_out)
            if produced > 0 { out.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[0..<produced])) }
            switch rc {
            case Z_OK, Z_BUF_ERROR: continue
            case Z_STREAM_END: finished = true
            default:
                let msg = stream.msg.map { String(cString: $0) } ?? "error \(rc)"
                throw IOError(path: path, "corrupt gzip data: \(msg)")
            }
        }
    }

    /// Checks the stream ended cleanly (not truncated).
    public func finish() throws(IOError) {
        if !finished && stream.total_in > 0 { throw IOError(path: path, "truncated gzip file (unexpected end of data)") }
    }
}

/// Streaming gzip compression with a fixed header (no file name, modification time 0), so the
/// same bytes in give the same bytes out on every machine.
public final class GzipDeflater {
    private var stream = z_stream()
    /// Output scratch, reused by every call (small writes would otherwise each allocate and zero it).
    private let chunk = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 128 * 1024)

    /// Creates a deflater at `level` (1 fastest … 9 smallest).
    public init(level: Int32 = 6) throws(IOError) {
        // 15 window bits + 16: gzip wrapper with a zeroed header (mtime 0, no name).
        let rc = deflateInit2_(
            &stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
            Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw IOError(path: "<gzip>", "zlib deflateInit failed (\(rc))") }
    }

    deinit {
        deflateEnd(&stream)
        chunk.deallocate()
    }

    /// Compresses `input`, appending compressed bytes to `out`; `finish` ends the gzip member.
    public func deflate(_ input: UnsafeBufferPointer<UInt8>, finish: Bool, into out: inout [UInt8]) {
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
        stream.avail_in = UInt32(input.count)
        let flush = finish ? Z_FINISH : Z_NO_FLUSH
        while true {
            stream.next_out = chunk.baseAddress
            stream.avail_out = UInt32(chunk.count)
            let rc = CZlib.deflate(&stream, flush)
            let produced = chunk.count - Int(stream.avail_out)
            if produced > 0 { out.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[0..<produced])) }
            if finish { if rc == Z_STREAM_END { return } } else if stream.avail_in == 0 && stream.avail_out > 0 { return }
            if rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END { return }
        }
    }

    /// Compresses a whole buffer into one gzip member.
    public static func compress(_ bytes: [UInt8], level: Int32 = 6) throws(IOError) -> [UInt8] {
        let d = try GzipDeflater(level: level)
        var out: [UInt8] = []
        bytes.withUnsafeBufferPointer { d.deflate($0, finish: true, into: &out) }
        return out
    }
}
