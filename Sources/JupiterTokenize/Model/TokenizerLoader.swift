import JupiterCore

/// A JSON value with its path, for error messages.
struct JNode {
    let value: JSONValue
    let path: String

    func fail(_ message: String) -> TokenizerError { TokenizerError(.invalidValue, path: path, message) }
    func unsupported(_ message: String) -> TokenizerError { TokenizerError(.unsupported, path: path, message) }

    func object() throws(TokenizerError) -> JSONObject {
        guard case .object(let o) = value else { throw fail("expected an object, found \(value.typeName)") }
        return o
    }

    func array() throws(TokenizerError) -> [JNode] {
        guard case .array(let a) = value else { throw fail("expected an array, found \(value.typeName)") }
        return a.enumerated().map { JNode(value: $1, path: path + "[\($0)]") }
    }

    func string() throws(TokenizerError) -> String {
        guard case .string(let s) = value else { throw fail("expected a string, found \(value.typeName)") }
        return s
    }

    func int() throws(TokenizerError) -> Int {
        guard let i = value.intValue else { throw fail("expected an integer, found \(value.typeName)") }
        return i
    }

    func bool() throws(TokenizerError) -> Bool {
        guard case .bool(let b) = value else { throw fail("expected a boolean, found \(value.typeName)") }
        return b
    }

    /// A member (nil when absent or null).
    func member(_ key: String) throws(TokenizerError) -> JNode? {
        let o = try object()
        guard let v = o[key], !v.isNull else { return nil }
        return JNode(value: v, path: path + JSONPathLocator.pathComponent(key))
    }

    func required(_ key: String) throws(TokenizerError) -> JNode {
        guard let m = try member(key) else { throw fail("missing required member \"\(key)\"") }
        return m
    }

    func bool(_ key: String, default d: Bool) throws(TokenizerError) -> Bool {
        try member(key)?.bool() ?? d
    }

    func type() throws(TokenizerError) -> String { try required("type").string() }
}

/// Builds a `Tokenizer` from tokenizer.json.
struct TokenizerLoader {
    let root: JNode
    /// Vocabulary and merges decoded by the fast path (then `model.vocab`/`merges` in `root` are empty).
    var fast: FastModelJSON? = nil

    func load() throws(TokenizerError) -> Tokenizer.Core {
        _ = try root.object()
        let addedNodes = try root.member("added_tokens")?.array() ?? []
        var added: [AddedToken] = []
        for n in addedNodes {
            added.append(
                AddedToken(
                    id: try n.required("id").int(), content: try n.required("content").string(),
                    singleWord: try n.bool("single_word", default: false), lstrip: try n.bool("lstrip", default: false),
                    rstrip: try n.bool("rstrip", default: false), normalized: try n.bool("normalized", default: true),
                    special: try n.bool("special", default: false)))
        }
        let normalizer = try root.member("normalizer").map { (n) throws(TokenizerError) in try normalizerFrom(n) }
        let pre = try root.member("pre_tokenizer").map { (n) throws(TokenizerError) in try preTokenizerFrom(n) }
        let modelNode = try root.required("model")
        let model = try bpeFrom(modelNode, byteLevel: pre?.isByteLevel ?? false, added: added)
        let post = try root.member("post_processor").map { (n) throws(TokenizerError) in try postFrom(n, model: model, added: added) }
        let decoder = try root.member("decoder").map { (n) throws(TokenizerError) in try decoderFrom(n) }
        if let pre { try checkByteLevelLast(pre, path: root.path + ".pre_tokenizer") }

        // Matchers: raw (non-normalized) tokens on the input, normalized ones on normalized text.
        var raw: [AddedTokenMatcher.Entry] = [], norm: [AddedTokenMatcher.Entry] = []
        for t in added {
            if t.normalized && !t.special {
                let content = normalizer.map { $0.apply(Array(t.content.utf8)) } ?? Array(t.content.utf8)
                norm.append(.init(bytes: content, token: t))
            } else if t.normalized {
                let content = normalizer.map { $0.apply(Array(t.content.utf8)) } ?? Array(t.content.utf8)
                norm.append(.init(bytes: content, token: t))
            } else {
                raw.append(.init(bytes: Array(t.content.utf8), token: t))
            }
        }
        var m = model
        for t in added { m.tokens.set(t.id, Array(t.content.utf8)) }
        return Tokenizer.Core(
            model: m, normalizer: normalizer, preTokenizer: pre, postProcessor: post, decoder: decoder,
            addedTokens: added, rawMatcher: AddedTokenMatcher(raw), normalizedMatcher: AddedTokenMatcher(norm))
    }

