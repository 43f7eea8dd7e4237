import JupiterCore

/// GSM8K answered by chat completion (``GSM8KTask``): lm-eval's `exact_match` under its two
/// filters, `flexible-extract` first (the default primary metric: chat models rarely end with
/// `#### N`) and `strict-match`.
struct GSM8KRun: LoadedTask {
    let spec: EvalTaskSpec
    let task: GSM8KTask
    let gsmOptions: GSM8KOptions
    let itemsRead: [GSM8KItem]
    let items: TaskItems
    let generation: GenerationSettings
    let metrics: [Metric] = [.accuracy("exact_match,flexible-extract"), .accuracy("exact_match,strict-match")]
    let seed: UInt64

    init(spec: EvalTaskSpec, options: GSM8KOptions, seed: UInt64) throws(EvalError) {
        self.spec = spec
        gsmOptions = options
        self.seed = seed
        let file = try GSM8KTask.read(path: spec.path)
        let sliced = TaskItems.slice(
            file, limit: spec.limit, id: { item, _ in "line \(item.origin.line)" },
            line: { $0.origin.line })
        itemsRead = sliced.items
        items = sliced.refs
        var train: [GSM8KItem] = []
        let fewShot: GSM8KTask.FewShot
        switch (options.fewShot, options.fewShotSource) {
        case (0, _): fewShot = .none
        case (let k, .fixedChainOfThought): fewShot = .fixedChainOfThought(count: k)
        case (let k, .sampled(let trainFile)):
            train = try GSM8KTask.read(path: trainFile).items
            fewShot = .sampled(count: k, seed: seed)
        }
        task = try GSM8KTask(
            variant: options.variant, fewShot: fewShot, format: options.multiturn ? .chatMultiturn : .text,
            trainItems: train)
        generation = ChatPrompt.settings(task.settings, spec)
    }

    var options: JSONObject {
        var o: JSONObject = [
            "variant": .string(gsmOptions.variant.rawValue), "fewshot": .int(gsmOptions.fewShot),
            "multiturn": .bool(gsmOptions.multiturn)
        ]
        switch gsmOptions.fewShotSource {
        case .fixedChainOfThought: o["fewshot_source"] = .string("chain-of-thought")
        case .sampled(let train):
            o["fewshot_source"] = .string("sampled")
            o["fewshot_train_sha256"] = .string((try? SHA256.hex(ofFile: train)) ?? "")
            o["fewshot_seed"] = .string(String(seed))
        }
        return o
    }

    func request(_ i: Int, model: EvalModelSpec, seed: Int) -> TaskRequest {
        .chat(ChatPrompt.request(task.prompt(itemsRead[i]), model: model, generation: generation, seed: seed))
    }

    func prompt(_ i: Int, model: EvalModelSpec) -> JSONValue { ChatPrompt.json(task.prompt(itemsRead[i]), system: model.systemPrompt) }

    func score(_ i: Int, _ answer: TaskAnswer, model: EvalModelSpec) throws(EvalError) -> ItemScoring {
        guard case .text(let response) = answer else { throw EvalError(.badItem, "a chat task got choice answers") }
        let r = task.score(itemsRead[i], response: response)
        return ItemScoring(
            extracted: r.flexible.extracted, stats: [[r.flexible.score], [r.strict.score]],
            detail: .object([
                "strict_extracted": r.strict.extracted.map { .string($0) } ?? .null,
                "target": .string(GSM8KTask.finalAnswer(itemsRead[i].answer))
            ]))
    }
}
