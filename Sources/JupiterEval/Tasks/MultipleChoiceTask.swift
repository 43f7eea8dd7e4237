public import JupiterCore

/// One multiple-choice item made ready for log-likelihood scoring.
public struct MultipleChoiceItem: Sendable, Hashable {
    /// Where it came from.
    public var origin: ItemOrigin
    /// The text every choice is appended to.
    public var context: String
    /// The continuations, one per choice (each starts with a space, lm-eval's `target_delimiter`).
    public var continuations: [String]
    /// The choices' letters (`A`, `B`, …).
    public var letters: [String]
    /// Index of the correct choice.
    public var answer: Int
}

/// The log-likelihoods of one item's choices and the two verdicts.
public struct MultipleChoiceResult: Sendable, Hashable {
    /// Σ log p of each continuation's tokens given the context.
    public var logLikelihoods: [Double]
    /// The choice with the highest log-likelihood (the first on ties, as `numpy.argmax`).
    public var chosen: Int
    /// The choice with the highest log-likelihood per character of its text (without the space).
    public var chosenNormalised: Int
    /// `acc`: the chosen choice is the answer.
    public var correct: Bool
    /// `acc_norm`: the length-normalised choice is the answer.
    public var correctNormalised: Bool
}

/// Multiple choice by log-likelihood, as lm-eval's `output_type: multiple_choice` tasks score it
/// (`acc`, `acc_norm`), over an OpenAI-compatible `/v1/completions` endpoint.
///
/// Items are OpenAI-evals MCQ items (the llm-evals-cy suite): the last user message holds the
/// question followed by option lines `A: …`, `B: …` (also `A.` or `A)`), letters consecutive from
/// `A`; `ideal` is the answer letter. Two ways to score:
/// - ``Choices/letters`` (lm-eval's MMLU style): the context is the system message, a blank line,
///   the user message and `\nAnswer:`; the continuations are ` A`, ` B`, …
/// - ``Choices/texts`` (lm-eval's ARC style): the context is `Question: {question}\nAnswer:`
///   and the continuations are ` {option text}`, so `acc_norm` (log-likelihood per character,
///   lm-eval's `len(choice)`) differs from `acc`.
///
/// Each choice is one request: the context and continuation as one prompt with `echo: true`,
/// `logprobs: 1`, `max_tokens: 1`, temperature 0 (what lm-eval's `local-completions` sends); the
/// continuation's log-likelihood is the sum over the echoed tokens whose text overlaps the
/// continuation (found from the answer's `text_offset`, or the tokens' lengths without it).
/// Servers must return aligned prompt log-probabilities: ``LogprobProbe`` checks that first.
public struct MultipleChoiceTask: Sendable {
    /// What the choices are.
    public enum Choices: String, Sendable, Hashable, CaseIterable {
        /// The answer letters.
        case letters
        /// The option texts.
        case texts
    }

    /// What the choices are.
    public var choices: Choices

    /// Creates the task.
    public init(choices: Choices = .letters) { self.choices = choices }

    /// Reads an OpenAI-evals MCQ file; lines that are not items, or whose options cannot be
    /// found, are quarantined with file and line.
    public func read(path: String) throws(EvalError) -> TaskFile<MultipleChoiceItem> {
        try readJSONLines(path) { (o, origin) throws(EvalError) in
            try self.item(OpenAIEvalsTask.decode(o, origin))
        }
    }

    /// Parses an OpenAI-evals item's options and answer.
    public func item(_ e: OpenAIEvalsItem) throws(EvalError) -> MultipleChoiceItem {
        guard let user = e.input.last(where: { $0.role == .user }) else {
            throw EvalError(.badItem, "no user message holds the question")
        }
        let lines = PythonText.split(user.content, separator: "\n")
        var options: [(letter: String, text: String)] = []
        var questionLines: [String] = []
        for line in lines {
            if let o = Self.option(line), o.letter == Self.letter(options.count) {
                options.append(o)
            } else if options.isEmpty {
                questionLines.append(line)
            } else if !PythonText.strip(line).isEmpty {
                options[options.count - 1].text += "\n" + line
            }
        }
        guard options.count >= 2 else {
            throw EvalError(.badItem, "no options found: expected lines 'A: …', 'B: …' in the last user message")
        }
        let letters = options.map(\.letter)
        guard let ideal = e.ideal.first.map(PythonText.strip), let answer = letters.firstIndex(of: ideal) else {
            throw EvalError(.badItem, "\"ideal\" must be one of the option letters \(letters.joined(separator: ", "))")
        }
        let context: String
        let continuations: [String]
        switch choices {
        case .letters:
            let system = e.input.filter { $0.role == .system }.map(\.content)
            context = (system + [user.content]).joined(separator: "\n\n") + "\nAnswer:"
            continuations = letters.map { " " + $0 }
        case .texts:
            context = "Question: " + PythonText.strip(questionLines.joined(separator: "\n")) + "\nAnswer:"
            continuations = options.map { " " + PythonText.strip($0.text) }
        }
        return MultipleChoiceItem(
            origin: e.origin, context: context, continuations: continuations, letters: letters,
            answer: answer)
    }

