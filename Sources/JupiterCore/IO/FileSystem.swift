import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX file helpers (no Foundation in hot paths).
public enum FileSystem {
    /// True when something exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// True when `path` is a directory.
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Size in bytes, or nil when missing.
    public static func size(_ path: String) -> Int? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int(st.st_size)
    }

    /// The directory part of a path ("." for a bare name).
    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// `path` made absolute against the current directory, with `.` and `..` components and
    /// repeated slashes removed (links are not resolved).
    public static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var parts: [Substring] = []
        for c in full.split(separator: "/") {
            if c == "." { continue }
            if c == ".." { _ = parts.popLast(); continue }
            parts.append(c)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// The last path component.
    public static func baseName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// Creates a directory and its parents (no error if it exists).
    public static func createDirectory(_ path: String) throws(IOError) {
        if path.isEmpty || isDirectory(path) { return }
        let parentPath = parent(of: path)
        if parentPath != path && !isDirectory(parentPath) { try createDirectory(parentPath) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw IOError(path: path, LineReader.errnoText()) }
    }

    /// Reads a whole file (into one buffer of its size, then whatever it grew by).
    public static func read(_ path: String) throws(IOError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw IOError(path: path, LineReader.errnoText()) }
        defer { close(fd) }
        var st = stat()
        let expected = fstat(fd, &st) == 0 ? max(0, Int(st.st_size)) : 0
        // Read into uninitialised capacity (one byte more than the size, to see the end): zeroing
        // first was a pass over every byte the run reads back.
        var failure: Int32 = 0
        var out = [UInt8](unsafeUninitializedCapacity: expected + 1) { buf, count in
            count = 0
            guard let base = buf.baseAddress else { return }
            while count < buf.count {
                let n = Glibc.read(fd, base + count, buf.count - count)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if n == 0 { return }
                count += n
            }
        }
        guard failure == 0 else { throw IOError(path: path, String(cString: strerror(failure))) }
        // A file that grew since its size was read: read on, growing the array.
        guard out.count == expected + 1 else { return out }
        var filled = out.count
        while true {
            if filled == out.count { out.append(contentsOf: repeatElement(0, count: max(1 << 16, out.count / 2))) }
            let n = out.withUnsafeMutableBytes { buf in Glibc.read(fd, buf.baseAddress.map { $0 + filled }, buf.count - filled) }
            if n < 0 {
                if errno == EINTR { continue }
                throw IOError(path: path, LineReader.errnoText())
            }
            if n == 0 { break }
            filled += n
        }
        out.removeLast(out.count - filled)
        return out
    }

    /// Removes a file (no error if missing).
    public static func remove(_ path: String) { unlink(path) }

    /// Removes a file; no error if it is missing, an error for any other failure.
    public static func removeIfPresent(_ path: String) throws(IOError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw IOError(path: path, LineReader.errnoText()) }
    }

    /// Directory entries (names only, sorted bytewise), or nil when not a directory.
    public static func list(_ path: String) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// True when `path` itself is a symbolic link (not followed).
    public static func isSymbolicLink(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
    }

    /// True when `path` itself is a directory, not a link to one.
    public static func isRealDirectory(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Removes a directory tree (no error if missing). Never follows symbolic links: a link is
    /// removed as a link, and what it points to is left alone.
    public static func removeTree(_ path: String) {
        if isRealDirectory(path) {
            for name in list(path) ?? [] { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
