import CTextScan

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A native JSON line of a record as ``DirectEncoding`` writes it between steps (`{"id":"…", …,
/// "lineage":{"origins":[…],"stages":[…]}}`), taken apart just enough to write what a stage made
/// of the record without decoding and re-encoding it: the record kept (its lineage's stages grown
/// by one) or dropped (a `dropped` member added). The results are the bytes ``DirectEncoding``
/// writes for `record.passing(stage)` and for the record with its `dropped` member.
///
/// The line is accepted only when that is sure: a leading `id` string without escapes, and the
/// lineage as the record's last member, in exactly the form the encoder writes (strings without
/// escapes, plain integers). Any other line has no ``Shape``, and the caller decodes it.
package enum RawRecordLine {
    /// What a canonical native line holds (see the type), found on its bytes.
    package struct Shape {
        /// The bytes of the record's id (no escape in them, so they are its UTF-8).
        package var id: Range<Int>
        /// Origins in the lineage.
        package var origins: Int
        /// Whether the lineage has no stages yet.
        package var noStages: Bool
        /// Where `,"lineage":` starts: the record's other members end there.
        package var lineage: Int
    }

    /// The shape of `u` when it is a canonical native line (see the type); nil otherwise.
    package static func shape(_ u: UnsafeBufferPointer<UInt8>) -> Shape? {
        let n = u.count
        // The line ends with the lineage object and the record's closing brace: `]}}`.
        guard n > 40, u[n - 1] == 0x7D, u[n - 2] == 0x7D, u[n - 3] == 0x5D, let id = leadingIDRange(u) else { return nil }
        // The last `,"lineage":{"origins":[` opens the lineage: what follows it to the end
        // must be exactly one canonical lineage object and the record's `}` (text inside a
        // JSON string cannot hold the unescaped quotes; one inside a nested value would be
        // followed by more than one closing brace).
        // From comma to comma backwards (a line's lineage holds three or four).
        guard let base = u.baseAddress else { return nil }
        let first = id.upperBound + 1
        var end = n - Self.marker.utf8CodeUnitCount + 1
        var start = -1
        while end > first {
            let k = jupiter_last_byte(base + first, end - first, 0x2C)
            guard k >= 0 else { break }
            if u[first + k + 2] == 0x6C && Self.matches(u, first + k, Self.marker) {
                start = first + k
                break
            }
            end = first + k
        }
        guard start > id.upperBound, let lineage = Self.canonicalLineage(u, from: start + Self.marker.utf8CodeUnitCount) else {
            return nil
        }
        return Shape(id: id, origins: lineage.origins, noStages: lineage.noStages, lineage: start)
    }

    /// The bytes of the id of a line that starts `{"id":"…"` with no escape in it; nil otherwise.
    package static func leadingIDRange(_ u: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        let prefix = Self.idPrefix
        guard u.count > prefix.utf8CodeUnitCount, matches(u, 0, prefix), let base = u.baseAddress else { return nil }
        var i = prefix.utf8CodeUnitCount
        while i < u.count {
            // Sixteen bytes at a time to the next quote, backslash or control byte.
            i += jupiter_json_plain_run(base + i, u.count - i)
            guard i < u.count else { return nil }
            switch u[i] {
            case 0x22: return prefix.utf8CodeUnitCount..<i
            case 0x5C: return nil
            default: i += 1  // a control byte: part of the id's bytes
            }
        }
        return nil
    }

    // Static strings, not arrays: read with no lazy initialisation check and no reference
    // counting (`swift_once` alone was 0.75% of exact-dedup's step on the 1M-pair bench).
    private static let marker: StaticString = #","lineage":{"origins":["#
    private static let idPrefix: StaticString = #"{"id":""#
    private static let lineKey: StaticString = #","line":"#
    private static let fileKey: StaticString = #"{"file":"#
    private static let stagesKey: StaticString = #"],"stages":["#

    /// Whether `text` lies in `u` at `at`.
    @inline(__always) package static func matches(_ u: UnsafeBufferPointer<UInt8>, _ at: Int, _ text: StaticString) -> Bool {
        let n = text.utf8CodeUnitCount
        guard at >= 0, at + n <= u.count, let base = u.baseAddress else { return false }
        return memcmp(base + at, text.utf8Start, n) == 0
    }

    /// After `{"origins":[`: the origins and stages exactly as ``DirectEncoding`` writes them
    /// (strings without escapes, integers without leading zeros), then `]}}` at the line's end.
    /// The number of origins and whether there are no stages; nil for anything else.
    private static func canonicalLineage(_ u: UnsafeBufferPointer<UInt8>, from: Int) -> (origins: Int, noStages: Bool)? {
        var p = from
        var origins = 0
        while true {
            guard matches(u, p, fileKey) else { return nil }
            p += fileKey.utf8CodeUnitCount
            guard let file = plainString(u, p) else { return nil }
            p = file.upperBound + 1
            guard matches(u, p, lineKey) else { return nil }
            p += lineKey.utf8CodeUnitCount
            guard let afterLine = plainInteger(u, p), afterLine < u.count, u[afterLine] == 0x7D else { return nil }
            p = afterLine + 1
            origins += 1
            guard p < u.count else { return nil }
            if u[p] == 0x2C {
                p += 1
                continue
            }
            break
        }
        guard matches(u, p, stagesKey) else { return nil }
        p += stagesKey.utf8CodeUnitCount
        var stages = 0
        if p < u.count && u[p] == 0x22 {
            while true {
                guard let stage = plainString(u, p) else { return nil }
                p = stage.upperBound + 1
                stages += 1
                guard p < u.count, u[p] == 0x2C else { break }
                p += 1
            }
        }
        // `]` closes the stages, `}` the lineage, `}` the record, and the line ends.
        guard p + 3 == u.count, u[p] == 0x5D, u[p + 1] == 0x7D, u[p + 2] == 0x7D else { return nil }
        return (origins, stages == 0)
    }

    /// The content of the JSON string whose opening quote is at `start`, when ``JSONWriter``
    /// would write it as it is (no escape, no control byte: its bytes are then the string's
    /// UTF-8): its range, up to the closing quote.
    @inline(__always) package static func plainString(_ u: UnsafeBufferPointer<UInt8>, _ start: Int) -> Range<Int>? {
        guard start < u.count, u[start] == 0x22, let base = u.baseAddress else { return nil }
        // Sixteen bytes at a time up to the first quote, backslash or control byte.
        let p = start + 1 + jupiter_json_plain_run(base + start + 1, u.count - start - 1)
        guard p < u.count, u[p] == 0x22 else { return nil }
        return (start + 1)..<p
    }

    /// An integer at `p` as `String(Int)` writes it (`0`, or an optional minus and no leading
    /// zero; at most 18 digits): the index after it.
    @inline(__always) private static func plainInteger(_ u: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        var p = start
        if p < u.count && u[p] == 0x2D { p += 1 }
        let first = p
        while p < u.count, u[p] >= 0x30, u[p] <= 0x39 { p += 1 }
        let digits = p - first
        guard digits >= 1, digits <= 18 else { return nil }
        if u[first] == 0x30 && (digits > 1 || first > start) { return nil }
        return p
    }

    /// The id of a line that starts `{"id":"…"` with no escape in it; nil otherwise.
    package static func leadingID(_ bytes: [UInt8]) -> String? {
        guard let r = bytes.withUnsafeBufferPointer({ leadingIDRange($0) }) else { return nil }
        return UTF8Text.string(bytes[r])
    }

    /// Appends the canonical line `u` of the record after `stage` kept it (its stages grown by
    /// `stage`; `noStages` from its ``Shape``), and a newline.
    package static func appendKept(_ u: UnsafeBufferPointer<UInt8>, noStages: Bool, stage: String, to out: inout [UInt8]) {
        let n = u.count
        out.append(contentsOf: UnsafeBufferPointer(rebasing: u[0..<(n - 3)]))
        if !noStages { out.append(0x2C) }
        JSONWriter.writeString(stage, into: &out)
        out.append(contentsOf: UnsafeBufferPointer(rebasing: u[(n - 3)..<n]))
        out.append(0x0A)
    }

    /// ``appendKept(_:noStages:stage:to:)`` for each of `stages` in turn, in one copy of the line.
    package static func appendKept(_ u: UnsafeBufferPointer<UInt8>, noStages: Bool, stages: [String], to out: inout [UInt8]) {
        let n = u.count
        out.append(contentsOf: UnsafeBufferPointer(rebasing: u[0..<(n - 3)]))
        for (k, stage) in stages.enumerated() {
            if k > 0 || !noStages { out.append(0x2C) }
            JSONWriter.writeString(stage, into: &out)
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: u[(n - 3)..<n]))
        out.append(0x0A)
    }

    /// Appends the canonical line `u` of the record with the member `key` (`"dropped"`) set to
    /// `value`, and a newline.
    package static func appendWithMember(_ u: UnsafeBufferPointer<UInt8>, _ key: String, _ value: JSONValue, to out: inout [UInt8]) {
        appendWithMember(u, key, to: &out) { JSONWriter.write(value, into: &$0) }
    }

    /// ``appendWithMember(_:_:_:to:)``, the member's value written by `value`.
    package static func appendWithMember(
        _ u: UnsafeBufferPointer<UInt8>, _ key: String, to out: inout [UInt8], value: (inout [UInt8]) -> Void
    ) {
        out.append(contentsOf: UnsafeBufferPointer(rebasing: u[0..<(u.count - 1)]))
        out.append(0x2C)
        JSONWriter.writeString(key, into: &out)
        out.append(0x3A)
        value(&out)
        out.append(0x7D)
        out.append(0x0A)
    }
}
