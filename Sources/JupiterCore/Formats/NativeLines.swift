#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Native JSON lines held whole in memory (a batch file of the run), walked without copying them.
package enum NativeLines {
    /// Calls `body` with each non-empty line of `bytes` and its 1-based line number; a trailing
    /// `\r` is not part of the line (as for ``LineReader``).
    package static func forEach(
        _ bytes: UnsafeBufferPointer<UInt8>, _ body: (_ number: Int, _ line: UnsafeBufferPointer<UInt8>) throws -> Void
    ) rethrows {
        guard let base = bytes.baseAddress else { return }
        var start = 0
        var number = 0
        while start < bytes.count {
            let end: Int
            if let p = memchr(base + start, 0x0A, bytes.count - start) {
                end = UnsafePointer(p.assumingMemoryBound(to: UInt8.self)) - base
            } else {
                end = bytes.count
            }
            number += 1
            let cut = end > start && bytes[end - 1] == 0x0D ? end - 1 : end
            let line = UnsafeBufferPointer(rebasing: bytes[start..<cut])
            start = end + 1
            if !line.isEmpty { try body(number, line) }
        }
    }

    /// Decodes one native line of any kind (`file` and `line` name it in errors and in the
    /// fallback id).
    package static func decode(_ bytes: [UInt8], file: String, line: Int) throws -> Record {
        try bytes.withUnsafeBufferPointer { try decode($0, file: file, line: line) }
    }

    /// ``decode(_:file:line:)-([UInt8],_,_)`` of a line in a larger buffer (``forEach(_:_:)``).
    package static func decode(_ bytes: UnsafeBufferPointer<UInt8>, file: String, line: Int) throws -> Record {
        if let r = DirectDecoding.anyKind(bytes, fallbackID: "\(file):\(line)", origin: Origin(file: file, line: line)) {
            return r
        }
        let value = try JSONParser.parse(bytes)
        do {
            return try NativeCodec.decodeAnyKind(value, fallbackID: "\(file):\(line)", origin: Origin(file: file, line: line))
        } catch {
            throw IOError(path: file, "line \(line): \(error.reason)")
        }
    }
}
