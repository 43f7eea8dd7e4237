/// One token: the scalars `start..<end` of the tokenized text.
struct EnglishToken: Sendable {
    var start: Int32
    var end: Int32
    /// Followed by one space that the tokenizer absorbed (spaCy's `token.whitespace_ == " "`).
    var space: Bool

    var count: Int { Int(end - start) }
}

/// spaCy's blank English tokenizer (`spacy.blank("en")`, spaCy 3.8), which datatrove loads for
/// English word and sentence splitting, ported for its behaviour: the same tokens on any text,
/// without Python. The steps, as spaCy's `Tokenizer`:
///
/// 1. The text is cut at changes between whitespace and non-whitespace (Python `isspace`); a
///    single space after a token is absorbed into it, any other whitespace run is a token.
/// 2. A chunk that is a special case (``EnglishTokenizerExceptions``) takes its fixed split.
///    Otherwise prefixes and suffixes are cut off in turn (spaCy's `_split_affixes`, stopping
///    early when what is left is a special case), the rest is one token if it is a URL, else it
///    is split at infixes (hyphens between letters, `...`, `,` between letters, …).
/// 3. Special cases that span several of those tokens are merged back (spaCy's
///    `_apply_special_cases`, e.g. `o` `.` → `o.`).
///
/// Prefix, suffix and infix rules are spaCy's regular expressions (`lang/punctuation.py` and
/// `lang/en/punctuation.py`) written as code, with the character classes of
/// ``EnglishTokenizerTables``; `QualityParityTests` compares the tokens with spaCy's on real
/// and adversarial text.
struct EnglishTokenizer: Sendable {
    /// The tokenizer (tables are built once).
    static let shared = EnglishTokenizer()

    // MARK: character classes

    /// A set of scalars: a bitmap for ASCII, sorted closed ranges above.
    struct ScalarSet: Sendable {
        var low: UInt64 = 0
        var high: UInt64 = 0
        var ranges: [UInt32] = []

        init(ranges flat: [UInt32]) {
            var i = 0
            while i < flat.count {
                let a = flat[i], b = flat[i + 1]
                var c = a
                while c <= b && c < 0x80 { insertASCII(c); c += 1 }
                if b >= 0x80 { ranges += [max(a, 0x80), b] }
                i += 2
            }
        }

        init(_ scalars: [UInt32]) {
            var flat: [UInt32] = []
            for c in scalars.sorted() {
                if let last = flat.last, last + 1 == c { flat[flat.count - 1] = c } else { flat += [c, c] }
            }
            self.init(ranges: flat)
        }

        init(_ text: String) { self.init(text.unicodeScalars.map(\.value)) }

        mutating func insertASCII(_ c: UInt32) {
            if c < 64 { low |= 1 << UInt64(c) } else { high |= 1 << UInt64(c - 64) }
        }

        func union(_ o: ScalarSet) -> ScalarSet {
            var r = self
            r.low |= o.low
            r.high |= o.high
            var pairs: [(UInt32, UInt32)] = []
            for s in [ranges, o.ranges] { for i in stride(from: 0, to: s.count, by: 2) { pairs.append((s[i], s[i + 1])) } }
            pairs.sort { $0.0 < $1.0 }
            var flat: [UInt32] = []
            for (a, b) in pairs {
                if let last = flat.last, a <= last &+ 1 { flat[flat.count - 1] = max(last, b) } else { flat += [a, b] }
            }
            r.ranges = flat
            return r
        }

        @inline(__always) func contains(_ c: UInt32) -> Bool {
            if c < 64 { return low >> UInt64(c) & 1 == 1 }
            if c < 128 { return high >> UInt64(c - 64) & 1 == 1 }
            return containsNonASCII(c)
        }

        func containsNonASCII(_ c: UInt32) -> Bool {
            var lo = 0, hi = ranges.count / 2
            while lo < hi {
                let mid = (lo + hi) / 2
                if ranges[2 * mid + 1] < c { lo = mid + 1 } else { hi = mid }
            }
            return lo < ranges.count / 2 && ranges[2 * lo] <= c
        }
    }

    let alpha = ScalarSet(ranges: EnglishTokenizerTables.alpha)
    let alphaLower = ScalarSet(ranges: EnglishTokenizerTables.alphaLower)
    let alphaUpper = ScalarSet(ranges: EnglishTokenizerTables.alphaUpper)
    let icons = ScalarSet(ranges: EnglishTokenizerTables.icons)
    let quotes = ScalarSet(EnglishTokenizerTables.quotes)
    let punct = ScalarSet(EnglishTokenizerTables.punct)
    /// Single characters that are a prefix: `§ % = — –`, `LIST_PUNCT`, `…`, quotes.
    let prefixSingles: ScalarSet
    /// Single characters that are a suffix: `LIST_PUNCT`, `…`, quotes, icons, `— –`.
    let suffixSingles: ScalarSet
    /// Characters a suffix `.` may follow: `[0-9{ALPHA_LOWER}%²\-\+{PUNCT}(?:{QUOTES})]` (the
    /// `|` of the joined punctuation list and the `(?:)` around the quotes are literal there).
    let periodAfter: ScalarSet
    /// `[{ALPHA_LOWER}{QUOTES}]` and `[{ALPHA_UPPER}{QUOTES}]` around an infix `.`.
    let lowerOrQuote: ScalarSet
    let upperOrQuote: ScalarSet
    /// Currency strings (as scalars), in spaCy's order, and their first characters.
    let currency: [[UInt32]]
    let currencyFirst: ScalarSet
    /// Suffixes allowed after a digit (currencies and units) by length, and their first characters.
    let afterDigit: [[[UInt32]]]
    let afterDigitFirst: ScalarSet
    /// The sentencizer's punctuation characters.
    let sentencePunct = ScalarSet(EnglishTokenizerTables.sentencePunct)

    // MARK: special cases

    /// Special cases: scalars and the lengths of their tokens, found through an open-addressing
    /// table of their hashes (``PythonText/hash(_:_:_:)``).
    struct Special: Sendable {
        var scalars: [UInt32]
        var splits: [Int]
    }

    let specials: [Special]
    let slots: [Int32]
    let slotMask: Int
    let maxSpecialLength: Int
    /// One bit per (length, low byte of the first scalar) that some special case has: most
    /// chunks are ruled out without hashing.
    let specialMask: [UInt64]

