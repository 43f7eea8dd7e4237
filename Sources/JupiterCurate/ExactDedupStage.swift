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

    public func run(_ input: any RecordBatches, context: StageContext,
                    emit: (StageOutput) async throws -> Void) async throws {
        var seen: [Digest: String] = [:]
        seen.reserveCapacity(input.count)
        try await input.forEachBatch { batch in
            for record in batch {
                var sha = SHA256()
                sha.update(Self.normalise(key(record)))
                let d = sha.finalize()
                var a: UInt64 = 0
                var b: UInt64 = 0
                for i in 0..<8 { a = a << 8 | UInt64(d[i]); b = b << 8 | UInt64(d[8 + i]) }
                let digest = Digest(a: a, b: b)
                if let first = seen[digest] {
                    try await emit(.dropped(record, DropReason(rule: "exact-dedup.duplicate",
                                                               message: "duplicate of \(first)",
                                                               value: .string(first))))
                } else {
                    seen[digest] = record.id
                    try await emit(.kept(record))
                }
            }
        }
    }
}