    static func letter(_ i: Int) -> String { String(UnicodeScalar(UInt8(65 + i))) }

    /// `A: text`, `A. text` or `A) text`.
    static func option(_ line: String) -> (letter: String, text: String)? {
        let s = Array(PythonText.strip(line).unicodeScalars)
        guard s.count >= 3, ("A"..."Z").contains(s[0]), [":", ".", ")"].contains(s[1]), s[2] == " " || s[2] == "\t"
        else { return nil }
        var t = String.UnicodeScalarView()
        t.append(contentsOf: s[3...])
        return (String(s[0]), PythonText.strip(String(t)))
    }

    /// The requests for an item, one per choice; `prefix` (a model's system prompt and a blank
    /// line) goes before the context.
    public func requests(_ item: MultipleChoiceItem, prefix: String = "", seed: Int? = nil) -> [CompletionRequest] {
        item.continuations.map { c in
            CompletionRequest(
                prompt: prefix + item.context + c, sampling: Sampling(temperature: 0, maxTokens: 1, seed: seed),
                logprobs: 1, echo: true)
        }
    }

    /// The log-likelihood of the prompt's characters from `start` to `end` (code points): the sum
    /// over echoed tokens whose text overlaps that span. Throws when the answer has no prompt
    /// log-probabilities or a token in the span has none.
    public static func logLikelihood(_ response: CompletionResponse, from start: Int, to end: Int) throws(EvalError) -> Double {
        guard let choice = response.choices.first, let tokens = choice.logprobs, !tokens.isEmpty else {
            throw EvalError(.badItem, "the answer holds no prompt log-probabilities (echo + logprobs)")
        }
        let offsets = Self.offsets(response)
        var sum = 0.0
        var used = 0
        for (i, t) in tokens.enumerated() {
            let from = offsets[i], to = offsets[i] + t.token.unicodeScalars.count
            let overlaps = (to > start && from < end) || (from == to && from >= start && from < end)
            guard overlaps else { continue }
            guard let lp = t.logprob else {
                throw EvalError(.badItem, "token \(i) (\(t.token.debugDescription)) of the continuation has no log-probability")
            }
            sum += lp
            used += 1
        }
        guard used > 0 else { throw EvalError(.badItem, "no echoed token covers characters \(start)..<\(end) of the prompt") }
        return sum
    }

    /// Start of each token in code points: the answer's `text_offset`, else the tokens' running length.
    static func offsets(_ response: CompletionResponse) -> [Int] {
        let tokens = response.choices.first?.logprobs ?? []
        if let raw = response.raw["choices"]?[0]?["logprobs"]?["text_offset"]?.arrayValue, raw.count == tokens.count,
            raw.allSatisfy({ $0.intValue != nil })
        {
            return raw.compactMap(\.intValue)
        }
        var out: [Int] = []
        var at = 0
        for t in tokens {
            out.append(at)
            at += t.token.unicodeScalars.count
        }
        return out
    }

    /// Scores an item from its choices' answers (`responses[i]` answers continuation `i`), with
    /// `prefix` as given to ``requests(_:prefix:seed:)``.
    public func score(_ item: MultipleChoiceItem, responses: [CompletionResponse], prefix: String = "")
        throws(EvalError) -> MultipleChoiceResult
    {
        guard responses.count == item.continuations.count else {
            throw EvalError(.badItem, "\(responses.count) answers for \(item.continuations.count) choices")
        }
        let start = (prefix + item.context).unicodeScalars.count
        var lls: [Double] = []
        for (c, r) in zip(item.continuations, responses) {
            lls.append(try Self.logLikelihood(r, from: start, to: start + c.unicodeScalars.count))
        }
        // lm-eval divides by len(choice): the choice without the delimiter space.
        let normalised = zip(lls, item.continuations).map { $0 / Double(max(1, $1.unicodeScalars.count - 1)) }
        let chosen = Self.argmax(lls), chosenNorm = Self.argmax(normalised)
        return MultipleChoiceResult(
            logLikelihoods: lls, chosen: chosen, chosenNormalised: chosenNorm,
            correct: chosen == item.answer, correctNormalised: chosenNorm == item.answer)
    }

    /// Index of the largest value, the first on ties.
    static func argmax(_ xs: [Double]) -> Int {
        var best = 0
        for i in xs.indices where xs[i] > xs[best] { best = i }
        return best
    }
}
