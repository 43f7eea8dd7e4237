import Foundation
import GRDB
import JupiterCore

/// Model answers stored in the run's `state.sqlite` (table `llm_responses`), keyed by the
/// SHA-256 of the endpoint path, the model's identity as configured (its endpoint URLs, or the
/// GGUF file's hash and settings of a local server: never the served id alone, which two
/// different servers may share) and the canonical request body. Each answer is
/// committed as soon as it arrives, so a run killed at any point and started again re-sends only
/// requests that had no answer stored. Holds no API key (keys travel in headers, never in bodies).
public struct ResponseCache: Sendable {
    /// Current schema version of the `llm_` tables.
    public static let schemaVersion = 1
    let db: any DatabaseWriter

    /// Wraps an open database (WAL pool in a run) and creates the `llm_` tables if missing.
    public init(database: any DatabaseWriter) throws {
        db = database
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
    public func lookup(_ key: String) async -> [UInt8]? {
        do {
            let data = try await db.read { db in
                try Data.fetchOne(db, sql: "SELECT response FROM llm_responses WHERE key = ?", arguments: [key])
            }
            return data.map { [UInt8]($0) }
        } catch {
            return nil
        }
    }

    /// Stores an answer (replacing any earlier one).
    public func store(key: String, model: String, path: String, response: [UInt8], usage: Usage) async throws {
        let created = Date().timeIntervalSince1970
        try await db.write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO llm_responses(key, model, path, response, prompt_tokens, completion_tokens, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [key, model, path, Data(response), usage.promptTokens, usage.completionTokens, created])
        }
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
