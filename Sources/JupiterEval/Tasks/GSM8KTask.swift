public import JupiterCore

/// One GSM8K problem (`{"question": …, "answer": "…reasoning…\n#### 42"}`).
public struct GSM8KItem: Sendable, Hashable {
    /// Where it came from.
    public var origin: ItemOrigin
    /// The problem.
    public var question: String
    /// The reference solution, ending with `#### N`.
    public var answer: String
}

/// GSM8K (Cobbe et al. 2021) as lm-eval's `gsm8k` and `gsm8k-cot` tasks: items, prompts and
/// scoring (``GSM8KScorer``).
///
/// Prompts (lm-eval's formats; exemplars are separated by a blank line, the answer follows the
/// prompt after one space):
/// - ``GSM8KScorer/Variant/standard``: `Question: {question}\nAnswer:`; exemplars are train
///   items with their whole reference answer (ending `#### N`).
/// - ``GSM8KScorer/Variant/chainOfThought``: `Q: {question}\nA:`; exemplars end with
///   `The answer is N.`
///
/// Few-shot exemplars (``FewShot``): none; lm-eval's fixed eight chain-of-thought exemplars of
/// `gsm8k-cot.yaml` (Wei et al. 2022, taken in order as its `first_n` sampler does); or `k`
/// exemplars drawn from the train split with Jupiter's seeded generator, independently per item
/// (keyed by the seed and the item's question, so the order items are visited in does not
/// matter). The draw is deterministic but is not lm-eval's Python `random.Random(1234)`
/// sequence, so sampled few-shot prompts differ from lm-eval's; the fixed exemplars are identical.
///
/// Generation: greedy (temperature 0); stop at `Question:` (standard) or `Q:` (CoT) and the
/// `</s>`, `<|im_end|>` markers, as the YAML files say (``settings``).
public struct GSM8KTask: Sendable {
    /// How exemplars are chosen.
    public enum FewShot: Sendable, Hashable {
        /// Zero-shot.
        case none
        /// lm-eval's fixed chain-of-thought exemplars (the first `count` of the eight).
        case fixedChainOfThought(count: Int)
        /// `count` exemplars drawn per item from ``GSM8KTask/trainItems`` with `seed`.
        case sampled(count: Int, seed: UInt64)
    }

    /// Prompt shape.
    public enum Format: Sendable, Hashable {
        /// One text prompt (a completion request, or one user message).
        case text
        /// Chat: each exemplar a user turn and an assistant turn, then the question as a user
        /// turn (lm-eval's `--apply_chat_template --fewshot_as_multiturn`).
        case chatMultiturn
    }

    /// The variant (prompt format and strict pattern).
    public var variant: GSM8KScorer.Variant
    /// Exemplars.
    public var fewShot: FewShot
    /// Prompt shape.
    public var format: Format
    /// Train items for ``FewShot/sampled(count:seed:)``.
    public var trainItems: [GSM8KItem]
    /// The scorer.
    public let scorer: GSM8KScorer

    /// Creates a task.
    public init(
        variant: GSM8KScorer.Variant = .standard, fewShot: FewShot = .none, format: Format = .text,
        trainItems: [GSM8KItem] = []
    ) throws(EvalError) {
        if case .sampled(let k, _) = fewShot, k > trainItems.count {
            throw EvalError(.badOption, "\(k) sampled exemplars asked for, but only \(trainItems.count) train items given")
        }
        if case .fixedChainOfThought(let k) = fewShot, k > Self.chainOfThoughtExemplars.count || k < 0 {
            throw EvalError(.badOption, "there are \(Self.chainOfThoughtExemplars.count) fixed exemplars, not \(k)")
        }
        self.variant = variant
        self.fewShot = fewShot
        self.format = format
        self.trainItems = trainItems
        self.scorer = GSM8KScorer(variant: variant)
    }

    /// Generation settings from lm-eval's YAML: greedy, with its stop sequences.
    public var settings: GenerationSettings {
        GenerationSettings(temperature: 0, stop: [variant == .standard ? "Question:" : "Q:", "</s>", "<|im_end|>"])
    }

    /// Reads a GSM8K JSONL file; bad lines are quarantined with file and line.
    public static func read(path: String) throws(EvalError) -> TaskFile<GSM8KItem> {
        try readJSONLines(path) { (o, origin) throws(EvalError) in
            guard let q = o["question"]?.stringValue else { throw EvalError(.badItem, "\"question\" must be a string") }
            guard let a = o["answer"]?.stringValue else { throw EvalError(.badItem, "\"answer\" must be a string") }
            return GSM8KItem(origin: origin, question: q, answer: a)
        }
    }

    /// The text after the last `####`, stripped (lm-eval's CoT `doc_to_target`).
    public static func finalAnswer(_ answer: String) -> String {
        let parts = PythonText.split(answer, separator: "####")
        return PythonText.strip(parts.last ?? answer)
    }

    /// The question part of a prompt.
    public func question(_ item: GSM8KItem) -> String {
        variant == .standard ? "Question: \(item.question)\nAnswer:" : "Q: \(item.question)\nA:"
    }

