#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file's raw bytes in 1 MiB chunks.
public final class RawFileReader {
    private let fd: Int32
    private let path: String
    /// Opens a file.
    public init(path: String) throws(IOError) {
        self.path = path
        fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw IOError(path: path, LineReader.errnoText()) }
    }
    deinit { close(fd) }
    /// The next chunk, or nil at end of file.
    public func next() throws(IOError) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n >= 0 else { throw IOError(path: path, LineReader.errnoText()) }
        if n == 0 { return nil }
        chunk.removeSubrange(n...)
        return chunk
    }
}
