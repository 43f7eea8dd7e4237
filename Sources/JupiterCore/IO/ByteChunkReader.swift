#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a plain or gzip-compressed file as a stream of byte chunks in constant memory.
///
/// Gzip is detected from the magic bytes, not the file name; multi-member gzip files are read
/// through, as `gzip -d` does.
public final class ByteChunkReader {
    /// The file being read.
    public let path: String
    /// True when the file is gzip-compressed.
    public private(set) var isGzip = false
    /// Compressed or plain bytes read from disk so far.
    public private(set) var bytesRead = 0

    private let fd: Int32
    private var inflater: GzipInflater?
    private var raw = [UInt8](repeating: 0, count: 256 * 1024)
    private var first: [UInt8]?
    private var eof = false

    /// Opens `path` for reading.
    public init(path: String) throws(IOError) {
        self.path = path
        var st = stat()
        guard stat(path, &st) == 0 else { throw IOError(path: path, LineReader.errnoText()) }
        guard (st.st_mode & S_IFMT) != S_IFDIR else { throw IOError(path: path, "is a directory") }
        fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw IOError(path: path, LineReader.errnoText()) }
        let n = try readRaw()
        if n >= 2, raw[0] == 0x1F, raw[1] == 0x8B {
            isGzip = true
            inflater = try GzipInflater(path: path)
        }
        first = try convert(count: n)
    }

    deinit { close(fd) }

    private func readRaw() throws(IOError) -> Int {
        let n = raw.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n >= 0 else { throw IOError(path: path, LineReader.errnoText()) }
        bytesRead += n
        return n
    }

    private func convert(count n: Int) throws(IOError) -> [UInt8]? {
        if n == 0 {
            eof = true
            try inflater?.finish()
            return nil
        }
        guard let inflater else { return Array(raw[0..<n]) }
        var out: [UInt8] = []
        try raw.withUnsafeBufferPointer { (b) throws(IOError) in
            try inflater.inflate(UnsafeBufferPointer(rebasing: b[0..<n]), into: &out)
        }
        return out
    }

    /// The next chunk of (decompressed) bytes, or nil at the end. Chunks may be empty.
    public func next() throws(IOError) -> [UInt8]? {
        if let f = first {
            first = nil
            return f
        }
        if eof { return nil }
        return try convert(count: try readRaw())
    }
}
