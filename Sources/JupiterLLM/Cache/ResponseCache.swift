import Foundation
import GRDB
import JupiterCore

/// Model answers stored in the run's `state.sqlite` (table `llm_responses`), keyed by the
/// SHA-256 of the endpoint path, the model's identity as configured (its endpoint URLs, or the
/// GGUF file's hash and settings of a local server: never the served id alone, which two
/// different servers may share) and the canonical request body. Each answer is
/// committed as soon as it arrives, so a run killed at any point and started again re-sends only
/// requests that had no answer stored. Holds no API key (keys travel in headers, never in bodies).
///
/// Answers that arrive while a commit is being written are committed together in the next one
/// (group commit): ``store(key:model:path:response:usage:)`` still returns only once its answer
/// is committed, but 64 answers landing at once cost one transaction, not 64.
public struct ResponseCache: Sendable {
    /// Current schema version of the `llm_` tables.
    public static let schemaVersion = 1
    let db: any DatabaseWriter
    private let commits: GroupCommit

    /// Wraps an open database (WAL pool in a run) and creates the `llm_` tables if missing.
    public init(database: any DatabaseWriter) throws {
        db = database
        commits = GroupCommit(database)
        try db.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS llm_responses (
                        key TEXT PRIMARY KEY NOT NULL,
                        model TEXT NOT NULL,
                        path TEXT NOT NULL,
                        response BLOB NOT NULL,
                        prompt_tokens INTEGER NOT NULL DEFAULT 0,
                        completion_tokens INTEGER NOT NULL DEFAULT 0,
                        created_at REAL NOT NULL
                    ) WITHOUT ROWID
                    """)
        }
    }

    /// The key of a request: SHA-256 hex of `path`, the model identity and the body with object
    /// keys sorted.
    public static func key(path: String, model: String, body: JSONValue) -> String {
        var bytes = Array("jupiter-llm/1\n\(path)\n\(model)\n".utf8)
        JSONWriter.write(canonical(body), into: &bytes)
        var hash = SHA256()
        hash.update(bytes)
        return hash.hexDigest()
    }

    /// `value` with every object's keys sorted (so field order never changes a key).
    static func canonical(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let o):
            return .object(
                JSONObject(
                    o.entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                        .map { JSONObject.Entry(key: $0.key, value: canonical($0.value)) }))
        case .array(let a): return .array(a.map(canonical))
        default: return value
        }
    }

    /// The stored answer for `key`, if any.
    ///
    /// Read on the calling thread (an indexed look-up of one row, tens of microseconds), not
    /// through an async hop to a reader queue and back: a model stage looks up every request. One
    /// SELECT is atomic on its own, so it runs without GRDB's explicit read transaction.
    public func lookup(_ key: String) async -> [UInt8]? {
        storedAnswer(key)
    }

    private func storedAnswer(_ key: String) -> [UInt8]? {
        do {
            let data = try db.unsafeRead { db in
                // A statement compiled once per reader connection, not once per request.
                try Data.fetchOne(
                    db.cachedStatement(sql: "SELECT response FROM llm_responses WHERE key = ?"), arguments: [key])
            }
            return data.map { [UInt8]($0) }
        } catch {
            return nil
        }
    }

    /// Stores an answer (replacing any earlier one); returns once it is committed.
    public func store(key: String, model: String, path: String, response: [UInt8], usage: Usage) async throws {
        let row = GroupCommit.Row(
            key: key, model: model, path: path, response: Data(response), promptTokens: usage.promptTokens,
            completionTokens: usage.completionTokens, created: Date().timeIntervalSince1970)
        try await commits.commit(row)
    }

    /// Copies every answer of the caches in `files` (each another `state.sqlite`-shaped file,
    /// such as a cluster task's own cache) into this one, keeping answers already here; returns
    /// how many were added. Files that are missing or have no `llm_responses` table are skipped.
    public func merge(files: [String]) async throws -> Int {
        var added = 0
        for file in files where FileManager.default.fileExists(atPath: file) {
            added += try await db.writeWithoutTransaction { db in
                try db.execute(sql: "ATTACH DATABASE ? AS task", arguments: [file])
                defer { try? db.execute(sql: "DETACH DATABASE task") }
                let hasTable =
                    try Bool.fetchOne(
                        db,
                        sql: """
                            SELECT COUNT(*) > 0 FROM task.sqlite_master WHERE type = 'table' AND name = 'llm_responses'
                            """) ?? false
                guard hasTable else { return 0 }
                var n = 0
                try db.inTransaction {
                    try db.execute(
                        sql: """
                            INSERT OR IGNORE INTO main.llm_responses
                            SELECT key, model, path, response, prompt_tokens, completion_tokens, created_at FROM task.llm_responses
                            """)
                    n = db.changesCount
                    return .commit
                }
                return n
            }
        }
        return added
    }

    /// Number of stored answers.
    public func count() async throws -> Int {
        try await db.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM llm_responses") ?? 0 }
    }
}

/// Writes the answers handed to it in as few transactions as it can: the first caller with nothing
/// being written starts a writer task, which commits everything pending, then what arrived in the
/// meantime, until nothing is left; each caller resumes when the transaction holding its row has
/// committed (or failed).
final class GroupCommit: Sendable {
    struct Row: Sendable {
        var key: String
        var model: String
        var path: String
        var response: Data
        var promptTokens: Int
        var completionTokens: Int
        var created: Double
    }

    private struct State {
        var pending: [(row: Row, done: CheckedContinuation<Void, any Error>)] = []
        var writing = false
    }

    private let db: any DatabaseWriter
    private let state = Locked(State())

    init(_ db: any DatabaseWriter) { self.db = db }

    /// Commits `row`, together with whatever else is pending.
    func commit(_ row: Row) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            let start = state.withLock { s -> Bool in
                s.pending.append((row, done))
                if s.writing { return false }
                s.writing = true
                return true
            }
            if start { Task { await self.drain() } }
        }
    }

    private func drain() async {
        while true {
            let group = state.withLock { s -> [(row: Row, done: CheckedContinuation<Void, any Error>)] in
                let group = s.pending
                s.pending = []
                if group.isEmpty { s.writing = false }
                return group
            }
            if group.isEmpty { return }
            do {
                try await db.write { db in
                    let statement = try db.cachedStatement(
                        sql: """
                            INSERT OR REPLACE INTO llm_responses(key, model, path, response, prompt_tokens, completion_tokens, created_at)
                            VALUES (?, ?, ?, ?, ?, ?, ?)
                            """)
                    for (r, _) in group {
                        try statement.execute(arguments: [
                            r.key, r.model, r.path, r.response, r.promptTokens, r.completionTokens, r.created
                        ])
                    }
                }
                for (_, done) in group { done.resume() }
            } catch {
                for (_, done) in group { done.resume(throwing: error) }
            }
        }
    }
}
