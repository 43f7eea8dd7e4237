import GRDB
import JupiterCore

/// The run's ledger in `state.sqlite`: which batches and steps are finished, with their counts.
/// Shares the database (WAL mode) with the LLM response cache. A row is written only after the
/// files it describes were renamed into place, so a row always means "done and on disk".
public final class Ledger: Sendable {
    /// The open database (shared with the model response cache).
    public let database: DatabasePool

    /// Opens (creating if needed) the ledger at `path`.
    public init(path: String) throws {
        var config = Configuration()
        config.busyMode = .timeout(30)
        database = try DatabasePool(path: path, configuration: config)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("ledger-v1") { db in
            try db.execute(sql: """
                CREATE TABLE ledger_batches (
                    step TEXT NOT NULL, batch INTEGER NOT NULL, stats TEXT NOT NULL,
                    PRIMARY KEY (step, batch));
                CREATE TABLE ledger_steps (step TEXT PRIMARY KEY NOT NULL, stats TEXT NOT NULL);
                """)
        }
        try migrator.migrate(database)
    }

    /// Finished batches of a step, with their stats.
    public func batches(step: String) throws -> [Int: JSONValue] {
        try database.read { db in
            var out: [Int: JSONValue] = [:]
            let rows = try Row.fetchAll(db, sql: "SELECT batch, stats FROM ledger_batches WHERE step = ?", arguments: [step])
            for row in rows {
                let batch: Int = row["batch"]
                let stats: String = row["stats"]
                out[batch] = (try? JSONParser.parse(stats)) ?? .null
            }
            return out
        }
    }

    /// Records a finished batch.
    public func finishBatch(step: String, batch: Int, stats: JSONValue) throws {
        try database.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO ledger_batches (step, batch, stats) VALUES (?, ?, ?)",
                           arguments: [step, batch, JSONWriter.string(stats)])
        }
    }

    /// The stats of a finished step, or nil when it has not finished.
    public func step(_ step: String) throws -> JSONValue? {
        try database.read { db in
            guard let s = try String.fetchOne(db, sql: "SELECT stats FROM ledger_steps WHERE step = ?", arguments: [step])
            else { return nil }
            return (try? JSONParser.parse(s)) ?? .null
        }
    }

    /// Records a finished step.
    public func finishStep(_ step: String, stats: JSONValue) throws {
        try database.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO ledger_steps (step, stats) VALUES (?, ?)",
                           arguments: [step, JSONWriter.string(stats)])
        }
    }
}
