import Foundation
import JupiterCore

/// The kept records of a batch stored by reference to the lines of an earlier step's kept file,
/// held in the batch's `done.json` (`kept_by_reference`) instead of a kept file of its own.
///
/// A line-deciding step (``LineDecidingStage``: `exact-dedup`; a sharded step decided by place:
/// `minhash-dedup`'s filter) keeps some of its input batch's lines unchanged but for the stage it
/// adds to each one's lineage. Between two steps of a dataset it records which lines it kept, and
/// the next step reads them from the referenced file (``BatchFiles/readKeptLines(_:reference:)``),
/// adding the stages there; chained references point to the first real file, their line choices
/// composed. What the next step reads is byte for byte what the kept file would have held.
///
/// Why: on the 1M-pair bench, `exact-dedup` rewrote 260 MB of kept lines into 489 kept files that
/// the next step read once. On this machine's filesystem (ext4 without a journal) creating a file
/// costs 0.3–0.9 ms while recently deleted inodes are skipped (the minutes after a run folder is
/// removed), so the files alone cost 0.15–0.45 s of a 2.4 s step, and writing, flushing and
/// renaming them more (the step took 17% less without them, measured). The reader pays about
/// what it paid before: it reads the referenced file (larger by the lines dropped), checks its
/// hash and adds the stages.
///
/// The referenced file is checked by size when the batch's completion is looked at (a batch
/// whose file is gone is not done, and runs again) and by size and XXH3-64 hash when it is read:
/// a file changed under the reference stops the step with an error naming it. A dataset's last
/// step always writes its kept records (its `kept.gz` members make `kept.jsonl.gz`).
struct KeptReference: Sendable, Equatable {
    /// The referenced file, relative to the dataset's work folder (`<step folder>/NNNNNN.kept.jsonl`).
    var file: String
    /// The file's size in bytes.
    var bytes: Int
    /// XXH3-64 of the file's bytes.
    var hash: UInt64
    /// The file's non-empty lines.
    var lines: Int
    /// The lines kept: bit `i % 8` of byte `i / 8` for line `i` (0-based); nil when all are.
    var keep: [UInt8]?
    /// The stage ids each kept line's lineage gains, in order.
    var stages: [String]

    /// The lines kept.
    var keptLines: Int {
        guard let keep else { return lines }
        return keep.reduce(0) { $0 + $1.nonzeroBitCount }
    }

    /// Whether line `i` is kept.
    func keeps(_ i: Int) -> Bool {
        guard let keep else { return true }
        return Self.bit(keep, i)
    }

    /// Whether bit `i` of `bits` is set (bit `i % 8` of byte `i / 8`, as in ``keep``); false past its end.
    static func bit(_ bits: [UInt8], _ i: Int) -> Bool {
        i >> 3 < bits.count && bits[i >> 3] & (1 << UInt8(i & 7)) != 0
    }

    /// Sets bit `i` of `bits` (as in ``keep``), doubling `bits` until it holds the bit.
    static func setBit(_ bits: inout [UInt8], _ i: Int) {
        while i >> 3 >= bits.count { bits.append(contentsOf: repeatElement(0, count: bits.count + 1)) }
        bits[i >> 3] |= 1 << UInt8(i & 7)
    }

    /// This reference's lines narrowed to those `chosen` keeps of them (`chosen[j]`: the `j`-th
    /// kept line, bits as in ``keep``), gaining `stage`.
    func narrowed(to chosen: [UInt8], stage: String) -> KeptReference {
        var out = self
        out.stages.append(stage)
        guard let keep else {
            let n = (lines + 7) / 8
            out.keep = Array((chosen + [UInt8](repeating: 0, count: max(0, n - chosen.count))).prefix(n))
            return out
        }
        var composed = [UInt8](repeating: 0, count: keep.count)
        var j = 0
        for i in 0..<lines where Self.bit(keep, i) {
            if Self.bit(chosen, j) { Self.setBit(&composed, i) }
            j += 1
        }
        out.keep = composed
        return out
    }

