public import JupiterCore

/// Checks, before any multiple-choice item is scored, that a server returns *aligned* prompt
/// log-probabilities: otherwise log-likelihood scores would be silently wrong (chance level).
///
/// The probe echoes a predictable prompt, `1, 2, 3, …, 30`, with `logprobs: 1`. On an aligned
/// server the second half of it is almost certain: each number token is the most likely token at
/// its own position. llama-cpp-python 0.3.36 reports, at each position, the distribution *after*
/// the token (so the listed alternative is the next token, and the token's own log-probability is
/// that of repeating itself); a server that ignores `echo` or `logprobs` returns none.
public enum LogprobProbe {
    /// The probe's prompt.
    public static let prompt = (1...30).map(String.init).joined(separator: ", ")

    /// The probe's request.
    public static var request: CompletionRequest {
        CompletionRequest(prompt: prompt, sampling: Sampling(temperature: 0, maxTokens: 1), logprobs: 1, echo: true)
    }

    /// What the probe found.
    public enum Verdict: Sendable, Hashable {
        /// Aligned prompt log-probabilities.
        case aligned
        /// No prompt log-probabilities in the answer.
        case missing
        /// Shifted by one token (llama-cpp-python 0.3.36).
        case shifted
        /// Present, but not the prompt's own (mean ln p over the predictable part given).
        case misaligned(meanLogprob: Double)

        /// One sentence for the error.
        public var explanation: String {
            switch self {
            case .aligned: "prompt log-probabilities are aligned"
            case .missing: "it returns no prompt log-probabilities for a /v1/completions request with echo and logprobs"
            case .shifted:
                "its prompt log-probabilities are shifted by one token (the alternative listed for each token is "
                    + "the token after it; llama-cpp-python 0.3.36 does this)"
            case .misaligned(let m):
                "its prompt log-probabilities are not those of the prompt's own tokens (mean ln p = "
                    + "\((m * 100).rounded() / 100)" + " on the predictable part of '1, 2, 3, …', where an aligned server gives almost 0)"
            }
        }
    }

    /// Judges an answer to ``request``.
    public static func judge(_ response: CompletionResponse) -> Verdict {
        guard let tokens = response.choices.first?.logprobs, !tokens.isEmpty else { return .missing }
        let offsets = MultipleChoiceTask.offsets(response)
        let inPrompt = tokens.indices.filter { offsets[$0] < prompt.unicodeScalars.count }
        guard inPrompt.count >= 8, inPrompt.contains(where: { tokens[$0].logprob != nil }) else { return .missing }
        let tail = inPrompt.suffix(inPrompt.count / 2).dropLast()
        var own = 0, next = 0, withTop = 0, sum = 0.0, counted = 0
        for i in tail {
            if let lp = tokens[i].logprob { sum += lp; counted += 1 }
            guard let top = tokens[i].top.first?.token else { continue }
            withTop += 1
            if top == tokens[i].token { own += 1 }
            if i + 1 < tokens.count, top == tokens[i + 1].token { next += 1 }
        }
        let mean = counted > 0 ? sum / Double(counted) : -.infinity
        if withTop >= 3 {
            if own * 10 >= withTop * 6 { return .aligned }
            if next * 10 >= withTop * 6 { return .shifted }
            return .misaligned(meanLogprob: mean)
        }
        return mean >= -1 ? .aligned : .misaligned(meanLogprob: mean)
    }
}
