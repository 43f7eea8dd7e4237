import CDeflate
import CFastDeflate
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

    /// Inflates a whole gzip (or zlib) buffer, every member, and checks it is not truncated;
    /// `path` names it in errors.
    public static func decompress(_ bytes: [UInt8], path: String) throws(IOError) -> [UInt8] {
        let inflater = try GzipInflater(path: path)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 4)
        try bytes.withUnsafeBufferPointer { buf throws(IOError) in try inflater.inflate(buf, into: &out) }
        try inflater.finish()
        return out
    }
}

/// gzip compression of whole buffers, each into one gzip member. The header is fixed (no file
/// name, modification time 0), so the same bytes in give the same bytes out on every machine with
/// the same library. Longer outputs are sequences of members (see ``AtomicFile``), which every
/// gzip reader reads as one stream.
///
/// - Level 1 (the run's drop records) is Jupiter's own encoder (`CFastDeflate`): on the 1M-pair
///   bench's exact-dedup drops it runs 1.3 to 1.5 times libdeflate's level 1 for files about 6%
///   larger (on prose drops as fast, 8% larger: `bench/deflate.sh`). Its output is a pure
///   function of the input, whatever the thread, CPU or earlier calls.
/// - Levels 2 to 12 are libdeflate's: about 2.4 times zlib's speed at level 6, with files as
///   small or smaller.
///
/// Level 1 was ISA-L's igzip before: faster still, but not reproducible. In `jupiter run`
/// processes, ISA-L 2.30's stateless level-1 deflate gave different (valid) bytes for the same
/// input, level buffer and output buffer from one call to the next: 322 or 328 deflate bytes for
/// the same 912-byte batch of drops, in bursts on one thread. A run resumed after a kill then
/// wrote a `dropped.jsonl.gz` differing from an uninterrupted run's (caught by `RunResumeTests`);
/// the same calls in a C program never varied. Byte-identical reruns come first.
public final class GzipDeflater {
    private enum Engine {
        case fast(OpaquePointer)
        case libdeflate(OpaquePointer)
    }
    private let engine: Engine
    /// Output scratch, grown to the largest bound seen and reused.
    private var scratch: UnsafeMutableRawBufferPointer = .init(start: nil, count: 0)

    /// The most input bytes the fast encoder takes in one member (its positions are 32-bit);
    /// longer inputs become several members.
    static let fastMemberLimit = 1 << 30

    /// Creates a deflater at `level` (1 fastest … 12 smallest; 6 is zlib's default).
    public init(level: Int32 = 6) throws(IOError) {
        if level == 1 {
            guard let s = jupiter_deflate_alloc() else { throw IOError(path: "<gzip>", "cannot allocate the deflate encoder") }
            engine = .fast(s)
        } else {
            guard let c = libdeflate_alloc_compressor(level) else {
                throw IOError(path: "<gzip>", "libdeflate cannot compress at level \(level)")
            }
            engine = .libdeflate(c)
        }
    }

    deinit {
        switch engine {
        case .fast(let s): jupiter_deflate_free(s)
        case .libdeflate(let c): libdeflate_free_compressor(c)
        }
        scratch.deallocate()
    }

    private func reserve(_ bytes: Int) {
        guard scratch.count < bytes else { return }
        scratch.deallocate()
        scratch = .allocate(byteCount: bytes, alignment: 16)
    }

    /// Appends `input` compressed as one gzip member (several past ``fastMemberLimit`` bytes at
    /// level 1) to `out`.
    public func member(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        switch engine {
        case .libdeflate(let c):
            let bound = libdeflate_gzip_compress_bound(c, input.count)
            reserve(bound)
            let written = libdeflate_gzip_compress(c, input.baseAddress, input.count, scratch.baseAddress, bound)
            // The bound is libdeflate's own: compression into it cannot fail.
            precondition(written > 0, "libdeflate: gzip output larger than its bound")
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<written]))
        case .fast(let s):
            var start = 0
            repeat {
                let part = UnsafeRawBufferPointer(rebasing: input[start..<min(input.count, start + Self.fastMemberLimit)])
                fastMember(s, part, into: &out)
                start += part.count
            } while start < input.count
        }
    }

    /// One gzip member by the fast encoder: the 10-byte header (deflate, no flags, time 0,
    /// "fastest", unknown OS), the deflate stream, then the CRC-32 and length of the input.
    private func fastMember(_ s: OpaquePointer, _ input: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        let bound = jupiter_deflate_bound(input.count)
        reserve(bound)
        let bytes = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let written = jupiter_deflate(
            s, bytes, input.count, scratch.baseAddress?.assumingMemoryBound(to: UInt8.self), bound)
        // The bound is the encoder's own and the input within its limit: compression cannot fail.
        precondition(written > 0, "deflate: output larger than its bound")
        let crc = libdeflate_crc32(0, input.baseAddress, input.count)
        let size = UInt32(truncatingIfNeeded: input.count)
        out.reserveCapacity(out.count + written + 18)
        out.append(contentsOf: [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 4, 0xFF])
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<written]))
        for v in [crc, size] {
            for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: v >> shift)) }
        }
    }

    /// Compresses a whole buffer into one gzip member.
    public static func compress(_ bytes: [UInt8], level: Int32 = 6) throws(IOError) -> [UInt8] {
        let d = try GzipDeflater(level: level)
        var out: [UInt8] = []
        bytes.withUnsafeBytes { d.member($0, into: &out) }
        return out
    }
}