    /// Multi-token patterns of the special-case merge pass: the special case and the token texts
    /// the affix rules give it, indexed by the hash of the first token.
    struct Pattern: Sendable {
        var special: Int
        var tokens: [[UInt32]]
    }

    private(set) var patterns: [Pattern]
    /// Open-addressing index of ``patterns`` by the hash of their first token: (hash, first
    /// pattern, count) per slot, count 0 for an empty slot; patterns sharing a hash are adjacent.
    private(set) var patternSlots: [(hash: UInt64, first: Int32, count: Int32)]
    private(set) var maxPatternFirst: Int
    /// As ``specialMask``, for the first tokens of the patterns.
    private(set) var patternMask: [UInt64]
    /// The patterns again, indexed by the hashes of their first two tokens (``pairHash(_:_:)``),
    /// for ``hasTouchingMatch(_:from:_:)``: on legislation text, 53 patterns start with `(`
    /// (emoticons) and every `(1)` compared them all. With a pattern of one token (spaCy's
    /// English tables have none) that test takes the first-token index.
    private(set) var pairPatterns: [Pattern]
    private(set) var pairSlots: [(hash: UInt64, first: Int32, count: Int32)]
    private(set) var hasOneTokenPattern: Bool
    /// Longest second token of a pattern, and as ``specialMask`` for the second tokens.
    private(set) var maxPatternSecond: Int
    private(set) var patternSecondMask: [UInt64]

    static func maskBit(_ length: Int, _ first: UInt32) -> (Int, UInt64) {
        (length * 4 + Int(first & 0xFF) >> 6, 1 << UInt64(first & 63))
    }

    @inline(__always) static func maskHas(_ mask: [UInt64], _ length: Int, _ first: UInt32) -> Bool {
        let (w, bit) = maskBit(length, first)
        return mask[w] & bit != 0
    }

    init() {
        prefixSingles = ScalarSet("§%=\u{2014}\u{2013}\u{2026}").union(punct).union(quotes)
        suffixSingles = punct.union(ScalarSet("\u{2026}\u{2014}\u{2013}")).union(quotes).union(icons)
        periodAfter = ScalarSet("0123456789%²-+|(?:)").union(alphaLower).union(punct).union(quotes)
        lowerOrQuote = alphaLower.union(quotes)
        upperOrQuote = alphaUpper.union(quotes)
        currency = EnglishTokenizerTables.currency.map { $0.unicodeScalars.map(\.value) }
        currencyFirst = ScalarSet(currency.map { $0[0] })
        let units = EnglishTokenizerTables.units.map { $0.unicodeScalars.map(\.value) }
        var byLength = [[[UInt32]]](repeating: [], count: 6)
        for item in currency + units where item.count < byLength.count { byLength[item.count].append(item) }
        afterDigit = byLength
        afterDigitFirst = ScalarSet((currency + units).map { $0[0] })

        let table = EnglishTokenizerExceptions.table().sorted { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) }
        var specials: [Special] = []
        for (key, parts) in table {
            specials.append(Special(scalars: key.unicodeScalars.map(\.value), splits: parts.map { $0.unicodeScalars.count }))
        }
        var size = 1
        while size < specials.count * 4 { size <<= 1 }
        var slots = [Int32](repeating: -1, count: size)
        for (i, s) in specials.enumerated() {
            var h = Int(truncatingIfNeeded: Self.hash(s.scalars)) & (size - 1)
            while slots[h] >= 0 { h = (h + 1) & (size - 1) }
            slots[h] = Int32(i)
        }
        self.specials = specials
        self.slots = slots
        self.slotMask = size - 1
        let maxSpecial = specials.map(\.scalars.count).max() ?? 0
        self.maxSpecialLength = maxSpecial
        var mask = [UInt64](repeating: 0, count: (maxSpecial + 1) * 4)
        for sp in specials {
            let (w, bit) = Self.maskBit(sp.scalars.count, sp.scalars[0])
            mask[w] |= bit
        }
        self.specialMask = mask
        self.patterns = []
        self.patternSlots = []
        self.maxPatternFirst = 0
        self.patternMask = []
        self.pairPatterns = []
        self.pairSlots = []
        self.hasOneTokenPattern = false
        self.maxPatternSecond = 0
        self.patternSecondMask = []

        // spaCy adds a special case to its merge pass when an affix rule matches it or it has a
        // space; the pattern is its tokenization by the affix rules alone.
        var patterns: [UInt64: [Pattern]] = [:]
        var maxFirst = 0
        var tokens: [EnglishToken] = []
        var scratch = Scratch()
        for (i, s) in specials.enumerated() {
            s.scalars.withUnsafeBufferPointer { b in
                let n = b.count
                let affix =
                    prefixLength(b, 0, n) > 0 || suffixLength(b, 0, n) > 0 || hasInfix(b, 0, n, &scratch)
                    || b.contains(0x20)
                guard affix else { return }
                tokens.removeAll()
                tokenizeChunks(b, 0, n, specials: false, into: &tokens, &scratch)
                let texts = tokens.map { Array(b[Int($0.start)..<Int($0.end)]) }
                // A one-token pattern whose special case is that one token changes nothing, and
                // (matches being taken longest first) never stands in another's way.
                guard let first = texts.first, texts.count > 1 || s.splits.count > 1 else { return }
                let h = Self.hash(first)
                patterns[h, default: []].append(Pattern(special: i, tokens: texts))
                maxFirst = max(maxFirst, first.count)
            }
        }
        var flat: [Pattern] = []
        var pslots = [(hash: UInt64, first: Int32, count: Int32)](repeating: (0, 0, 0), count: 1024)
        for h in patterns.keys.sorted() {
            guard let list = patterns[h] else { continue }
            var k = Int(truncatingIfNeeded: h) & 1023
            while pslots[k].count != 0 { k = (k + 1) & 1023 }
            pslots[k] = (h, Int32(flat.count), Int32(list.count))
            flat += list
        }
        self.patterns = flat
        self.patternSlots = pslots
        self.maxPatternFirst = maxFirst
        var pmask = [UInt64](repeating: 0, count: (maxFirst + 1) * 4)
        for p in flat {
            let (w, bit) = Self.maskBit(p.tokens[0].count, p.tokens[0][0])
            pmask[w] |= bit
        }
        self.patternMask = pmask

