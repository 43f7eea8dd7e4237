#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JupiterCore

/// An exclusive lock on a run folder (`run.lock`, flock): two runs never write the same folder.
/// The kernel releases it when the process dies, even by SIGKILL.
final class RunLock: Sendable {
    private let fd: Int32

    init(directory: String) throws {
        let path = directory + "/run.lock"
        fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw IOError(path: path, LineReader.errnoText()) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw RunError.locked(directory)
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

/// Errors that stop a run.
public enum RunError: Error, CustomStringConvertible, Sendable {
    /// Another process holds the run folder.
    case locked(String)
    /// A stage failed in a way that is not a per-record problem.
    case stageFailed(dataset: String, stage: String, message: String)
    /// An input could not be read.
    case input(IOError)

    public var description: String {
        switch self {
        case .locked(let d): "another jupiter run is using \(d) (remove nothing; wait for it to finish)"
        case .stageFailed(let d, let s, let m): "dataset '\(d)', stage '\(s)': \(m)"
        case .input(let e): e.description
        }
    }
}
