import Foundation
import JupiterCore

/// A Hugging Face `tokenizer.json` tokenizer: encodes text to the same ids as the `tokenizers`
/// library and decodes them back.
///
/// Supported: BPE models (byte-level, as GPT-2 / Llama-3 / Qwen2 / Nemotron use, and
/// SentencePiece-style with `Metaspace` and byte fallback, as Llama-2 / Mistral use); normalizers
/// NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, Strip, Prepend, Replace, Sequence;
/// pre-tokenizers ByteLevel, Split (regex or literal), Metaspace, Digits, Whitespace,
/// WhitespaceSplit, Punctuation, CharDelimiterSplit, Sequence; added tokens with their
/// `single_word` / `lstrip` / `rstrip` / `normalized` flags; post-processors TemplateProcessing,
/// ByteLevel, Bert/Roberta, Sequence; decoders ByteLevel, ByteFallback, Fuse, Metaspace, Strip,
/// Replace, Sequence. Anything else fails to load with a ``TokenizerError`` naming it.
/// `truncation` and `padding` are ignored (counts are always of the whole text).
///
/// The value is immutable and `Sendable`. Each call to ``encode(_:addSpecialTokens:)`` uses a
/// fresh word cache; for bulk work make one ``TokenEncoder`` per task with ``makeEncoder()``.
public struct Tokenizer: Sendable {
    struct Core: Sendable {
        var model: BPEModel
        var normalizer: Normalizer?
        var preTokenizer: PreTokenizer?
        var postProcessor: PostProcessor?
        var decoder: TokenDecoder?
        var addedTokens: [AddedToken]
        var rawMatcher: AddedTokenMatcher
        var normalizedMatcher: AddedTokenMatcher
    }

    let core: Core
    private let specialIDs: Set<Int>
    private let addedByContent: [[UInt8]: Int]

    /// Loads tokenizer.json from a file, or from a directory that holds one (`tokenizer.json`, else
    /// `tokenizer.json.gz`). A gzip-compressed file is decompressed (detected from its first bytes).
    public init(contentsOf path: String) throws(TokenizerError) {
        var file = path
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            file = (path as NSString).appendingPathComponent("tokenizer.json")
            let gz = file + ".gz"
            if !FileManager.default.fileExists(atPath: file), FileManager.default.fileExists(atPath: gz) { file = gz }
        }
        let bytes = try Tokenizer.readMaybeGzip(file)
        do { try self.init(json: bytes) } catch {
            var e = error
            e.file = file
            throw e
        }
    }

    /// The bytes of a file, decompressed when it is gzip (magic bytes 1f 8b).
    static func readMaybeGzip(_ file: String) throws(TokenizerError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw TokenizerError(.io, path: "$", "cannot read \(file)", file: file)
        }
        let raw = [UInt8](data)
        guard raw.count >= 2, raw[0] == 0x1F, raw[1] == 0x8B else { return raw }
        do {
            return try GzipInflater.decompress(raw, path: file)
        } catch {
            throw TokenizerError(.io, path: "$", error.reason, file: file)
        }
    }

    /// Loads tokenizer.json from its bytes.
    public init(json bytes: [UInt8]) throws(TokenizerError) {
        // Big files: decode vocab and merges straight from the bytes; on any surprise, fall back
        // to the general path (which reports problems with their JSON path).
        if let (rest, fast) = FastModelJSON.extract(bytes), let value = try? JSONParser.parse(rest),
            let core = try? TokenizerLoader(root: JNode(value: value, path: "$"), fast: fast).load()
        {
            self.init(core: core)
            return
        }
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch {
            let path = JSONPathLocator.path(at: error.offset, in: bytes)
            let truncated = error.offset >= bytes.count || JSONPathLocator.isTruncated(bytes)
            throw TokenizerError(
                .invalidJSON, path: path,
                (truncated ? "file is truncated: " : "") + "\(error.message) (byte \(error.offset))")
        }
        try self.init(value: value)
    }

    /// Builds a tokenizer from a parsed tokenizer.json.
    public init(value: JSONValue) throws(TokenizerError) {
        self.init(core: try TokenizerLoader(root: JNode(value: value, path: "$")).load())
    }

    init(core: Core) {
        self.core = core
        specialIDs = Set(core.addedTokens.filter(\.special).map(\.id))
        var byContent: [[UInt8]: Int] = [:]
        for t in core.addedTokens { byContent[Array(t.content.utf8)] = t.id }
        addedByContent = byContent
    }

    /// Number of ids (vocabulary plus added tokens).
    public var vocabularySize: Int { core.model.tokens.count }

    /// The added tokens (special and not), in file order.
    public var addedTokens: [AddedToken] { core.addedTokens }

    /// Ids of special tokens.
    public var specialTokenIDs: Set<Int> { specialIDs }

    /// The token text of an id, as written in the vocabulary (`Ġthe` for byte-level models).
    public func token(for id: Int) -> String? { core.model.tokens.string(id) }

    /// The id of a token text (exact bytes), or nil.
    public func id(for token: String) -> Int? {
        let bytes = Array(token.utf8)
        if let a = addedByContent[bytes] { return a }
        let key = core.model.byteLevel ? (ByteLevelAlphabet.decode(token) ?? []) : bytes
        if key.isEmpty && !bytes.isEmpty { return nil }
        return core.model.vocab.get(key).map(Int.init)
    }

    /// A reusable encoder with its own word cache (fast for many texts; not thread-safe).
    public func makeEncoder() -> TokenEncoder { TokenEncoder(self) }

    /// Token ids of `text`; with `addSpecialTokens`, the post-processor's BOS/EOS are added.
    public func encode(_ text: String, addSpecialTokens: Bool = true) -> [Int] {
        var e = makeEncoder()
        return e.encode(text, addSpecialTokens: addSpecialTokens)
    }

    /// Number of tokens in `text` (no special tokens added by default).
    public func count(_ text: String, addSpecialTokens: Bool = false) -> Int {
        var e = makeEncoder()
        return e.count(text, addSpecialTokens: addSpecialTokens)
    }

    /// Text of `ids`, through the tokenizer's decoder; special tokens dropped on request.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        var tokens: [[UInt8]] = []
        tokens.reserveCapacity(ids.count)
        for id in ids {
            if skipSpecialTokens && specialIDs.contains(id) { continue }
            if let b = core.model.tokens.bytes(id) { tokens.append(Array(b)) }
        }
        guard let decoder = core.decoder else {
            var out: [UInt8] = []
            for (i, t) in tokens.enumerated() {
                if i > 0 { out.append(0x20) }
                out.append(contentsOf: t)
            }
            return String(decoding: out, as: UTF8.self)
        }
        return String(decoding: decoder.decodeChain(tokens).flatMap { $0 }, as: UTF8.self)
    }

    /// The pre-tokenized pieces of `text` (after added-token extraction and normalization),
    /// as strings; for inspection and tests.
    public func preTokenize(_ text: String) -> [String] {
        var out: [String] = []
        forEachPiece(Array(text.utf8)) { piece in
            switch piece {
            case .token(let id): out.append(core.model.tokens.string(Int(id)) ?? "")
            case .text(let p, let s, let e):
                out.append(String(decoding: UnsafeBufferPointer(start: p + s, count: e - s), as: UTF8.self))
            }
        }
        return out
    }

    enum Piece {
        case token(Int32)
        case text(UnsafePointer<UInt8>, Int, Int)
    }

    /// Runs added-token extraction, normalization and pre-tokenization over `bytes`.
    func forEachPiece(_ bytes: [UInt8], _ body: (Piece) -> Void) {
        for seg in core.rawMatcher.split(bytes) {
            switch seg {
            case .token(let id): body(.token(id))
            case .text(let s, let e):
                if s == e { continue }
                let normalized = core.normalizer.map { $0.apply(Array(bytes[s..<e])) } ?? Array(bytes[s..<e])
                for seg2 in core.normalizedMatcher.split(normalized) {
                    switch seg2 {
                    case .token(let id): body(.token(id))
                    case .text(let s2, let e2):
                        if s2 == e2 { continue }
                        var pieces = PieceList(buffer: Array(normalized[s2..<e2]), atOrigin: s == 0 && s2 == 0)
                        if s2 == 0 && e2 == normalized.count { pieces.buffer = normalized }
                        core.preTokenizer?.apply(&pieces)
                        pieces.buffer.withUnsafeBufferPointer { b in
                            guard let p = b.baseAddress else { return }
                            for r in pieces.ranges where !r.isEmpty { body(.text(p, r.lowerBound, r.upperBound)) }
                        }
                    }
                }
            }
        }
    }
}

