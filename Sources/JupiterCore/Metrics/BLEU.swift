#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// BLEU exactly as sacrebleu 2.x computes it (`sacrebleu.metrics.BLEU`, `corpus_bleu`,
/// `sentence_bleu`).
///
/// Defaults are sacrebleu's: tokenizer `13a`, case kept, smoothing `exp`, n-grams up to 4,
/// brevity penalty with the closest reference length (the shorter on ties). A corpus score sums
/// the per-segment statistics (hypothesis and reference lengths, matched and total n-grams per
/// order) and computes one score; with several references the n-gram counts are clipped by the
/// largest count in any reference. ``sentence`` is `sentence_bleu`'s setting: effective order on
/// (orders with no hypothesis n-gram are left out of the geometric mean).
///
/// Tokenisation works on Unicode code points like Python (`str.split()` whitespace, `str.lower()`).
/// Scores are percentages (0–100).
public struct BLEU: Sendable, Hashable {
    /// Tokenizers (sacrebleu's `tokenize=` names).
    public enum Tokenizer: String, Sendable, Hashable, CaseIterable {
        /// mteval-v13a (sacrebleu's default).
        case thirteenA = "13a"
        /// mteval-v14 international: Unicode punctuation and symbols (`\p{P}`, `\p{S}`).
        case intl
        /// Whitespace only (`none`).
        case none
    }

    /// Smoothing methods (Chen & Cherry 2014).
    public enum Smoothing: Sendable, Hashable {
        /// No smoothing.
        case none
        /// Method 1: a floor for zero counts (sacrebleu default 0.1).
        case floor(Double)
        /// Method 2: add k to matches and totals of orders above 1 (default 1).
        case addK(Double)
        /// Method 3, NIST/mteval-v13a (sacrebleu's default): each successive zero-match order
        /// counts as 1 / (2^k · total).
        case exp
    }

    /// Tokenizer.
    public var tokenizer: Tokenizer
    /// Lowercase before tokenising.
    public var lowercase: Bool
    /// Smoothing.
    public var smoothing: Smoothing
    /// Highest n-gram order.
    public var maxOrder: Int
    /// Leave out orders beyond the last one with hypothesis n-grams (sentence-level BLEU).
    public var effectiveOrder: Bool

    /// Creates a BLEU metric; the defaults are sacrebleu's `BLEU()` / `corpus_bleu`.
    public init(
        tokenizer: Tokenizer = .thirteenA, lowercase: Bool = false, smoothing: Smoothing = .exp,
        maxOrder: Int = 4, effectiveOrder: Bool = false
    ) {
        self.tokenizer = tokenizer
        self.lowercase = lowercase
        self.smoothing = smoothing
        self.maxOrder = max(maxOrder, 1)
        self.effectiveOrder = effectiveOrder
    }

    /// sacrebleu's `sentence_bleu` defaults: 13a, `exp` smoothing, effective order on.
    public static let sentence = BLEU(effectiveOrder: true)

    /// Corpus BLEU: `hypotheses[i]` against `references[i]` (one or more strings).
    public func corpusScore(hypotheses: [String], references: [[String]]) -> Double {
        var total = [Int](repeating: 0, count: 2 + 2 * maxOrder)
        for (i, hyp) in hypotheses.enumerated() {
            let s = statistics(hypothesis: hyp, references: i < references.count ? references[i] : [])
            for k in 0..<total.count { total[k] += s[k] }
        }
        return score(total)
    }

    /// Corpus BLEU with one reference per hypothesis.
    public func corpusScore(hypotheses: [String], references: [String]) -> Double {
        corpusScore(hypotheses: hypotheses, references: references.map { [$0] })
    }

    /// BLEU of one sentence with this metric's settings (use ``sentence`` for `sentence_bleu`).
    public func sentenceScore(hypothesis: String, references: [String]) -> Double {
        score(statistics(hypothesis: hypothesis, references: references))
    }