        var pairs: [UInt64: [Pattern]] = [:]
        var maxSecond = 0
        for p in flat {
            guard p.tokens.count > 1 else {
                hasOneTokenPattern = true
                continue
            }
            let h = Self.pairHash(Self.hash(p.tokens[0]), Self.hash(p.tokens[1]))
            pairs[h, default: []].append(p)
            maxSecond = max(maxSecond, p.tokens[1].count)
        }
        var pairFlat: [Pattern] = []
        var pairSize = 16
        while pairSize < pairs.count * 4 { pairSize <<= 1 }
        var slots2 = [(hash: UInt64, first: Int32, count: Int32)](repeating: (0, 0, 0), count: pairSize)
        for h in pairs.keys.sorted() {
            guard let list = pairs[h] else { continue }
            var k = Int(truncatingIfNeeded: h) & (pairSize - 1)
            while slots2[k].count != 0 { k = (k + 1) & (pairSize - 1) }
            slots2[k] = (h, Int32(pairFlat.count), Int32(list.count))
            pairFlat += list
        }
        var smask = [UInt64](repeating: 0, count: (maxSecond + 1) * 4)
        for p in pairFlat {
            let (w, bit) = Self.maskBit(p.tokens[1].count, p.tokens[1][0])
            smask[w] |= bit
        }
        self.pairPatterns = pairFlat
        self.pairSlots = slots2
        self.maxPatternSecond = maxSecond
        self.patternSecondMask = smask
    }

    /// ``PythonText/hash(_:_:_:)`` of a whole array.
    static func hash(_ scalars: [UInt32]) -> UInt64 {
        scalars.withUnsafeBufferPointer { PythonText.hash($0, 0, $0.count) }
    }

    /// The key of a pattern's first two tokens, from their hashes.
    @inline(__always) static func pairHash(_ first: UInt64, _ second: UInt64) -> UInt64 {
        (first &* 0x9E37_79B9_7F4A_7C15) ^ second
    }

    /// The patterns whose first two tokens have key `h` (``pairHash(_:_:)``).
    @inline(__always) func pairRange(hash h: UInt64) -> Range<Int> { Self.range(pairSlots, hash: h) }

    /// The range that open-addressing index `slots` (a power of 2 of them; count 0: empty) holds
    /// for hash `h`.
    @inline(__always) static func range(_ slots: [(hash: UInt64, first: Int32, count: Int32)], hash h: UInt64) -> Range<Int> {
        var k = Int(truncatingIfNeeded: h) & (slots.count - 1)
        while true {
            let slot = slots[k]
            if slot.count == 0 { return 0..<0 }
            if slot.hash == h { return Int(slot.first)..<Int(slot.first + slot.count) }
            k = (k + 1) & (slots.count - 1)
        }
    }

    /// The patterns whose first token has hash `h`.
    @inline(__always) func patternRange(hash h: UInt64) -> Range<Int> { Self.range(patternSlots, hash: h) }

    /// False when no special case has the length and first character of `s[lo..<hi]`.
    @inline(__always) func mayBeSpecial(_ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int) -> Bool {
        let n = hi - lo
        return n > 0 && n <= maxSpecialLength && Self.maskHas(specialMask, n, s[lo])
    }

    /// The special case equal to `s[lo..<hi]`, or -1.
    @inline(__always) func special(_ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int) -> Int {
        let n = hi - lo
        guard mayBeSpecial(s, lo, hi) else { return -1 }
        var h = Int(truncatingIfNeeded: PythonText.hash(s, lo, hi)) & slotMask
        while true {
            let i = Int(slots[h])
            if i < 0 { return -1 }
            let sc = specials[i].scalars
            if sc.count == n
                && sc.withUnsafeBufferPointer({ p in
                    var k = 0
                    while k < n && p[k] == s[lo + k] { k += 1 }
                    return k == n
                })
            {
                return i
            }
            h = (h + 1) & slotMask
        }
    }

    // MARK: affixes

    /// Length of the prefix of `s[lo..<hi]` (spaCy's ordered alternatives anchored at the start),
    /// or 0.
    func prefixLength(_ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int) -> Int {
        guard lo < hi else { return 0 }
        let c = s[lo]
        if prefixSingles.contains(c) { return 1 }
        if c == 0x2B { return lo + 1 < hi && PythonText.isASCIIDigit(s[lo + 1]) ? 0 : 1 }  // \+(?![0-9])
        if c == 0x2E {  // \.\.+
            var j = lo + 1
            while j < hi && s[j] == 0x2E { j += 1 }
            return j - lo >= 2 ? j - lo : 0
        }
        if currencyFirst.contains(c) {
            for cur in currency where cur.count <= hi - lo && cur[0] == c {
                var k = 1
                while k < cur.count && s[lo + k] == cur[k] { k += 1 }
                if k == cur.count { return cur.count }
            }
        }
        return icons.contains(c) ? 1 : 0
    }

    /// Length of the suffix of `s[lo..<hi]` (spaCy's alternatives anchored at the end; the match
    /// starting leftmost wins, and lookbehinds do not see before `lo`), or 0.
    func suffixLength(_ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int) -> Int {
        guard lo < hi else { return 0 }
        var dots = hi
        while dots > lo && s[dots - 1] == 0x2E { dots -= 1 }
        let dotStart = hi - dots >= 2 ? dots : -1
        let first = max(lo, hi - 5)
        if dotStart >= 0 && dotStart < first { return hi - dotStart }
        for p in first..<hi {
            if p == dotStart || suffixMatches(s, lo, p, hi) { return hi - p }
        }
        return 0
    }

    private func suffixMatches(_ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ p: Int, _ hi: Int) -> Bool {
        let n = hi - p
        let c = s[p]
        let afterDigit = p > lo && PythonText.isASCIIDigit(s[p - 1])
        if n == 1 {
            if suffixSingles.contains(c) { return true }
            if c == 0x2B { return afterDigit }  // (?<=[0-9])\+
            if c == 0x2E {
                // (?<=°[FfCcKk])\.   (?<=[0-9{al}…])\.   (?<=[{au}][{au}])\.
                if p - 2 >= lo && s[p - 2] == 0xB0 {
                    switch s[p - 1] {
                    case 0x46, 0x66, 0x43, 0x63, 0x4B, 0x6B: return true  // FfCcKk
                    default: break
                    }
                }
                if p > lo && periodAfter.contains(s[p - 1]) { return true }
                return p - 2 >= lo && alphaUpper.contains(s[p - 2]) && alphaUpper.contains(s[p - 1])
            }
        } else if n == 2 {
            if c == 0x2026 && s[p + 1] == 0x2026 { return true }  // ……
            if (c == 0x27 || c == 0x2019) && (s[p + 1] == 0x73 || s[p + 1] == 0x53) { return true }  // 's 'S ’s ’S
        }
        guard afterDigit, n < self.afterDigit.count, afterDigitFirst.contains(c) else { return false }
        for item in self.afterDigit[n] {
            var k = 0
            while k < n && s[p + k] == item[k] { k += 1 }
            if k == n { return true }
        }
        return false
    }

    /// True when spaCy's infix expression finds a match in `s[lo..<hi]`.
    func hasInfix(_ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int, _ scratch: inout Scratch) -> Bool {
        findInfixes(s, lo, hi, into: &scratch.infixes)
        return !scratch.infixes.isEmpty
    }

    /// spaCy's infix `finditer` over `s[lo..<hi]`: non-overlapping matches, left to right.
    func findInfixes(_ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int, into out: inout [(Int, Int)]) {
        out.removeAll(keepingCapacity: true)
        var p = lo
        while p < hi {
            let end = infixEnd(s, lo, p, hi)
            if end > p {
                out.append((p, end))
                p = end
            } else {
                p += 1
            }
        }
    }

    /// End of the infix starting at `p`, or `p` when none does.
    @inline(__always) private func infixEnd(_ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ p: Int, _ hi: Int) -> Int {
        let c = s[p]
        if c < 0x80 {
            // Fast exit for the characters no ASCII infix starts with.
            switch c {
            case 0x2E, 0x2B, 0x2D, 0x2A, 0x5E, 0x2C, 0x7E, 0x3A, 0x3C, 0x3E, 0x3D, 0x2F: break
            default: return p
            }
        }
        if c == 0x2E && p + 1 < hi && s[p + 1] == 0x2E {  // \.\.+
            var j = p + 2
            while j < hi && s[j] == 0x2E { j += 1 }
            return j
        }
        if c == 0x2026 { return p + 1 }  // …
        if icons.contains(c) { return p + 1 }
        guard p > lo, p + 1 < hi else { return p }
        let before = s[p - 1], after = s[p + 1]
        switch c {
        case 0x2B, 0x2D, 0x2A, 0x5E:  // (?<=[0-9])[+\-\*^](?=[0-9-])
            if PythonText.isASCIIDigit(before) && (PythonText.isASCIIDigit(after) || after == 0x2D) { return p + 1 }
        case 0x2E:  // (?<=[{al}{q}])\.(?=[{au}{q}])
            if lowerOrQuote.contains(before) && upperOrQuote.contains(after) { return p + 1 }
        case 0x2C:  // (?<=[{a}]),(?=[{a}])
            if alpha.contains(before) && alpha.contains(after) { return p + 1 }
        default: break
        }
        let letterOrDigit = alpha.contains(before) || PythonText.isASCIIDigit(before)
        guard letterOrDigit else { return p }
        // (?<=[{a}0-9])(?:-|–|—|--|---|——|~)(?=[{a}]): the first alternative followed by a letter.
        for h in hyphens where p + h.count < hi {
            var k = 0
            while k < h.count && s[p + k] == h[k] { k += 1 }
            if k == h.count && alpha.contains(s[p + k]) { return p + k }
        }
        // (?<=[{a}0-9])[:<>=/](?=[{a}])
        if (c == 0x3A || c == 0x3C || c == 0x3E || c == 0x3D || c == 0x2F) && alpha.contains(after) { return p + 1 }
        return p
    }

    /// spaCy's `HYPHENS` alternatives, in order.
    let hyphens: [[UInt32]] = [[0x2D], [0x2013], [0x2014], [0x2D, 0x2D], [0x2D, 0x2D, 0x2D], [0x2014, 0x2014], [0x7E]]

    // MARK: tokenizing

    /// Reusable buffers.
    struct Scratch {
        var infixes: [(Int, Int)] = []
        var suffixes: [(Int, Int)] = []
        var matches: [(start: Int, end: Int, special: Int)] = []
        var merged: [EnglishToken] = []
        var chunks = ChunkCache()
    }

    /// The tokens of chunks already split (spaCy's tokenizer keeps the same cache): a chunk's
    /// split depends on its characters only. Chunks that are not plain letters are few but cost
    /// most (about a fifth of the words of legislation text: `(1)`, `(a)`, `section,`, `o’r`),
    /// and they repeat: on the quality bench's corpus, 95% of them were split before in the same
    /// batch of 2,048 documents (72% when the cache held 4,096 chunks). Holds up to ``capacity``
    /// chunks of at most ``longest`` characters and ``mostTokens`` tokens, then starts again
    /// empty.
    struct ChunkCache {
        static let capacity = 16_384
        static let longest = 48
        /// Seven: the token count takes the top byte of the lengths' word when replayed.
        static let mostTokens = 7
        /// Scalars kept in a slot; a longer chunk's go to `keys`.
        static let inlineScalars = 10
        /// Open addressing, at most half full (up to 2 × capacity slots), one 64-byte slot per
        /// chunk, from word `skew` on (the first word on a 64-byte boundary), so that a lookup
        /// reads one cache line: 8 words of `table`, which are its hash | 1 (0: empty); its
        /// length | token count << 8 | where its scalars start in `keys` << 32 (a long chunk);
        /// its token lengths (a byte each, the first lowest); and up to ``inlineScalars``
        /// scalars.
        private var table: [UInt64] = []
        private var skew = 0
        /// Chunks held.
        private(set) var count = 0
        private var keys: [UInt32] = []

        private var slotCount: Int { table.isEmpty ? 0 : (table.count - 8) / 8 }

        /// Pushes the cached tokens of `s[lo..<hi]` (hash `h`); false when it is not cached.
        mutating func replay(
            _ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int, hash h: UInt64, into out: inout [EnglishToken]
        ) -> Bool {
            guard !table.isEmpty else { return false }
            let n = hi - lo
            let (mask, skew) = (slotCount - 1, skew)
            let found: UInt64? = table.withUnsafeBufferPointer { t in
                let tag = h | 1
                var k = Self.position(tag) & mask
                while true {
                    let slot = skew + 8 * k
                    let stored = t[slot]
                    if stored == 0 { return nil }
                    let meta = t[slot + 1]
                    if stored == tag && Int(meta & 0xFF) == n {
                        let equal: Bool
                        if n <= Self.inlineScalars {
                            equal = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(t)[(8 * slot + 24)...]).withMemoryRebound(
                                to: UInt32.self
                            ) { PythonText.equal(s, lo, $0, 0, n) }
                        } else {
                            equal = keys.withUnsafeBufferPointer { PythonText.equal(s, lo, $0, Int(meta >> 32), n) }
                        }
                        if equal { return t[slot + 2] | (meta >> 8 & 0xFF) << 56 }
                    }
                    k = (k + 1) & mask
                }
            }
            guard var lengths = found else { return false }
            let tokens = Int(lengths >> 56)
            var p = lo
            for _ in 0..<tokens {
                let q = p + Int(lengths & 0xFF)
                out.append(EnglishToken(start: Int32(p), end: Int32(q), space: false))
                p = q
                lengths >>= 8
            }
            return true
        }

        /// Keeps the tokens `tokens` of `s[lo..<hi]` (hash `h`), which must cover it.
        mutating func insert(
            _ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int, hash h: UInt64, _ tokens: ArraySlice<EnglishToken>
        ) {
            guard tokens.count <= Self.mostTokens, hi - lo <= Self.longest, tokens.first?.start == Int32(lo),
                tokens.last?.end == Int32(hi)
            else { return }
            if count == Self.capacity {
                for i in 0..<table.count { table[i] = 0 }
                count = 0
                keys.removeAll(keepingCapacity: true)
            }
            // At most half full; the slots grow with the chunks (one document's scratch holds few).
            if 2 * (count + 1) > slotCount && slotCount < 2 * Self.capacity {
                let (old, oldSkew, oldSlots) = (table, skew, slotCount)
                table = [UInt64](repeating: 0, count: 8 * min(2 * Self.capacity, max(256, 4 * slotCount)) + 8)
                let address = table.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) }
                skew = ((64 - (address & 63)) & 63) / 8  // arrays are 16-byte aligned: 0, 2, 4 or 6
                for k in 0..<oldSlots where old[oldSkew + 8 * k] != 0 {
                    let slot = free(old[oldSkew + 8 * k])
                    for w in 0..<8 { table[slot + w] = old[oldSkew + 8 * k + w] }
                }
            }
            let n = hi - lo
            var lengths: UInt64 = 0
            for (i, t) in tokens.enumerated() { lengths |= UInt64(t.end - t.start) << UInt64(8 * i) }
            let slot = free(h | 1)
            table[slot] = h | 1
            table[slot + 1] = UInt64(n) | UInt64(tokens.count) << 8 | (n > Self.inlineScalars ? UInt64(keys.count) << 32 : 0)
            table[slot + 2] = lengths
            if n > Self.inlineScalars {
                keys.append(contentsOf: s[lo..<hi])
            } else {
                table.withUnsafeMutableBytes { raw in
                    let key = raw.baseAddress.map { ($0 + 8 * (slot + 3)).assumingMemoryBound(to: UInt32.self) }
                    for i in 0..<n { key?[i] = s[lo + i] }
                }
            }
            count += 1
        }

        /// Where the probes for hash word `tag` (hash | 1) start, before the mask.
        @inline(__always) static func position(_ tag: UInt64) -> Int { Int(truncatingIfNeeded: tag >> 1) }

        /// The first word of the free slot for hash word `tag`.
        private func free(_ tag: UInt64) -> Int {
            let mask = slotCount - 1
            var k = Self.position(tag) & mask
            while table[skew + 8 * k] != 0 { k = (k + 1) & mask }
            return skew + 8 * k
        }
    }

    /// Appends the tokens of `s[lo..<hi]` to `out`, as spaCy's tokenizer call does.
    func tokenize(
        _ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int, into out: inout [EnglishToken],
        _ scratch: inout Scratch
    ) {
        let first = out.count
        tokenizeChunks(s, lo, hi, specials: true, into: &out, &scratch)
        mergeSpecialCases(s, from: first, &out, &scratch)
    }

    /// Steps 1 and 2: whitespace chunks, special cases, affixes, URLs and infixes.
    func tokenizeChunks(
        _ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int, specials: Bool,
        into out: inout [EnglishToken], _ scratch: inout Scratch
    ) {
        guard lo < hi else { return }
        out.reserveCapacity(out.count + (hi - lo) / 3 + 8)
        // Runs of whitespace and of other characters alternate; `start` is where the pending
        // chunk starts (a single space after a word is absorbed into the word).
        var start = lo
        var i = lo
        var inSpace = PythonText.isSpace(s[lo])
        while i < hi {
            var j = i
            if inSpace {
                while j < hi && PythonText.isSpace(s[j]) { j += 1 }
                if start < j { push(&out, start, j) }
                start = j
            } else {
                // ASCII letters first: a chunk of nothing else (plain) matches no affix, infix or
                // URL rule.
                while j < hi && (s[j] | 0x20) &- 0x61 < 26 { j += 1 }
                var plain = true
                if j < hi && !PythonText.isSpace(s[j]) {
                    plain = false
                    j += 1
                    while j < hi && !PythonText.isSpace(s[j]) { j += 1 }
                }
                if plain && !(specials && mayBeSpecial(s, start, j)) {
                    push(&out, start, j)
                } else {
                    chunk(s, start, j, specials, &out, &scratch)
                }
                if j < hi && s[j] == 0x20 {
                    out[out.count - 1].space = true
                    start = j + 1
                } else {
                    start = j
                }
            }
            i = j
            inSpace.toggle()
        }
    }

    @inline(__always) private func push(_ out: inout [EnglishToken], _ a: Int, _ b: Int) {
        out.append(EnglishToken(start: Int32(a), end: Int32(b), space: false))
    }

    private func pushSpecial(_ out: inout [EnglishToken], _ index: Int, at a: Int) {
        var p = a
        for n in specials[index].splits {
            push(&out, p, p + n)
            p += n
        }
    }

    /// One non-whitespace chunk (spaCy's `_tokenize`), from the chunk cache when it was split
    /// before; whitespace chunks and plain words that cannot be special cases are pushed by the
    /// caller.
    private func chunk(
        _ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int, _ useSpecials: Bool,
        _ out: inout [EnglishToken], _ scratch: inout Scratch
    ) {
        guard useSpecials && hi - lo <= ChunkCache.longest else {
            split(s, lo, hi, useSpecials, &out, &scratch)
            return
        }
        let h = PythonText.hash(s, lo, hi)
        if scratch.chunks.replay(s, lo, hi, hash: h, into: &out) { return }
        let first = out.count
        split(s, lo, hi, useSpecials, &out, &scratch)
        scratch.chunks.insert(s, lo, hi, hash: h, out[first...])
    }

    /// The tokens of one chunk, as spaCy's `_tokenize` splits it.
    private func split(
        _ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int, _ useSpecials: Bool,
        _ out: inout [EnglishToken], _ scratch: inout Scratch
    ) {
        if useSpecials {
            let sp = special(s, lo, hi)
            if sp >= 0 { pushSpecial(&out, sp, at: lo); return }
        }
        // Fast path: ASCII letters only (no affix, infix or URL rule can match).
        var plain = true
        for i in lo..<hi where (s[i] | 0x20) &- 0x61 >= 26 { plain = false; break }
        if plain {
            push(&out, lo, hi)
            return
        }
        // _split_affixes
        var a = lo, b = hi
        let suffixStart = scratch.suffixes.count
        var lastSize = -1
        while a < b && b - a != lastSize {
            if useSpecials && special(s, a, b) >= 0 { break }
            lastSize = b - a
            let pre = prefixLength(s, a, b)
            if pre > 0 && useSpecials && a + pre < b && special(s, a + pre, b) >= 0 {
                push(&out, a, a + pre)
                a += pre
                break
            }
            let suf = suffixLength(s, a + pre, b)
            if suf > 0 && useSpecials && b - suf > a && special(s, a, b - suf) >= 0 {
                scratch.suffixes.append((b - suf, b))
                b -= suf
                break
            }
            if pre > 0 {
                push(&out, a, a + pre)
                a += pre
            }
            if suf > 0 {
                scratch.suffixes.append((b - suf, b))
                b -= suf
            }
        }
        // _attach_tokens
        if a < b {
            let sp = useSpecials ? special(s, a, b) : -1
            if sp >= 0 {
                pushSpecial(&out, sp, at: a)
            } else if isURL(s, a, b) {
                push(&out, a, b)
            } else {
                findInfixes(s, a, b, into: &scratch.infixes)
                var start = a
                for (m0, m1) in scratch.infixes where m0 != a {
                    if m0 != start { push(&out, start, m0) }
                    push(&out, m0, m1)
                    start = m1
                }
                if start < b { push(&out, start, b) }
            }
        }
        while scratch.suffixes.count > suffixStart {
            let (x, y) = scratch.suffixes.removeLast()
            push(&out, x, y)
        }
    }

    /// Step 3: spaCy's special-case pass. Every run of tokens equal to a multi-token pattern is a
    /// match; matches are taken longest first (then leftmost), skipping one whose first or last
    /// token an earlier one covered; a taken match whose tokens are adjacent (no space between)
    /// is re-split as its special case.
    func mergeSpecialCases(
        _ s: UnsafeBufferPointer<UInt32>, from first: Int, _ tokens: inout [EnglishToken],
        _ scratch: inout Scratch
    ) {
        scratch.matches.removeAll(keepingCapacity: true)
        let n = tokens.count
        // Only a match on touching tokens (no space between) changes anything; matches across a
        // space matter only as rivals of such a match. Without one, nothing changes.
        guard hasTouchingMatch(s, from: first, tokens) else { return }
        var i = first
        while i < n {
            let t = tokens[i]
            if t.count <= maxPatternFirst, Self.maskHas(patternMask, t.count, s[Int(t.start)]) {
                for pattern in patterns[patternRange(hash: PythonText.hash(s, Int(t.start), Int(t.end)))]
                where Self.matches(s, tokens, at: i, pattern, touching: false) {
                    scratch.matches.append((i, i + pattern.tokens.count, pattern.special))
                }
            }
            i += 1
        }
        if scratch.matches.isEmpty { return }
        scratch.matches.sort { ($0.end - $0.start, -$0.start) > ($1.end - $1.start, -$1.start) }
        var seen = Set<Int>()
        var taken: [(start: Int, end: Int, special: Int)] = []
        for m in scratch.matches {
            if !seen.contains(m.start) && !seen.contains(m.end - 1) { taken.append(m) }
            for k in m.start..<m.end { seen.insert(k) }
        }
        taken.sort { $0.start < $1.start }
        scratch.merged.removeAll(keepingCapacity: true)
        scratch.merged.append(contentsOf: tokens[first..<n])
        tokens.removeSubrange(first..<n)
        var next = 0
        for m in taken {
            let a = m.start - first, b = m.end - first
            while next < a { tokens.append(scratch.merged[next]); next += 1 }
            var adjacent = true
            for k in a..<(b - 1) where scratch.merged[k].space || scratch.merged[k].end != scratch.merged[k + 1].start {
                adjacent = false
            }
            if adjacent {
                let space = scratch.merged[b - 1].space
                pushSpecial(&tokens, m.special, at: Int(scratch.merged[a].start))
                tokens[tokens.count - 1].space = space
            } else {
                tokens.append(contentsOf: scratch.merged[a..<b])
            }
            next = b
        }
        while next < scratch.merged.count { tokens.append(scratch.merged[next]); next += 1 }
    }

    /// True when some pattern matches tokens that touch one another.
    func hasTouchingMatch(_ s: UnsafeBufferPointer<UInt32>, from first: Int, _ tokens: [EnglishToken]) -> Bool {
        let n = tokens.count
        var i = first
        while i + 1 < n {
            let t = tokens[i]
            let u = tokens[i + 1]
            if !t.space && t.end == u.start && t.count <= maxPatternFirst && Self.maskHas(patternMask, t.count, s[Int(t.start)]) {
                let h = PythonText.hash(s, Int(t.start), Int(t.end))
                if hasOneTokenPattern {
                    if matchesTouching(s, tokens, at: i, patterns[patternRange(hash: h)]) { return true }
                } else if u.count <= maxPatternSecond && Self.maskHas(patternSecondMask, u.count, s[Int(u.start)]) {
                    let key = Self.pairHash(h, PythonText.hash(s, Int(u.start), Int(u.end)))
                    if matchesTouching(s, tokens, at: i, pairPatterns[pairRange(hash: key)]) { return true }
                }
            }
            i += 1
        }
        return false
    }

    /// True when one of `candidates` matches the tokens from `i`, each touching the next.
    private func matchesTouching(
        _ s: UnsafeBufferPointer<UInt32>, _ tokens: [EnglishToken], at i: Int, _ candidates: ArraySlice<Pattern>
    ) -> Bool {
        candidates.contains { Self.matches(s, tokens, at: i, $0, touching: true) }
    }

    /// True when the tokens from `i` have `pattern`'s texts (with `touching`, each but the last
    /// also touches the next: no space between).
    @inline(__always) private static func matches(
        _ s: UnsafeBufferPointer<UInt32>, _ tokens: [EnglishToken], at i: Int, _ pattern: Pattern, touching: Bool
    ) -> Bool {
        guard i + pattern.tokens.count <= tokens.count else { return false }
        for (k, text) in pattern.tokens.enumerated() {
            let u = tokens[i + k]
            if touching && k < pattern.tokens.count - 1 && (u.space || u.end != tokens[i + k + 1].start) { return false }
            if u.count != text.count { return false }
            let start = Int(u.start)
            let equal = text.withUnsafeBufferPointer { p in
                var j = 0
                while j < p.count && p[j] == s[start + j] { j += 1 }
                return j == p.count
            }
            if !equal { return false }
        }
        return true
    }

    // MARK: sentences

    /// Sentences spaCy's sentencizer finds in tokens `tokens[a..<b]` (at least 1, as datatrove's
    /// `split_into_sentences` returns the whole text for an empty one): a token that is not
    /// punctuation starts a sentence when a sentence-final character (`.`, `!`, `?`, …) came
    /// before it.
    func sentenceCount(_ s: UnsafeBufferPointer<UInt32>, _ tokens: UnsafeBufferPointer<EnglishToken>) -> Int {
        var count = 1
        var seenPeriod = false
        for t in tokens {
            let single = t.count == 1 && sentencePunct.contains(s[Int(t.start)])
            if seenPeriod && !single && !isPunct(s, t) {
                count += 1
                seenPeriod = false
            } else if single {
                seenPeriod = true
            }
        }
        return count
    }

    /// spaCy's `is_punct`: every character is in a Unicode punctuation category (P*).
    @inline(__always) func isPunct(_ s: UnsafeBufferPointer<UInt32>, _ t: EnglishToken) -> Bool {
        for i in Int(t.start)..<Int(t.end) {
            let c = s[i]
            if c < 0x80 {
                // ASCII P*: ! " # % & ' ( ) * , - . / : ; ? @ [ \ ] _ { }
                switch c {
                case 0x21...0x23, 0x25...0x2A, 0x2C...0x2F, 0x3A, 0x3B, 0x3F, 0x40, 0x5B...0x5D, 0x5F, 0x7B, 0x7D: continue
                default: return false
                }
            }
            guard let u = Unicode.Scalar(c) else { return false }
            switch u.properties.generalCategory {
            case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
                .finalPunctuation, .otherPunctuation:
                continue
            default: return false
            }
        }
        return true
    }

    // MARK: URLs

    /// spaCy's `URL_MATCH` on `s[lo..<hi]` (a chunk has no whitespace): optional scheme `x://`,
    /// optional `user@`, then an IPv4 address outside private ranges or host labels ending in a
    /// lower-case top-level domain, optional `:port`, optional `/`, `?` or `#` and anything.
    func isURL(_ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int) -> Bool {
        // Every form needs a dot.
        var dot = false
        for i in lo..<hi where s[i] == 0x2E { dot = true; break }
        guard dot else { return false }
        let n = hi - lo
        // Start positions of the host: after an optional scheme, then an optional user part.
        var afterScheme: [Int] = [lo]
        var p = lo
        while p < hi && Self.isSchemeChar(s[p]) { p += 1 }
        // (?:[\w\+\-\.]{2,})://  — any split of the run works as long as two or more characters
        // precede "://" and they are all scheme characters.
        for q in (lo + 2)..<max(lo + 2, min(p, hi - 2) + 1)
        where q + 3 <= hi && s[q] == 0x3A && s[q + 1] == 0x2F
            && s[q + 2] == 0x2F
        {
            afterScheme.append(q + 3)
        }
        var hostStarts = Set<Int>()
        for a in afterScheme {
            hostStarts.insert(a)
            // (?:\S+(?::\S*)?@)? : at least one character, then "@".
            var e = a + 1
            while e < hi {
                if s[e] == 0x40 { hostStarts.insert(e + 1) }
                e += 1
            }
        }
        _ = n
        for h in hostStarts where h < hi {
            for end in hostEnds(s, h, hi) where tailMatches(s, end, hi) { return true }
        }
        return false
    }

    static func isSchemeChar(_ c: UInt32) -> Bool {
        // [\w\+\-\.]: Python's \w is letters, digits (any script) and underscore.
        if c < 0x80 {
            return (c | 0x20) &- 0x61 < 26 || PythonText.isASCIIDigit(c) || c == 0x5F || c == 0x2B || c == 0x2D || c == 0x2E
        }
        guard let u = Unicode.Scalar(c) else { return false }
        switch u.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber,
            .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }

    /// After the host: optional `:\d{2,5}`, then the end or `[/?#]` and anything.
    private func tailMatches(_ s: UnsafeBufferPointer<UInt32>, _ p: Int, _ hi: Int) -> Bool {
        func rest(_ q: Int) -> Bool { q == hi || (q < hi && (s[q] == 0x2F || s[q] == 0x3F || s[q] == 0x23)) }
        if rest(p) { return true }
        guard p < hi && s[p] == 0x3A else { return false }
        var q = p + 1
        while q < hi && q - p - 1 < 5 && PythonText.isDecimal(s[q]) {
            q += 1
            if q - p - 1 >= 2 && rest(q) { return true }
        }
        return false
    }

    /// Every position where an IPv4 address or a host name starting at `h` can end.
    private func hostEnds(_ s: UnsafeBufferPointer<UInt32>, _ h: Int, _ hi: Int) -> [Int] {
        var ends: [Int] = []
        // Host names: (?:(?:H[H_-]{0,62})?H\.)+ [ALPHA_LOWER]{2,63}
        func isH(_ c: UInt32) -> Bool {
            (c | 0x20) &- 0x61 < 26 || PythonText.isASCIIDigit(c) || (c >= 0xA1 && c <= 0xFFFF)
        }
        var labelStarts: [Int] = [h]
        var visited = Set<Int>([h])
        var k = 0
        while k < labelStarts.count {
            let a = labelStarts[k]
            k += 1
            // A label is 1–64 characters: H, or H [H_-]{0,62} H; it ends before a ".".
            guard a < hi, isH(s[a]) else { continue }
            var j = a
            while j < hi && j - a < 64 {
                let c = s[j]
                guard isH(c) || c == 0x5F || c == 0x2D else { break }
                if isH(c) && j + 1 < hi && s[j + 1] == 0x2E {
                    let next = j + 2
                    // After at least one label: the top-level domain.
                    var t = next
                    while t < hi && t - next < 63 && alphaLower.contains(s[t]) {
                        t += 1
                        if t - next >= 2 { ends.append(t) }
                    }
                    if !visited.contains(next) {
                        visited.insert(next)
                        labelStarts.append(next)
                    }
                }
                j += 1
            }
        }
        // IPv4 addresses outside the private and reserved ranges.
        if let e = ipv4End(s, h, hi) { ends.append(contentsOf: e) }
        return ends
    }

    /// Ends of spaCy's dotted-quad alternative at `h` (with its negative lookaheads).
    private func ipv4End(_ s: UnsafeBufferPointer<UInt32>, _ h: Int, _ hi: Int) -> [Int]? {
        func digits(_ p: Int, _ min: Int, _ max: Int) -> [Int] {
            var out: [Int] = []
            var q = p
            while q < hi && q - p < max && PythonText.isDecimal(s[q]) {
                q += 1
                if q - p >= min { out.append(q) }
            }
            return out
        }
        func lit(_ p: Int, _ text: String) -> Int? {
            var q = p
            for c in text.unicodeScalars {
                guard q < hi && s[q] == c.value else { return nil }
                q += 1
            }
            return q
        }
        // (?:\.\d{1,3}){k} from p: can it match at all (lookahead only needs a prefix)?
        func dottedGroups(_ p: Int, _ k: Int) -> Bool {
            if k == 0 { return true }
            guard let q = lit(p, ".") else { return false }
            return digits(q, 1, 3).contains { dottedGroups($0, k - 1) }
        }
        for first in ["10", "127"] { if let q = lit(h, first), dottedGroups(q, 3) { return nil } }
        for first in ["169.254", "192.168"] { if let q = lit(h, first), dottedGroups(q, 2) { return nil } }
        // 172\.(?:1[6-9]|2\d|3[0-1])(?:\.\d{1,3}){2}
        if let q = lit(h, "172."), q + 2 <= hi {
            let a = s[q], b = s[q + 1]
            let second =
                (a == 0x31 && b >= 0x36 && b <= 0x39) || (a == 0x32 && PythonText.isDecimal(b))
                || (a == 0x33 && (b == 0x30 || b == 0x31))
            if second && dottedGroups(q + 2, 2) { return nil }
        }
        // Octet patterns on the digit string (Python \d: any decimal digit; only ASCII ones have
        // the values the ranges below name, other digits take the \d branches).
        func octets(_ p: Int, first: Bool, last: Bool) -> [Int] {
            var out: [Int] = []
            for e in digits(p, 1, 3) {
                let text = (p..<e).map { s[$0] }
                if Self.octet(text, first: first, last: last) { out.append(e) }
            }
            return out
        }
        var ends: [Int] = []
        for a in octets(h, first: true, last: false) {
            guard let a1 = lit(a, ".") else { continue }
            for b in octets(a1, first: false, last: false) {
                guard let b1 = lit(b, ".") else { continue }
                for c in octets(b1, first: false, last: false) {
                    guard let c1 = lit(c, ".") else { continue }
                    ends += octets(c1, first: false, last: true)
                }
            }
        }
        return ends
    }

    /// One octet of spaCy's IPv4 pattern: first `[1-9]\d?|1\d\d|2[01]\d|22[0-3]`, middle
    /// `1?\d{1,2}|2[0-4]\d|25[0-5]`, last `[1-9]\d?|1\d\d|2[0-4]\d|25[0-4]`.
    static func octet(_ d: [UInt32], first: Bool, last: Bool) -> Bool {
        func isD(_ c: UInt32) -> Bool { PythonText.isDecimal(c) }
        func r(_ c: UInt32, _ a: UInt32, _ b: UInt32) -> Bool { c >= 0x30 + a && c <= 0x30 + b }
        switch d.count {
        case 1:
            return first || last ? r(d[0], 1, 9) : isD(d[0])
        case 2:
            if first || last { return r(d[0], 1, 9) && isD(d[1]) }
            return (d[0] == 0x31 && isD(d[1])) || (isD(d[0]) && isD(d[1]))
        case 3:
            if d[0] == 0x31 && isD(d[1]) && isD(d[2]) { return true }
            if first { return (d[0] == 0x32 && r(d[1], 0, 1) && isD(d[2])) || (d[0] == 0x32 && d[1] == 0x32 && r(d[2], 0, 3)) }
            if d[0] == 0x32 && r(d[1], 0, 4) && isD(d[2]) { return true }
            return d[0] == 0x32 && d[1] == 0x35 && r(d[2], 0, last ? 4 : 5)
        default:
            return false
        }
    }
}
