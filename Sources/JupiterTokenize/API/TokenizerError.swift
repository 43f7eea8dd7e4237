/// Why a tokenizer.json (or tokenizer_config.json) could not be loaded.
///
/// `path` is the JSON path of the problem (`$.model.merges[12]`), `message` says what is wrong;
/// unsupported features name the feature rather than loading something that would give
/// different ids than `tokenizers`.
public struct TokenizerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem.
    public enum Kind: String, Sendable {
        /// Not valid JSON (syntax error or truncated file).
        case invalidJSON
        /// Valid JSON in a shape tokenizer.json does not have.
        case invalidValue
        /// A feature this implementation does not support.
        case unsupported
        /// The file could not be read.
        case io
    }

    /// The kind.
    public var kind: Kind
    /// JSON path of the problem (`$` for the whole document).
    public var path: String
    /// What is wrong.
    public var message: String
    /// The file, when loaded from one.
    public var file: String?

    /// Creates an error.
    public init(_ kind: Kind, path: String, _ message: String, file: String? = nil) {
        self.kind = kind
        self.path = path
        self.message = message
        self.file = file
    }

    /// "file: at $.model.vocab: message".
    public var description: String {
        let prefix = file.map { "\($0): " } ?? ""
        switch kind {
        case .unsupported: return "\(prefix)unsupported feature at \(path): \(message)"
        case .io: return "\(prefix)\(message)"
        default: return "\(prefix)at \(path): \(message)"
        }
    }
}

/// Finds the JSON path of a byte offset in a (possibly broken) JSON text, for syntax errors.
enum JSONPathLocator {
    /// The path of the innermost value that was open at `offset`.
    static func path(at offset: Int, in bytes: [UInt8]) -> String {
        enum Frame { case object(key: String?), array(index: Int) }
        var stack: [Frame] = []
        var i = 0
        let end = min(offset, bytes.count)
        var expectingKey = false
        while i < end {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "{"):
                stack.append(.object(key: nil)); expectingKey = true; i += 1
            case UInt8(ascii: "["):
                stack.append(.array(index: 0)); expectingKey = false; i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !stack.isEmpty { stack.removeLast() }
                expectingKey = false; i += 1
            case UInt8(ascii: ","):
                if case .array(let n) = stack.last { stack[stack.count - 1] = .array(index: n + 1) }
                if case .object = stack.last { expectingKey = true }
                i += 1
            case UInt8(ascii: "\""):
                var j = i + 1
                var s: [UInt8] = []
                while j < bytes.count, bytes[j] != UInt8(ascii: "\"") {
                    if bytes[j] == UInt8(ascii: "\\") { j += 1 }
                    if j < bytes.count { s.append(bytes[j]) }
                    j += 1
                }
                if expectingKey, case .object = stack.last {
                    stack[stack.count - 1] = .object(key: String(decoding: s, as: UTF8.self))
                    expectingKey = false
                }
                i = j + 1
            default:
                i += 1
            }
        }
        var p = "$"
        for f in stack {
            switch f {
            case .object(let key): if let key { p += pathComponent(key) }
            case .array(let n): p += "[\(n)]"
            }
        }
        return p
    }

    /// True when the text ends inside a string, object or array (a cut-off file).
    static func isTruncated(_ bytes: [UInt8]) -> Bool {
        var depth = 0
        var i = 0
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\""):
                i += 1
                while i < bytes.count, bytes[i] != UInt8(ascii: "\"") { i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1 }
                if i >= bytes.count { return true }
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
            i += 1
        }
        return depth > 0
    }

    /// `.name` for identifier-like keys, `["…"]` otherwise.
    static func pathComponent(_ key: String) -> String {
        let ident =
            !key.isEmpty
            && key.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || $0 == "_" || ("0"..."9").contains($0)) }
        if ident { return "." + key }
        var esc = "[\""
        for ch in key.unicodeScalars {
            switch ch {
            case "\"": esc += "\\\""
            case "\\": esc += "\\\\"
            case "\n": esc += "\\n"
            default: esc.unicodeScalars.append(ch)
            }
        }
        return esc + "\"]"
    }
}
