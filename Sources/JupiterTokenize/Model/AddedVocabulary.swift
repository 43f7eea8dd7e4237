/// One entry of tokenizer.json's `added_tokens`.
public struct AddedToken: Sendable, Hashable {
    /// Token id.
    public var id: Int
    /// The exact text matched.
    public var content: String
    /// Only match when not inside a word.
    public var singleWord: Bool
    /// Swallow whitespace on the left.
    public var lstrip: Bool
    /// Swallow whitespace on the right.
    public var rstrip: Bool
    /// Match on normalized text (true) or on the raw input (false).
    public var normalized: Bool
    /// A special token (dropped by `decode(skipSpecialTokens: true)`).
    public var special: Bool

    /// Creates an added token.
    public init(
        id: Int, content: String, singleWord: Bool = false, lstrip: Bool = false, rstrip: Bool = false,
        normalized: Bool = false, special: Bool = true
    ) {
        self.id = id
        self.content = content
        self.singleWord = singleWord
        self.lstrip = lstrip
        self.rstrip = rstrip
        self.normalized = normalized
        self.special = special
    }
}

/// Finds added tokens in text before the model sees it: leftmost-longest matching of their
/// contents, then the `single_word`, `lstrip` and `rstrip` rules of `tokenizers`.
struct AddedTokenMatcher: Sendable {
    struct Entry: Sendable {
        var bytes: [UInt8]
        var token: AddedToken
    }
    /// Entries grouped by first byte, longest first.
    var byFirstByte: [[Entry]] = Array(repeating: [], count: 256)
    var isEmpty = true

    init(_ entries: [Entry]) {
        for e in entries where !e.bytes.isEmpty {
            byFirstByte[Int(e.bytes[0])].append(e)
            isEmpty = false
        }
        for i in 0..<256 { byFirstByte[i].sort { $0.bytes.count > $1.bytes.count } }
    }

    /// Segment of a split: a token id, or a byte range of text.
    enum Segment {
        case token(Int32)
        case text(Int, Int)
    }

    /// Splits `text` into added tokens and the text between them.
    func split(_ text: [UInt8]) -> [Segment] {
        if text.isEmpty { return [.text(0, 0)] }
        if isEmpty { return [.text(0, text.count)] }
        var out: [Segment] = []
        text.withUnsafeBufferPointer { tb in
            guard let p = tb.baseAddress else { return }
            let n = tb.count
            var startOffset = 0
            var i = 0
            while i < n {
                // Leftmost-longest: first position with any match, longest entry there.
                let cands = byFirstByte[Int(p[i])]
                var hit: Entry? = nil
                for e in cands where e.bytes.count <= n - i {
                    if e.bytes.withUnsafeBufferPointer({ eb in eb.baseAddress.map { memcmpBytes(p + i, $0, eb.count) } ?? false }) {
                        hit = e; break
                    }
                }
                guard let e = hit else { i += 1; continue }
                var start = i, stop = i + e.bytes.count
                let tok = e.token
                if tok.singleWord {
                    let startSpace = start == 0 || !endsWithWord(p, 0, start)
                    let stopSpace = stop == n || !startsWithWord(p, stop, n)
                    if !(startSpace && stopSpace) { i = stop; continue }
                }
                if tok.lstrip {
                    start = max(leftmostSpace(p, 0, start), startOffset)
                }
                if tok.rstrip {
                    stop = rightmostSpace(p, stop, n)
                }
                if startOffset < start { out.append(.text(startOffset, start)) }
                out.append(.token(Int32(tok.id)))
                startOffset = stop
                i = stop
            }
            if startOffset != n { out.append(.text(startOffset, n)) }
        }
        return out
    }

    private func endsWithWord(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
        var j = e - 1
        while j > s && p[j] & 0xC0 == 0x80 { j -= 1 }
        return isWordChar(decodeScalar(p, j, e).value)
    }

    private func startsWithWord(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
        isWordChar(decodeScalar(p, s, e).value)
    }

    private func isWordChar(_ v: UInt32) -> Bool {
        let bit = UnicodeClass.categoryBit(v)
        return bit & (UnicodeClass.letterMask | UnicodeClass.markMask | UnicodeClass.numberMask | (1 << 11)) != 0
    }

    /// Start of the whitespace run that ends at `e`.
    private func leftmostSpace(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> Int {
        var j = e
        while j > s {
            var k = j - 1
            while k > s && p[k] & 0xC0 == 0x80 { k -= 1 }
            if !UnicodeClass.isWhitespace(decodeScalar(p, k, j).value) { break }
            j = k
        }
        return j
    }

    /// End of the whitespace run that starts at `s`.
    private func rightmostSpace(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> Int {
        var j = s
        while j < e {
            let (v, n) = decodeScalar(p, j, e)
            if !UnicodeClass.isWhitespace(v) { break }
            j += n
        }
        return j
    }
}