/// Encodes many texts with one tokenizer, reusing a word cache. Not thread-safe: make one per
/// task (they are cheap).
public struct TokenEncoder {
    /// The tokenizer.
    public let tokenizer: Tokenizer
    var cache = BPECache()
    var scratch: [Int32] = []

    init(_ tokenizer: Tokenizer) { self.tokenizer = tokenizer }

    /// Token ids of `text` (see ``Tokenizer/encode(_:addSpecialTokens:)``).
    public mutating func encode(_ text: String, addSpecialTokens: Bool = true) -> [Int] {
        encodeInt32(text, addSpecialTokens: addSpecialTokens).map(Int.init)
    }

    /// Token ids as 32-bit integers (no conversion cost).
    public mutating func encodeInt32(_ text: String, addSpecialTokens: Bool = true) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(text.utf8.count / 3 + 4)
        let model = tokenizer.core.model
        tokenizer.forEachPiece(Array(text.utf8)) { piece in
            switch piece {
            case .token(let id): out.append(id)
            case .text(let p, let s, let e): model.encodeWord(p, s, e, into: &out, cache: &cache)
            }
        }
        if addSpecialTokens, let post = tokenizer.core.postProcessor { post.apply(&out) }
        return out
    }

    /// Number of tokens in `text`.
    public mutating func count(_ text: String, addSpecialTokens: Bool = false) -> Int {
        scratch.removeAll(keepingCapacity: true)
        let model = tokenizer.core.model
        var n = 0
        tokenizer.forEachPiece(Array(text.utf8)) { piece in
            switch piece {
            case .token: n += 1
            case .text(let p, let s, let e):
                model.encodeWord(p, s, e, into: &scratch, cache: &cache)
                n += scratch.count
                scratch.removeAll(keepingCapacity: true)
            }
        }
        if addSpecialTokens { n += tokenizer.core.postProcessor?.addedCount ?? 0 }
        return n
    }
}