    func checkByteLevelLast(_ p: PreTokenizer, path: String) throws(TokenizerError) {
        if case .sequence(let steps) = p {
            for (i, s) in steps.enumerated() where i < steps.count - 1 {
                if s.isByteLevel {
                    throw TokenizerError(
                        .unsupported, path: path + ".pretokenizers[\(i)]",
                        "ByteLevel must be the last pre-tokenizer of a Sequence")
                }
            }
        }
    }

    // MARK: Components

    func patternFrom(_ n: JNode) throws(TokenizerError) -> (Normalizer.Pattern, String?) {
        if let s = try n.member("String") { return (.literal(Array(try s.string().utf8)), nil) }
        if let r = try n.member("Regex") {
            let src = try r.string()
            do { return (.regex(try TokenRegex(src)), src) } catch {
                throw TokenizerError(.unsupported, path: r.path, "regex: \(error.description)")
            }
        }
        throw n.fail("pattern must have \"String\" or \"Regex\"")
    }

    func normalizerFrom(_ n: JNode) throws(TokenizerError) -> Normalizer {
        let type = try n.type()
        switch type {
        case "NFC": return .nfc
        case "NFD": return .nfd
        case "NFKC": return .nfkc
        case "NFKD": return .nfkd
        case "Lowercase": return .lowercase
        case "StripAccents": return .stripAccents
        case "Strip": return .strip(left: try n.bool("left", default: true), right: try n.bool("right", default: true))
        case "Prepend": return .prepend(try n.required("prepend").string())
        case "Replace":
            let (p, _) = try patternFrom(try n.required("pattern"))
            return .replace(p, try n.required("content").string())
        case "Sequence":
            var out: [Normalizer] = []
            for c in try n.required("normalizers").array() { out.append(try normalizerFrom(c)) }
            return .sequence(out)
        default:
            throw n.unsupported(
                "normalizer type \"\(type)\" (supported: NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, Strip, Prepend, Replace, Sequence)")
        }
    }

