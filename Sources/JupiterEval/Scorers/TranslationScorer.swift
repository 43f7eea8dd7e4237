public import JupiterCore

/// Translation scoring with the Core metrics: corpus BLEU (sacrebleu defaults) or corpus chrF
/// (sacrebleu defaults, chrF2), and per item the sentence-level score (`sentence_bleu` /
/// `sentence_chrf`) for inspection. The task's score is the corpus score, never the mean of
/// sentence scores.
public struct TranslationScorer: Sendable, Hashable {
    /// The metric.
    public enum Metric: Sendable, Hashable {
        /// Corpus BLEU with these settings (sentence scores use effective order).
        case bleu(BLEU)
        /// chrF with these settings.
        case chrF(ChrF)
    }

    /// The metric.
    public var metric: Metric

    /// Creates a scorer.
    public init(_ metric: Metric) { self.metric = metric }

    /// sacrebleu's default BLEU.
    public static let bleu = TranslationScorer(.bleu(BLEU()))
    /// sacrebleu's default chrF.
    public static let chrF = TranslationScorer(.chrF(ChrF()))

    /// Sentence score of one response against its references.
    public func score(response: String, references: [String]) -> ItemScore {
        switch metric {
        case .bleu(var b):
            b.effectiveOrder = true
            return ItemScore(extracted: response, score: b.sentenceScore(hypothesis: response, references: references))
        case .chrF(let c):
            return ItemScore(extracted: response, score: c.sentenceScore(hypothesis: response, references: references))
        }
    }

    /// Corpus score: `responses[i]` against `references[i]`.
    public func corpusScore(responses: [String], references: [[String]]) -> Double {
        switch metric {
        case .bleu(let b): b.corpusScore(hypotheses: responses, references: references)
        case .chrF(let c): c.corpusScore(hypotheses: responses, references: references)
        }
    }
}
