import Foundation

/// Temporary folders for tests. All of them live under one folder per test process,
/// `<tmp>/jupiter-tests-<pid>`, deleted when the process exits normally, so a suite run leaves
/// nothing behind (the SIGKILL tests alone write hundreds of megabytes). Set
/// `JUPITER_KEEP_TEST_DIRS=1` to keep the folder for a post-mortem; a crashed run keeps it too.
public enum ScratchDirectory {
    /// The folder of this test process.
    public static let root: String = {
        let root = NSTemporaryDirectory() + "jupiter-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        if ProcessInfo.processInfo.environment["JUPITER_KEEP_TEST_DIRS"] == nil {
            atexit { try? FileManager.default.removeItem(atPath: ScratchDirectory.root) }
        }
        return root
    }()

    /// A fresh, empty folder `<root>/<label>-<uuid>`.
    public static func make(_ label: String) throws -> String {
        let dir = path(label)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A fresh path `<root>/<label>-<uuid>` (nothing created).
    public static func path(_ label: String) -> String {
        root + "/\(label)-\(UUID().uuidString)"
    }
}
