#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that readers only ever see the old or the complete new content: bytes go
/// to `path.tmp-<pid>`, are flushed to disk, then renamed over `path`. Used by one thread at a
/// time; a finished file (``finish()``) may be committed on another.
public final class AtomicFile {
    /// Final path.
    public let path: String
    /// Temporary path written until ``commit()``.
    public let temporaryPath: String
    private var fd: Int32
    private var pending: [UInt8] = []
    private var committed = false
    private var finished = false
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
            if fd >= 0 { close(fd) }
            unlink(temporaryPath)
        }
    }

    /// Appends bytes.
    public func write(_ bytes: [UInt8]) throws(IOError) {
        precondition(!finished, "AtomicFile: write after finish")
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
        } else if bytes.count >= 1 << 16 {
            // Large writes go straight to the file, not through the buffer (a copy of every byte).
            try flushPending()
            try writeAll(bytes)
            return
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
        precondition(!finished, "AtomicFile: write after finish")
        pending.append(contentsOf: bytes)
        if pending.count >= 1 << 20 { try flushPending() }
    }

    private func flushPending() throws(IOError) {
        guard !pending.isEmpty else { return }
        try writeAll(pending)
        pending.removeAll(keepingCapacity: true)
    }

    /// Writes all of `bytes` to the temporary file.
    private func writeAll(_ bytes: [UInt8]) throws(IOError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { buf -> Int in
                guard let base = buf.baseAddress else { return 0 }
                return Glibc.write(fd, base + offset, buf.count - offset)
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw IOError(path: path, LineReader.errnoText()) }
            offset += n
        }
        fileBytes += bytes.count
    }

    /// Hands everything written so far to the temporary file (a gzip file's last member too): the
    /// file is complete there, but neither flushed to disk nor in place. Only ``commit(sync:)`` may
    /// follow, on any thread (so the computing thread need not wait for the disk).
    public func finish() throws(IOError) {
        guard !finished else { return }
        // The rest as a last member; a file with nothing in it still gets one (empty) member.
        if let gzip, !raw.isEmpty || (bytesWritten == 0 && pending.isEmpty && fileBytes == 0) {
            raw.withUnsafeBytes { gzip.member($0, into: &pending) }
            raw = []
        }
        try flushPending()
        pending = []
        finished = true
    }

    /// Finishes the file (``finish()``), flushes it to disk (unless `sync` is false) and renames
    /// it into place.
    public func commit(sync: Bool = true) throws(IOError) {
        try finish()
        // An empty file has no data to lose: after a crash it is there (empty) or missing, never
        // partial. Skipping its flush saves a disk round trip per empty batch file.
        guard !sync || fileBytes == 0 || fsync(fd) == 0 else { throw IOError(path: path, LineReader.errnoText()) }
        close(fd)
        // Closed once: a failed rename below must not make `deinit` close the number again (by
        // then it may be another file's, opened on another thread).
        fd = -1
        guard rename(temporaryPath, path) == 0 else { throw IOError(path: path, LineReader.errnoText()) }
        committed = true
    }

    /// Writes a whole file atomically (flushed to disk before it is renamed, unless `sync` is false).
    public static func write(_ bytes: [UInt8], to path: String, sync: Bool = true) throws(IOError) {
        let f = try AtomicFile(path: path)
        try f.write(bytes)
        try f.commit(sync: sync)
    }

    /// Writes a whole file into its temporary place (``finish()``); ``commit(sync:)`` puts it in place.
    public static func prepare(_ bytes: [UInt8], to path: String) throws(IOError) -> AtomicFile {
        let f = try AtomicFile(path: path)
        try f.write(bytes)
        try f.finish()
        return f
    }
}
