import JupiterCore

/// Compares two evaluations written to disk (`jupiter eval compare BASE_RUN TUNED_RUN`): a model
/// of one against a model of the other, on the tasks both ran with the same settings.
public enum RunComparison {
    /// An evaluation folder (a run's `eval/`) with its results read.
    public struct Evaluation: Sendable {
        /// The folder.
        public var directory: String
        /// Its results.json.
        public var results: EvalResults

        /// Reads `<directory>/results.json`.
        public init(directory: String) throws(EvalError) {
            let path = directory + "/results.json"
            let bytes: [UInt8]
            do { bytes = try FileSystem.read(path) } catch {
                throw EvalError(.io, "no evaluation results at \(path) (run `jupiter eval` first): \(error.reason)")
            }
            let json: JSONValue
            do { json = try JSONParser.parse(bytes) } catch { throw EvalError(.badItem, "not JSON: \(error)", file: path) }
            self.directory = directory
            results = try EvalResults(json: json, file: path)
        }

        /// The model to compare: `name`, or the only model, or (for the base) the baseline.
        func model(_ name: String?, role: String) throws(EvalError) -> String {
            let models = results.models
            if let name {
                guard models.contains(name) else {
                    throw EvalError(.mismatch, "\(directory) has no model '\(name)' (it has: \(models.joined(separator: ", ")))")
                }
                return name
            }
            if models.count == 1 { return models[0] }
            if role == "base", let b = results.settings["comparison"]?["baseline"]?.stringValue { return b }
            throw EvalError(.mismatch, "\(directory) holds several models (\(models.joined(separator: ", "))): name the \(role) model")
        }
    }

    /// Base against tuned: refused, naming the setting, when a task both ran differs in any task
    /// setting (kind, role, file contents, limit, options, generation settings, metrics) or the
    /// request seed differs. The file's path may differ; its SHA-256 may not. Returns a results
    /// document with both models' figures on the common tasks and the comparison; `tasksOnlyInOne`
    /// lists tasks left out.
    public static func compare(
        base: Evaluation, baseModel: String? = nil, tuned: Evaluation, tunedModel: String? = nil,
        settings: ComparisonSettings
    ) throws(EvalError) -> (results: EvalResults, tasksOnlyInOne: [String]) {
        let bm = try base.model(baseModel, role: "base"), tm = try tuned.model(tunedModel, role: "tuned")
        let baseTasks = base.results.settings["tasks"]?.objectValue?.keys ?? []
        let tunedTasks = tuned.results.settings["tasks"]?.objectValue?.keys ?? []
        let common = tunedTasks.filter { baseTasks.contains($0) }
        guard !common.isEmpty else {
            throw EvalError(
                .mismatch,
                "the two evaluations share no task (base: \(baseTasks.joined(separator: ", ")); tuned: "
                    + "\(tunedTasks.joined(separator: ", ")))")
        }
        let seedA = base.results.settings["seeds"]?["generation"], seedB = tuned.results.settings["seeds"]?["generation"]
        if seedA != seedB {
            throw EvalError(
                .mismatch,
                "setting 'seeds.generation' differs: \(show(seedA)) in \(base.directory), \(show(seedB)) in "
                    + "\(tuned.directory); task settings must be equal to compare")
        }
        for task in common {
            var a = base.results.taskSettings(task)?.objectValue ?? JSONObject()
            var b = tuned.results.taskSettings(task)?.objectValue ?? JSONObject()
            _ = a.removeValue(forKey: "file")
            _ = b.removeValue(forKey: "file")
            if let (path, x, y) = difference(.object(a), .object(b), path: "") {
                throw EvalError(
                    .mismatch,
                    "task '\(task)': setting '\(path)' differs: \(show(x)) in \(base.directory), \(show(y)) "
                        + "in \(tuned.directory); task settings must be equal to compare (the models may differ in anything)")
            }
        }
        // Names in the combined document (two runs may both call their model "base").
        let baseName = bm == tm ? "\(FileSystem.baseName(FileSystem.parent(of: base.directory)))/\(bm)" : bm
        let tunedName = bm == tm ? "\(FileSystem.baseName(FileSystem.parent(of: tuned.directory)))/\(tm)" : tm
        var compared: [TaskComparison] = []
        var results: [TaskResult] = []
        for task in common {
            guard let info = tuned.results.comparedTask(task) else {
                throw EvalError(.badItem, "task '\(task)' has no metrics in \(tuned.directory)/results.json")
            }
            let a = try EvalRunner.readRecords(EvalRunner.recordsPath(directory: base.directory, model: bm, task: task))
            let b = try EvalRunner.readRecords(EvalRunner.recordsPath(directory: tuned.directory, model: tm, task: task))
            compared.append(try EvalComparison.compare(info, base: a, tuned: b, settings: settings))
            for (name, model, run) in [(baseName, bm, base), (tunedName, tm, tuned)] {
                if var r = run.results.result(model: model, task: task) {
                    r.model = name
                    results.append(r)
                }
            }
        }
        var models = JSONObject()
        models[baseName] = base.results.settings["models"]?[bm] ?? .null
        models[tunedName] = tuned.results.settings["models"]?[tm] ?? .null
        var tasks = JSONObject()
        for task in common { tasks[task] = tuned.results.taskSettings(task) ?? .null }
        let document: JSONObject = [
            "models": .object(models), "tasks": .object(tasks), "seeds": tuned.results.settings["seeds"] ?? .null,
            "comparison": .object([
                "baseline": .string(baseName), "margin": .double(settings.margin),
                "resamples": .int(settings.resamples), "level": .double(settings.level),
                "seed": .number(String(settings.seed)), "examples": .int(settings.examples)
            ]),
            "runs": .object(["base": .string(base.directory), "tuned": .string(tuned.directory)])
        ]
        let left = (baseTasks + tunedTasks).filter { !common.contains($0) }
        return (
            EvalResults(
                settings: document, results: results,
                comparisons: [ModelComparison(base: baseName, tuned: tunedName, settings: settings, tasks: compared)]),
            left
        )
    }

    static func show(_ v: JSONValue?) -> String { v.map { JSONWriter.string($0) } ?? "nothing" }

    /// The first path where two JSON values differ, with both values there.
    static func difference(_ a: JSONValue, _ b: JSONValue, path: String) -> (String, JSONValue?, JSONValue?)? {
        if case .object(let x) = a, case .object(let y) = b {
            for key in x.keys + y.keys.filter({ !x.keys.contains($0) }) {
                let sub = path.isEmpty ? key : path + "." + key
                switch (x[key], y[key]) {
                case (let p?, let q?): if let d = difference(p, q, path: sub) { return d }
                case (let p, let q): return (sub, p, q)
                }
            }
            return nil
        }
        return a == b ? nil : (path, a, b)
    }
}
