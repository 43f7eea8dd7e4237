import JupiterCore

/// A stage placed in a dataset, with its unique id and derived seed.
public struct PlannedStage: Sendable {
    /// Unique id within the dataset (`name`, or `name#2` for a second use).
    public var id: String
    /// The stage.
    public var stage: any Stage
    /// Seed derived from the recipe seed, the dataset and the stage id.
    public var seed: UInt64
}

/// A unit of scheduling: consecutive per-batch stages (run in parallel over batches), or one
/// global stage (run after all its input is ready).
public enum PlanStep: Sendable {
    case batch([PlannedStage])
    case global(PlannedStage)

    /// Stages in the step.
    public var stages: [PlannedStage] {
        switch self {
        case .batch(let s): s
        case .global(let s): [s]
        }
    }
}

/// What a dataset reads.
public enum DatasetInput: Sendable {
    case source(SourceSpec)
    case dataset(String)
}

/// One dataset's plan.
public struct DatasetPlan: Sendable {
    /// Dataset name.
    public var name: String
    /// Its input.
    public var input: DatasetInput
    /// Kind of the records it reads.
    public var inputKind: RecordKind
    /// Kind of the records it writes.
    public var outputKind: RecordKind
    /// Stages in order.
    public var stages: [PlannedStage]
    /// Scheduling steps. The first is always a batch step (possibly with no stages) that reads the input.
    public var steps: [PlanStep]
}

/// A recipe turned into an ordered, checked plan.
public struct Plan: Sendable {
    /// The recipe.
    public var recipe: Recipe
    /// Datasets in dependency order.
    public var datasets: [DatasetPlan]

    /// Builds the plan, reporting every problem (unknown stage, bad option, kind mismatch).
    public static func build(_ recipe: Recipe, registry: StageRegistry) -> (Plan?, [Diagnostic]) {
        var problems: [Diagnostic] = []
        let context = StageBuildContext(baseDirectory: recipe.baseDirectory, seed: recipe.seed)
        let byName = Dictionary(recipe.datasets.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let sources = Dictionary(recipe.sources.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var planned: [String: DatasetPlan] = [:]
        var order: [DatasetPlan] = []
        var visiting = Set<String>()

        /// Builds one step's stage, recording every problem (unknown stage, bad or unknown
        /// options, a factory error such as a corrupt model file); nil when it cannot be built.
        func makeStage(_ step: StepSpec, in spec: DatasetSpec) -> (any Stage)? {
            guard let factory = registry.factories[step.name] else {
                problems.append(Diagnostic(.error, "dataset '\(spec.name)': unknown stage '\(step.name)'; known stages: "
                                           + registry.names.joined(separator: ", "),
                                           file: recipe.file, line: step.line))
                return nil
            }
            var options = StageOptions(stage: step.name, node: step.options, file: recipe.file, line: step.line)
            do {
                let stage = try factory.make(&options, context)
                problems += options.finish()
                return stage
            } catch {
                problems += options.finish()
                problems.append(Diagnostic(.error, "dataset '\(spec.name)': stage '\(step.name)': \(error)",
                                           file: recipe.file, line: step.line))
                return nil
            }
        }

        func plan(_ spec: DatasetSpec) -> DatasetPlan? {
            if let p = planned[spec.name] { return p }
            guard visiting.insert(spec.name).inserted else { return nil }  // cycle: reported by the loader
            defer { visiting.remove(spec.name) }
            let input: DatasetInput
            var kind: RecordKind
            if recipe.invalidSources.contains(spec.from) {
                // The source was already reported; still check this dataset's stages and options.
                checkStagesOnly(spec)
                return nil
            } else if let source = sources[spec.from] {
                input = .source(source)
                kind = source.format.recordKind
            } else if let upstream = byName[spec.from], let up = plan(upstream) {
                input = .dataset(up.name)
                kind = up.outputKind
            } else {
                return nil
            }
            let inputKind = kind
            var stages: [PlannedStage] = []
            var uses: [String: Int] = [:]
            for step in spec.steps {
                guard let stage = makeStage(step, in: spec) else { continue }
                if let aware = stage as? any KindAware {
                    if !aware.acceptedKinds.contains(kind) {
                        let accepted = aware.acceptedKinds.map(\.rawValue).sorted().joined(separator: ", ")
                        problems.append(Diagnostic(.error, "dataset '\(spec.name)': stage '\(step.name)' takes \(accepted) "
                                                   + "records but receives \(kind.rawValue) records here",
                                                   file: recipe.file, line: step.line))
                    } else {
                        kind = aware.outputKind(for: kind)
                    }
                }
                let n = (uses[step.name] ?? 0) + 1
                uses[step.name] = n
                let id = n == 1 ? step.name : "\(step.name)#\(n)"
                stages.append(PlannedStage(id: id, stage: stage,
                                           seed: StableHash.fnv1a64(seed: recipe.seed, [spec.name, id])))
            }
            // Group into steps: leading batch stages, then each global stage followed by a batch step.
            var steps: [PlanStep] = []
            var current: [PlannedStage] = []
            var first = true
            for s in stages {
                if s.stage is any GlobalStage {
                    if first || !current.isEmpty { steps.append(.batch(current)) }
                    first = false
                    current = []
                    steps.append(.global(s))
                } else if s.stage is any BatchStage {
                    current.append(s)
                } else {
                    problems.append(Diagnostic(.error, "stage '\(s.id)' is neither a batch nor a global stage",
                                               file: recipe.file, line: spec.line))
                }
            }
            if first || !current.isEmpty { steps.append(.batch(current)) }
            let p = DatasetPlan(name: spec.name, input: input, inputKind: inputKind, outputKind: kind, stages: stages,
                                steps: steps)
            planned[spec.name] = p
            order.append(p)
            return p
        }

        func checkStagesOnly(_ spec: DatasetSpec) {
            for step in spec.steps { _ = makeStage(step, in: spec) }
        }

        for spec in recipe.datasets { _ = plan(spec) }
        if let mix = recipe.mix {
            for (name, _) in mix.config.weights {
                guard let p = planned[name], p.outputKind != .conversation else { continue }
                problems.append(Diagnostic(.error, "mix: dataset '\(name)' holds \(p.outputKind.rawValue) records; only "
                                           + "conversations can be mixed"
                                           + (p.outputKind == .pair ? " (add a parallel-to-chat step)" : ""),
                                           file: recipe.file, line: mix.weightLines[name]))
            }
        }
        if problems.contains(where: { $0.severity == .error }) { return (nil, problems) }
        return (Plan(recipe: recipe, datasets: order), problems)
    }
}
