import JupiterCore

/// Where a recipe runs: the recipe's `executor:` section, which `jupiter run --executor …` and
/// its flags override.
///
/// ```yaml
/// executor:
///   kind: slurm            # local (default) or slurm
///   partition: cpu         # default: the cluster's default partition
///   tasks: 16              # array tasks per step of per-batch stages
///   cpus_per_task: 4       # also the batch workers inside each task
///   mem: 16G               # per task (sbatch --mem)
///   time: "04:00:00"       # per task (sbatch --time); a task near it requeues itself
///   account: proj123
///   qos: normal
///   sbatch_args: ["--constraint=avx2"]
///   max_array_size: 1000   # larger arrays are split (Slurm's MaxArraySize)
///   max_requeues: 2        # a task killed by its time limit is requeued this often
///   setup: ["module load python/3.11"]   # shell lines each job runs first
///   jupiter: /shared/bin/jupiter         # the binary jobs run (default: this one)
///   wait: false            # true: `jupiter run` waits for the jobs and reports like a local run
/// ```
public enum ExecutorSettings: Sendable, Equatable {
    /// This process (the default).
    case local
    /// Slurm jobs.
    case slurm(SlurmSettings)

    /// The recipe's key.
    static let key = "executor"

    /// These settings with command-line overrides (`--executor`, `--partition`, `--tasks`,
    /// `--cpus-per-task`, `--wait`): a Slurm flag without `--executor slurm` applies to a recipe
    /// whose executor is Slurm, and is an error otherwise.
    public func overriding(kind: String?, partition: String?, tasks: Int?, cpusPerTask: Int?, wait: Bool) throws(RunError)
        -> ExecutorSettings
    {
        var chosen = self
        switch kind {
        case nil: break
        case "local": chosen = .local
        case "slurm": if case .local = self { chosen = .slurm(SlurmSettings()) }
        case let other?:
            throw RunError(
                .usage,
                "unknown executor '\(other)' (known: local, slurm)"
                    + Suggestion.didYouMean(other, among: ["local", "slurm"]))
        }
        guard case .slurm(var s) = chosen else {
            if partition != nil || tasks != nil || cpusPerTask != nil || wait {
                throw RunError(
                    .usage,
                    "--partition, --tasks, --cpus-per-task and --wait apply to the slurm executor "
                        + "(add --executor slurm, or set executor.kind: slurm in the recipe)")
            }
            return chosen
        }
        if let partition { s.partition = partition }
        if let tasks { s.tasks = tasks }
        if let cpusPerTask { s.cpusPerTask = cpusPerTask }
        if wait { s.wait = true }
        return .slurm(s)
    }

    /// Reads the `executor:` section (absent: local).
    static func load(_ reader: inout ConfigReader) -> ExecutorSettings {
        guard let node = reader.node(key) else { return .local }
        guard node.mapEntries != nil, var o = reader.mapping(key) else {
            reader.problem(key, "'executor' must be a mapping such as { kind: slurm, partition: cpu, tasks: 16 }")
            return .local
        }
        let kind = o.choice("kind", ["local", "slurm"], default: "local")
        var s = SlurmSettings()
        if kind == "slurm" {
            s.partition = o.nonEmptyString("partition")
            s.tasks = o.int("tasks", default: s.tasks, range: 1...100_000)
            s.cpusPerTask = o.int("cpus_per_task", default: s.cpusPerTask, range: 1...1024)
            s.memory = o.nonEmptyString("mem")
            if let m = s.memory, !SlurmSettings.isMemory(m) {
                o.problem("mem", "'mem' must be a Slurm memory size such as 16G or 4000M, found '\(m)'")
            }
            s.time = o.nonEmptyString("time")
            if let t = s.time, !SlurmSettings.isTime(t) {
                o.problem(
                    "time", "'time' must be a Slurm time limit such as \"04:00:00\", \"1-00:00:00\" or \"90\" (minutes), found '\(t)'")
            }
            s.account = o.nonEmptyString("account")
            s.qos = o.nonEmptyString("qos")
            s.sbatchArguments = o.stringList("sbatch_args", default: [])
            s.maxArraySize = o.int("max_array_size", default: s.maxArraySize, range: 1...10_000_000)
            s.maxRequeues = o.int("max_requeues", default: s.maxRequeues, range: 0...100)
            s.setup = o.stringList("setup", default: [])
            s.jupiter = o.nonEmptyString("jupiter")
            s.wait = o.bool("wait", default: false)
        } else {
            for k in o.keys where k != "kind" {
                _ = o.node(k)
                o.warning(k, "'\(k)' applies to 'kind: slurm' only")
            }
        }
        reader.append(o.finish())
        return kind == "slurm" ? .slurm(s) : .local
    }
}

/// The Slurm executor's settings (see ``ExecutorSettings``).
public struct SlurmSettings: Sendable, Equatable {
    /// Partition (`nil`: the cluster's default).
    public var partition: String?
    /// Array tasks per step of per-batch stages.
    public var tasks = 4
    /// CPUs per task (also the batch workers in each task).
    public var cpusPerTask = 2
    /// Memory per task (`--mem`).
    public var memory: String?
    /// Time limit per task (`--time`).
    public var time: String?
    /// `--account`.
    public var account: String?
    /// `--qos`.
    public var qos: String?
    /// More `sbatch` arguments, as given.
    public var sbatchArguments: [String] = []
    /// Arrays larger than this are split into several.
    public var maxArraySize = 1000
    /// How often a task killed near its time limit requeues itself.
    public var maxRequeues = 2
    /// Shell lines each job runs before Jupiter (`module load …`).
    public var setup: [String] = []
    /// The `jupiter` binary the jobs run (`nil`: the running one).
    public var jupiter: String?
    /// Whether `jupiter run` waits for the jobs.
    public var wait = false

    /// The `jupiter run` options that give these settings where the recipe says otherwise
    /// (`--executor slurm --tasks 4 --cpus-per-task 2`, and `--partition P` when one is set).
    public var commandLineOptions: String {
        "--executor slurm --tasks \(tasks) --cpus-per-task \(cpusPerTask)"
            + (partition.map { " --partition \(SlurmExecutor.quote($0))" } ?? "")
    }

    /// Creates default settings.
    public init() {}

    /// `16G`, `4000M`, `1T`, `500` (megabytes).
    static func isMemory(_ s: String) -> Bool {
        var digits = Substring(s)
        if let last = s.last, "KMGTkmgt".contains(last) { digits = s.dropLast() }
        return !digits.isEmpty && digits.allSatisfy(\.isNumber)
    }

    /// Slurm's time formats: `M`, `M:S`, `H:M:S`, `D-H`, `D-H:M`, `D-H:M:S`, `UNLIMITED`.
    static func isTime(_ s: String) -> Bool {
        if s == "UNLIMITED" || s == "infinite" { return true }
        let dayParts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard dayParts.count <= 2 else { return false }
        if dayParts.count == 2 && (dayParts[0].isEmpty || !dayParts[0].allSatisfy(\.isNumber)) { return false }
        let clock = dayParts.last ?? ""
        let fields = clock.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...3).contains(fields.count) else { return false }
        return fields.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }
}