    func preTokenizerFrom(_ n: JNode) throws(TokenizerError) -> PreTokenizer {
        let type = try n.type()
        switch type {
        case "ByteLevel":
            return .byteLevel(
                addPrefixSpace: try n.bool("add_prefix_space", default: true),
                useRegex: try n.bool("use_regex", default: true))
        case "Split":
            let patNode = try n.required("pattern")
            let (p, src) = try patternFrom(patNode)
            let bName = try n.required("behavior").string()
            guard let b = SplitBehavior(rawValue: bName) else {
                throw TokenizerError(.unsupported, path: n.path + ".behavior", "split behavior \"\(bName)\"")
            }
            let fast = src.flatMap(FastSplitter.forPattern)
            return .split(.init(pattern: p, fast: fast), b, invert: try n.bool("invert", default: false))
        case "Metaspace":
            let rep = try n.member("replacement")?.string() ?? "\u{2581}"
            guard rep.unicodeScalars.count == 1 else { throw n.fail("replacement must be one character") }
            let scheme = try prependScheme(n)
            return .metaspace(replacement: Array(rep.utf8), prepend: scheme, split: try n.bool("split", default: true))
        case "Digits":
            return .digits(individual: try n.bool("individual_digits", default: false))
        case "WhitespaceSplit":
            return .whitespaceSplit
        case "Whitespace":
            // tokenizers: \w+|[^\w\s]+
            do {
                let r = try TokenRegex(#"\w+|[^\w\s]+"#)
                return .split(.init(pattern: .regex(r), fast: nil), .isolated, invert: true)
                    .invertedWhitespace
            } catch { throw n.unsupported("Whitespace pre-tokenizer: \(error)") }
        case "Punctuation":
            let bName = try n.member("behavior")?.string() ?? "Isolated"
            guard let b = SplitBehavior(rawValue: bName) else { throw n.unsupported("split behavior \"\(bName)\"") }
            return .punctuation(b)
        case "CharDelimiterSplit":
            return .charDelimiter(try oneCharacter(n, "delimiter"))
        case "Sequence":
            var out: [PreTokenizer] = []
            for c in try n.required("pretokenizers").array() { out.append(try preTokenizerFrom(c)) }
            return .sequence(out)
        default:
            throw n.unsupported(
                "pre-tokenizer type \"\(type)\" (supported: ByteLevel, Split, Metaspace, Digits, Whitespace, WhitespaceSplit, Punctuation, CharDelimiterSplit, Sequence)"
            )
        }
    }

    func postFrom(_ n: JNode, model: BPEModel, added: [AddedToken]) throws(TokenizerError) -> PostProcessor {
        let type = try n.type()
        switch type {
        case "ByteLevel":
            return PostProcessor.none
        case "TemplateProcessing":
            var specials: [String: [Int32]] = [:]
            if let st = try n.member("special_tokens") {
                for e in try st.object() {
                    let node = JNode(value: e.value, path: st.path + JSONPathLocator.pathComponent(e.key))
                    var ids: [Int32] = []
                    for i in try node.required("ids").array() { ids.append(Int32(try i.int())) }
                    specials[e.key] = ids
                }
            }
            var before: [Int32] = [], after: [Int32] = []
            var seenA = false
            for item in try n.required("single").array() {
                if let s = try item.member("SpecialToken") {
                    let id = try s.required("id").string()
                    guard let ids = specials[id] else { throw s.fail("special token \"\(id)\" is not in special_tokens") }
                    if seenA { after += ids } else { before += ids }
                } else if let s = try item.member("Sequence") {
                    let which = try s.required("id").string()
                    guard which == "A" else { throw s.unsupported("sequence \(which) in a single template") }
                    if seenA { throw s.unsupported("sequence A twice in a template") }
                    seenA = true
                } else {
                    throw item.fail("template item must be SpecialToken or Sequence")
                }
            }
            return .template(before: before, after: after)
        case "BertProcessing", "RobertaProcessing":
            let cls = try n.required("cls").array(), sep = try n.required("sep").array()
            guard cls.count == 2, sep.count == 2 else { throw n.fail("cls and sep must be [token, id]") }
            return .template(before: [Int32(try cls[1].int())], after: [Int32(try sep[1].int())])
        case "Sequence":
            var out: [PostProcessor] = []
            for c in try n.required("processors").array() { out.append(try postFrom(c, model: model, added: added)) }
            return .sequence(out)
        default:
            throw n.unsupported(
                "post-processor type \"\(type)\" (supported: TemplateProcessing, ByteLevel, BertProcessing, RobertaProcessing, Sequence)")
        }
    }

    /// Metaspace's `prepend_scheme`, or the older `add_prefix_space` flag (default: always).
    func prependScheme(_ n: JNode) throws(TokenizerError) -> PreTokenizer.PrependScheme {
        if let s = try n.member("prepend_scheme") {
            guard let v = PreTokenizer.PrependScheme(rawValue: try s.string()) else { throw s.fail("unknown prepend_scheme") }
            return v
        }
        if let a = try n.member("add_prefix_space") { return try a.bool() ? .always : .never }
        return .always
    }

    /// The required string member `key` of `n`, which must be exactly one Unicode scalar.
    func oneCharacter(_ n: JNode, _ key: String) throws(TokenizerError) -> UInt32 {
        let text = try n.required(key).string()
        guard let c = text.unicodeScalars.first, text.unicodeScalars.count == 1 else {
            throw n.fail("\(key) must be one character")
        }
        return c.value
    }

    func decoderFrom(_ n: JNode) throws(TokenizerError) -> TokenDecoder {
        let type = try n.type()
        switch type {
        case "ByteLevel": return .byteLevel
        case "ByteFallback": return .byteFallback
        case "Fuse": return .fuse
        case "Metaspace":
            let rep = try n.member("replacement")?.string() ?? "\u{2581}"
            let scheme = try prependScheme(n)
            return .metaspace(replacement: rep, prependScheme: scheme)
        case "Strip":
            return .strip(
                content: try oneCharacter(n, "content"), start: try n.required("start").int(),
                stop: try n.required("stop").int())
        case "Replace":
            let pn = try n.required("pattern")
            guard let lit = try pn.member("String") else { throw pn.unsupported("regex patterns in a Replace decoder") }
            return .replace(pattern: try lit.string(), content: try n.required("content").string())
        case "Sequence":
            var out: [TokenDecoder] = []
            for c in try n.required("decoders").array() { out.append(try decoderFrom(c)) }
            return .sequence(out)
        default:
            throw n.unsupported("decoder type \"\(type)\" (supported: ByteLevel, ByteFallback, Fuse, Metaspace, Strip, Replace, Sequence)")
        }
    }

    // MARK: Model

    func bpeFrom(_ n: JNode, byteLevel: Bool, added: [AddedToken]) throws(TokenizerError) -> BPEModel {
        let fast = self.fast
        let type = try n.member("type")?.string() ?? "BPE"
        guard type == "BPE" else {
            throw n.unsupported("model type \"\(type)\" (only BPE is supported; WordPiece, Unigram and WordLevel are not)")
        }
        if let d = try n.member("dropout"), let v = d.value.doubleValue, v != 0 {
            throw d.unsupported("BPE dropout (non-deterministic encoding)")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let m = try n.member(key), !(try m.string()).isEmpty { throw m.unsupported("BPE \(key)") }
        }
        let vocabNode = try n.required("vocab")
        let vocab = try vocabNode.object()
        let vocabCount = fast?.vocab.count ?? vocab.count
        var table = ByteKeyTable(capacity: vocabCount)
        var other = ByteKeyTable(capacity: 16)  // byte-level mode: tokens outside the alphabet
        var tokens = TokenStrings(count: vocabCount)
        var raw: [UInt8] = []
        func add(_ utf8: UnsafeBufferPointer<UInt8>, _ id: Int) {
            tokens.set(id, utf8)
            if byteLevel {
                if ByteLevelAlphabet.decode(utf8, into: &raw) { table.insert(raw, Int32(id)) } else { other.insert(utf8, Int32(id)) }
            } else {
                table.insert(utf8, Int32(id))
            }
        }
        if let fast {
            fast.arena.withUnsafeBufferPointer { a in
                guard let base = a.baseAddress else { return }
                for (st, len, id) in fast.vocab { add(UnsafeBufferPointer(start: base + Int(st), count: Int(len)), Int(id)) }
            }
        } else {
            for e in vocab.entries {
                guard let id = e.value.intValue, id >= 0, id < Int(Int32.max) else {
                    throw TokenizerError(
                        .invalidValue, path: vocabNode.path + JSONPathLocator.pathComponent(e.key),
                        "token id must be a non-negative integer, found \(e.value.typeName)")
                }
                Array(e.key.utf8).withUnsafeBufferPointer { add($0, id) }
            }
        }
        var model = BPEModel(vocab: table, tokens: tokens, merges: MergeTable(capacity: 16))
        model.byteLevel = byteLevel
        model.fuseUnk = try n.bool("fuse_unk", default: false)
        model.byteFallback = try n.bool("byte_fallback", default: false)
        model.ignoreMerges = try n.bool("ignore_merges", default: false)
        if let u = try n.member("unk_token") {
            let s = try u.string()
            let key = byteLevel ? (ByteLevelAlphabet.decode(s) ?? Array(s.utf8)) : Array(s.utf8)
            guard let id = table.get(key) ?? other.get(Array(s.utf8)) ?? added.first(where: { $0.content == s }).map({ Int32($0.id) })
            else {
                throw u.fail("unk_token \"\(s)\" is not in the vocabulary")
            }
            model.unkID = id
        }
        if byteLevel {
            model.byteChars = ByteLevelAlphabet.chars.map { c in Array(String(Unicode.Scalar(c).map(Character.init) ?? " ").utf8) }
            for b in 0..<256 { model.byteIDs[b] = table.get([UInt8(b)]) ?? -1 }
        }
        for b in 0..<256 {
            let hexDigits = Array("0123456789ABCDEF".utf8)
            let name: [UInt8] = Array("<0x".utf8) + [hexDigits[b >> 4], hexDigits[b & 15], UInt8(ascii: ">")]
            model.fallbackIDs[b] = table.get(name) ?? -1
        }
        // Merges: ["a b", …] (older files) or [["a", "b"], …].
        var mt = MergeTable(capacity: 16)
        var ka: [UInt8] = [], kb: [UInt8] = [], kab: [UInt8] = []
        /// Adds one merge; returns an error message when a token is missing.
        func merge(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>, rank: Int) -> String? {
            let okA: Bool, okB: Bool
            if byteLevel {
                okA = ByteLevelAlphabet.decode(a, into: &ka)
                okB = ByteLevelAlphabet.decode(b, into: &kb)
            } else {
                ka = Array(a); kb = Array(b); okA = true; okB = true
            }
            if okA, okB, let ia = table.get(ka), let ib = table.get(kb) {
                kab.removeAll(keepingCapacity: true)
                kab.append(contentsOf: ka)
                kab.append(contentsOf: kb)
                guard let r = table.get(kab) else {
                    return "merged token \"\(String(decoding: Array(a) + Array(b), as: UTF8.self))\" is not in the vocabulary"
                }
                mt.insert(ia, ib, rank: Int32(rank), result: r)
                return nil
            }
            // Byte-level: a merge of tokens outside the alphabet can never apply.
            if byteLevel, okA ? table.get(ka) != nil : other.get(Array(a)) != nil, okB ? table.get(kb) != nil : other.get(Array(b)) != nil {
                return nil
            }
            let missing = (okA && table.get(ka) != nil) || (!okA && other.get(Array(a)) != nil) ? b : a
            return "merge token \"\(String(decoding: missing, as: UTF8.self))\" is not in the vocabulary"
        }
        if let fast {
            mt = MergeTable(capacity: fast.merges.count)
            var failure: (Int, String)? = nil
            fast.arena.withUnsafeBufferPointer { arena in
                guard let base = arena.baseAddress else { return }
                for (rank, m) in fast.merges.enumerated() {
                    if let msg = merge(
                        UnsafeBufferPointer(start: base + Int(m.0), count: Int(m.1)),
                        UnsafeBufferPointer(start: base + Int(m.2), count: Int(m.3)), rank: rank)
                    {
                        failure = (rank, msg)
                        return
                    }
                }
            }
            if let (rank, msg) = failure {
                throw TokenizerError(.invalidValue, path: n.path + ".merges[\(rank)]", msg)
            }
        } else if let mergesNode = try n.member("merges") {
            guard case .array(let merges) = mergesNode.value else {
                throw mergesNode.fail("expected an array, found \(mergesNode.value.typeName)")
            }
            mt = MergeTable(capacity: merges.count)
            for (rank, m) in merges.enumerated() {
                var a: String, b: String
                switch m {
                case .string(let s):
                    let parts = s.split(separator: " ", omittingEmptySubsequences: false)
                    guard parts.count == 2 else {
                        throw TokenizerError(
                            .invalidValue, path: mergesNode.path + "[\(rank)]", "a merge must be two tokens separated by one space")
                    }
                    a = String(parts[0]); b = String(parts[1])
                case .array(let arr):
                    guard arr.count == 2, let x = arr[0].stringValue, let y = arr[1].stringValue else {
                        throw TokenizerError(.invalidValue, path: mergesNode.path + "[\(rank)]", "a merge must be a pair of strings")
                    }
                    a = x; b = y
                default:
                    throw TokenizerError(
                        .invalidValue, path: mergesNode.path + "[\(rank)]", "a merge must be a string or a pair, found \(m.typeName)")
                }
                let msg = Array(a.utf8).withUnsafeBufferPointer { ua in
                    Array(b.utf8).withUnsafeBufferPointer { ub in merge(ua, ub, rank: rank) }
                }
                if let msg { throw TokenizerError(.invalidValue, path: mergesNode.path + "[\(rank)]", msg) }
            }
        }
        model.merges = mt
        return model
    }
}

extension PreTokenizer {
    /// tokenizers' `Whitespace` keeps the `\w+|[^\w\s]+` matches and drops the rest.
    var invertedWhitespace: PreTokenizer {
        if case .split(let p, _, _) = self { return .split(p, .removed, invert: true) }
        return self
    }
}
