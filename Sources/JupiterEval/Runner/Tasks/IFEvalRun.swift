import JupiterCore

/// IFEval answered by chat completion (``IFEvalTask``): lm-eval's four accuracies, prompt-level
/// strict first (the default primary metric).
struct IFEvalRun: LoadedTask {
    let spec: EvalTaskSpec
    let task: IFEvalTask
    let itemsRead: [IFEvalItem]
    let items: TaskItems
    let generation: GenerationSettings
    let metrics: [Metric] = [
        .accuracy("prompt_level_strict_acc"), Metric("inst_level_strict_acc", .ratio),
        .accuracy("prompt_level_loose_acc"), Metric("inst_level_loose_acc", .ratio)
    ]

    /// The instructions that call language detection.
    static let needDetector: Set<IFEvalInstruction.Kind> = [.responseLanguage, .englishCapital, .englishLowercase]

    init(spec: EvalTaskSpec, detector: LanguageDetector?) throws(EvalError) {
        self.spec = spec
        task = IFEvalTask(detector: detector)
        let file = try IFEvalTask.read(path: spec.path)
        let sliced = TaskItems.slice(
            file, limit: spec.limit, id: { item, _ in "key \(item.key)" },
            line: { $0.origin.line })
        itemsRead = sliced.items
        items = sliced.refs
        if detector == nil, let item = itemsRead.first(where: { $0.instructions.contains { Self.needDetector.contains($0.kind) } }) {
            throw EvalError(
                .languageProfiles,
                "task '\(spec.name)': item key \(item.key) has a language instruction, which needs "
                    + "langdetect's language profiles: install langdetect (pip install langdetect==1.0.9) where Jupiter "
                    + "finds it, or set eval.langdetect (or JUPITER_LANGDETECT_DIR) to its package folder",
                file: spec.file, line: item.origin.line)
        }
        generation = ChatPrompt.settings(IFEvalTask.settings, spec)
    }

    var options: JSONObject { [:] }

    func request(_ i: Int, model: EvalModelSpec, seed: Int) -> TaskRequest {
        .chat(ChatPrompt.request(task.prompt(itemsRead[i]), model: model, generation: generation, seed: seed))
    }

    func prompt(_ i: Int, model: EvalModelSpec) -> JSONValue { ChatPrompt.json(task.prompt(itemsRead[i]), system: model.systemPrompt) }

    func score(_ i: Int, _ answer: TaskAnswer, model: EvalModelSpec) throws(EvalError) -> ItemScoring {
        guard case .text(let response) = answer else { throw EvalError(.badItem, "a chat task got choice answers") }
        let item = itemsRead[i]
        let r = try task.score(item, response: response)
        func count(_ xs: [Bool]) -> Double { Double(xs.filter { $0 }.count) }
        let n = Double(r.strict.count)
        return ItemScoring(
            extracted: nil,
            stats: [[r.promptStrict ? 1 : 0], [count(r.strict), n], [r.promptLoose ? 1 : 0], [count(r.loose), n]],
            detail: .object([
                "instructions": .array(item.instructions.map { .string($0.kind.rawValue) }),
                "strict": .array(r.strict.map { .bool($0) }), "loose": .array(r.loose.map { .bool($0) })
            ]))
    }
}
