/// A native JSON line of a record as ``DirectEncoding`` writes it between steps (`{"id":"…", …,
/// "lineage":{"origins":[…],"stages":[…]}}`), taken apart just enough to write what a stage made
/// of the record without decoding and re-encoding it: the record kept (its lineage's stages grown
/// by one) or dropped (a `dropped` member added). The results are the bytes ``DirectEncoding``
/// writes for `record.passing(stage)` and for the record with its `dropped` member.
///
/// The line is accepted only when that is sure: a leading `id` string without escapes, and the
/// lineage as the record's last member, in exactly the form the encoder writes (strings without
/// escapes, plain integers). Any other line gives nil, and the caller decodes it as before.
package struct RawRecordLine {
    /// The line, without its newline.
    package let bytes: [UInt8]
    /// The record's id.
    package let id: String
    /// Origins in the lineage (a merged record has several).
    package let origins: Int
    /// Whether the lineage has no stages yet.
    private let noStages: Bool

    /// Takes a line apart; nil when it is not a canonical native line (see the type).
    package init?(_ bytes: [UInt8]) {
        let n = bytes.count
        // The line ends with the lineage object and the record's closing brace: `]}}`.
        guard n > 40, bytes[n - 1] == 0x7D, bytes[n - 2] == 0x7D, bytes[n - 3] == 0x5D else { return nil }
        let scanned: (origins: Int, noStages: Bool)? = bytes.withUnsafeBufferPointer { u in
            // The last `,"lineage":{"origins":[` opens the lineage: what follows it to the end
            // must be exactly one canonical lineage object and the record's `}` (text inside a
            // JSON string cannot hold the unescaped quotes; one inside a nested value would be
            // followed by more than one closing brace).
            var start = n - Self.marker.count
            while start > 0 {
                if u[start] == 0x2C && u[start + 2] == 0x6C && Self.matches(u, start, Self.marker) { break }
                start -= 1
            }
            guard start > 0 else { return nil }
            return Self.canonicalLineage(u, from: start + Self.marker.count)
        }
        guard let scanned, let id = Self.leadingID(bytes) else { return nil }
        self.bytes = bytes
        self.id = id
        origins = scanned.origins
        noStages = scanned.noStages
    }

    private static let marker: [UInt8] = Array(#","lineage":{"origins":["#.utf8)
    private static let lineKey: [UInt8] = Array(#","line":"#.utf8)
    private static let fileKey: [UInt8] = Array(#"{"file":"#.utf8)
    private static let stagesKey: [UInt8] = Array(#"],"stages":["#.utf8)

    @inline(__always) private static func matches(_ u: UnsafeBufferPointer<UInt8>, _ at: Int, _ text: [UInt8]) -> Bool {
        guard at >= 0, at + text.count <= u.count else { return false }
        for k in 0..<text.count where u[at + k] != text[k] { return false }
        return true
    }

    /// After `{"origins":[`: the origins and stages exactly as ``DirectEncoding`` writes them
    /// (strings without escapes, integers without leading zeros), then `]}}` at the line's end.
    /// The number of origins and whether there are no stages; nil for anything else.
    private static func canonicalLineage(_ u: UnsafeBufferPointer<UInt8>, from: Int) -> (origins: Int, noStages: Bool)? {
        var p = from
        var origins = 0
        while true {
            guard matches(u, p, fileKey) else { return nil }
            p += fileKey.count
            guard let afterFile = plainString(u, p) else { return nil }
            p = afterFile
            guard matches(u, p, lineKey) else { return nil }
            p += lineKey.count
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
        p += stagesKey.count
        var stages = 0
        if p < u.count && u[p] == 0x22 {
            while true {
                guard let after = plainString(u, p) else { return nil }
                p = after
                stages += 1
                guard p < u.count, u[p] == 0x2C else { break }
                p += 1
            }
        }
        // `]` closes the stages, `}` the lineage, `}` the record, and the line ends.
        guard p + 3 == u.count, u[p] == 0x5D, u[p + 1] == 0x7D, u[p + 2] == 0x7D else { return nil }
        return (origins, stages == 0)
    }

    /// A JSON string at `p` that ``JSONWriter`` would write as it is (no escape, no control
    /// byte): the index after its closing quote.
    @inline(__always) private static func plainString(_ u: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        guard start < u.count, u[start] == 0x22 else { return nil }
        var p = start + 1
        while p < u.count {
            let b = u[p]
            if b == 0x22 { return p + 1 }
            if b == 0x5C || b < 0x20 { return nil }
            p += 1
        }
        return nil
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
        let prefix: [UInt8] = Array(#"{"id":""#.utf8)
        guard bytes.count > prefix.count, bytes[0..<prefix.count].elementsEqual(prefix) else { return nil }
        var i = prefix.count
        while i < bytes.count {
            switch bytes[i] {
            case 0x22: return String(validating: bytes[prefix.count..<i], as: UTF8.self)
            case 0x5C: return nil
            default: i += 1
            }
        }
        return nil
    }

    /// Appends the line of the record after `stage` kept it (its stages grown by `stage`), and a newline.
    package func appendKept(stage: String, to out: inout [UInt8]) {
        let n = bytes.count
        out.append(contentsOf: bytes[0..<(n - 3)])
        if !noStages { out.append(0x2C) }
        JSONWriter.writeString(stage, into: &out)
        out.append(contentsOf: bytes[(n - 3)..<n])
        out.append(0x0A)
    }

    /// Appends the line of the record with the member `key` (`"dropped"`) set to `value`, and a newline.
    package func appendWithMember(_ key: String, _ value: JSONValue, to out: inout [UInt8]) {
        out.append(contentsOf: bytes[0..<(bytes.count - 1)])
        out.append(0x2C)
        JSONWriter.writeString(key, into: &out)
        out.append(0x3A)
        JSONWriter.write(value, into: &out)
        out.append(0x7D)
        out.append(0x0A)
    }
}
