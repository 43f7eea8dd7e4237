import JupiterCore

/// `pair-filter`: drops sentence pairs unfit for translation training. Rules, in the order they
/// are checked (the first that fires names the drop):
///
/// | rule | drops when | default |
/// |---|---|---|
/// | `pair.empty` | either side is empty or whitespace only | — |
/// | `pair.identical` | both sides are the same after trimming and case folding (untranslated copy) | — |
/// | `pair.too-short` | either side has fewer than `min_chars` characters | 2 |
/// | `pair.too-long` | either side has more than `max_chars` characters | 4000 |
/// | `pair.length-ratio` | longer/shorter character length > `max_ratio` (only when the longer side has ≥ `ratio_min_chars`) | 3.0, 15 |
/// | `pair.non-letters` | letters make up less than `min_letter_share` of either side's non-space characters | 0.5 |
///
/// Anchors: Moses `clean-corpus-n.perl` drops by length and a length ratio (9 on tokens, far
/// looser than needed for sentence-aligned legislation); character ratios of 2–3 are the common
/// choice for curated NMT data (e.g. OPUS filter's `LengthRatioFilter`), so 3.0 is used here.
public struct PairFilterStage: PairKeepingStage, KindAware {
    public let name = "pair-filter"
    /// Shortest side allowed, in characters.
    public var minChars: Int
    /// Longest side allowed, in characters.
    public var maxChars: Int
    /// Largest length ratio allowed.
    public var maxRatio: Double
    /// The ratio rule applies only when the longer side has at least this many characters.
    public var ratioMinChars: Int
    /// Smallest share of letters among non-space characters.
    public var minLetterShare: Double

    /// Creates the stage.
    public init(
        minChars: Int = 2, maxChars: Int = 4000, maxRatio: Double = 3.0, ratioMinChars: Int = 15,
        minLetterShare: Double = 0.5
    ) {
        self.minChars = minChars
        self.maxChars = maxChars
        self.maxRatio = maxRatio
        self.ratioMinChars = ratioMinChars
        self.minLetterShare = minLetterShare
    }

    public var acceptedKinds: Set<RecordKind> { [.pair] }
    public func outputKind(for input: RecordKind) -> RecordKind { input }

    public var configuration: JSONValue {
        .object([
            "min_chars": .int(minChars), "max_chars": .int(maxChars), "max_ratio": .double(maxRatio),
            "ratio_min_chars": .int(ratioMinChars), "min_letter_share": .double(minLetterShare)
        ])
    }

    /// The recipe factory.
    public static let factory = StageFactory(
        name: "pair-filter",
        summary: "Drop empty, identical, too short/long, length-ratio outlier and mostly non-letter pairs."
    ) { o, _ in
        PairFilterStage(
            minChars: o.int("min_chars", default: 2, range: 0...1_000_000),
            maxChars: o.int("max_chars", default: 4000, range: 1...100_000_000),
            maxRatio: o.double("max_ratio", default: 3.0, range: 1...1000),
            ratioMinChars: o.int("ratio_min_chars", default: 15, range: 0...1_000_000),
            minLetterShare: o.double("min_letter_share", default: 0.5, range: 0...1))
    }

    public func process(_ record: Record, context: StageContext) throws -> StageOutput {
        guard case .pair(let p) = record else {
            return .quarantined(record, error: "pair-filter expects pairs, got \(record.kind.rawValue)")
        }
        if let reason = check(p) { return .dropped(record, reason) }
        return .kept(record)
    }

    /// The first rule the pair breaks, or nil.
    public func check(_ p: ParallelPair) -> DropReason? {
        let fast = SimpleText.withUTF8(p.source) { a in
            SimpleText.withUTF8(p.target) { b in checkSimple(p.sourceLanguage, p.targetLanguage, a, b) }
        }
        if let fast { return fast }
        return checkGeneral(p)
    }

