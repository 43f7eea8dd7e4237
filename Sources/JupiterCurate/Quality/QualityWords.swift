/// Words of a text as the Gopher rules count them: whitespace-separated chunks with leading and
/// trailing punctuation split off as tokens of their own (a trailing run of dots stays one `...`
/// token). This follows NLTK's `word_tokenize`, which datatrove uses for English, closely enough
/// for counting; NLTK's English contraction rules (`don't` → `do n't`) are not applied, so Welsh
/// forms such as `i'r` and `o'r` stay one word.
struct QualityWords {
    /// One token.
    struct Word {
        /// Interned id: equal ids ⇔ equal text.
        var id: Int32
        /// Length in Unicode scalars (Python `len`).
        var length: Int
        /// Every character is punctuation or a symbol (datatrove's `PUNCTUATION_SET` test).
        var isSymbol: Bool
        /// Some character is a letter (Python `str.isalpha` on a character).
        var hasAlpha: Bool
    }

    private(set) var words: [Word] = []
    /// Text of each interned id.
    private(set) var texts: [String] = []

    init(_ text: String) {
        var ids: [String: Int32] = [:]
        var chunk: [Unicode.Scalar] = []
        func intern(_ s: ArraySlice<Unicode.Scalar>) {
            guard !s.isEmpty else { return }
            var str = String.UnicodeScalarView()
            str.append(contentsOf: s)
            let key = String(str)
            let id: Int32
            if let known = ids[key] {
                id = known
            } else {
                id = Int32(texts.count)
                ids[key] = id
                texts.append(key)
            }
            var symbol = true
            var alpha = false
            for c in s {
                if !Self.isPunctuation(c) { symbol = false }
                if Self.isLetter(c) { alpha = true }
            }
            words.append(Word(id: id, length: s.count, isSymbol: symbol, hasAlpha: alpha))
        }
        func flush() {
            guard !chunk.isEmpty else { return }
            var lo = chunk.startIndex
            var hi = chunk.endIndex
            while lo < hi && Self.isPunctuation(chunk[lo]) {
                intern(chunk[lo..<(lo + 1)])
                lo += 1
            }
            var trailing: [ArraySlice<Unicode.Scalar>] = []
            while hi > lo && Self.isPunctuation(chunk[hi - 1]) {
                if chunk[hi - 1] == "." {
                    var s = hi - 1
                    while s > lo && chunk[s - 1] == "." { s -= 1 }
                    trailing.append(chunk[s..<hi])
                    hi = s
                } else {
                    trailing.append(chunk[(hi - 1)..<hi])
                    hi -= 1
                }
            }
            intern(chunk[lo..<hi])
            for t in trailing.reversed() { intern(t) }
            chunk.removeAll(keepingCapacity: true)
        }
        for c in text.unicodeScalars {
            if c.properties.isWhitespace { flush() } else { chunk.append(c) }
        }
        flush()
    }

    /// Python `str.isalpha` for one character: Unicode letter categories.
    static func isLetter(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// Punctuation, symbols and control characters (datatrove's `PUNCTUATION_SET` covers ASCII
    /// and common CJK/typographic punctuation plus control characters; this takes the Unicode
    /// categories those belong to).
    static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol,
             .control:
            return true
        default:
            return false
        }
    }
}
