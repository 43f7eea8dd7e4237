#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line of a file: its 1-based number and its bytes (without the line terminator).
public struct Line: Sendable {
    /// 1-based line number.
    public var number: Int
    /// The bytes, without `\n` or `\r\n`. Empty when the line was over the length limit.
    public var bytes: [UInt8]
    /// Set when the line was longer than the reader's limit; `bytes` is then empty and `length`
    /// says how long the line was.
    public var tooLong: Bool
    /// Length of the line in bytes (also for skipped over-long lines).
    public var length: Int
}

/// Reads a plain or gzip-compressed text file line by line in constant memory.
///
/// Gzip is detected from the magic bytes, not the file name. Lines longer than `maxLineBytes`
/// are not buffered: they come back with `tooLong` set (so the caller can quarantine them with
/// their line number) and reading goes on.
public final class LineReader {
    /// The file being read.
    public let path: String
    /// The longest line kept in memory (longer lines are reported and skipped).
    public let maxLineBytes: Int
    /// True when the file is gzip-compressed.
    public private(set) var isGzip = false
    /// Compressed or plain bytes read from disk so far.
    public private(set) var bytesRead: Int = 0

    private let fd: Int32
    private var inflater: GzipInflater?
    /// Read size: 1 MiB for plain files; 16 KiB for gzip, so that one read can never inflate to
    /// more than ~16 MiB (deflate expands at most ~1032×) even on a pathological overlong line.
    private var raw = [UInt8](repeating: 0, count: 16 << 10)
    private var buffer: [UInt8] = []
    private var start = 0
    private var eof = false
    private var lineNumber = 0
    private var skipping = false
    private var skippedLength = 0

    /// Opens `path` for reading, from byte `offset` (of a gzip file: where a member starts).
    public init(path: String, maxLineBytes: Int = 16 << 20, offset: Int = 0) throws(IOError) {
        self.path = path
        self.maxLineBytes = maxLineBytes
        var st = stat()
        guard stat(path, &st) == 0 else { throw IOError(path: path, LineReader.errnoText()) }
        guard (st.st_mode & S_IFMT) != S_IFDIR else { throw IOError(path: path, "is a directory") }
        fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw IOError(path: path, LineReader.errnoText()) }
        if offset > 0 && lseek(fd, off_t(offset), SEEK_SET) < 0 {
            let text = LineReader.errnoText()
            close(fd)
            throw IOError(path: path, text)
        }
        buffer.reserveCapacity(2 << 20)
        // Detect gzip from the first two bytes.
        let n = try readRaw()
        if n >= 2, raw[0] == 0x1F, raw[1] == 0x8B {
            isGzip = true
            inflater = try GzipInflater(path: path)
        }
        try feed(count: n)
        if !isGzip { raw = [UInt8](repeating: 0, count: 1 << 20) }
    }

    deinit { close(fd) }

    /// The text of the current `errno`.
    public static func errnoText() -> String { String(cString: strerror(errno)) }

    private func readRaw() throws(IOError) -> Int {
        let n = raw.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n >= 0 else { throw IOError(path: path, LineReader.errnoText()) }
        bytesRead += n
        return n
    }

    private func feed(count n: Int) throws(IOError) {
        if n == 0 {
            eof = true
            try inflater?.finish()
            return
        }
        if let inflater {
            var out: [UInt8] = []
            try raw.withUnsafeBufferPointer { (b) throws(IOError) in
                try inflater.inflate(UnsafeBufferPointer(rebasing: b[0..<n]), into: &out)
            }
            buffer.append(contentsOf: out)
        } else {
            buffer.append(contentsOf: raw[0..<n])
        }
    }

    private func refill() throws(IOError) {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        try feed(count: try readRaw())
    }

    /// Where the next line lies: its bytes in `buffer` (valid until the next call), or an
    /// over-long line that was skipped.
    private enum Cut {
        case line(number: Int, range: Range<Int>)
        case tooLong(number: Int, length: Int)
    }

    /// Cuts the next line, or nil at end of file. A final line without a terminator is a line;
    /// a trailing `\r` is left out.
    private func cut() throws(IOError) -> Cut? {
        while true {
            // Look for a newline in the unread part of the buffer.
            let idx: Int? = buffer.withUnsafeBufferPointer { b in
                guard start < b.count, let base = b.baseAddress else { return nil }
                guard let p = memchr(base + start, 0x0A, b.count - start) else { return nil }
                return base.distance(to: p.assumingMemoryBound(to: UInt8.self))
            }
            if let idx {
                lineNumber += 1
                let length = (skipping ? skippedLength : 0) + idx - start
                if skipping || idx - start > maxLineBytes {
                    skipping = false
                    skippedLength = 0
                    start = idx + 1
                    return .tooLong(number: lineNumber, length: length)
                }
                var end = idx
                if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                defer { start = idx + 1 }
                return .line(number: lineNumber, range: start..<end)
            }
            // No newline yet: if the partial line is already too long, drop what we have.
            if buffer.count - start > maxLineBytes {
                skipping = true
                skippedLength += buffer.count - start
                start = buffer.count
            }
            if eof {
                guard start < buffer.count || skipping else { return nil }
                lineNumber += 1
                if skipping {
                    let length = skippedLength + buffer.count - start
                    skipping = false
                    start = buffer.count
                    return .tooLong(number: lineNumber, length: length)
                }
                var end = buffer.count
                if buffer[end - 1] == 0x0D { end -= 1 }
                defer { start = buffer.count }
                return .line(number: lineNumber, range: start..<end)
            }
            try refill()
        }
    }

    /// The next line, or `nil` at end of file. A final line without a terminator is returned;
    /// a trailing `\r` is removed.
    public func next() throws(IOError) -> Line? {
        switch try cut() {
        case nil: return nil
        case .tooLong(let number, let length): return Line(number: number, bytes: [], tooLong: true, length: length)
        case .line(let number, let range):
            let bytes = Array(buffer[range])
            return Line(number: number, bytes: bytes, tooLong: false, length: bytes.count)
        }
    }

    /// Bytes of the last block read (to reserve the next one's buffer at once).
    private var lastBlockBytes = 0

    /// The next `maxLines` lines (fewer only at the end of the file) as one ``UnitBlock``, every
    /// line a unit: their bytes back to back in one buffer, not one array per line. Nil at the
    /// end of the file. The lines are the ones ``next()`` would give, one by one.
    public func nextBlock(maxLines: Int) throws(IOError) -> UnitBlock? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(lastBlockBytes + lastBlockBytes / 8)
        var ends: [Int] = []
        ends.reserveCapacity(maxLines)
        var long: [Int: Int] = [:]
        var first = 0
        while ends.count < maxLines, let c = try cut() {
            switch c {
            case .tooLong(let number, let length):
                if ends.isEmpty { first = number }
                long[ends.count] = length
            case .line(let number, let range):
                if ends.isEmpty { first = number }
                buffer.withUnsafeBufferPointer { b in bytes.append(contentsOf: UnsafeBufferPointer(rebasing: b[range])) }
            }
            ends.append(bytes.count)
        }
        guard !ends.isEmpty else { return nil }
        lastBlockBytes = bytes.count
        return UnitBlock(lines: bytes, ends: ends, firstLine: first, tooLong: long)
    }
}
