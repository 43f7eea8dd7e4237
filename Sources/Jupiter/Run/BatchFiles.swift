import JupiterCore

/// The files of one step's batches under `work/`: `NNNNNN.kept.gz` (records going on, one gzip
/// member), `NNNNNN.dropped.gz` and `NNNNNN.quarantine.jsonl`. Empty outputs are empty files.
struct BatchFiles: Sendable {
    /// The step's folder.
    let directory: String

    func path(_ batch: Int, _ kind: String) -> String {
        let n = String(batch)
        return directory + "/" + String(repeating: "0", count: max(0, 6 - n.count)) + n + "." + kind
    }

    func keptPath(_ batch: Int) -> String { path(batch, "kept.gz") }
    func droppedPath(_ batch: Int) -> String { path(batch, "dropped.gz") }
    func quarantinePath(_ batch: Int) -> String { path(batch, "quarantine.jsonl") }

    /// Writes a batch's three files atomically (each renamed into place when complete).
    func write(batch: Int, kept: [UInt8], dropped: [UInt8], quarantine: [UInt8]) throws(IOError) {
        try AtomicFile.write(kept.isEmpty ? [] : try GzipDeflater.compress(kept), to: keptPath(batch))
        try AtomicFile.write(dropped.isEmpty ? [] : try GzipDeflater.compress(dropped), to: droppedPath(batch))
        try AtomicFile.write(quarantine, to: quarantinePath(batch))
    }

    /// True when all three files of a batch exist.
    func exists(_ batch: Int) -> Bool {
        FileSystem.exists(keptPath(batch)) && FileSystem.exists(droppedPath(batch))
            && FileSystem.exists(quarantinePath(batch))
    }

    /// Reads the kept records of a batch.
    func readKept(_ batch: Int) throws -> [Record] {
        try RecordLines.read(path: keptPath(batch))
    }
}

/// Native JSONL lines of records (any kind, lineage included), as written between steps.
enum RecordLines {
    /// Appends one record as a JSON line.
    static func append(_ record: Record, to out: inout [UInt8], extra: JSONObject = JSONObject()) {
        var value = NativeCodec.encode(record)
        if !extra.isEmpty, case .object(var o) = value {
            o.entries.append(contentsOf: extra.entries)
            value = .object(o)
        }
        JSONWriter.write(value, into: &out)
        out.append(0x0A)
    }

    /// Reads every record of a native JSONL file (plain or gzip).
    static func read(path: String) throws -> [Record] {
        guard (FileSystem.size(path) ?? 0) > 0 else { return [] }
        let reader = try LineReader(path: path, maxLineBytes: Int.max / 2)
        var records: [Record] = []
        while let line = try reader.next() {
            if line.bytes.isEmpty { continue }
            records.append(try decode(line.bytes, file: path, line: line.number))
        }
        return records
    }

    /// Decodes one native line of any kind.
    static func decode(_ bytes: [UInt8], file: String, line: Int) throws -> Record {
        let value = try JSONParser.parse(bytes)
        do {
            return try NativeCodec.decodeAnyKind(value, fallbackID: "\(file):\(line)", origin: Origin(file: file, line: line))
        } catch {
            throw IOError(path: file, "line \(line): \(error.reason)")
        }
    }
}

/// A step's kept batches, readable again and again by a global stage.
struct StepBatches: RecordBatches {
    let files: BatchFiles
    let batchCount: Int
    let count: Int

    func forEachBatch(_ body: ([Record]) async throws -> Void) async throws {
        for b in 0..<batchCount {
            try Task.checkCancellation()
            try await body(try files.readKept(b))
        }
    }
}
