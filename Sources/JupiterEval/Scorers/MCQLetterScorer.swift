import JupiterCore

/// The llm-evals-cy multiple-choice protocol: the answer is the first standalone letter matched
/// by `\b([A-D])\b` (Python `re.search`, so `\b` is Unicode-aware: "Aŵ" has no boundary after
/// the "A"); the item is correct when that letter equals the ideal answer (any of them, after
/// Python `str.strip()`). Accuracy is the mean over items.
public struct MCQLetterScorer: Sendable {
    /// The letters accepted (default A–D).
    public let letters: String
    private let regex: PyRegex

    /// Creates a scorer for the letters `A` through `last` (e.g. "D", "E").
    public init(last: Character = "D") throws(EvalError) {
        guard let v = last.unicodeScalars.first?.value, last.unicodeScalars.count == 1, v >= 0x41, v <= 0x5A else {
            throw EvalError(.badOption, "the last answer letter must be one of A–Z, not \(last)")
        }
        self.letters = last == "A" ? "A" : "A-\(last)"
        self.regex = try PyRegex("\\b([\(letters)])\\b")
    }

    /// The llm-evals-cy default, letters A–D.
    public static let standard: MCQLetterScorer = {
        do { return try MCQLetterScorer() } catch { fatalError("A–D is a valid range") }
    }()

    /// The generation settings of the protocol: temperature 0, at most 10 new tokens.
    public static let settings = GenerationSettings(temperature: 0, maxTokens: 10)

    /// The first standalone letter, or nil.
    public func extract(_ response: String) -> String? { regex.search(response)?.group(1) }

    /// Scores one response.
    public func score(response: String, ideal: [String]) -> ItemScore {
        let letter = extract(response)
        let hit = letter.map { l in ideal.contains { PythonText.strip($0) == l } } ?? false
        return ItemScore(extracted: letter, score: hit ? 1 : 0)
    }
}
