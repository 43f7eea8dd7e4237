/// The documented exit codes of `jupiter`.
public enum ExitStatus: Int32, Sendable {
    /// Success (quarantined records are reported, not fatal).
    case success = 0
    /// A stage failed.
    case stageFailed = 1
    /// Bad usage, an invalid recipe, or a run folder Jupiter did not make.
    case usage = 2
    /// A file could not be read or written.
    case io = 3
    /// A model endpoint failed (after every retry).
    case model = 4
    /// Interrupted (SIGINT/SIGTERM); rerun to resume.
    case interrupted = 130
}

/// Why a run (or its preparation) stopped: the `Jupiter` module's one error type. Each kind has
/// its documented exit code (``exitCode``), which the CLI uses as is.
public struct RunError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: String, Sendable {
        /// The recipe has errors (they were reported as diagnostics). Exit 2.
        case invalidRecipe = "invalid-recipe"
        /// A command was used wrongly (an unknown format, a file that cannot be detected). Exit 2.
        case usage
        /// The run folder cannot be used (not made by Jupiter and not empty, not a folder). Exit 2.
        case folder
        /// Another process holds the run folder. Exit 3.
        case locked
        /// A file could not be read or written. Exit 3.
        case io
        /// A stage failed in a way that is not a per-record problem (a bug, an inconsistent input). Exit 1.
        case stage
        /// Model requests failed for transport reasons after every retry (connection, timeout, 429,
        /// 5xx), or a model could not be started. The rest of the run finished; a rerun resends
        /// exactly the requests that failed. Exit 4.
        case model
        /// Interrupted (SIGINT/SIGTERM); finished work is recorded. Exit 130.
        case interrupted
    }

    /// A step that could not finish because model requests failed.
    public struct StepFailure: Sendable {
        /// Dataset (or `mixture`).
        public var dataset: String
        /// The step's label (`generate`, `read → replay`, …).
        public var step: String
        /// Batches not done.
        public var batches: Int
        /// The first error, naming the model and endpoint.
        public var error: String
    }

    /// The kind.
    public var kind: Kind
    /// One sentence (or a few lines) saying what failed and what to do.
    public var message: String
    /// For ``Kind/model``: the steps left unfinished.
    public var failures: [StepFailure]

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, failures: [StepFailure] = []) {
        self.kind = kind
        self.message = message
        self.failures = failures
    }

    /// The exit code the CLI documents for this kind.
    public var exitCode: ExitStatus {
        switch kind {
        case .invalidRecipe, .usage, .folder: .usage
        case .locked, .io: .io
        case .stage: .stageFailed
        case .model: .model
        case .interrupted: .interrupted
        }
    }

    /// The message.
    public var description: String { message }

    /// A stage failure in a dataset.
    static func stageFailed(dataset: String, stage: String, message: String) -> RunError {
        RunError(.stage, "dataset '\(dataset)', stage '\(stage)': \(message)")
    }
}
