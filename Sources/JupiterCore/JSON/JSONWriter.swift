import CTextScan

/// Serialises ``JSONValue`` compactly and deterministically: members in their stored order, no
/// spaces, non-ASCII text as UTF-8 (like Python's `json.dumps(..., ensure_ascii=False,
/// separators=(",", ":"))`), control characters escaped.
public enum JSONWriter {
    /// Appends the serialisation of `value` to `out`.
    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: append("null", &out)
        case .bool(let b): append(b ? "true" : "false", &out)
        case .number(let n): append(n, &out)
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (i, e) in o.entries.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(e.key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(e.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// The serialisation of `value` as bytes.
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, into: &out)
        return out
    }

    /// The serialisation of `value` as a string.
    public static func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    /// Pretty-printed serialisation (two-space indent), for manifests and reports.
    public static func pretty(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        writePretty(value, indent: 0, into: &out)
        out.append(0x0A)
        return String(decoding: out, as: UTF8.self)
    }

    static func writePretty(_ value: JSONValue, indent: Int, into out: inout [UInt8]) {
        func newline(_ level: Int) {
            out.append(0x0A)
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: level * 2))
        }
        switch value {
        case .array(let items) where !items.isEmpty:
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                writePretty(item, indent: indent + 1, into: &out)
            }
            newline(indent)
            out.append(UInt8(ascii: "]"))
        case .object(let o) where !o.isEmpty:
            out.append(UInt8(ascii: "{"))
            for (i, e) in o.entries.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                writeString(e.key, into: &out)
                out.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
                writePretty(e.value, indent: indent + 1, into: &out)
            }
            newline(indent)
            out.append(UInt8(ascii: "}"))
        default:
            write(value, into: &out)
        }
    }

    @inline(__always) static func append(_ s: String, _ out: inout [UInt8]) {
        var s = s
        s.withUTF8 { out.append(contentsOf: $0) }
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends a JSON string literal. Eight bytes at a time where none of them needs an escape.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { writeString(utf8: $0, into: &out) }
    }

    /// Appends the JSON string literal of text given as its UTF-8 bytes (valid UTF-8: the bytes
    /// are copied as they are, with escapes where JSON needs them).
    public static func writeString(utf8 buf: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if let base = buf.baseAddress {
            var runStart = 0
            var i = 0
            let n = buf.count
            while i < n {
                // Sixteen bytes at a time to the next quote, backslash or control byte.
                i += jupiter_json_plain_run(base + i, n - i)
                guard i < n else { break }
                let c = buf[i]
                i += 1
                if i - 1 > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<(i - 1)])) }
                runStart = i
                switch c {
                case 0x22: out.append(contentsOf: [0x5C, 0x22])
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
                case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
                default:
                    out.append(contentsOf: [
                        0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                        hexDigits[Int(c >> 4)], hexDigits[Int(c & 0xF)]
                    ])
                }
            }
            if runStart < n { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart...])) }
        }
        out.append(UInt8(ascii: "\""))
    }
}
