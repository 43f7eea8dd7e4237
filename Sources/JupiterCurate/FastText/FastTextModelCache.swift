import Foundation

/// Loads each fastText model file once per process and hands the same immutable
/// ``FastTextModel`` to every stage and batch that asks for it. Thread-safe.
public final class FastTextModelCache: @unchecked Sendable {
    /// The process-wide cache.
    public static let shared = FastTextModelCache()

    private let lock = NSLock()
    private var models: [String: FastTextModel] = [:]

    /// Creates an empty cache (tests; stages use ``shared``).
    public init() {}

    /// The model at `path`, read on first use. Throws ``FastTextModelError`` when the file is
    /// missing or not a usable fastText classifier (failures are not cached, so a fixed file is
    /// picked up on the next call).
    public func model(at path: String) throws(FastTextModelError) -> FastTextModel {
        let key = Self.canonical(path)
        lock.lock()
        if let m = models[key] {
            lock.unlock()
            return m
        }
        lock.unlock()
        // Read outside the lock; if two threads race, the first stored instance wins.
        let loaded = try FastTextModel(contentsOf: path)
        lock.lock()
        defer { lock.unlock() }
        if let m = models[key] { return m }
        models[key] = loaded
        return loaded
    }

    /// Forgets every loaded model.
    public func removeAll() {
        lock.lock()
        models.removeAll()
        lock.unlock()
    }

    private static func canonical(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
