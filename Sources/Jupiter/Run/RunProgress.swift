import JupiterMix

/// What a run reports while it works, for progress bars and logs.
public enum RunEvent: Sendable {
    /// A dataset step started. `totalBytes` is the input size when known (source steps).
    case stepStarted(dataset: String, step: Int, of: Int, label: String, totalBytes: Int?)
    /// Progress inside a step: input records done so far and bytes read.
    case progress(dataset: String, step: Int, records: Int, bytes: Int)
    /// A step was already complete in the ledger and was skipped.
    case stepSkipped(dataset: String, step: Int, label: String)
    /// A step finished.
    case stepFinished(dataset: String, step: Int, records: Int)
    /// A dataset's outputs were written.
    case datasetFinished(dataset: String, read: Int, kept: Int, dropped: Int, quarantined: Int, records: Int)
    /// The mixer started on this many datasets.
    case mixStarted(datasets: Int)
    /// Mixer progress.
    case mix(MixProgress)
    /// The mixture was already built with the same fingerprint and was reused.
    case mixSkipped
    /// The mixture was written.
    case mixFinished(records: Int, tokens: Int, shards: Int, warnings: [String])
    /// An output of an earlier recipe that this one no longer produces was deleted from the run
    /// folder (`path` relative to it: `datasets/<name>` or `mixture`).
    case staleOutputRemoved(path: String)
    /// News from the batch system a cluster run uses (jobs submitted, tasks finished, a task
    /// requeued), one line each.
    case cluster(String)
}

/// Receives run events (called from many tasks; must be thread-safe).
public typealias RunObserver = @Sendable (RunEvent) -> Void
