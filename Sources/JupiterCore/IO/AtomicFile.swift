#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that readers only ever see the old or the complete new content: bytes go
/// to `path.tmp-<pid>`, are flushed to disk, then renamed over `path`.
public final class AtomicFile {
    /// Final path.
    public let path: String
    /// Temporary path written until ``commit()``.
    public let temporaryPath: String
    private var fd: Int32
    private var pending: [UInt8] = []
    private var committed = false
    private let gzip: GzipDeflater?
    /// A gzip file's bytes not compressed yet: they go out as one member per ``gzipBlock`` bytes
    /// (cut by count, so the file does not depend on how its writes were cut).
    private var raw: [UInt8] = []
    /// Uncompressed bytes per gzip member.
    static let gzipBlock = 1 << 20
    /// Uncompressed bytes written so far.
    public private(set) var bytesWritten = 0
    /// Bytes handed to the file so far (compressed, for a gzip file).
    private var fileBytes = 0

    /// Opens a new temporary file next to `path`; `gzip` compresses on the fly.
    public init(path: String, gzip: Bool = false, level: Int32 = 6) throws(IOError) {
        self.path = path
        temporaryPath = path + ".tmp-\(getpid())"
        try FileSystem.createDirectory(FileSystem.parent(of: path))
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw IOError(path: path, LineReader.errnoText()) }
        self.gzip = gzip ? try GzipDeflater(level: level) : nil
        pending.reserveCapacity(1 << 20)
    }

    deinit {
        if !committed {
            close(fd)
            unlink(temporaryPath)
        }
    }

    /// Appends bytes.
    public func write(_ bytes: [UInt8]) throws(IOError) {
        bytesWritten += bytes.count
        if let gzip {
            raw.append(contentsOf: bytes)
            if raw.count >= Self.gzipBlock {
                var start = 0
                raw.withUnsafeBytes { all in
                    while all.count - start >= Self.gzipBlock {
                        gzip.member(UnsafeRawBufferPointer(rebasing: all[start..<(start + Self.gzipBlock)]), into: &pending)
                        start += Self.gzipBlock
                    }
                }
                raw.removeFirst(start)
            }
        } else {
            pending.append(contentsOf: bytes)
        }
        if pending.count >= 1 << 20 { try flushPending() }
    }

    /// Appends a string's UTF-8.
    public func write(_ text: String) throws(IOError) { try write(Array(text.utf8)) }

    /// Appends bytes that are already a complete gzip member (e.g. a finished batch file), without
    /// recompressing. Only valid on gzip files before any ``write(_:)-([UInt8])`` call.
    public func appendRawMember(_ bytes: [UInt8]) throws(IOError) {
        pending.append(contentsOf: bytes)
        if pending.count >= 1 << 20 { try flushPending() }
    }

    private func flushPending() throws(IOError) {
        var offset = 0
        while offset < pending.count {
            let n = pending.withUnsafeBytes { buf -> Int in
                guard let base = buf.baseAddress else { return 0 }
                return Glibc.write(fd, base + offset, buf.count - offset)
            }
            guard n > 0 else { throw IOError(path: path, LineReader.errnoText()) }
            offset += n
        }
        fileBytes += pending.count
        pending.removeAll(keepingCapacity: true)
    }

    /// Finishes the file, flushes it to disk and renames it into place.
    public func commit() throws(IOError) {
        // The rest as a last member; a file with nothing in it still gets one (empty) member.
        if let gzip, !raw.isEmpty || (bytesWritten == 0 && pending.isEmpty && fileBytes == 0) {
            raw.withUnsafeBytes { gzip.member($0, into: &pending) }
            raw = []
        }
        try flushPending()
        // An empty file has no data to lose: after a crash it is there (empty) or missing, never
        // partial. Skipping its flush saves a disk round trip per empty batch file.
        guard fileBytes == 0 || fsync(fd) == 0 else { throw IOError(path: path, LineReader.errnoText()) }
        close(fd)
        guard rename(temporaryPath, path) == 0 else { throw IOError(path: path, LineReader.errnoText()) }
        committed = true
    }

    /// Writes a whole file atomically.
    public static func write(_ bytes: [UInt8], to path: String) throws(IOError) {
        let f = try AtomicFile(path: path)
        try f.write(bytes)
        try f.commit()
    }
}
