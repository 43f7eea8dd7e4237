import JupiterCore

/// One step of a dataset, placed in the run folder: its fingerprint (a hash of everything its
/// output depends on) and its work folder `work/<dataset>/<index>-<fingerprint prefix>/`.
struct StepWork: Sendable {
    /// The dataset.
    let dataset: DatasetPlan
    /// Position in the dataset (0 reads the input).
    let index: Int
    /// The stages.
    let step: PlanStep
    /// Full fingerprint.
    let fingerprint: String
    /// Its files.
    let files: BatchFiles

    /// `read`, or the stage ids joined by arrows.
    var label: String { step.label }
    /// True for the first step, which reads the dataset's input.
    var readsInput: Bool { index == 0 }
    /// `<dataset>/<index>`: how logs and errors name the step.
    var name: String { "\(dataset.name)/\(index)" }
}

/// The step fingerprints of a plan. A step's fingerprint hashes its input (the source files'
/// SHA-256s and reading options, or the upstream dataset's final fingerprint), the batch size,
/// and each stage's name, configuration and, for stages that use it (``UsesSeed``), seed. A
/// changed recipe or input therefore never reuses stale work, and an unchanged one reuses all of it.
enum Fingerprints {
    /// Hash of lines.
    static func hash(_ parts: [String]) -> String {
        var sha = SHA256()
        for p in parts { sha.update(p); sha.update([0x0A]) }
        return sha.hexDigest()
    }

    /// What a step contributes to its fingerprint.
    static func describe(_ step: PlanStep) -> [String] {
        step.stages.map {
            "\($0.id)|\($0.stage.name)|\(JSONWriter.string($0.stage.configuration))|\($0.usesSeed ? String($0.seed) : "-")"
        }
    }

    /// The steps of every dataset, in plan order. `hashes` maps each source file (as written) to
    /// its SHA-256.
    static func steps(of plan: Plan, hashes: [String: String], runDirectory: String) -> [String: [StepWork]] {
        var out: [String: [StepWork]] = [:]
        var finalFingerprint: [String: String] = [:]
        let batchSize = plan.settings.batchSize
        for dataset in plan.datasets {
            var previous: String
            switch dataset.input {
            case .source(let s):
                previous = hash(
                    [
                        "jupiter \(RunEngine.version)", "source", s.format.rawValue,
                        s.options.languages.joined(separator: ","), s.options.textField,
                        String(s.options.maxLineBytes), "batch \(batchSize)"
                    ]
                        + s.files.map { "\($0) \(hashes[$0] ?? "")" })
            case .dataset(let up):
                previous = hash(["jupiter \(RunEngine.version)", "dataset", finalFingerprint[up] ?? "", "batch \(batchSize)"])
            }
            var works: [StepWork] = []
            for (index, step) in dataset.steps.enumerated() {
                let fp = hash([previous] + describe(step))
                previous = fp
                let dir = runDirectory + "/work/\(dataset.name)/\(index)-\(fp.prefix(16))"
                works.append(
                    StepWork(
                        dataset: dataset, index: index, step: step, fingerprint: fp,
                        files: BatchFiles(directory: dir, compressKept: index == dataset.steps.count - 1)))
            }
            finalFingerprint[dataset.name] = previous
            out[dataset.name] = works
        }
        return out
    }
}
