import JupiterCore

/// `minhash-dedup` split the way datatrove's `MinhashDedupSignature` → `MinhashDedupBuckets` →
/// `MinhashDedupCluster` → `MinhashDedupFilter` split it (``ShardedStage``):
///
/// 1. **signatures** (per task): each record's band keys go to one file per band (and key range,
///    when there are more parts than bands), and its one-byte sketches, whether it has shingles,
///    and its id to one file;
/// 2. **buckets** (per part: a range of bands, or a key range of one band when there are more
///    parts than bands): per band, the records sorted by key; each run of equal keys gives
///    candidate pairs (first record, other), checked against `min_jaccard` when set;
/// 3. **clusters** (one task): union-find over every record, each cluster represented by its
///    first record in input order; the duplicates' decisions (kept id, estimated Jaccard) stored
///    by blocks of records;
/// 4. **filter** (per task): the decisions applied to the task's records.
///
/// The pairs, clusters and messages are those of ``MinHashDedupStage/run(_:context:emit:)``: the
/// same band runs give the same pairs, and a union-find whose root is the smallest member gives
/// the same representatives whatever the order of the unions.
///
/// Memory per task (defaults, 14 bands × 8 rows, N records in all, P parts = tasks): signatures
/// hold a write buffer per file; a part holds 16 bytes per record for one band (N / (P / 14)
/// records of it when P > 14), plus 112 bytes per record of sketches when `min_jaccard` is set;
/// clusters hold 4 bytes per record plus 112 bytes per record involved in a duplicate pair; a
/// filter task holds one block of decisions.
extension MinHashDedupStage: ShardedStage {
    static func keysFile(_ dir: String, task: Int, band: Int, sub: Int) -> String {
        dir + "/minhash-keys-t\(task)-b\(band)-s\(sub).bin"
    }
    static func docsFile(_ dir: String, task: Int) -> String { dir + "/minhash-docs-t\(task).bin" }
    static func pairsFile(_ dir: String, part: Int) -> String { dir + "/minhash-pairs-p\(part).bin" }

    /// Key ranges per band: with more parts than bands, each band is split by key into
    /// `parts / bands` ranges so that one part never holds a whole band of a big step; otherwise 1.
    func subranges(parts: Int) -> Int { max(1, parts / parameters.bands) }

    /// The (band, key range) pairs of part `part` of `parts`: a range of whole bands when there
    /// are no more parts than bands, else one key range of one band (none for the parts left over).
    func slices(part: Int, of parts: Int) -> [(band: Int, sub: Int)] {
        let bands = parameters.bands, subs = subranges(parts: parts)
        if subs == 1 { return ((part * bands / parts)..<((part + 1) * bands / parts)).map { ($0, 0) } }
        return part < bands * subs ? [(part / subs, part % subs)] : []
    }

    /// The key range of `key` among `subs` (by its high 32 bits).
    static func sub(_ key: UInt64, of subs: Int) -> Int { subs == 1 ? 0 : Int(((key >> 32) &* UInt64(subs)) >> 32) }

    /// Pass 1: signatures of the task's records.
    public func scan(_ input: any ShardInput, task: Int, of tasks: Int, directory: String, workers: Int) async throws {
        let subs = subranges(parts: tasks), nb = parameters.bands
        var keyWriters: [ShardFileWriter] = []
        for band in 0..<nb {
            for sub in 0..<subs { keyWriters.append(try ShardFileWriter(path: Self.keysFile(directory, task: task, band: band, sub: sub))) }
        }
        let docs = try ShardFileWriter(path: Self.docsFile(directory, task: task))
        let threads = self.threads > 0 ? self.threads : workers > 0 ? workers : max(1, SystemInfo.activeProcessorCount)
        let h = parameters.hashCount
        try await input.forEachBatch { first, records in
            var index = first
            var r = 0
            for chunk in try await sign(records.map(\.text), workers: threads) {
                for (k, signed) in chunk.signed.enumerated() {
                    try docs.put(UInt64(index))
                    try docs.put32(signed ? 1 : 0)
                    try docs.put(bytes: chunk.sketches[(k * h)..<((k + 1) * h)])
                    try docs.put(records[r].id)
                    if signed {
                        for band in 0..<nb {
                            let key = chunk.keys[k * nb + band]
                            let w = keyWriters[band * subs + Self.sub(key, of: subs)]
                            try w.put(UInt64(index))
                            try w.put(key)
                        }
                    }
                    index += 1
                    r += 1
                }
            }
        }
        try docs.commit()
        for w in keyWriters { try w.commit() }
    }

