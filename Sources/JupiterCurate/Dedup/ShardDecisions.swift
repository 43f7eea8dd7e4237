import JupiterCore

/// Decisions of a sharded stage for the records it drops, stored in blocks of 65,536 records
/// (`<prefix>-decisions-<block>.bin`, only blocks with decisions) and read a block at a time.
struct ShardDecisions {
    /// One decision: the record's global index, a text (the id it duplicates) and a number.
    struct Entry {
        var index: UInt64
        var kind: UInt32 = 0
        var text: String = ""
        var number: Double = 0
    }

    static let blockBits: UInt64 = 16
    let prefix: String
    let directory: String
    private var block: UInt64 = .max
    private var entries: [UInt64: Entry] = [:]

    init(prefix: String, directory: String) {
        self.prefix = prefix
        self.directory = directory
    }

    static func file(_ dir: String, prefix: String, block: UInt64) -> String { dir + "/\(prefix)-decisions-\(block).bin" }

    /// Writes `decisions` (any order) by block.
    static func write(_ decisions: [Entry], prefix: String, directory: String) throws(IOError) {
        var byBlock: [UInt64: [Entry]] = [:]
        for d in decisions { byBlock[d.index >> blockBits, default: []].append(d) }
        for (block, list) in byBlock {
            let w = try ShardFileWriter(path: file(directory, prefix: prefix, block: block))
            for d in list.sorted(by: { $0.index < $1.index }) {
                try w.put(d.index)
                try w.put32(d.kind)
                try w.put(d.text)
                try w.put(d.number)
            }
            try w.commit()
        }
    }

    /// The decision for record `index`, if any.
    mutating func entry(_ index: Int) throws(IOError) -> Entry? {
        let i = UInt64(index)
        if i >> Self.blockBits != block {
            block = i >> Self.blockBits
            entries.removeAll(keepingCapacity: true)
            let path = Self.file(directory, prefix: prefix, block: block)
            if FileSystem.exists(path) {
                var r = try ShardFileReader(path: path)
                while !r.isAtEnd {
                    let e = Entry(index: try r.u64(), kind: try r.u32(), text: try r.string(), number: try r.double())
                    entries[e.index] = e
                }
            }
        }
        return entries[i]
    }
}
