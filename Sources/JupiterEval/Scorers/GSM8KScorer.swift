/// GSM8K scoring as lm-eval's `gsm8k` task (version 3.0) and its chain-of-thought variants:
/// two answer filters, each scored with lm-eval's `exact_match` normalisation
/// (`ignore_case: true`, `ignore_punctuation: false`,
/// `regexes_to_ignore: [",", "\\$", "(?s).*#### ", "\\.$"]`) against the reference.
///
/// - `strict-match`: `#### (\-?[0-9\.\,]+)` (`gsm8k`), or `The answer is (\-?[0-9\.\,]+).`
///   (`gsm8k-cot`, `gsm8k-cot-zeroshot`), first match.
/// - `flexible-extract`: `(-?[$0-9.,]{2,})|(-?[0-9]+)`, last match (`group_select: -1`).
///
/// The reference is the dataset's whole `answer` (`gsm8k`: the `(?s).*#### ` rule cuts it down to
/// the number) or the text after the last `####`, stripped (the CoT variants); both normalise to
/// the same number.
public struct GSM8KScorer: Sendable {
    /// The prompt family, which fixes the strict pattern.
    public enum Variant: String, Sendable, Hashable, CaseIterable {
        /// `gsm8k`: answers end with `#### N`.
        case standard = "gsm8k"
        /// `gsm8k-cot` / `gsm8k-cot-zeroshot`: answers end with `The answer is N.`
        case chainOfThought = "gsm8k-cot"
    }

    /// The two filters' names, as lm-eval reports them.
    public enum Filter: String, Sendable, Hashable, CaseIterable {
        case strictMatch = "strict-match"
        case flexibleExtract = "flexible-extract"
    }

    /// One response's two results.
    public struct Result: Sendable, Hashable {
        /// `strict-match` extraction and score.
        public var strict: ItemScore
        /// `flexible-extract` extraction and score.
        public var flexible: ItemScore
        /// The result of a filter.
        public subscript(_ f: Filter) -> ItemScore { f == .strictMatch ? strict : flexible }
    }

    /// The variant.
    public let variant: Variant
    /// The `strict-match` filter.
    public let strict: RegexExtractFilter
    /// The `flexible-extract` filter.
    public let flexible: RegexExtractFilter
    /// The `exact_match` normalisation.
    public let exactMatch: ExactMatchScorer

    /// Creates the scorer of a variant.
    public init(variant: Variant = .standard) {
        self.variant = variant
        do {
            strict = try RegexExtractFilter(
                pattern: variant == .standard ? "#### (\\-?[0-9\\.\\,]+)" : "The answer is (\\-?[0-9\\.\\,]+).")
            flexible = try RegexExtractFilter(pattern: "(-?[$0-9.,]{2,})|(-?[0-9]+)", groupSelect: -1)
            exactMatch = try ExactMatchScorer(regexesToIgnore: [",", "\\$", "(?s).*#### ", "\\.$"], ignoreCase: true)
        } catch {
            fatalError("the GSM8K patterns are constants that compile: \(error)")
        }
    }

    /// Scores one response against the item's reference `answer` (whole, with `#### N`).
    public func score(response: String, answer: String) -> Result {
        let reference = variant == .standard ? answer : GSM8KTask.finalAnswer(answer)
        let s = strict.apply(response), f = flexible.apply(response)
        return Result(
            strict: ItemScore(extracted: s, score: exactMatch.score(prediction: s, references: [reference]).score),
            flexible: ItemScore(extracted: f, score: exactMatch.score(prediction: f, references: [reference]).score))
    }
}