    /// Segment statistics `[hypLen, refLen, correct₁…correctₙ, total₁…totalₙ]`.
    public func statistics(hypothesis: String, references: [String]) -> [Int] {
        var refNgrams: [ArraySlice<[UInt8]>: Int] = [:]
        var refLens: [Int] = []
        for (k, ref) in references.enumerated() {
            let tokens = tokenize(ref).map { Array($0.utf8) }
            refLens.append(tokens.count)
            let counts = ngrams(tokens)
            if k == 0 {
                refNgrams = counts
            } else {
                for (g, c) in counts where c > refNgrams[g, default: 0] { refNgrams[g] = c }
            }
        }
        let hyp = tokenize(hypothesis).map { Array($0.utf8) }
        var correct = [Int](repeating: 0, count: maxOrder)
        var total = correct
        for (g, c) in ngrams(hyp) {
            total[g.count - 1] += c
            if let r = refNgrams[g] { correct[g.count - 1] += min(c, r) }
        }
        return [hyp.count, Self.closestRefLength(hyp.count, refLens)] + correct + total
    }

    /// The score of summed statistics (sacrebleu's `compute_bleu`).
    public func score(_ stats: [Int]) -> Double {
        let sysLen = stats[0], refLen = stats[1]
        var correct = stats[2..<(2 + maxOrder)].map(Double.init)
        var total = stats[(2 + maxOrder)...].map(Double.init)
        var bp = 1.0
        if sysLen < refLen { bp = sysLen > 0 ? exp(1 - Double(refLen) / Double(sysLen)) : 0 }
        guard correct.contains(where: { $0 != 0 }) else { return 0 }
        var precisions = [Double](repeating: 0, count: maxOrder)
        var smoothMteval = 1.0
        var effOrder = maxOrder
        for n in 1...maxOrder {
            if case .addK(let k) = smoothing, n > 1 {
                correct[n - 1] += k
                total[n - 1] += k
            }
            if total[n - 1] == 0 { break }
            if effectiveOrder { effOrder = n }
            if correct[n - 1] == 0 {
                switch smoothing {
                case .exp:
                    smoothMteval *= 2
                    precisions[n - 1] = 100 / (smoothMteval * total[n - 1])
                case .floor(let v):
                    precisions[n - 1] = 100 * v / total[n - 1]
                default: break
                }
            } else {
                precisions[n - 1] = 100 * correct[n - 1] / total[n - 1]
            }
        }
        var sum = 0.0
        for p in precisions[0..<effOrder] { sum += p == 0 ? -9_999_999_999 : log(p) }
        return bp * exp(sum / Double(effOrder))
    }

    /// sacrebleu's `_get_closest_ref_len`: the reference length closest to the hypothesis
    /// length, the shorter one on ties.
    static func closestRefLength(_ hypLen: Int, _ refLens: [Int]) -> Int {
        var closestDiff = -1, closestLen = -1
        for r in refLens {
            let d = abs(hypLen - r)
            if closestDiff == -1 || d < closestDiff {
                closestDiff = d
                closestLen = r
            } else if d == closestDiff && r < closestLen {
                closestLen = r
            }
        }
        return closestLen
    }

    /// N-grams of tokens compared as UTF-8 bytes (code points, as Python compares strings; Swift
    /// `String` equality would merge "â" with "a" + U+0302).
    private func ngrams(_ tokens: [[UInt8]]) -> [ArraySlice<[UInt8]>: Int] {
        var c: [ArraySlice<[UInt8]>: Int] = [:]
        for n in 1...maxOrder where tokens.count >= n {
            for i in 0...(tokens.count - n) { c[tokens[i..<(i + n)], default: 0] += 1 }
        }
        return c
    }

    /// The tokens BLEU counts for a segment (after `rstrip`, optional lowercasing, the tokenizer).
    public func tokenize(_ text: String) -> [String] {
        var s = PythonText.rstrip(text)
        if lowercase { s = PythonText.lower(s) }
        switch tokenizer {
        case .thirteenA: return Self.tokenize13a(s)
        case .intl: return Self.tokenizeIntl(s)
        case .none: return PythonText.split(s)
        }
    }

