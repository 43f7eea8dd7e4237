import CDeflate
import CIsal
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

/// gzip compression of whole buffers, each into one gzip member. Level 1 (the run's drop records)
/// uses ISA-L's igzip: 3.5 times libdeflate's level-1 speed on the 1M-pair bench's drop records
/// (467 against 133 MB/s) for files 5% larger. The other levels use libdeflate: about 2.4 times
/// zlib's speed at level 6, with files as small or smaller. The header is fixed (no file name,
/// modification time 0), so the same bytes in give the same bytes out on every machine with the
/// same library. Longer outputs are sequences of members (see ``AtomicFile``), which every gzip
/// reader reads as one stream.
public final class GzipDeflater {
    private let compressor: OpaquePointer
    /// ISA-L's level-1 work buffer, for level 1.
    private let isalBuffer: UnsafeMutableRawBufferPointer?
    /// Output scratch, grown to the largest bound seen and reused.
    private var scratch: UnsafeMutableRawBufferPointer = .init(start: nil, count: 0)

    /// Creates a deflater at `level` (1 fastest … 12 smallest; 6 is zlib's default).
    public init(level: Int32 = 6) throws(IOError) {
        guard let c = libdeflate_alloc_compressor(level) else {
            throw IOError(path: "<gzip>", "libdeflate cannot compress at level \(level)")
        }
        compressor = c
        isalBuffer = level == 1 ? .allocate(byteCount: Int(jupiter_isal_level1_buffer_size()), alignment: 64) : nil
    }

    deinit {
        libdeflate_free_compressor(compressor)
        isalBuffer?.deallocate()
        scratch.deallocate()
    }

    private func reserve(_ bytes: Int) {
        guard scratch.count < bytes else { return }
        scratch.deallocate()
        scratch = .allocate(byteCount: bytes, alignment: 16)
    }

    /// Appends `input` compressed as one gzip member to `out`.
    public func member(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        if let isalBuffer, input.count < Int(UInt32.max / 2), isalMember(input, buffer: isalBuffer, into: &out) { return }
        let bound = libdeflate_gzip_compress_bound(compressor, input.count)
        reserve(bound)
        let written = libdeflate_gzip_compress(compressor, input.baseAddress, input.count, scratch.baseAddress, bound)
        // The bound is libdeflate's own: compression into it cannot fail.
        precondition(written > 0, "libdeflate: gzip output larger than its bound")
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<written]))
    }

    /// The gzip header written before ISA-L's deflate data and trailer: no name, time 0, the
    /// "fastest" flag, operating system unknown.
    private static let isalHeader: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 4, 255]

    /// One member by ISA-L at level 1; false when its output would not fit the bound (it then
    /// writes nothing, and libdeflate compresses the input).
    private func isalMember(_ input: UnsafeRawBufferPointer, buffer: UnsafeMutableRawBufferPointer, into out: inout [UInt8]) -> Bool {
        // Stored blocks at worst: 5 bytes per 64 KiB block, the trailer, and room to spare.
        let bound = input.count + input.count / 1024 + 1024
        reserve(bound)
        var stream = isal_zstream()
        isal_deflate_stateless_init(&stream)
        stream.level = 1
        stream.level_buf = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.level_buf_size = UInt32(buffer.count)
        stream.gzip_flag = UInt16(IGZIP_GZIP_NO_HDR)
        stream.end_of_stream = 1
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = UInt32(input.count)
        stream.next_out = scratch.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.avail_out = UInt32(bound)
        // An empty input still needs an output pointer.
        guard stream.next_out != nil, isal_deflate_stateless(&stream) == COMP_OK, stream.avail_in == 0 else { return false }
        out.append(contentsOf: Self.isalHeader)
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<Int(stream.total_out)]))
        return true
    }

    /// Compresses a whole buffer into one gzip member.
    public static func compress(_ bytes: [UInt8], level: Int32 = 6) throws(IOError) -> [UInt8] {
        let d = try GzipDeflater(level: level)
        var out: [UInt8] = []
        bytes.withUnsafeBytes { d.member($0, into: &out) }
        return out
    }
}