    /// Pass 2: candidate pairs of one part (whole bands, or a key range of one band).
    public func reduce(part: Int, of parts: Int, directory: String) async throws {
        var sketches: [UInt64: ArraySlice<UInt8>] = [:]
        if minJaccard > 0 {
            for task in 0..<parts {
                var r = try ShardFileReader(path: Self.docsFile(directory, task: task))
                while !r.isAtEnd {
                    let doc = try r.u64()
                    _ = try r.u32()
                    sketches[doc] = try r.bytes(parameters.hashCount)
                    _ = try r.string()
                }
            }
        }
        let w = try ShardFileWriter(path: Self.pairsFile(directory, part: part))
        // One band (key range) at a time: 16 bytes per record in it.
        for (band, sub) in slices(part: part, of: parts) {
            var entries: [KeyDoc] = []
            for task in 0..<parts {
                var r = try ShardFileReader(path: Self.keysFile(directory, task: task, band: band, sub: sub))
                while !r.isAtEnd {
                    let doc = try r.u64()
                    guard doc <= UInt64(UInt32.max) else {
                        throw Diagnostic(.error, "minhash-dedup: more than \(UInt32.max) records in one step")
                    }
                    entries.append(KeyDoc(key: try r.u64(), doc: UInt32(doc)))
                }
            }
            entries.sort()
            var start = 0
            while start < entries.count {
                var end = start + 1
                while end < entries.count, entries[end].key == entries[start].key { end += 1 }
                let first = entries[start].doc
                for k in (start + 1)..<max(start + 1, end) {
                    let other = entries[k].doc
                    if minJaccard > 0, let a = sketches[UInt64(first)], let o = sketches[UInt64(other)],
                        MinHashIndex.estimatedJaccard(a, o) < minJaccard
                    {
                        continue
                    }
                    try w.put(UInt64(first))
                    try w.put(UInt64(other))
                }
                start = end
            }
        }
        try w.commit()
    }

    /// Pass 3: clusters and the duplicates' decisions.
    public func combine(parts: Int, records: Int, directory: String) async throws {
        guard records <= Int(UInt32.max) else {
            throw Diagnostic(.error, "minhash-dedup: more than \(UInt32.max) records in one step")
        }
        var uf = UnionFind(count: records)
        for part in 0..<parts {
            var r = try ShardFileReader(path: Self.pairsFile(directory, part: part))
            while !r.isAtEnd {
                let a = Int(try r.u64()), b = Int(try r.u64())
                guard a < records, b < records else {
                    throw Diagnostic(.error, "minhash-dedup: a pair names record \(max(a, b)) of \(records)")
                }
                uf.union(a, b)
            }
        }
        // Records in a pair with their representative: their sketches (and the representatives' ids).
        var involved = [Bool](repeating: false, count: records)
        for i in 0..<records {
            let r = uf.find(i)
            if r != i { involved[i] = true; involved[r] = true }
        }
        var sketches: [Int: ArraySlice<UInt8>] = [:]
        var ids: [Int: String] = [:]
        var decisions: [ShardDecisions.Entry] = []
        for task in 0..<parts {
            var r = try ShardFileReader(path: Self.docsFile(directory, task: task))
            while !r.isAtEnd {
                let doc = Int(try r.u64())
                let signed = try r.u32() == 1
                let sketch = try r.bytes(parameters.hashCount)
                let id = try r.string()
                guard doc < records else { throw Diagnostic(.error, "minhash-dedup: record \(doc) of \(records)") }
                if !signed && dropTooShort { decisions.append(.init(index: UInt64(doc), kind: 1)) }
                if involved[doc] {
                    sketches[doc] = sketch
                    if uf.find(doc) == doc { ids[doc] = id }
                }
            }
        }
        for i in 0..<records where involved[i] {
            let rep = uf.find(i)
            guard rep != i, let a = sketches[i], let b = sketches[rep] else { continue }
            decisions.append(
                .init(
                    index: UInt64(i), kind: 0, text: ids[rep] ?? "#\(rep)",
                    number: MinHashIndex.estimatedJaccard(a, b)))
        }
        try ShardDecisions.write(decisions, prefix: "minhash", directory: directory)
    }

    /// Pass 4: the decisions applied.
    public func decider(directory: String) throws -> any ShardDecider {
        MinHashDecider(stage: self, decisions: ShardDecisions(prefix: "minhash", directory: directory))
    }
}

struct MinHashDecider: PlaceShardDecider {
    let stage: MinHashDedupStage
    var decisions: ShardDecisions

    mutating func verdicts(count: Int, first: Int) throws -> [DropReason?] {
        try (0..<count).map { i in
            guard let d = try decisions.entry(first + i) else { return nil }
            return d.kind == 1 ? stage.tooShortReason : stage.duplicateReason(of: d.text, jaccard: d.number)
        }
    }
}