    /// sacrebleu's `Tokenizer13a` (mteval-v13a): removes `<skipped>`, joins `-\n`, turns newlines
    /// into spaces, unescapes `&quot; &amp; &lt; &gt;`, then the four regular-expression rules of
    /// `TokenizerRegexp`, applied left to right without overlap like `re.sub`.
    static func tokenize13a(_ text: String) -> [String] {
        var line = PythonText.replace(text, "<skipped>", "")
        line = PythonText.replace(line, "-\n", "")
        line = PythonText.replace(line, "\n", " ")
        if line.unicodeScalars.contains("&") {
            line = PythonText.replace(line, "&quot;", "\"")
            line = PythonText.replace(line, "&amp;", "&")
            line = PythonText.replace(line, "&lt;", "<")
            line = PythonText.replace(line, "&gt;", ">")
        }
        var s: [Unicode.Scalar] = [" "] + Array(line.unicodeScalars) + [" "]
        let space: Unicode.Scalar = " "
        // 1. ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> " \1 "
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count * 2)
        for c in s {
            switch c.value {
            case 0x7B...0x7E, 0x5B...0x60, 0x20...0x26, 0x28...0x2B, 0x3A...0x40, 0x2F: out += [space, c, space]
            default: out.append(c)
            }
        }
        s = out
        func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 0x30 && c.value <= 0x39 }
        func isDotComma(_ c: Unicode.Scalar) -> Bool { c == "." || c == "," }
        // 2. ([^0-9])([\.,]) -> "\1 \2 "
        s = pairRule(s, { !isDigit($0) }, isDotComma) { a, b in [a, space, b, space] }
        // 3. ([\.,])([^0-9]) -> " \1 \2"
        s = pairRule(s, isDotComma, { !isDigit($0) }) { a, b in [space, a, space, b] }
        // 4. ([0-9])(-) -> "\1 \2 "
        s = pairRule(s, isDigit, { $0 == "-" }) { a, b in [a, space, b, space] }
        return PythonText.split(s).map(PythonText.string)
    }

    /// `re.sub` of a two-character pattern `(A)(B)`: non-overlapping matches, left to right.
    private static func pairRule(
        _ s: [Unicode.Scalar], _ first: (Unicode.Scalar) -> Bool,
        _ second: (Unicode.Scalar) -> Bool,
        _ replace: (Unicode.Scalar, Unicode.Scalar) -> [Unicode.Scalar]
    ) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count + s.count / 2)
        var i = 0
        while i < s.count {
            if i + 1 < s.count, first(s[i]), second(s[i + 1]) {
                out += replace(s[i], s[i + 1])
                i += 2
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    /// sacrebleu's `TokenizerV14International`: `(\P{N})(\p{P})` → `\1 \2 `, `(\p{P})(\P{N})` →
    /// ` \1 \2`, `(\p{S})` → ` \1 `, then whitespace normalisation. Categories come from Swift's
    /// Unicode tables (sacrebleu uses the `regex` module's), which agree outside newly added
    /// characters.
    static func tokenizeIntl(_ text: String) -> [String] {
        func isN(_ c: Unicode.Scalar) -> Bool {
            switch c.properties.generalCategory {
            case .decimalNumber, .letterNumber, .otherNumber: true
            default: false
            }
        }
        func isP(_ c: Unicode.Scalar) -> Bool {
            switch c.properties.generalCategory {
            case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                .initialPunctuation, .finalPunctuation, .otherPunctuation:
                true
            default: false
            }
        }
        func isS(_ c: Unicode.Scalar) -> Bool {
            switch c.properties.generalCategory {
            case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol: true
            default: false
            }
        }
        let space: Unicode.Scalar = " "
        var s = Array(text.unicodeScalars)
        s = pairRule(s, { !isN($0) }, isP) { a, b in [a, space, b, space] }
        s = pairRule(s, isP, { !isN($0) }) { a, b in [space, a, space, b] }
        var out: [Unicode.Scalar] = []
        for c in s { if isS(c) { out += [space, c, space] } else { out.append(c) } }
        return PythonText.split(out).map(PythonText.string)
    }
}
