/// chrF and chrF++ exactly as sacrebleu 2.x computes them (`sacrebleu.metrics.CHRF`,
/// `corpus_chrf`, `sentence_chrf`).
///
/// - Characters are Unicode code points, as in Python: "ŵ" is one character when precomposed
///   (U+0175) and two when written with a combining circumflex.
/// - Whitespace (Python's `str.split()` whitespace) is removed before character n-grams are taken,
///   unless ``whitespace`` is true.
/// - Word n-grams (chrF++ with ``wordOrder`` 2) use sacrebleu's punctuation split: a token longer
///   than one character loses one trailing ASCII punctuation mark (else one leading one) into a
///   token of its own.
/// - With several references, a segment's statistics are those of the reference giving the best
///   sentence-level score (the first on ties).
/// - Scoring: by default sacrebleu's "effective order" average (orders where hypothesis and
///   reference both have n-grams), precision and recall averaged before the F-beta; with
///   ``epsSmoothing`` the chrF++.py way (per-order F-beta with 1e-16 floors, averaged over all
///   orders).
/// - A corpus score sums the per-segment statistics, then computes one F-beta.
///
/// Scores are percentages (0–100), as sacrebleu reports them.
public struct ChrF: Sendable, Hashable {
    /// Character n-gram order (sacrebleu default 6).
    public var charOrder: Int
    /// Word n-gram order: 0 for chrF, 2 for chrF++.
    public var wordOrder: Int
    /// Recall weight (default 2).
    public var beta: Int
    /// Lowercase hypothesis and references first (Python `str.lower()`).
    public var lowercase: Bool
    /// Keep whitespace inside character n-grams.
    public var whitespace: Bool
    /// chrF++.py-style epsilon smoothing instead of the effective-order average.
    public var epsSmoothing: Bool

    /// Creates a chrF metric; the defaults are sacrebleu's (`chrF2`, no word n-grams).
    public init(
        charOrder: Int = 6, wordOrder: Int = 0, beta: Int = 2, lowercase: Bool = false,
        whitespace: Bool = false, epsSmoothing: Bool = false
    ) {
        self.charOrder = max(charOrder, 0)
        self.wordOrder = max(wordOrder, 0)
        self.beta = beta
        self.lowercase = lowercase
        self.whitespace = whitespace
        self.epsSmoothing = epsSmoothing
    }

    /// chrF++ (word order 2), sacrebleu's `CHRF(word_order=2)`.
    public static let chrFPlusPlus = ChrF(wordOrder: 2)

    /// Number of n-gram orders, characters then words.
    public var order: Int { charOrder + wordOrder }

    /// Corpus chrF: `hypotheses[i]` is scored against `references[i]` (one or more reference
    /// strings for that segment). Missing reference lists count as empty references.
    public func corpusScore(hypotheses: [String], references: [[String]]) -> Double {
        var total = [Int](repeating: 0, count: 3 * order)
        for (i, hyp) in hypotheses.enumerated() {
            let refs = i < references.count ? references[i] : []
            let s = statistics(hypothesis: hyp, references: refs)
            for k in 0..<total.count { total[k] += s[k] }
        }
        return fScore(total)
    }

    /// Corpus chrF with one reference per hypothesis.
    public func corpusScore(hypotheses: [String], references: [String]) -> Double {
        corpusScore(hypotheses: hypotheses, references: references.map { [$0] })
    }

    /// Sentence chrF, sacrebleu's `sentence_chrf` (e.g. a back-translation gate: keep when ≥ 40).
    public func sentenceScore(hypothesis: String, references: [String]) -> Double {
        fScore(statistics(hypothesis: hypothesis, references: references))
    }

    /// Per-segment statistics: for each order (characters 1…`charOrder`, then words
    /// 1…`wordOrder`) the triple `[hypothesis n-grams, reference n-grams, matches]`.
    public func statistics(hypothesis: String, references: [String]) -> [Int] {
        let hyp = ngrams(lowercase ? PythonText.lower(hypothesis) : hypothesis)
        var best: [Int] = []
        var bestF = -1.0
        for ref in references {
            let r = ngrams(lowercase ? PythonText.lower(ref) : ref)
            var stats: [Int] = []
            stats.reserveCapacity(3 * order)
            for n in 0..<charOrder { stats += Self.match(hyp.chars[n], r.chars[n]) }
            for n in 0..<wordOrder { stats += Self.match(hyp.words[n], r.words[n]) }
            let f = fScore(stats)
            if f > bestF { bestF = f; best = stats }
        }
        return best.isEmpty ? [Int](repeating: 0, count: 3 * order) : best
    }