    var json: JSONValue {
        var o: JSONObject = [
            "file": .string(file), "bytes": .int(bytes), "xxh3": .string(Self.hex(hash)), "lines": .int(lines)
        ]
        if let keep { o["keep"] = .string(Data(keep).base64EncodedString()) }
        o["stages"] = .array(stages.map { .string($0) })
        return .object(o)
    }

    init(file: String, bytes: Int, hash: UInt64, lines: Int, keep: [UInt8]? = nil, stages: [String] = []) {
        self.file = file
        self.bytes = bytes
        self.hash = hash
        self.lines = lines
        self.keep = keep
        self.stages = stages
    }

    /// Reads `done.json`'s `kept_by_reference` member; nil when it is not one.
    init?(json: JSONValue) {
        guard let file = json["file"]?.stringValue, !file.hasPrefix("/"), !file.split(separator: "/").contains(".."),
            let bytes = json["bytes"]?.intValue, bytes >= 0, let hex = json["xxh3"]?.stringValue, hex.utf8.count == 16,
            let hash = UInt64(hex, radix: 16), let lines = json["lines"]?.intValue, lines >= 0,
            let stages = json["stages"]?.arrayValue
        else { return nil }
        var keep: [UInt8]?
        if let k = json["keep"] {
            guard let text = k.stringValue, let data = Data(base64Encoded: text), data.count == (lines + 7) / 8 else { return nil }
            keep = [UInt8](data)
        }
        var ids: [String] = []
        for s in stages {
            guard let id = s.stringValue else { return nil }
            ids.append(id)
        }
        self.init(file: file, bytes: bytes, hash: hash, lines: lines, keep: keep, stages: ids)
    }

    /// The kept lines as the run writes them (each kept line with ``stages`` added to its
    /// lineage), read from the referenced file under `directory` (the dataset's work folder).
    /// Throws when the file cannot be read or is not the one referenced.
    func lines(in directory: String) throws -> [UInt8] {
        let path = directory + "/" + file
        let raw: [UInt8]
        do { raw = try FileSystem.read(path) } catch { throw RunError(.io, error.description) }
        guard raw.count == bytes, XXH3.hash64(raw) == hash else {
            throw RunError(
                .stage,
                "\(path): not the file a later step's kept records refer to (\(raw.count) bytes, \(bytes) expected, "
                    + "or another hash); remove the later steps' folders beside it to run them again")
        }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count + (stages.count * 16 + 2) * keptLines)
        var i = 0
        var malformed = false
        raw.withUnsafeBufferPointer { u in
            NativeLines.forEach(u) { _, line in
                defer { i += 1 }
                guard !malformed else { return }
                guard i < lines else {
                    malformed = true
                    return
                }
                guard keeps(i) else { return }
                // A referenced line was in the run's own form when the reference was made (the
                // hash says it is unchanged): it ends with its lineage's stages `…]}}`.
                guard line.count > 4, line[line.count - 3] == 0x5D else {
                    malformed = true
                    return
                }
                RawRecordLine.appendKept(line, noStages: line[line.count - 4] == 0x5B, stages: stages, to: &out)
            }
        }
        guard !malformed, i == lines else {
            throw RunError(.stage, "\(path): \(i) lines, or a line not in the run's own form, where \(lines) were referenced")
        }
        return out
    }

    /// `hash` as 16 lower-case hexadecimal digits.
    static func hex(_ hash: UInt64) -> String {
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.utf8.count) + digits
    }
}

/// A batch's kept lines as the next step reads them, and, when asked for, the reference by which
/// a line-deciding step can keep some of them without writing them again.
struct KeptLines: Sendable {
    /// The kept lines, as the run writes them.
    var bytes: [UInt8]
    /// A reference whose kept lines are exactly these (a further stage narrows it).
    var reference: KeptReference?
    /// Names the lines in errors: the kept file, or the `done.json` holding the reference.
    var label: String
}
