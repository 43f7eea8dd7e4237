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
    /// Compressed bytes are read 16 KiB at a time, so that one read can never inflate to more than
    /// ~16 MiB (deflate expands at most ~1032×) even on a pathological overlong line (and the
    /// first read of any file, to look for gzip's magic bytes).
    private var raw = [UInt8](repeating: 0, count: 16 << 10)
    /// Plain files are read 1 MiB at a time, straight into the free end of ``base`` (through an
    /// array between, the copy was 3–4% of reading JSONL into records).
    private static let plainReadSize = 1 << 20
    /// The bytes read and not yet cut into lines from `start` on: `base[0..<count]`, in memory of
    /// `capacity` bytes the reader owns.
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity = 2 << 20
    private var count = 0
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
        let opened = open(path, O_RDONLY)
        guard opened >= 0 else { throw IOError(path: path, LineReader.errnoText()) }
        guard let memory = malloc(capacity) else {
            close(opened)
            throw IOError(path: path, "cannot allocate a \(capacity)-byte read buffer")
        }
        fd = opened
        base = memory.assumingMemoryBound(to: UInt8.self)
        // From here the reader is whole: if the initializer throws, `deinit` closes and frees.
        if offset > 0 && lseek(fd, off_t(offset), SEEK_SET) < 0 {
            let text = LineReader.errnoText()
            throw IOError(path: path, text)
        }
        // Detect gzip from the first two bytes.
        let n = try readRaw()
        if n >= 2, raw[0] == 0x1F, raw[1] == 0x8B {
            isGzip = true
            inflater = try GzipInflater(path: path)
        }
        try feed(count: n)
        if !isGzip { raw = [] }
    }

    deinit {
        close(fd)
        free(base)
    }

    /// The unread bytes and those before them: `base[0..<count]`.
    private var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// Makes room for `more` bytes after `count` (doubling the memory as needed).
    private func reserve(_ more: Int) throws(IOError) {
        guard count + more > capacity else { return }
        var grown = capacity
        while count + more > grown { grown *= 2 }
        guard let memory = realloc(base, grown) else { throw IOError(path: path, "cannot grow the read buffer to \(grown) bytes") }
        base = memory.assumingMemoryBound(to: UInt8.self)
        capacity = grown
    }

    /// The text of the current `errno`.
    public static func errnoText() -> String { String(cString: strerror(errno)) }

    private func readRaw() throws(IOError) -> Int {
        let n = raw.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n >= 0 else { throw IOError(path: path, LineReader.errnoText()) }
        bytesRead += n
        return n
    }

    /// Adds the `n` bytes of ``raw`` (inflated when the file is gzip) to the buffer; 0 is the end
    /// of the file.
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
            try append(out)
        } else {
            try raw.withUnsafeBufferPointer { (b) throws(IOError) in try append(UnsafeBufferPointer(rebasing: b[0..<n])) }
        }
    }

    private func append(_ more: UnsafeBufferPointer<UInt8>) throws(IOError) {
        guard let from = more.baseAddress, !more.isEmpty else { return }
        try reserve(more.count)
        memcpy(base + count, from, more.count)
        count += more.count
    }

    private func append(_ more: [UInt8]) throws(IOError) {
        try more.withUnsafeBufferPointer { (b) throws(IOError) in try append(b) }
    }

    /// Moves the unread bytes to the front, then reads more: a plain file straight into the buffer.
    private func refill() throws(IOError) {
        if start > 0 {
            if start < count { memmove(base, base + start, count - start) }
            count -= start
            start = 0
        }
        guard inflater == nil else { return try feed(count: try readRaw()) }
        try reserve(Self.plainReadSize)
        let n = read(fd, base + count, Self.plainReadSize)
        guard n >= 0 else { throw IOError(path: path, LineReader.errnoText()) }
        bytesRead += n
        count += n
        if n == 0 { eof = true }
    }

    /// Where the next line lies: its bytes in the buffer (valid until the next call), or an
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
            var idx: Int?
            if start < count, let p = memchr(base + start, 0x0A, count - start) {
                idx = UnsafePointer(base).distance(to: p.assumingMemoryBound(to: UInt8.self))
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
                if end > start, base[end - 1] == 0x0D { end -= 1 }
                defer { start = idx + 1 }
                return .line(number: lineNumber, range: start..<end)
            }
            // No newline yet: if the partial line is already too long, drop what we have.
            if count - start > maxLineBytes {
                skipping = true
                skippedLength += count - start
                start = count
            }
            if eof {
                guard start < count || skipping else { return nil }
                lineNumber += 1
                if skipping {
                    let length = skippedLength + count - start
                    skipping = false
                    start = count
                    return .tooLong(number: lineNumber, length: length)
                }
                var end = count
                if base[end - 1] == 0x0D { end -= 1 }
                defer { start = count }
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
            let line = Array(UnsafeBufferPointer(rebasing: bytes[range]))
            return Line(number: number, bytes: line, tooLong: false, length: line.count)
        }
    }

    /// Calls `body` with the next line (its number, and its bytes where they lie in the reader's
    /// buffer, valid only during the call; nil bytes and the length for a line over the limit);
    /// nil at the end of the file, without calling it. The lines are the ones ``next()`` gives,
    /// without an array per line.
    public func withNextLine<R>(_ body: (_ number: Int, _ bytes: UnsafeBufferPointer<UInt8>?, _ length: Int) throws -> R)
        throws -> R?
    {
        switch try cut() {
        case nil: return nil
        case .tooLong(let number, let length): return try body(number, nil, length)
        case .line(let number, let range):
            return try body(number, UnsafeBufferPointer(rebasing: bytes[range]), range.count)
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
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: self.bytes[range]))
            }
            ends.append(bytes.count)
        }
        guard !ends.isEmpty else { return nil }
        lastBlockBytes = bytes.count
        return UnitBlock(lines: bytes, ends: ends, firstLine: first, tooLong: long)
    }
}
