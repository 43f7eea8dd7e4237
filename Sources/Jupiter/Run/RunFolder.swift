import JupiterCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A run folder: the only place a run writes, and the only place it deletes.
///
/// Safety rules:
/// - Jupiter writes a marker file (`.jupiter-run`) into every run folder it creates, and deletes
///   only inside folders that carry it. An existing folder that is not empty and has no marker
///   (`output.dir: .` in a project with its own `datasets/`, say) is refused with an error before
///   anything is written or deleted.
/// - Deleting never follows symbolic links: a link inside the run folder is removed as a link and
///   its target is left alone; the stale-temporary sweep does not descend into links (so a link
///   loop cannot trap it).
/// - One run at a time: `run.lock` is held with `flock` for the run's lifetime (the kernel releases
///   it when the process dies, even by SIGKILL). The tasks of a cluster run share the folder: each
///   holds the lock shared, so a local run cannot start while they work, and none of them sweeps
///   temporaries (another task may be writing them).
public final class RunFolder: Sendable {
    /// How the folder is held.
    public enum Mode: Sendable {
        /// One run owns the folder: it may be created, and stale temporaries are swept.
        case exclusive
        /// The coordinator of a cluster run: it may create the folder; it holds the lock shared
        /// with the run's tasks (which may be running already) and sweeps nothing.
        case clusterCoordinator
        /// One of the tasks of a cluster run: the folder must exist and carry the marker; the lock
        /// is shared with the other tasks and the coordinator (waiting up to ten minutes while a
        /// local run holds it).
        case clusterTask
        /// Looking only (`jupiter status`): no lock, nothing created, written or swept.
        case observer
    }

    /// The marker's file name.
    public static let markerName = ".jupiter-run"
    /// The marker's content (the same bytes in every run folder).
    static let markerText = "{\"created_by\":\"jupiter\",\"what\":\"a Jupiter run folder: Jupiter may delete inside it\"}\n"

    /// The folder.
    public let path: String
    private let lockFD: Int32

    /// Opens (creating) a run folder and takes its lock. Refuses a non-empty folder Jupiter did not make.
    public init(_ path: String, mode: Mode = .exclusive) throws(RunError) {
        self.path = path
        if (mode == .clusterTask || mode == .observer) && !FileSystem.exists(path + "/" + Self.markerName) {
            throw RunError(
                .folder,
                "\(path) is not a Jupiter run folder (no \(Self.markerName)): a task can only work in a run "
                    + "folder its coordinator made")
        }
        if mode == .observer {
            lockFD = -1
            return
        }
        do {
            if FileSystem.exists(path) {
                guard FileSystem.isDirectory(path) else {
                    throw RunError(.folder, "the run folder \(path) exists and is not a folder")
                }
                if !FileSystem.exists(path + "/" + Self.markerName) {
                    // A run killed while writing the marker leaves only its temporary.
                    let entries = (FileSystem.list(path) ?? []).filter { !$0.hasPrefix(Self.markerName + ".tmp-") }
                    guard entries.isEmpty else {
                        throw RunError(
                            .folder,
                            "\(path) is not empty and was not made by Jupiter (it has no "
                                + "\(Self.markerName) marker), so Jupiter will not write or delete in it; give a new "
                                + "or empty folder (output.dir in the recipe, or --output)")
                    }
                    try AtomicFile.write(Array(Self.markerText.utf8), to: path + "/" + Self.markerName)
                }
            } else {
                try FileSystem.createDirectory(path)
                try AtomicFile.write(Array(Self.markerText.utf8), to: path + "/" + Self.markerName)
            }
        } catch let error as RunError {
            throw error
        } catch let error as IOError {
            throw RunError(.io, error.description)
        } catch {
            throw RunError(.io, "\(error)")
        }
        let lockPath = path + "/run.lock"
        let fd = open(lockPath, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw RunError(.io, IOError(path: lockPath, LineReader.errnoText()).description) }
        switch mode {
        case .exclusive:
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                close(fd)
                throw RunError(
                    .locked,
                    "another jupiter run is using \(path) (remove nothing; wait for it to finish, or "
                        + "see `jupiter status \(path)` for a cluster run's jobs)")
            }
            lockFD = fd
            Self.removeStaleTemporaries(path)
        case .clusterCoordinator:
            guard flock(fd, LOCK_SH | LOCK_NB) == 0 else {
                close(fd)
                throw RunError(.locked, "a local jupiter run is using \(path); wait for it to finish")
            }
            lockFD = fd
        case .observer:
            close(fd)
            lockFD = -1
        case .clusterTask:
            var waited = 0.0
            while flock(fd, LOCK_SH | LOCK_NB) != 0 {
                guard waited < 600 else {
                    close(fd)
                    throw RunError(.locked, "\(path) stayed locked by another jupiter run for 10 minutes")
                }
                usleep(200_000)
                waited += 0.2
            }
            lockFD = fd
        }
    }

    deinit {
        if lockFD >= 0 {
            flock(lockFD, LOCK_UN)
            close(lockFD)
        }
    }

    /// `path/relative`.
    public func file(_ relative: String) -> String { path + "/" + relative }

    /// Removes `relative` (a file or a tree) inside the run folder, never following links.
    func remove(_ relative: String) {
        precondition(
            !relative.isEmpty && !relative.hasPrefix("/") && !relative.split(separator: "/").contains(".."),
            "run folder removal outside the folder: \(relative)")
        FileSystem.removeTree(path + "/" + relative)
    }

    /// Removes `*.tmp-<pid>` files left by a killed run (not descending into links).
    static func removeStaleTemporaries(_ dir: String) {
        for name in FileSystem.list(dir) ?? [] {
            let p = dir + "/" + name
            if FileSystem.isRealDirectory(p) {
                removeStaleTemporaries(p)
            } else if name.contains(".tmp-") && !FileSystem.isSymbolicLink(p) {
                FileSystem.remove(p)
            }
        }
    }
}
