public import JupiterCore

/// One IFEval prompt with its instructions (`{"key", "prompt", "instruction_id_list", "kwargs"}`).
public struct IFEvalItem: Sendable {
    /// Where it came from.
    public var origin: ItemOrigin
    /// The item's key.
    public var key: Int
    /// The prompt, sent as the user message.
    public var prompt: String
    /// Its instructions, in `instruction_id_list` order.
    public var instructions: [IFEvalInstruction]
}

/// The verdicts for one response.
public struct IFEvalResult: Sendable, Hashable {
    /// Strict verdict per instruction.
    public var strict: [Bool]
    /// Loose verdict per instruction (any of the eight response variants follows it).
    public var loose: [Bool]
    /// Every instruction followed, strict.
    public var promptStrict: Bool { strict.allSatisfy { $0 } }
    /// Every instruction followed, loose.
    public var promptLoose: Bool { loose.allSatisfy { $0 } }
}

/// IFEval's four accuracies (fractions in 0…1, as lm-eval reports them).
public struct IFEvalAccuracy: Sendable, Hashable {
    /// `prompt_level_strict_acc`.
    public var promptStrict: Double
    /// `inst_level_strict_acc`.
    public var instructionStrict: Double
    /// `prompt_level_loose_acc`.
    public var promptLoose: Double
    /// `inst_level_loose_acc`.
    public var instructionLoose: Double
}

/// IFEval (Zhou et al. 2023) as lm-eval's `ifeval` task: the prompt alone as a user message,
/// greedy decoding up to 1,280 tokens (lm-eval's `generation_kwargs`), strict and loose
/// verdicts per instruction, prompt-level and instruction-level accuracy.
///
/// Strict: the response (non-empty after `strip()`) follows the instruction. Loose: any of the
/// reference's eight variants does — the response, without its first line, without its last
/// line, without both (each `strip()`-ed), and those four with every `*` removed.
public struct IFEvalTask: Sendable {
    /// For the language instructions (`nil`: scoring an item that needs it throws).
    public let detector: LanguageDetector?

    /// Creates the task.
    public init(detector: LanguageDetector?) { self.detector = detector }

    /// lm-eval's settings: temperature 0, at most 1,280 new tokens.
    public static let settings = GenerationSettings(temperature: 0, maxTokens: 1280)

    /// Reads `input_data.jsonl`; a line with an unknown instruction or bad kwargs is quarantined.
    public static func read(path: String) throws(EvalError) -> TaskFile<IFEvalItem> {
        try readJSONLines(path) { (o, origin) throws(EvalError) in
            guard let key = o["key"]?.intValue else { throw EvalError(.badItem, "\"key\" must be an integer") }
            guard let prompt = o["prompt"]?.stringValue else { throw EvalError(.badItem, "\"prompt\" must be a string") }
            guard let ids = o["instruction_id_list"]?.arrayValue else {
                throw EvalError(.badItem, "\"instruction_id_list\" must be a list")
            }
            guard let kwargs = o["kwargs"]?.arrayValue, kwargs.count == ids.count else {
                throw EvalError(.badItem, "\"kwargs\" must be a list as long as \"instruction_id_list\"")
            }
            var instructions: [IFEvalInstruction] = []
            for (i, idValue) in ids.enumerated() {
                guard let id = idValue.stringValue else { throw EvalError(.badItem, "instruction_id_list[\(i)] is not a string") }
                guard let args = kwargs[i].objectValue else { throw EvalError(.badItem, "kwargs[\(i)] is not an object") }
                instructions.append(try IFEvalInstruction(id: id, kwargs: args))
            }
            return IFEvalItem(origin: origin, key: key, prompt: prompt, instructions: instructions)
        }
    }

    /// The prompt messages: the prompt as one user message.
    public func prompt(_ item: IFEvalItem) -> [Message] { [Message(role: .user, content: item.prompt)] }

    /// Strict and loose verdicts for a response (reasoning already removed).
    public func score(_ item: IFEvalItem, response: String) throws(EvalError) -> IFEvalResult {
        let variants = Self.looseVariants(response)
        var strict: [Bool] = [], loose: [Bool] = []
        for instruction in item.instructions {
            strict.append(try Self.follows(instruction, response, detector))
            var any = false
            for v in variants {
                if try Self.follows(instruction, v, detector) { any = true; break }
            }
            loose.append(any)
        }
        return IFEvalResult(strict: strict, loose: loose)
    }

    static func follows(_ i: IFEvalInstruction, _ r: String, _ d: LanguageDetector?) throws(EvalError) -> Bool {
        guard !PythonText.strip(r).isEmpty else { return false }
        return try i.check(r, detector: d)
    }

    /// The reference's eight loose variants, in its order.
    public static func looseVariants(_ response: String) -> [String] {
        let lines = PythonText.split(response, separator: "\n")
        let removeFirst = PythonText.strip(lines.dropFirst().joined(separator: "\n"))
        let removeLast = PythonText.strip(lines.dropLast().joined(separator: "\n"))
        let removeBoth = lines.count >= 2 ? PythonText.strip(lines.dropFirst().dropLast().joined(separator: "\n")) : ""
        func noStars(_ s: String) -> String { PythonText.replace(s, "*", "") }
        return [
            response, noStars(response), removeFirst, removeLast, removeBoth,
            noStars(removeFirst), noStars(removeLast), noStars(removeBoth)
        ]
    }

    /// The four accuracies over results.
    public static func aggregate(_ results: [IFEvalResult]) -> IFEvalAccuracy {
        func mean(_ xs: [Bool]) -> Double { xs.isEmpty ? 0 : Double(xs.filter { $0 }.count) / Double(xs.count) }
        return IFEvalAccuracy(
            promptStrict: mean(results.map(\.promptStrict)), instructionStrict: mean(results.flatMap(\.strict)),
            promptLoose: mean(results.map(\.promptLoose)), instructionLoose: mean(results.flatMap(\.loose)))
    }
}
