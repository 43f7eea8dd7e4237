import JupiterCore

/// Multiple choice by log-likelihood (``MultipleChoiceTask``): `acc` and `acc_norm`.
struct MultipleChoiceRun: LoadedTask {
    let spec: EvalTaskSpec
    let task: MultipleChoiceTask
    let itemsRead: [MultipleChoiceItem]
    let items: TaskItems
    let metrics: [Metric] = [.accuracy("acc"), .accuracy("acc_norm")]
    let generation = GenerationSettings(temperature: 0, maxTokens: 1)

    init(spec: EvalTaskSpec, choices: MultipleChoiceTask.Choices) throws(EvalError) {
        self.spec = spec
        task = MultipleChoiceTask(choices: choices)
        let file = try task.read(path: spec.path)
        let sliced = TaskItems.slice(
            file, limit: spec.limit, id: { item, _ in "line \(item.origin.line)" },
            line: { $0.origin.line })
        itemsRead = sliced.items
        items = sliced.refs
    }

    var options: JSONObject { ["choices": .string(task.choices.rawValue)] }

    /// A model's system prompt goes before the context, with a blank line.
    static func prefix(_ model: EvalModelSpec) -> String { model.systemPrompt.map { $0 + "\n\n" } ?? "" }

    func request(_ i: Int, model: EvalModelSpec, seed: Int) -> TaskRequest {
        .choices(task.requests(itemsRead[i], prefix: Self.prefix(model), seed: seed))
    }

    func prompt(_ i: Int, model: EvalModelSpec) -> JSONValue {
        .object([
            "context": .string(Self.prefix(model) + itemsRead[i].context),
            "continuations": .array(itemsRead[i].continuations.map { .string($0) })
        ])
    }

    func score(_ i: Int, _ answer: TaskAnswer, model: EvalModelSpec) throws(EvalError) -> ItemScoring {
        guard case .choices(let responses) = answer else { throw EvalError(.badItem, "a multiple-choice task got a chat answer") }
        let item = itemsRead[i]
        let r = try task.score(item, responses: responses, prefix: Self.prefix(model))
        return ItemScoring(
            extracted: item.letters[r.chosen], stats: [[r.correct ? 1 : 0], [r.correctNormalised ? 1 : 0]],
            detail: .object([
                "loglikelihoods": .array(r.logLikelihoods.map(JSONValue.double)),
                "chosen_norm": .string(item.letters[r.chosenNormalised]),
                "answer": .string(item.letters[item.answer])
            ]))
    }
}