    /// True when the pair passes every rule: the simple-text road of ``check(_:)``, on the bytes
    /// (``SideCounts`` also checks that they are well-formed UTF-8); false for a pair
    /// it drops, bad UTF-8, or text that needs the general code.
    public func keeps(
        sourceLanguage: String, targetLanguage: String, source: UnsafeBufferPointer<UInt8>,
        target: UnsafeBufferPointer<UInt8>
    ) -> Bool {
        guard case .some(.none) = checkSimple(sourceLanguage, targetLanguage, source, target) else { return false }
        return true
    }

    /// ``check(_:)`` for two simple texts (``SimpleText``): `.some(result)`, or nil when a
    /// character needs the general code.
    func checkSimple(
        _ sourceLanguage: String, _ targetLanguage: String, _ ua: UnsafeBufferPointer<UInt8>,
        _ ub: UnsafeBufferPointer<UInt8>
    ) -> DropReason?? {
        // One pass per side checks that it is simple and gives what every rule needs.
        guard let sa = SideCounts(ua), let sb = SideCounts(ub) else { return nil }
        let ra = SimpleText.trimmed(ua), rb = SimpleText.trimmed(ub)
        if ra.isEmpty || rb.isEmpty {
            return .some(DropReason(rule: "pair.empty", message: "\(ra.isEmpty ? sourceLanguage : targetLanguage) side is empty"))
        }
        if sa.needsGeneral || sb.needsGeneral { return nil }
        // Lower-casing is now one scalar to one scalar of the same length (ASCII letters fold,
        // the rest stays): the lower-case forms are equal exactly when the bytes are, up to ASCII case.
        if ra.count == rb.count && SimpleText.equalFoldingASCII(ua, ra, ub, rb) {
            return .some(DropReason(rule: "pair.identical", message: "both sides are identical"))
        }
        if let r = lengthRules(sa.characters(trimmedTo: ra, ua), sb.characters(trimmedTo: rb, ub)) { return .some(r) }
        if let r = letterRule(sourceLanguage, sa.letterShare) { return .some(r) }
        if let r = letterRule(targetLanguage, sb.letterShare) { return .some(r) }
        return .some(nil)
    }

    /// What the rules need of one side of simple text, in one pass over its UTF-8 that also checks
    /// it is simple, well-formed UTF-8 (``SimpleText/simpleScalar(_:_:)`` at every non-ASCII scalar).
    struct SideCounts {
        /// Swift `Character`s (scalars, `\r\n` once) of the whole side.
        var characters = 0
        /// Alphabetic scalars.
        var letters = 0
        /// Scalars other than whitespace.
        var visible = 0
        /// A scalar changes when lower-cased other than an ASCII letter: the general code decides.
        var needsGeneral = false

        /// The counts of `u`; nil when `u` is not simple, well-formed UTF-8.
        init?(_ u: UnsafeBufferPointer<UInt8>) {
            var previousCR = false
            var i = 0
            let end = u.count
            let base = u.baseAddress
            while i < end {
                // Eight ASCII bytes without a control byte at a time: eight characters, the
                // spaces among them not visible, the letters counted together.
                if end - i >= 8, let base {
                    let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                    if w & ASCIIWord.high == 0 && ASCIIWord.controlBytes(w) == 0 {
                        let spaces = ASCIIWord.bytes(equalTo: 0x20, in: w).nonzeroBitCount
                        let x = w | 0x2020_2020_2020_2020
                        // `a` ... `z` once folded: at least 0x61 and below 0x7B.
                        let alpha = (x &+ 0x1F1F_1F1F_1F1F_1F1F) & ~(x &+ 0x0505_0505_0505_0505) & ASCIIWord.high
                        characters += 8
                        visible += 8 - spaces
                        letters += alpha.nonzeroBitCount
                        previousCR = false
                        i += 8
                        continue
                    }
                }
                let b = u[i]
                if b < 0x80 {
                    if !(b == 0x0A && previousCR) { characters += 1 }
                    previousCR = b == 0x0D
                    if !(b == 0x20 || (b >= 0x09 && b <= 0x0D)) {
                        visible += 1
                        if (b | 0x20) &- 0x61 < 26 { letters += 1 }
                    }
                    i += 1
                    continue
                }
                previousCR = false
                guard let (c, n) = SimpleText.simpleScalar(u, i) else { return nil }
                characters += 1
                if !SimpleText.isWhitespace(c) {
                    visible += 1
                    if SimpleText.isAlphabetic(c) { letters += 1 }
                }
                if SimpleText.lowercase(c) == nil { needsGeneral = true }
                i += n
            }
        }

