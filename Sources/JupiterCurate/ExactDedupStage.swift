import Foundation
import JupiterCore

/// `exact-dedup`: removes records whose normalised text was already seen, keeping the first in
/// input order. Normalisation: Unicode NFC, lower case, runs of whitespace collapsed to one space,
/// leading/trailing whitespace removed. The key is the first 16 bytes of SHA-256 of the normalised
/// text, so the index costs a bounded number of bytes per kept record (16 + the kept id).
///
/// `field` chooses the text: `text` (default: the record's natural text, see `Record.text`),
/// `source` or `target` (pairs: one side only), `prompt` (conversations: the user turns only).
public struct ExactDedupStage: GlobalStage {
    public let name = "exact-dedup"
    /// Which text is compared.
    public var field: String

    /// Creates the stage.
    public init(field: String = "text") { self.field = field }

    public var configuration: JSONValue { .object(["field": .string(field)]) }

    /// The recipe factory.
    public static let factory = StageFactory(
        name: "exact-dedup",
        summary: "Drop records whose normalised text (NFC, case, whitespace) was already seen; keep the first."
    ) { o, _ in
        ExactDedupStage(field: o.choice("field", ["text", "source", "target", "prompt"], default: "text"))
    }

    /// Normalises text for comparison.
    public static func normalise(_ text: String) -> String {
        var bytes: [UInt8] = []
        if SimpleText.withUTF8(text, { normaliseSimple($0, into: &bytes) }) { return String(decoding: bytes, as: UTF8.self) }
        return normaliseGeneral(text)
    }

    /// ``normalise(_:)`` for any text.
    static func normaliseGeneral(_ text: String) -> String {
        let nfc = text.precomposedStringWithCanonicalMapping.lowercased()
        var out = ""
        out.reserveCapacity(nfc.utf8.count)
        var pendingSpace = false
        for ch in nfc {
            if ch.isWhitespace {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(ch)
            }
        }
        return out
    }

    /// ``normalise(_:)`` of simple text (``SimpleText``: already NFC, one scalar per character
    /// but `\r\n`) as UTF-8 into `out`; false when a character needs the general code.
    static func normaliseSimple(_ u: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        guard SimpleText.isSimple(u) else {
            out.removeAll(keepingCapacity: true)
            return false
        }
        // The output is never longer than the input: written through a pointer, then cut to length.
        if out.count < u.count { out.append(contentsOf: repeatElement(0, count: u.count - out.count)) }
        let written: Int? = out.withUnsafeMutableBufferPointer { o in
            guard let dst = o.baseAddress else { return 0 }
            var n = 0
            var pendingSpace = false
            var i = 0
            while i < u.count {
                let b = u[i]
                if b < 0x80 {
                    if b == 0x20 || (b >= 0x09 && b <= 0x0D) {
                        pendingSpace = n > 0
                    } else {
                        if pendingSpace {
                            dst[n] = 0x20
                            n += 1
                            pendingSpace = false
                        }
                        dst[n] = b &- 0x41 < 26 ? b | 0x20 : b
                        n += 1
                    }
                    i += 1
                    continue
                }
                let (c, len) = SimpleText.scalar(u, i)
                if SimpleText.isWhitespace(c) {
                    pendingSpace = n > 0
                } else {
                    guard SimpleText.lowercase(c) != nil else { return nil }
                    if pendingSpace {
                        dst[n] = 0x20
                        n += 1
                        pendingSpace = false
                    }
                    for k in 0..<len { dst[n + k] = u[i + k] }
                    n += len
                }
                i += len
            }
            return n
        }
        guard let written else {
            out.removeAll(keepingCapacity: true)
            return false
        }
        out.removeLast(out.count - written)
        return true
    }

    /// The 128-bit key of a text: the first 16 bytes of SHA-256 of its normalised UTF-8.
    static func digest(_ text: String, _ scratch: inout [UInt8]) -> Digest {
        var sha = SHA256()
        if SimpleText.withUTF8(text, { normaliseSimple($0, into: &scratch) }) {
            sha.update(scratch)
        } else {
            sha.update(normaliseGeneral(text))
        }
        let d = sha.finalize()
        var a: UInt64 = 0
        var b: UInt64 = 0
        for i in 0..<8 { a = a << 8 | UInt64(d[i]); b = b << 8 | UInt64(d[8 + i]) }
        return Digest(a: a, b: b)
    }

    func key(_ record: Record) -> String {
        switch (field, record) {
        case ("source", .pair(let p)): return p.source
        case ("target", .pair(let p)): return p.target
        case ("prompt", .conversation(let c)):
            return c.messages.filter { $0.role == .user }.map(\.content).joined(separator: "\n")
        default: return record.text
        }
    }

    struct Digest: Hashable { var a: UInt64; var b: UInt64 }

    /// Why a record whose text the record `firstID` had already is dropped.
    static func duplicateReason(of firstID: String) -> DropReason {
        DropReason(rule: "exact-dedup.duplicate", message: "duplicate of \(firstID)", value: .string(firstID))
    }

    public func run(
        _ input: any RecordBatches, context: StageContext,
        emit: (StageOutput) async throws -> Void
    ) async throws {
        var seen: [Digest: String] = [:]
        seen.reserveCapacity(input.count)
        var scratch: [UInt8] = []
        try await input.forEachBatch { batch in
            for record in batch {
                let digest = Self.digest(key(record), &scratch)
                if let first = seen[digest] {
                    try await emit(.dropped(record, Self.duplicateReason(of: first)))
                } else {
                    seen[digest] = record.id
                    try await emit(.kept(record))
                }
            }
        }
    }
}
