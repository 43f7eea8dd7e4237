import CTextScan
import Foundation
import JupiterCore

/// `exact-dedup`: removes records whose normalised text was already seen, keeping the first in
/// input order. Normalisation: Unicode NFC, lower case, runs of whitespace collapsed to one space,
/// leading/trailing whitespace removed. The key is the 128-bit XXH3 hash of the normalised text
/// (``XXH3``), so the index costs a bounded number of bytes per kept record (16 + the kept id).
/// Two different texts share a key with probability about 2^-128 per pair, unless crafted to:
/// XXH3 is not a cryptographic hash, and a record crafted to collide with another could be dropped
/// as its duplicate (datatrove's dedup keys are 64-bit xxHash, with the same caveat). Until this
/// version the key was SHA-256's first 16 bytes, at about 20 times the cost per text.
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

    /// ``normalise(_:)`` for any text: NFC, lower case, then whitespace collapsed by `Character`
    /// (a character is whitespace when its first scalar is). The collapse goes over the UTF-8
    /// where that gives the same (``collapseByScalars(_:)``): on the 1M-pair bench's 3,241 texts
    /// outside ``SimpleText``, this general path took about 70 µs per text, 30 of them in the
    /// `Character` loop (NFC and lower-casing took the rest); the collapse over the UTF-8 takes
    /// about 7.
    static func normaliseGeneral(_ text: String) -> String {
        let nfc = text.precomposedStringWithCanonicalMapping.lowercased()
        return collapseByScalars(nfc) ?? collapseByCharacters(nfc)
    }

    /// The whitespace collapse of ``normaliseGeneral(_:)``, `Character` by `Character`.
    static func collapseByCharacters(_ nfc: String) -> String {
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

    /// ``collapseByCharacters(_:)`` scalar by scalar over the UTF-8, or nil where the two could
    /// differ: where a whitespace scalar and its neighbour may share a `Character` (UAX #29).
    /// After a space-like whitespace scalar (grapheme class Other), a combining mark, joiner,
    /// spacing mark or emoji modifier joins it (GB9, GB9a), so the whole character is whitespace;
    /// before any whitespace scalar, a Prepend scalar pulls it into a character that is not
    /// (GB9b). Both are checked conservatively (any mark, format or modifier-symbol scalar after
    /// a space; any format scalar, U+0D4E or letter from U+11000 before whitespace). After control
    /// whitespace (tab, line breaks, U+0085, U+2028, U+2029) a character always ends (GB4).
    static func collapseByScalars(_ nfc: String) -> String? {
        var text = nfc
        return text.withUTF8 { u -> String? in
            var out: [UInt8] = []
            out.reserveCapacity(u.count)
            var pendingSpace = false
            var spaceBefore = false  // the previous scalar is whitespace of grapheme class Other
            var previous: UInt32 = 0
            var i = 0
            while i < u.count {
                // The scalar at i (a String's UTF-8 is well-formed, so no U+FFFD stands in;
                // `decode` takes the bytes from 0x80).
                let (c, length) = u[i] < 0x80 ? (UInt32(u[i]), 1) : WordHasher.decode(u, at: i)
                let white = isWhitespace(c)
                if spaceBefore && !white && c >= 0x80 {
                    guard let scalar = Unicode.Scalar(c), !mayJoinWhitespace(scalar) else { return nil }
                }
                if white && previous >= 0x80 {
                    guard let scalar = Unicode.Scalar(previous), !mayPrepend(scalar) else { return nil }
                }
                if white {
                    pendingSpace = !out.isEmpty
                } else {
                    if pendingSpace { out.append(0x20) }
                    pendingSpace = false
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: u[i..<(i + length)]))
                }
                spaceBefore = white && !isControlWhitespace(c)
                previous = c
                i += length
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// Unicode `White_Space`: tab to carriage return and space, and beyond ASCII the same list as
    /// Python's `str.isspace()` (``PythonText/isSpaceNonASCII(_:)``).
    static func isWhitespace(_ c: UInt32) -> Bool {
        if c < 0x80 { return c == 0x20 || (c >= 0x09 && c <= 0x0D) }
        return PythonText.isSpaceNonASCII(c)
    }

    /// Whitespace scalars of grapheme class Control, CR or LF: a character ends after them.
    private static func isControlWhitespace(_ c: UInt32) -> Bool {
        (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0x2028 || c == 0x2029
    }

    /// A scalar that may extend the character before it (grapheme classes Extend, ZWJ,
    /// SpacingMark), conservatively: marks, format characters (the joiners), modifier symbols
    /// (emoji skin tones) and the two letters of class SpacingMark.
    private static func mayJoinWhitespace(_ c: Unicode.Scalar) -> Bool {
        if c.value == 0x0E33 || c.value == 0x0EB3 || c.properties.isGraphemeExtend { return true }
        switch c.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .format, .modifierSymbol: return true
        default: return false
        }
    }

    /// A scalar that may be of grapheme class Prepend, conservatively: format characters (the
    /// Arabic and Kaithi number signs), U+0D4E and letters from U+11000.
    private static func mayPrepend(_ c: Unicode.Scalar) -> Bool {
        if c.value == 0x0D4E || c.properties.generalCategory == .format { return true }
        return c.value >= 0x11000 && c.properties.generalCategory == .otherLetter
    }

    /// ``normalise(_:)`` of simple text (``SimpleText``: already NFC, one scalar per character
    /// but `\r\n`) as UTF-8 into `out`; false when a character needs the general code. Sixteen
    /// (SSE2: `jupiter_normalise_ascii_blocks`) or eight ASCII bytes at a time where they hold no
    /// control byte and no two spaces in a row (ASCII letters lower-cased together), one
    /// character at a time elsewhere.
    /// The bytes are checked to be simple (``SimpleText/simpleScalar(_:_:)``, well-formed UTF-8
    /// included) in the same pass.
    static func normaliseSimple(_ u: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        guard let end = normaliseSimple(u, into: &out, at: 0) else {
            out.removeAll(keepingCapacity: true)
            return false
        }
        out.removeLast(out.count - end)
        return true
    }

    /// ``normaliseSimple(_:into:)`` written at `out[start...]`, `out` grown as needed and never
    /// cut (so a scratch buffer is not refilled each time): the end of what it wrote, or nil.
    static func normaliseSimple(_ u: UnsafeBufferPointer<UInt8>, into out: inout [UInt8], at start: Int) -> Int? {
        // The output is never longer than the input: written through a pointer (sixteen bytes at
        // a time, so with sixteen to spare).
        if out.count < start + u.count + 16 { out.append(contentsOf: repeatElement(0, count: start + u.count + 16 - out.count)) }
        let written: Int? = out.withUnsafeMutableBufferPointer { o in
            guard let dst = o.baseAddress.map({ $0 + start }), let src = u.baseAddress else { return 0 }
            var n = 0
            var pendingSpace = false
            var i = 0
            let count = u.count
            while i < count {
                if count - i >= 16 {
                    var written = n
                    var pending: Int32 = pendingSpace ? 1 : 0
                    let read = jupiter_normalise_ascii_blocks(src + i, count - i, dst, &written, &pending)
                    if read > 0 {
                        i += read
                        n = written
                        pendingSpace = pending != 0
                        continue
                    }
                }
                if count - i >= 8 {
                    let w = UnsafeRawPointer(src + i).loadUnaligned(as: UInt64.self)
                    if let lower = ASCIIWord.lowercasedPlain(w) {
                        let spaces = ASCIIWord.bytes(equalTo: 0x20, in: w)
                        let firstSpace = spaces & 0x80 != 0
                        // Two spaces in a row, or a space that continues whitespace or leads: one at a time.
                        if spaces & (spaces >> 8) == 0 && !(firstSpace && (pendingSpace || n == 0)) {
                            if pendingSpace {
                                dst[n] = 0x20
                                n += 1
                                pendingSpace = false
                            }
                            UnsafeMutableRawPointer(dst + n).storeBytes(of: lower, as: UInt64.self)
                            // A last space waits: whitespace may go on, or the text end.
                            if spaces >> 56 != 0 {
                                n += 7
                                pendingSpace = true
                            } else {
                                n += 8
                            }
                            i += 8
                            continue
                        }
                    }
                }
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
                guard let (c, len) = SimpleText.simpleScalar(u, i) else { return nil }
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
        return written.map { start + $0 }
    }

    /// The 128-bit key of a text: XXH3-128 of its normalised UTF-8.
    static func digest(_ text: String, _ scratch: inout [UInt8]) -> Digest {
        if let d = SimpleText.withUTF8(text, { digestSimple($0, &scratch) }) { return d }
        return digest(normalised: Array(normaliseGeneral(text).utf8))
    }

    /// ``digest(_:_:)`` of the text whose UTF-8 is `u`; nil when `u` is not valid UTF-8.
    static func digest(utf8 u: UnsafeBufferPointer<UInt8>, _ scratch: inout [UInt8]) -> Digest? {
        if let d = digestSimple(u, &scratch) { return d }
        guard let text = UTF8Text.string(u) else { return nil }
        return digest(normalised: Array(normaliseGeneral(text).utf8))
    }

    /// The key of simple text (``normaliseSimple(_:into:at:)``, normalised in `scratch`); nil
    /// when the text needs the general code.
    private static func digestSimple(_ u: UnsafeBufferPointer<UInt8>, _ scratch: inout [UInt8]) -> Digest? {
        guard let end = normaliseSimple(u, into: &scratch, at: 0) else { return nil }
        return scratch.withUnsafeBufferPointer { digest(normalised: UnsafeBufferPointer(rebasing: $0[..<end])) }
    }

    /// The key of normalised UTF-8.
    static func digest(normalised bytes: [UInt8]) -> Digest {
        bytes.withUnsafeBufferPointer { digest(normalised: $0) }
    }

    /// The key of normalised UTF-8.
    static func digest(normalised bytes: UnsafeBufferPointer<UInt8>) -> Digest {
        let h = XXH3.hash128(bytes)
        return Digest(a: h.low, b: h.high)
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

    /// The rule of every drop.
    static let duplicateRule = "exact-dedup.duplicate"

    /// Why a record whose text the record `firstID` had already is dropped.
    static func duplicateReason(of firstID: String) -> DropReason {
        DropReason(rule: duplicateRule, message: "duplicate of " + firstID, value: .string(firstID))
    }

    public func run(
        _ input: any RecordBatches, context: StageContext,
        emit: (StageOutput) async throws -> Void
    ) async throws {
        // The line decider's table, fed decoded records: one way of deciding.
        var decider = ExactLineDecider(stage: self)
        decider.reserve(records: input.count)
        try await input.forEachBatch { batch in
            for record in batch {
                if let reason = try decider.verdict(record: record) {
                    try await emit(.dropped(record, reason))
                } else {
                    try await emit(.kept(record))
                }
            }
        }
    }
}

extension ExactDedupStage: LineDecidingStage {
    /// Decides from the stored lines what ``run(_:context:emit:)`` decides.
    public func lineDecider() -> any LineDecider { ExactLineDecider(stage: self) }
}

/// `exact-dedup` over stored lines: the compared text is read straight from the line when the
/// line is a pair as the run writes it (`source`, `target`, or `text`: both sides) or a document
/// with nothing between its text and its lineage (`text`), and that text has no escape;
/// otherwise the record is decoded. The first record of each key is remembered by its id
/// (per kept record: an 8-byte slot of a table at most 70% full, a 24-byte ``DigestTable`` entry,
/// and the id's bytes unless ``KeptIDs`` holds it in the entry).
struct ExactLineDecider: LineDecider {
    let stage: ExactDedupStage
    /// Each key's first record's id, by its place in ``ids``.
    private var seen = DigestTable()
    private var ids = KeptIDs()
    private var scratch: [UInt8] = []
    /// A first record's id, rebuilt for writing.
    private var idScratch: [UInt8] = []

    init(stage: ExactDedupStage) { self.stage = stage }

    /// Makes the key table's room for `records` keys up front (at most ``DigestTable/reserveLimit``),
    /// and, at the first id stored as bytes, room for as many ids of about its length.
    mutating func reserve(records: Int) {
        seen.reserve(records)
        ids.reserve(min(records, DigestTable.reserveLimit))
    }

    mutating func verdict(line: UnsafeBufferPointer<UInt8>, id: Range<Int>, record: () throws -> Record) throws
        -> DropReason?
    {
        let digest = try key(line, id: id, record: record)
        return decide(digest, id: UnsafeBufferPointer(rebasing: line[id]))
    }

    /// ``verdict(line:id:record:)`` with a duplicate's reason written from the first record's id
    /// bytes, without the reason's strings (on the 1M-pair bench, 394,575 of 969,191 records are
    /// duplicates; making and writing their reasons' strings was about 6% of the step).
    mutating func verdict(
        line: UnsafeBufferPointer<UInt8>, id: Range<Int>, record: () throws -> Record, reasonInto members: inout [UInt8]
    ) throws -> String? {
        let digest = try key(line, id: id, record: record)
        guard let first = firstID(digest, id: UnsafeBufferPointer(rebasing: line[id])) else { return nil }
        ids.withID(first, &idScratch) { firstID in
            // An id of plain ASCII (no quote, backslash or control byte) is written as it is.
            if let base = firstID.baseAddress, jupiter_json_ascii_run(base, firstID.count) == firstID.count {
                members.append(contentsOf: Self.duplicateHead)
                members.append(contentsOf: firstID)
                members.append(contentsOf: Self.duplicateValue)
                members.append(contentsOf: firstID)
                members.append(0x22)
            } else {
                ExactDedupStage.duplicateReason(of: String(decoding: firstID, as: UTF8.self)).writeMembers(into: &members)
            }
        }
        return ExactDedupStage.duplicateRule
    }

    /// `"rule":"exact-dedup.duplicate","reason":"duplicate of `: a duplicate's reason members
    /// (``DropReason/writeMembers(into:)``) up to the first record's id.
    private static let duplicateHead: [UInt8] = {
        var b = Array(#""rule":"#.utf8)
        JSONWriter.writeString(ExactDedupStage.duplicateRule, into: &b)
        b.append(contentsOf: #","reason":"duplicate of "#.utf8)
        return b
    }()
    /// What lies between the id in the reason and the id as the value.
    private static let duplicateValue: [UInt8] = Array(#"","value":""#.utf8)

    /// The key of the record on `line`: the one ``preview(line:id:)`` computed, read from the
    /// line, or from the decoded record.
    private mutating func key(_ line: UnsafeBufferPointer<UInt8>, id: Range<Int>, record: () throws -> Record) throws
        -> ExactDedupStage.Digest
    {
        let lineDigest: ExactDedupStage.Digest?
        if let p = previewed, p.line == line.baseAddress, p.count == line.count {
            lineDigest = p.digest
            previewed = nil
        } else {
            lineDigest = Self.digest(line, field: stage.field, idEnd: id.upperBound, &scratch)
        }
        return try lineDigest ?? ExactDedupStage.digest(stage.key(record()), &scratch)
    }

    /// The key of the line shown by ``preview(line:id:)`` (nil: read from the decoded record).
    private var previewed: (line: UnsafePointer<UInt8>?, count: Int, digest: ExactDedupStage.Digest?)?

    /// Computes the next line's key and starts loading its table slot, a random read in tens of
    /// megabytes, while the current record is written. On the 1M-pair bench the step took 2.2 s
    /// with it against 2.6–2.7 s without (alternating runs of the two builds).
    mutating func preview(line: UnsafeBufferPointer<UInt8>, id: Range<Int>) {
        let digest = Self.digest(line, field: stage.field, idEnd: id.upperBound, &scratch)
        if let digest { seen.prefetch(digest) }
        previewed = (line.baseAddress, line.count, digest)
    }

    mutating func verdict(record: Record) throws -> DropReason? {
        let digest = ExactDedupStage.digest(stage.key(record), &scratch)
        var id = record.id
        return id.withUTF8 { decide(digest, id: $0) }
    }

    /// Drops the record when its key was seen, naming the first record; remembers it otherwise.
    private mutating func decide(_ digest: ExactDedupStage.Digest, id: UnsafeBufferPointer<UInt8>) -> DropReason? {
        guard let first = firstID(digest, id: id) else { return nil }
        return ids.withID(first, &idScratch) { ExactDedupStage.duplicateReason(of: String(decoding: $0, as: UTF8.self)) }
    }

    /// The place in ``ids`` of the id of the first record with key `digest`; nil when there was
    /// none: `id` is then kept as that first record's.
    private mutating func firstID(_ digest: ExactDedupStage.Digest, id: UnsafeBufferPointer<UInt8>) -> UInt64? {
        seen.insert(digest) { ids.add(id) }
    }

    private static let translation: StaticString = ##","translation":{""##
    private static let textKey: StaticString = ##","text":""##
    private static let lineage: StaticString = ##","lineage":{""##

    /// The key of the record on a line in the run's own form whose id string ends at `idEnd`
    /// (its closing quote), read from the line; nil when the record must be decoded (another
    /// shape, text with an escape or a control byte, or a pair's `text` that is not simple).
    static func digest(
        _ u: UnsafeBufferPointer<UInt8>, field: String, idEnd: Int, _ scratch: inout [UInt8]
    ) -> ExactDedupStage.Digest? {
        switch field {
        case "source", "target":
            guard let sides = pairSides(u, idEnd: idEnd) else { return nil }
            return ExactDedupStage.digest(utf8: UnsafeBufferPointer(rebasing: u[field == "source" ? sides.source : sides.target]), &scratch)
        case "text":
            if let sides = pairSides(u, idEnd: idEnd) {
                // A pair's text is `source + "\n" + target`: normalised, the sides' normal forms
                // joined by one space (either alone when the other is empty). Simple text only,
                // whose lower-casing needs no context. The target's form is written one byte
                // after the source's, where the space goes.
                let source = UnsafeBufferPointer(rebasing: u[sides.source])
                let target = UnsafeBufferPointer(rebasing: u[sides.target])
                guard let sourceEnd = ExactDedupStage.normaliseSimple(source, into: &scratch, at: 0),
                    let targetEnd = ExactDedupStage.normaliseSimple(target, into: &scratch, at: sourceEnd + 1)
                else { return nil }
                let joined: Range<Int>
                if sourceEnd == 0 {
                    joined = 1..<targetEnd
                } else if targetEnd == sourceEnd + 1 {
                    joined = 0..<sourceEnd
                } else {
                    scratch[sourceEnd] = 0x20
                    joined = 0..<targetEnd
                }
                return scratch.withUnsafeBufferPointer { ExactDedupStage.digest(normalised: UnsafeBufferPointer(rebasing: $0[joined])) }
            }
            // A document `{"id":"…","text":"…","lineage":{…}}`: nothing else that could make it another kind.
            let p = idEnd + 1
            guard RawRecordLine.matches(u, p, textKey), let text = RawRecordLine.plainString(u, p + textKey.utf8CodeUnitCount - 1),
                RawRecordLine.matches(u, text.upperBound + 1, lineage)
            else { return nil }
            return ExactDedupStage.digest(utf8: UnsafeBufferPointer(rebasing: u[text]), &scratch)
        default:
            return nil
        }
    }

    /// The source and target bytes of a pair line `{"id":"…","translation":{"<lang>":"<source>","<lang>":"<target>"}…`
    /// whose id string ends at `idEnd`, when both are plain strings (no escape, no control byte).
    static func pairSides(_ u: UnsafeBufferPointer<UInt8>, idEnd: Int) -> (source: Range<Int>, target: Range<Int>)? {
        var p = idEnd + 1
        guard RawRecordLine.matches(u, p, translation) else { return nil }
        p += translation.utf8CodeUnitCount - 1
        guard let lang = RawRecordLine.plainString(u, p), lang.upperBound + 1 < u.count, u[lang.upperBound + 1] == 0x3A,
            let source = RawRecordLine.plainString(u, lang.upperBound + 2)
        else { return nil }
        p = source.upperBound + 1
        guard p < u.count, u[p] == 0x2C, let lang2 = RawRecordLine.plainString(u, p + 1), lang2.upperBound + 1 < u.count,
            u[lang2.upperBound + 1] == 0x3A, let target = RawRecordLine.plainString(u, lang2.upperBound + 2),
            target.upperBound + 1 < u.count, u[target.upperBound + 1] == 0x7D
        else { return nil }
        return (source, target)
    }
}

/// The ids of the first records, each named by a 64-bit place. Ids are mostly a file's path and
/// a line number (`pairs.tsv:197`: what a source names its records by), so an id that ends in
/// digits is held as a number of the prefix before them (once per distinct prefix) and the
/// value and count of its last digits (up to 12), all in the place itself; any other id's bytes
/// are kept in one array. On the 1M-pair bench the 574,616 first ids took 26 MB of bytes, whose
/// first touch (fresh pages, zeroed by the kernel) was 2.8% of the step.
///
/// A place with bit 63 set is such a number: the value in bits 0–39, the digit count (1–12,
/// leading zeros written back) in bits 40–43, the prefix's number in bits 44–59. Otherwise it
/// is the bytes' offset in ``bytes`` from bit 16 and their count in bits 0–15 (0xFFFF: in
/// ``longCounts``). At most 65,536 prefixes get a number: past that, ids with a new prefix are
/// kept as bytes (ids such as random tokens ending in a digit then cost one lookup each).
struct KeptIDs {
    private var bytes: [UInt8] = []
    /// The byte counts of ids of 65,535 bytes or more, by offset.
    private var longCounts: [Int: Int] = [:]
    /// The prefixes, one after another, and where each starts (one more than there are).
    private var prefixBytes: [UInt8] = []
    private var prefixStarts: [Int] = [0]
    /// Prefix numbers by the low 64 bits of the prefix's XXH3-128 (a clash between two prefixes
    /// leaves the second's ids as bytes).
    private var prefixByHash: [UInt64: Int] = [:]
    /// The number of the prefix last used (-1: none).
    private var lastPrefix = -1
    /// Ids to make room for at the first kept as bytes (0: none).
    private var toReserve = 0

    static let maxPrefixes = 1 << 16
    static let maxDigits = 12
    private static let numbered: UInt64 = 1 << 63

    /// Makes room, at the first id kept as bytes, for `ids` ids of its length and 16 bytes
    /// more: room not written costs address space only, while growing by doubling copies the
    /// ids and touches fresh pages each time (page faults were 5% of the 1M-pair bench's step
    /// when its ids were all kept as bytes).
    mutating func reserve(_ ids: Int) { toReserve = ids }

    /// Keeps `id`; returns its place.
    mutating func add(_ id: UnsafeBufferPointer<UInt8>) -> UInt64 {
        if let place = numberedPlace(id) { return place }
        if toReserve > 0 {
            bytes.reserveCapacity(toReserve * (id.count + 16))
            toReserve = 0
        }
        let offset = bytes.count
        bytes.append(contentsOf: id)
        if id.count >= 0xFFFF { longCounts[offset] = id.count }
        return UInt64(offset) << 16 | UInt64(min(id.count, 0xFFFF))
    }

    /// The place of `id` as a prefix and number; nil when it does not end in a digit or its
    /// prefix gets no number.
    private mutating func numberedPlace(_ id: UnsafeBufferPointer<UInt8>) -> UInt64? {
        var digits = 0
        var value: UInt64 = 0
        var scale: UInt64 = 1
        while digits < Self.maxDigits && digits < id.count {
            let d = id[id.count - 1 - digits] &- 0x30
            guard d < 10 else { break }
            value += UInt64(d) * scale
            scale *= 10
            digits += 1
        }
        guard digits > 0, let prefix = prefixNumber(UnsafeBufferPointer(rebasing: id[..<(id.count - digits)])) else {
            return nil
        }
        return Self.numbered | UInt64(prefix) << 44 | UInt64(digits) << 40 | value
    }

    /// The number of `prefix`, given one if it has none and there is room; nil otherwise.
    private mutating func prefixNumber(_ prefix: UnsafeBufferPointer<UInt8>) -> Int? {
        if lastPrefix >= 0 && isPrefix(lastPrefix, prefix) { return lastPrefix }
        let hash = XXH3.hash128(prefix).low
        if let k = prefixByHash[hash] {
            guard isPrefix(k, prefix) else { return nil }
            lastPrefix = k
            return k
        }
        let k = prefixStarts.count - 1
        guard k < Self.maxPrefixes else { return nil }
        prefixBytes.append(contentsOf: prefix)
        prefixStarts.append(prefixBytes.count)
        prefixByHash[hash] = k
        lastPrefix = k
        return k
    }

    /// Whether prefix `k` is `prefix`.
    private func isPrefix(_ k: Int, _ prefix: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = prefixStarts[k]
        guard prefixStarts[k + 1] - start == prefix.count else { return false }
        return prefixBytes.withUnsafeBufferPointer { all in
            guard let a = all.baseAddress, let b = prefix.baseAddress else { return true }
            return memcmp(a + start, b, prefix.count) == 0
        }
    }

    /// The bytes held: ids kept as bytes, and the prefixes.
    var heldBytes: Int { bytes.count + prefixBytes.count }

    /// Calls `body` with the bytes of the id at `place` (rebuilt in `scratch` when held as a number).
    func withID<R>(_ place: UInt64, _ scratch: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if place & Self.numbered != 0 {
            let k = Int((place >> 44) & 0xFFFF)
            let digits = Int((place >> 40) & 0xF)
            var value = place & 0xFF_FFFF_FFFF
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: prefixBytes[prefixStarts[k]..<prefixStarts[k + 1]])
            let first = scratch.count
            scratch.append(contentsOf: repeatElement(0x30, count: digits))
            var i = first + digits
            while value > 0 {
                i -= 1
                scratch[i] = 0x30 + UInt8(value % 10)
                value /= 10
            }
            return scratch.withUnsafeBufferPointer(body)
        }
        let offset = Int(place >> 16)
        let count = Int(place & 0xFFFF)
        let length = count == 0xFFFF ? longCounts[offset] ?? count : count
        return bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[offset..<(offset + length)])) }
    }
}

/// The keys seen, each with its first record's id's place (``KeptIDs``): open addressing with
/// linear probing, at most 70% full. Each insert reads one slot at a random place in a table of
/// megabytes: on the 1M-pair bench that read was 8.6% of the step, most of it address
/// translation (a virtual machine walks two page tables per miss). So a table of at least one huge page (2 MiB) is
/// aligned to one and advised as huge pages (`MADV_HUGEPAGE`; on a system with transparent huge
/// pages off it stays in small pages, as before).
///
/// A slot is 8 bytes: 32 bits of the key (its low bits) and the key's number in ``entries``
/// (which holds the whole key and the id's place, in the order keys came). A slot's place comes
/// from all 64 bits of the key's low half, mixed and scaled to the slot count (which need not be a
/// power of two), so a reserved table is the size its keys need, not the next power of two.
/// Fresh memory is the cost here: the table's pages cost their zeroing as they are first touched,
/// and on the 1M-pair bench (969,191 records, room for all of them reserved) the table of 16-byte
/// slots rounded up to 2^21 (32 MiB) made that zeroing 9.6% of the step; 8-byte slots, 1,384,559
/// of them, are 11 MB. A key whose 32 slot bits match is checked whole in ``entries`` (a
/// duplicate's entry is read anyway, for its first record's id).
///
/// An empty slot is all zero bits, so a new table is fresh anonymous memory with no pass of its
/// own, and the table can be made at its final size up front (``reserve(_:)``) instead of
/// doubling its way there (each doubling a new table filled and rehashed into).
struct DigestTable {
    /// The key's low 32 bits, and from bit 32 the key's number in ``entries`` plus one (0: an
    /// empty slot).
    fileprivate typealias Slot = UInt64

    /// A key and its first record's id's place (``KeptIDs``), by key number.
    private struct Entry {
        var a: UInt64
        var b: UInt64
        var place: UInt64
    }

    /// The slots, freed with the table (copied before a write when shared, as an array would be).
    private final class Storage {
        let slots: UnsafeMutablePointer<Slot>
        let count: Int
        /// The mapping holding the slots (at least a huge page larger, to align them to one).
        private let mapping: UnsafeMutableRawPointer
        private let mappedBytes: Int

        init(count: Int) {
            self.count = count
            let bytes = count * MemoryLayout<Slot>.stride
            let hugePage = 2 << 20
            mappedBytes = bytes >= hugePage ? bytes + hugePage : bytes
            guard let m = mmap(nil, mappedBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                m != MAP_FAILED
            else { fatalError("exact-dedup: cannot map a \(bytes)-byte key table") }
            mapping = m
            var start = m
            if bytes >= hugePage {
                let address = Int(bitPattern: m)
                start = m + ((hugePage - address % hugePage) % hugePage)
                #if os(Linux)
                _ = madvise(start, bytes, MADV_HUGEPAGE)
                #endif
            }
            // Anonymous memory reads as zero bits: every slot is empty.
            slots = start.bindMemory(to: Slot.self, capacity: count)
        }

        func copy() -> Storage {
            let c = Storage(count: count)
            c.slots.update(from: slots, count: count)
            return c
        }

        deinit { munmap(mapping, mappedBytes) }
    }

    /// Grown by doubling: sized by the keys kept, not the records read (most may be duplicates).
    private var storage = Storage(count: 1 << 10)
    private var entries: [Entry] = []

    /// The slot count that holds `keys` keys at most 70% full.
    private static func slots(for keys: Int) -> Int { max(1 << 10, (keys * 10 + 6) / 7) }

    /// Makes room for `keys` keys in all, at most ``reserveLimit`` (a step's record count, of
    /// which a dedup may keep far fewer: past the limit the table doubles as it fills).
    mutating func reserve(_ keys: Int) {
        let n = Self.slots(for: min(keys, Self.reserveLimit))
        guard n > storage.count else { return }
        rehash(into: n)
        entries.reserveCapacity(min(keys, Self.reserveLimit))
    }

    /// The most keys ``reserve(_:)`` makes room for: 2^20, a 12 MB table.
    static let reserveLimit = 1 << 20

    /// Where looking up a key whose low half is `a` starts among `count` slots: `a` mixed by a
    /// multiplication (so keys that differ in a few bits only still spread) and scaled to the
    /// slot count by the high half of a full-width product.
    @inline(__always) static func home(_ a: UInt64, _ count: Int) -> Int {
        Int(truncatingIfNeeded: (a &* 0x9E37_79B9_7F4A_7C15).multipliedFullWidth(by: UInt64(count)).high)
    }

    /// Starts loading the slot where looking `key` up starts.
    func prefetch(_ key: ExactDedupStage.Digest) {
        jupiter_prefetch(storage.slots + Self.home(key.a, storage.count))
    }

    /// The place stored for `key`, or nil after storing `place()` for it.
    mutating func insert(_ key: ExactDedupStage.Digest, place: () -> UInt64) -> UInt64? {
        if (entries.count + 1) * 10 > storage.count * 7 {
            rehash(into: storage.count * 2)
        } else if !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy()
        }
        let s = storage.slots
        let n = storage.count
        let tag = key.a & 0xFFFF_FFFF
        var i = Self.home(key.a, n)
        while s[i] != 0 {
            if s[i] & 0xFFFF_FFFF == tag {
                let e = entries[Int(s[i] >> 32) - 1]
                if e.a == key.a && e.b == key.b { return e.place }
            }
            i += 1
            if i == n { i = 0 }
        }
        let number = entries.count
        guard number < 0xFFFF_FFFF else { fatalError("exact-dedup: more than 4,294,967,294 distinct keys in one step") }
        entries.append(Entry(a: key.a, b: key.b, place: place()))
        s[i] = tag | UInt64(number + 1) << 32
        return nil
    }

    /// Moves the keys into a table of `count` slots.
    private mutating func rehash(into count: Int) {
        let old = storage
        storage = Storage(count: count)
        let s = storage.slots
        for k in 0..<old.count where old.slots[k] != 0 {
            let slot = old.slots[k]
            var i = Self.home(entries[Int(slot >> 32) - 1].a, count)
            while s[i] != 0 {
                i += 1
                if i == count { i = 0 }
            }
            s[i] = slot
        }
    }
}
