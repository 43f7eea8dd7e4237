import JupiterCore

/// An OpenAI-evals file answered by chat completion (``OpenAIEvalsTask``): accuracy for
/// `mcq-letter` and `exact-match`, corpus BLEU or chrF for `bleu` and `chrf`.
struct OpenAIEvalsRun: LoadedTask {
    let spec: EvalTaskSpec
    let task: OpenAIEvalsTask
    let itemsRead: [OpenAIEvalsItem]
    let items: TaskItems
    let metrics: [Metric]
    let generation: GenerationSettings

    init(spec: EvalTaskSpec, kind: OpenAIEvalsTask.Kind) throws(EvalError) {
        self.spec = spec
        task = OpenAIEvalsTask(kind: kind)
        let file = try OpenAIEvalsTask.read(path: spec.path)
        let sliced = TaskItems.slice(
            file, limit: spec.limit, id: { item, _ in "line \(item.origin.line)" },
            line: { $0.origin.line })
        itemsRead = sliced.items
        items = sliced.refs
        switch kind {
        case .mcqLetter, .exactMatch: metrics = [.accuracy("accuracy")]
        case .bleu: metrics = [Metric("bleu", .bleu)]
        case .chrf: metrics = [Metric("chrf", .chrf)]
        }
        generation = ChatPrompt.settings(task.settings, spec)
    }

    var options: JSONObject { ["scoring": .string(task.kind.rawValue)] }

    func request(_ i: Int, model: EvalModelSpec, seed: Int) -> TaskRequest {
        .chat(ChatPrompt.request(task.prompt(itemsRead[i]), model: model, generation: generation, seed: seed))
    }

    func prompt(_ i: Int, model: EvalModelSpec) -> JSONValue { ChatPrompt.json(task.prompt(itemsRead[i]), system: model.systemPrompt) }

    func score(_ i: Int, _ answer: TaskAnswer, model: EvalModelSpec) throws(EvalError) -> ItemScoring {
        guard case .text(let response) = answer else { throw EvalError(.badItem, "a chat task got choice answers") }
        let item = itemsRead[i]
        switch task.kind {
        case .mcqLetter, .exactMatch:
            let s = task.score(item, response: response)
            return ItemScoring(extracted: s.extracted, stats: [[s.score]])
        case .bleu:
            return ItemScoring(extracted: nil, stats: [BLEU().statistics(hypothesis: response, references: item.ideal).map(Double.init)])
        case .chrf:
            return ItemScoring(extracted: nil, stats: [ChrF().statistics(hypothesis: response, references: item.ideal).map(Double.init)])
        }
    }
}
