import CTextScan

/// An error found while parsing JSON: what went wrong and the byte offset where it did.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// Byte offset in the parsed text.
    public var offset: Int
    /// Creates an error.
    public init(_ message: String, offset: Int) { self.message = message; self.offset = offset }
    /// "message at byte N".
    public var description: String { "\(message) at byte \(offset)" }
}

/// A strict RFC 8259 JSON parser working directly on UTF-8 bytes.
///
/// Strings are validated as UTF-8 (invalid sequences and lone surrogate escapes are errors, so a
/// record is never silently repaired), nesting is limited to ``maxDepth``, and trailing content
/// after the value (other than whitespace) is an error.
public enum JSONParser {
    /// Maximum nesting of arrays and objects.
    public static let maxDepth = 512

    /// Parses one JSON text from bytes.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        var p = Cursor(bytes)
        p.skipWhitespace()
        let value = try p.parseValue(depth: 0)
        p.skipWhitespace()
        if p.pos != p.end { throw JSONParseError("unexpected content after JSON value", offset: p.pos) }
        return value
    }

    /// Parses one JSON text from a byte array.
    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBufferPointer { buf in
            do throws(JSONParseError) { return .success(try parse(buf)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Parses one JSON text from a string.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    struct Cursor {
        let base: UnsafePointer<UInt8>
        var pos: Int
        let end: Int

        init(_ buf: UnsafeBufferPointer<UInt8>) {
            // An empty buffer may have a nil base address; point at a static byte instead.
            base = buf.baseAddress ?? Cursor.emptyBase
            pos = 0
            end = buf.count
        }

        nonisolated(unsafe) static let emptyBase: UnsafePointer<UInt8> = {
            let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
            p.initialize(to: 0)
            return UnsafePointer(p)
        }()

        @inline(__always) mutating func skipWhitespace() {
            while pos < end {
                let c = base[pos]
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { pos += 1 } else { return }
            }
        }

        mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
            guard pos < end else { throw JSONParseError("unexpected end of JSON", offset: pos) }
            switch base[pos] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
            case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
            case UInt8(ascii: "n"): try expectLiteral("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
            default: throw JSONParseError("unexpected character '\(Cursor.show(base[pos]))'", offset: pos)
            }
        }

        static func show(_ c: UInt8) -> String {
            c >= 0x20 && c < 0x7F ? String(UnicodeScalar(c)) : "\\x" + String(c, radix: 16, uppercase: true)
        }

        mutating func expectLiteral(_ word: StaticString) throws(JSONParseError) {
            let n = word.utf8CodeUnitCount
            guard end - pos >= n else { throw JSONParseError("invalid literal", offset: pos) }
            let w = word.utf8Start
            for i in 0..<n where base[pos + i] != w[i] { throw JSONParseError("invalid literal", offset: pos) }
            pos += n
        }

        mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
            if depth > JSONParser.maxDepth { throw JSONParseError("nesting deeper than \(JSONParser.maxDepth)", offset: pos) }
            pos += 1
            var entries: [JSONObject.Entry] = []
            entries.reserveCapacity(4)
            skipWhitespace()
            if pos < end, base[pos] == UInt8(ascii: "}") { pos += 1; return .object(JSONObject(entries)) }
            while true {
                skipWhitespace()
                guard pos < end, base[pos] == UInt8(ascii: "\"") else {
                    throw JSONParseError("expected object key", offset: pos)
                }
                let key = try parseString()
                skipWhitespace()
                guard pos < end, base[pos] == UInt8(ascii: ":") else { throw JSONParseError("expected ':'", offset: pos) }
                pos += 1
                skipWhitespace()
                let value = try parseValue(depth: depth)
                entries.append(JSONObject.Entry(key: key, value: value))
                skipWhitespace()
                guard pos < end else { throw JSONParseError("unexpected end of JSON in object", offset: pos) }
                if base[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if base[pos] == UInt8(ascii: "}") { pos += 1; return .object(JSONObject(entries)) }
                throw JSONParseError("expected ',' or '}'", offset: pos)
            }
        }

        mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
            if depth > JSONParser.maxDepth { throw JSONParseError("nesting deeper than \(JSONParser.maxDepth)", offset: pos) }
            pos += 1
            var items: [JSONValue] = []
            items.reserveCapacity(4)
            skipWhitespace()
            if pos < end, base[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
            while true {
                skipWhitespace()
                items.append(try parseValue(depth: depth))
                skipWhitespace()
                guard pos < end else { throw JSONParseError("unexpected end of JSON in array", offset: pos) }
                if base[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if base[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
                throw JSONParseError("expected ',' or ']'", offset: pos)
            }
        }

        mutating func parseNumber() throws(JSONParseError) -> String {
            let start = pos
            if base[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < end else { throw JSONParseError("invalid number", offset: start) }
            if base[pos] == UInt8(ascii: "0") {
                pos += 1
            } else if base[pos] >= UInt8(ascii: "1") && base[pos] <= UInt8(ascii: "9") {
                while pos < end, base[pos] >= UInt8(ascii: "0"), base[pos] <= UInt8(ascii: "9") { pos += 1 }
            } else {
                throw JSONParseError("invalid number", offset: start)
            }
            if pos < end, base[pos] == UInt8(ascii: ".") {
                pos += 1
                let digits = pos
                while pos < end, base[pos] >= UInt8(ascii: "0"), base[pos] <= UInt8(ascii: "9") { pos += 1 }
                if pos == digits { throw JSONParseError("invalid number", offset: start) }
            }
            if pos < end, base[pos] == UInt8(ascii: "e") || base[pos] == UInt8(ascii: "E") {
                pos += 1
                if pos < end, base[pos] == UInt8(ascii: "+") || base[pos] == UInt8(ascii: "-") { pos += 1 }
                let digits = pos
                while pos < end, base[pos] >= UInt8(ascii: "0"), base[pos] <= UInt8(ascii: "9") { pos += 1 }
                if pos == digits { throw JSONParseError("invalid number", offset: start) }
            }
            return String(decoding: UnsafeBufferPointer(start: base + start, count: pos - start), as: UTF8.self)
        }

        /// Moves past text that is neither a quote, a backslash nor a control byte, checking its
        /// UTF-8 on the way (``UTF8Text``): ASCII sixteen bytes at a time (`jupiter_json_ascii_run`,
        /// SIMD; this scan was the parser's largest cost), each multi-byte sequence whole. Notes a
        /// byte from 0x80 in `sawHigh`, and a sequence that is not well-formed in `malformed` (then
        /// moves one byte on).
        @inline(__always)
        mutating func skipPlainText(sawHigh: inout Bool, malformed: inout Bool) {
            while true {
                pos += jupiter_json_ascii_run(base + pos, end - pos)
                // At the end, a quote, a backslash, a control byte, or a byte from 0x80.
                guard pos < end, base[pos] >= 0x80 else { return }
                sawHigh = true
                if let length = UTF8Text.sequenceLength(base, pos, end) {
                    pos += length
                } else {
                    malformed = true
                    pos += 1
                }
            }
        }

        /// A string, its UTF-8 checked as it is scanned. Errors come in the order a check after
        /// the scan gives: a control byte, then a missing closing quote, then UTF-8 that is not
        /// well-formed. An escape never makes UTF-8 that is not well-formed well-formed, nor the
        /// reverse: it adds whole scalars, so a lead byte before it or a continuation byte after
        /// it was a sequence cut short by itself.
        mutating func parseString() throws(JSONParseError) -> String {
            pos += 1  // opening quote
            let start = pos
            var sawHigh = false
            var malformed = false
            // Fast path: no escapes.
            skipPlainText(sawHigh: &sawHigh, malformed: &malformed)
            guard pos < end else { throw JSONParseError("unterminated string", offset: start - 1) }
            if base[pos] == UInt8(ascii: "\"") {
                let span = UnsafeBufferPointer(start: base + start, count: pos - start)
                pos += 1
                if malformed { throw JSONParseError("invalid UTF-8 in string", offset: start) }
                return UTF8Text.string(checked: span, ascii: !sawHigh)
            }
            if base[pos] < 0x20 { throw JSONParseError("unescaped control character in string", offset: pos) }
            // Slow path (at a backslash): rebuild with escapes.
            var bytes: [UInt8] = []
            bytes.reserveCapacity(pos - start + 16)
            bytes.append(contentsOf: UnsafeBufferPointer(start: base + start, count: pos - start))
            while pos < end {
                let c = base[pos]
                if c == UInt8(ascii: "\"") {
                    pos += 1
                    if malformed { throw JSONParseError("invalid UTF-8 in string", offset: start) }
                    return bytes.withUnsafeBufferPointer { UTF8Text.string(checked: $0, ascii: !sawHigh) }
                }
                if c < 0x20 { throw JSONParseError("unescaped control character in string", offset: pos) }
                // A backslash.
                pos += 1
                guard pos < end else { break }
                let e = base[pos]
                pos += 1
                switch e {
                case UInt8(ascii: "\""): bytes.append(0x22)
                case UInt8(ascii: "\\"): bytes.append(0x5C)
                case UInt8(ascii: "/"): bytes.append(0x2F)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if scalar >= 0xD800 && scalar < 0xDC00 {
                        guard end - pos >= 6, base[pos] == UInt8(ascii: "\\"), base[pos + 1] == UInt8(ascii: "u") else {
                            throw JSONParseError("lone surrogate in \\u escape", offset: pos)
                        }
                        pos += 2
                        let low = try hex4()
                        guard low >= 0xDC00 && low < 0xE000 else {
                            throw JSONParseError("lone surrogate in \\u escape", offset: pos)
                        }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if scalar >= 0xDC00 && scalar < 0xE000 {
                        throw JSONParseError("lone surrogate in \\u escape", offset: pos)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw JSONParseError("invalid \\u escape", offset: pos) }
                    if scalar >= 0x80 { sawHigh = true }
                    bytes.append(contentsOf: UTF8.encode(u).map { Array($0) } ?? [])
                default:
                    throw JSONParseError("invalid escape '\\\(Cursor.show(e))'", offset: pos - 2)
                }
                // The text up to the next quote, backslash or control byte, in one go.
                let run = pos
                skipPlainText(sawHigh: &sawHigh, malformed: &malformed)
                if pos > run { bytes.append(contentsOf: UnsafeBufferPointer(start: base + run, count: pos - run)) }
            }
            throw JSONParseError("unterminated string", offset: start - 1)
        }

        mutating func hex4() throws(JSONParseError) -> UInt32 {
            guard end - pos >= 4 else { throw JSONParseError("truncated \\u escape", offset: pos) }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = base[pos]
                let d: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw JSONParseError("invalid \\u escape", offset: pos)
                }
                v = v << 4 | d
                pos += 1
            }
            return v
        }
    }
}