    /// The F-beta score (0–100) of summed statistics, as sacrebleu's `_compute_f_score`.
    public func fScore(_ statistics: [Int]) -> Double {
        let eps = 1e-16
        var score = 0.0
        var effectiveOrder = 0
        let factor = Double(beta * beta)
        var avgPrec = 0.0, avgRec = 0.0
        for i in 0..<order {
            let nHyp = statistics[3 * i], nRef = statistics[3 * i + 1], nMatch = statistics[3 * i + 2]
            let prec = nHyp > 0 ? Double(nMatch) / Double(nHyp) : eps
            let rec = nRef > 0 ? Double(nMatch) / Double(nRef) : eps
            let denom = factor * prec + rec
            score += denom > 0 ? (1 + factor) * prec * rec / denom : eps
            if nHyp > 0 && nRef > 0 {
                avgPrec += prec
                avgRec += rec
                effectiveOrder += 1
            }
        }
        if epsSmoothing { return 100 * score / Double(order) }
        if effectiveOrder == 0 {
            avgPrec = 0; avgRec = 0
        } else {
            avgPrec /= Double(effectiveOrder)
            avgRec /= Double(effectiveOrder)
        }
        guard avgPrec + avgRec != 0 else { return 0 }
        var s = (1 + factor) * avgPrec * avgRec
        s /= (factor * avgPrec) + avgRec
        return 100 * s
    }

    // MARK: - n-grams

    private struct NGrams {
        var chars: [[ArraySlice<Unicode.Scalar>: Int]]
        var words: [[ArraySlice<[UInt8]>: Int]]
    }

    private func ngrams(_ text: String) -> NGrams {
        let line: [Unicode.Scalar] =
            whitespace
            ? Array(text.unicodeScalars) : text.unicodeScalars.filter { !PythonText.isSpace($0) }
        var chars: [[ArraySlice<Unicode.Scalar>: Int]] = []
        for n in 1...max(charOrder, 1) where n <= charOrder {
            var c: [ArraySlice<Unicode.Scalar>: Int] = [:]
            if line.count >= n { for i in 0...(line.count - n) { c[line[i..<(i + n)], default: 0] += 1 } }
            chars.append(c)
        }
        var words: [[ArraySlice<[UInt8]>: Int]] = []
        if wordOrder > 0 {
            // Tokens compared as UTF-8 (code points, as Python does; Swift String equality is canonical).
            let tokens = Self.removePunctuation(text).map { Array($0.utf8) }
            for n in 1...wordOrder {
                var c: [ArraySlice<[UInt8]>: Int] = [:]
                if tokens.count >= n { for i in 0...(tokens.count - n) { c[tokens[i..<(i + n)], default: 0] += 1 } }
                words.append(c)
            }
        }
        return NGrams(chars: chars, words: words)
    }

    /// sacrebleu's `_get_match_statistics`: the hypothesis count is 0 when the reference has no
    /// n-gram of this order.
    private static func match<K: Hashable>(_ hyp: [K: Int], _ ref: [K: Int]) -> [Int] {
        var matches = 0, hypCount = 0
        for (g, c) in hyp {
            hypCount += c
            if let r = ref[g] { matches += min(c, r) }
        }
        return [ref.isEmpty ? 0 : hypCount, ref.values.reduce(0, +), matches]
    }

    /// sacrebleu's `_remove_punctuation` (words for chrF++).
    static func removePunctuation(_ text: String) -> [String] {
        var out: [String] = []
        for w in PythonText.split(text.unicodeScalars) {
            if w.count == 1 {
                out.append(PythonText.string(w))
            } else if let last = w.last, isPunct(last) {
                out.append(PythonText.string(w.dropLast()))
                out.append(String(last))
            } else if let first = w.first, isPunct(first) {
                out.append(String(first))
                out.append(PythonText.string(w.dropFirst()))
            } else {
                out.append(PythonText.string(w))
            }
        }
        return out
    }

    /// ASCII punctuation `!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~`.
    private static func isPunct(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: true
        default: false
        }
    }
}