        /// The characters of the side's part `r`, which ``SimpleText/trimmed(_:)`` gave: the side's
        /// less the whitespace characters cut at either end (whitespace is neither visible nor a
        /// letter, so only this count changes). A `\r\n` is never cut in two: both are whitespace.
        func characters(trimmedTo r: Range<Int>, _ u: UnsafeBufferPointer<UInt8>) -> Int {
            func whitespaceCharacters(_ range: Range<Int>) -> Int {
                var n = 0
                var previousCR = false
                for i in range where u[i] & 0xC0 != 0x80 {
                    if !(u[i] == 0x0A && previousCR) { n += 1 }
                    previousCR = u[i] == 0x0D
                }
                return n
            }
            return characters - whitespaceCharacters(0..<r.lowerBound) - whitespaceCharacters(r.upperBound..<u.count)
        }

        /// Share of letters among non-whitespace characters (1 for none), as ``letterShare(_:)``.
        var letterShare: Double { visible == 0 ? 1 : Double(letters) / Double(visible) }
    }

    /// ``check(_:)`` for any text.
    func checkGeneral(_ p: ParallelPair) -> DropReason? {
        let a = p.source.trimmingWhitespace()
        let b = p.target.trimmingWhitespace()
        if a.isEmpty || b.isEmpty {
            return DropReason(rule: "pair.empty", message: "\(a.isEmpty ? p.sourceLanguage : p.targetLanguage) side is empty")
        }
        if a.lowercased() == b.lowercased() {
            return DropReason(rule: "pair.identical", message: "both sides are identical")
        }
        if let r = lengthRules(a.count, b.count) { return r }
        for (lang, side) in [(p.sourceLanguage, a), (p.targetLanguage, b)] {
            if let r = letterRule(lang, Self.letterShare(side)) { return r }
        }
        return nil
    }

    /// The length rules on the sides' character counts.
    func lengthRules(_ la: Int, _ lb: Int) -> DropReason? {
        if min(la, lb) < minChars {
            return DropReason(
                rule: "pair.too-short", message: "\(min(la, lb)) characters < \(minChars)",
                value: .int(min(la, lb)))
        }
        if max(la, lb) > maxChars {
            return DropReason(
                rule: "pair.too-long", message: "\(max(la, lb)) characters > \(maxChars)",
                value: .int(max(la, lb)))
        }
        let ratio = Double(max(la, lb)) / Double(max(min(la, lb), 1))
        if max(la, lb) >= ratioMinChars && ratio > maxRatio {
            return DropReason(
                rule: "pair.length-ratio",
                message: "length ratio \(Self.format(ratio)) > \(Self.format(maxRatio))",
                value: .double((ratio * 1000).rounded() / 1000))
        }
        return nil
    }

    /// The letter-share rule on one side.
    func letterRule(_ lang: String, _ share: Double) -> DropReason? {
        guard share < minLetterShare else { return nil }
        return DropReason(
            rule: "pair.non-letters",
            message: "\(lang) side is \(Self.format(share * 100))% letters < \(Self.format(minLetterShare * 100))%",
            value: .double((share * 1000).rounded() / 1000))
    }

    /// Share of letters among non-whitespace characters (1 for text without any).
    public static func letterShare(_ s: String) -> Double {
        var letters = 0
        var total = 0
        for c in s.unicodeScalars {
            // Below U+0300 from SimpleText's tables (the same Unicode properties, no search).
            if c.value < 0x300 {
                if SimpleText.isWhitespace(c.value) { continue }
                total += 1
                if SimpleText.isAlphabetic(c.value) { letters += 1 }
                continue
            }
            if c.properties.isWhitespace { continue }
            total += 1
            if c.properties.isAlphabetic { letters += 1 }
        }
        return total == 0 ? 1 : Double(letters) / Double(total)
    }

    static func format(_ v: Double) -> String {
        let r = (v * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) + ".0" : String(r)
    }
}
