import JupiterCore

/// `exact-dedup` split by hash prefix for a cluster (``ShardedStage``): each scan task writes
/// its records' 128-bit keys into one file per part (the key modulo the parts); each part sorts
/// its keys and finds, per key, the first record in input order and the later ones; the decisions
/// are stored by blocks of 65,536 records; each filter task drops the later ones with the first's
/// id, exactly as ``ExactDedupStage/run(_:context:emit:)`` does in one pass.
///
/// Memory: a scan task holds nothing but a write buffer; a part holds its share of the keys (32
/// bytes and the id per record); combine holds the duplicates only.
extension ExactDedupStage: ShardedStage {
    static func keysFile(_ dir: String, task: Int, part: Int) -> String { dir + "/exact-keys-t\(task)-p\(part).bin" }
    static func duplicatesFile(_ dir: String, part: Int) -> String { dir + "/exact-dups-p\(part).bin" }

    /// Pass 1: (key, index, id) of every record, one file per part. From stored lines (a
    /// ``LineShardInput``), the compared text is read from each line as ``ExactLineDecider``
    /// reads it, the record decoded only when needed.
    public func scan(_ input: any ShardInput, task: Int, of tasks: Int, directory: String, workers: Int) async throws {
        let writers = try (0..<tasks).map { p throws(IOError) in try ShardFileWriter(path: Self.keysFile(directory, task: task, part: p)) }
        var scratch: [UInt8] = []
        func put(_ d: Digest, index: Int, id: some Collection<UInt8>) throws(IOError) {
            let w = writers[Int(d.a % UInt64(tasks))]
            try w.put(d.a)
            try w.put(d.b)
            try w.put(UInt64(index))
            try w.put32(UInt32(id.count))
            try w.put(bytes: id)
        }
        guard let lines = input as? any LineShardInput else {
            try await input.forEachBatch { first, records in
                for (i, record) in records.enumerated() {
                    try put(Self.digest(key(record), &scratch), index: first + i, id: record.id.utf8)
                }
            }
            for w in writers { try w.commit() }
            return
        }
        try await lines.forEachLineBatch { first, bytes, path in
            var index = first
            try bytes.withUnsafeBufferPointer { u in
                try NativeLines.forEach(u) { number, line in
                    if let shape = RawRecordLine.shape(line) {
                        let d =
                            try ExactLineDecider.digest(line, field: field, idEnd: shape.id.upperBound, &scratch)
                            ?? Self.digest(key(NativeLines.decode(Array(line), file: path, line: number)), &scratch)
                        try put(d, index: index, id: UnsafeBufferPointer(rebasing: line[shape.id]))
                    } else {
                        let record = try NativeLines.decode(Array(line), file: path, line: number)
                        try put(Self.digest(key(record), &scratch), index: index, id: record.id.utf8)
                    }
                    index += 1
                }
            }
        }
        for w in writers { try w.commit() }
    }

    /// Pass 2: the records of one part whose key an earlier record has, with that record's id.
    public func reduce(part: Int, of parts: Int, directory: String) async throws {
        var entries: [(a: UInt64, b: UInt64, index: UInt64, id: String)] = []
        for task in 0..<parts {
            var r = try ShardFileReader(path: Self.keysFile(directory, task: task, part: part))
            while !r.isAtEnd { entries.append((try r.u64(), try r.u64(), try r.u64(), try r.string())) }
        }
        entries.sort { ($0.a, $0.b, $0.index) < ($1.a, $1.b, $1.index) }
        var duplicates: [(index: UInt64, first: String)] = []
        var start = 0
        while start < entries.count {
            var end = start + 1
            while end < entries.count, entries[end].a == entries[start].a, entries[end].b == entries[start].b {
                duplicates.append((entries[end].index, entries[start].id))
                end += 1
            }
            start = end
        }
        duplicates.sort { $0.index < $1.index }
        let w = try ShardFileWriter(path: Self.duplicatesFile(directory, part: part))
        for d in duplicates {
            try w.put(d.index)
            try w.put(d.first)
        }
        try w.commit()
    }

    /// Pass 3: the duplicates of every part, by blocks of records.
    public func combine(parts: Int, records: Int, directory: String) async throws {
        var decisions: [ShardDecisions.Entry] = []
        for part in 0..<parts {
            var r = try ShardFileReader(path: Self.duplicatesFile(directory, part: part))
            while !r.isAtEnd { decisions.append(.init(index: try r.u64(), text: try r.string())) }
        }
        try ShardDecisions.write(decisions, prefix: "exact", directory: directory)
    }

    /// Pass 4: drops the later records of a key, naming the first.
    public func decider(directory: String) throws -> any ShardDecider {
        ExactDecider(decisions: ShardDecisions(prefix: "exact", directory: directory))
    }
}

struct ExactDecider: PlaceShardDecider {
    var decisions: ShardDecisions

    mutating func verdicts(count: Int, first: Int) throws -> [DropReason?] {
        try (0..<count).map { i in
            guard let d = try decisions.entry(first + i) else { return nil }
            return ExactDedupStage.duplicateReason(of: d.text)
        }
    }
}