    /// The exemplars used for an item, as (question prompt, answer) pairs.
    public func exemplars(for item: GSM8KItem) -> [(prompt: String, answer: String)] {
        switch fewShot {
        case .none: return []
        case .fixedChainOfThought(let k):
            return Self.chainOfThoughtExemplars.prefix(k).map { ex in
                (variant == .standard ? "Question: \(ex.question)\nAnswer:" : "Q: \(ex.question)\nA:", ex.target)
            }
        case .sampled(let k, let seed):
            var rng = SeededRandom(seed, "gsm8k-fewshot", item.question)
            var pool = Array(trainItems.indices)
            var chosen: [GSM8KItem] = []
            var i = 0
            while chosen.count < k, i < pool.count {
                let j = i + Int(rng.next() % UInt64(pool.count - i))
                pool.swapAt(i, j)
                let ex = trainItems[pool[i]]
                if ex.question != item.question { chosen.append(ex) }
                i += 1
            }
            return chosen.map { ex in
                (question(ex), variant == .standard ? ex.answer : Self.cotTarget(ex.answer))
            }
        }
    }

    /// The prompt as one text (``Format/text``).
    public func promptText(_ item: GSM8KItem) -> String {
        var parts = exemplars(for: item).map { "\($0.prompt) \($0.answer)" }
        parts.append(question(item))
        return parts.joined(separator: "\n\n")
    }

    /// The prompt as chat messages: one user message (``Format/text``) or alternating turns
    /// (``Format/chatMultiturn``).
    public func prompt(_ item: GSM8KItem) -> [Message] {
        switch format {
        case .text: return [Message(role: .user, content: promptText(item))]
        case .chatMultiturn:
            var out: [Message] = []
            for ex in exemplars(for: item) {
                out.append(Message(role: .user, content: ex.prompt))
                out.append(Message(role: .assistant, content: ex.answer))
            }
            out.append(Message(role: .user, content: question(item)))
            return out
        }
    }

    /// Scores a response (reasoning already removed).
    public func score(_ item: GSM8KItem, response: String) -> GSM8KScorer.Result {
        scorer.score(response: response, answer: item.answer)
    }

    /// A train answer as a CoT exemplar target: the reasoning without calculator annotations,
    /// then `The answer is N.`
    static func cotTarget(_ answer: String) -> String {
        let parts = PythonText.split(answer, separator: "####")
        let reasoning = (parts.dropLast().joined(separator: "####")).replacingCalculatorAnnotations()
        return PythonText.strip(PythonText.replace(reasoning, "\n", " ")) + " The answer is \(finalAnswer(answer))."
    }

    /// lm-eval's `gsm8k-cot.yaml` exemplars (from Wei et al. 2022, "Chain-of-Thought Prompting").
    public static let chainOfThoughtExemplars: [(question: String, target: String)] = [
        (
            "There are 15 trees in the grove. Grove workers will plant trees in the grove today. After they are done, there will be 21 trees. How many trees did the grove workers plant today?",
            "There are 15 trees originally. Then there were 21 trees after some more were planted. So there must have been 21 - 15 = 6. The answer is 6."
        ),
        (
            "If there are 3 cars in the parking lot and 2 more cars arrive, how many cars are in the parking lot?",
            "There are originally 3 cars. 2 more cars arrive. 3 + 2 = 5. The answer is 5."
        ),
        (
            "Leah had 32 chocolates and her sister had 42. If they ate 35, how many pieces do they have left in total?",
            "Originally, Leah had 32 chocolates. Her sister had 42. So in total they had 32 + 42 = 74. After eating 35, they had 74 - 35 = 39. The answer is 39."
        ),
        (
            "Jason had 20 lollipops. He gave Denny some lollipops. Now Jason has 12 lollipops. How many lollipops did Jason give to Denny?",
            "Jason started with 20 lollipops. Then he had 12 after giving some to Denny. So he gave Denny 20 - 12 = 8. The answer is 8."
        ),
        (
            "Shawn has five toys. For Christmas, he got two toys each from his mom and dad. How many toys does he have now?",
            "Shawn started with 5 toys. If he got 2 toys each from his mom and dad, then that is 4 more toys. 5 + 4 = 9. The answer is 9."
        ),
        (
            "There were nine computers in the server room. Five more computers were installed each day, from monday to thursday. How many computers are now in the server room?",
            "There were originally 9 computers. For each of 4 days, 5 more computers were added. So 5 * 4 = 20 computers were added. 9 + 20 is 29. The answer is 29."
        ),
        (
            "Michael had 58 golf balls. On tuesday, he lost 23 golf balls. On wednesday, he lost 2 more. How many golf balls did he have at the end of wednesday?",
            "Michael started with 58 golf balls. After losing 23 on tuesday, he had 58 - 23 = 35. After losing 2 more, he had 35 - 2 = 33 golf balls. The answer is 33."
        ),
        (
            "Olivia has $23. She bought five bagels for $3 each. How much money does she have left?",
            "Olivia had 23 dollars. 5 bagels for 3 dollars each will be 5 x 3 = 15 dollars. So she has 23 - 15 dollars left. 23 - 15 is 8. The answer is 8."
        )
    ]
}

extension String {
    /// Removes GSM8K calculator annotations `<<…>>`.
    fileprivate func replacingCalculatorAnnotations() -> String {
        var parts = PythonText.split(self, separator: "<<")
        var out = parts.removeFirst()
        for p in parts {
            let closed = PythonText.split(p, separator: ">>")
            out += closed.count > 1 ? closed.dropFirst().joined(separator: ">>") : "<<" + p
        }
        return out
    }
}
