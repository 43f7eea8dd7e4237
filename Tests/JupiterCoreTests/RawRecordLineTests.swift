import Testing

@testable import JupiterCore

/// A record written from its stored line (``RawRecordLine``) must give the bytes the encoder
/// writes for the decoded record — kept (one stage more) or dropped (a `dropped` member) — and
/// any line not in the canonical form must be refused, so the run decodes it instead.
@Suite struct RawRecordLineTests {
    /// Records of every kind, from the format fixtures and the decoders' edge lines, each with
    /// several lineages (stages or none, one origin or several, names that need escapes).
    static func records() throws -> [Record] {
        var lines: [[UInt8]] = []
        for format in ["parallel-jsonl", "openai-messages", "documents"] { lines += try DirectDecodingTests.fixtureLines(format) }
        lines += (DirectDecodingTests.pairs + DirectDecodingTests.conversations + DirectDecodingTests.documents).map { Array($0.utf8) }
        let lineages = [
            Lineage(origins: [Origin(file: "data/a.tsv", line: 3)], stages: []),
            Lineage(origins: [Origin(file: "data/a.tsv", line: 3)], stages: ["pair-filter", "exact-dedup"]),
            Lineage(origins: [Origin(file: "d\"q\\é.jsonl", line: 1), Origin(file: "b", line: 12_345_678_901)], stages: ["s\"t"])
        ]
        var out: [Record] = []
        for (n, line) in lines.enumerated() {
            guard let record = DirectDecoding.anyKind(line, fallbackID: "f:\(n)", origin: Origin(file: "f", line: n)) else { continue }
            for l in lineages {
                var r = record
                r.lineage = l
                out.append(r)
            }
        }
        return out
    }

    @Test func keptAndDroppedLinesEqualTheEncodersBytes() throws {
        let drop: JSONValue = .object(["stage": .string("minhash-dedup"), "rule": .string("minhash.duplicate"), "value": .double(0.5)])
        var taken = 0
        let records = try Self.records()
        for record in records {
            var line: [UInt8] = []
            DirectEncoding.write(record, into: &line)
            guard let raw = line.withUnsafeBufferPointer({ RawRecordLine.shape($0) }) else { continue }
            taken += 1
            #expect(String(decoding: line[raw.id], as: UTF8.self) == record.id)
            #expect(raw.origins == record.lineage.origins.count)
            var kept: [UInt8] = []
            line.withUnsafeBufferPointer { RawRecordLine.appendKept($0, noStages: raw.noStages, stage: "exact-dedup", to: &kept) }
            var expected: [UInt8] = []
            DirectEncoding.write(record.passing("exact-dedup"), into: &expected)
            expected.append(0x0A)
            #expect(kept == expected, "\(String(decoding: line, as: UTF8.self))")
            var dropped: [UInt8] = []
            line.withUnsafeBufferPointer { RawRecordLine.appendWithMember($0, "dropped", drop, to: &dropped) }
            expected = []
            DirectEncoding.write(record, extra: ["dropped": drop], into: &expected)
            expected.append(0x0A)
            #expect(dropped == expected, "\(String(decoding: line, as: UTF8.self))")
        }
        // Every record whose id and lineage strings need no escape is taken from its line.
        func plain(_ s: String) -> Bool { s.unicodeScalars.allSatisfy { $0 != "\"" && $0 != "\\" && $0.value >= 0x20 } }
        let plainRecords = records.filter { r in
            plain(r.id) && r.lineage.origins.allSatisfy { plain($0.file) } && r.lineage.stages.allSatisfy(plain)
        }
        #expect(taken == plainRecords.count)
        #expect(taken > 40)
    }

    @Test(arguments: [
        // Lineage members in another order, or spaced: not canonical.
        #"{"id":"a","text":"x","lineage":{"stages":[],"origins":[{"file":"f","line":1}]}}"#,
        #"{"id":"a","text":"x","lineage":{"origins":[{"file":"f","line":1}], "stages":[]}}"#,
        #"{"id":"a","text":"x","lineage":{"origins":[{"line":1,"file":"f"}],"stages":[]}}"#,
        // Lineage not last, or only inside a nested value, or with escapes or a leading zero.
        #"{"id":"a","text":"x","lineage":{"origins":[{"file":"f","line":1}],"stages":[]},"k":{"x":[1]}}"#,
        #"{"id":"a","text":"x","metadata":{"lineage":{"origins":[{"file":"f","line":1}],"stages":[]}}}"#,
        #"{"id":"a","text":"x","lineage":{"origins":[{"file":"f\"g","line":1}],"stages":[]}}"#,
        #"{"id":"a","text":"x","lineage":{"origins":[{"file":"f","line":01}],"stages":[]}}"#,
        #"{"id":"a","text":"x","lineage":{"origins":[{"file":"f","line":-0}],"stages":[]}}"#,
        #"{"id":"a","text":"x","lineage":{"origins":[{"file":"f","line":1}],"stages":["a",]}}"#,
        // No origins, an id with an escape, an id that is not first, not a string.
        #"{"id":"a","text":"x","lineage":{"origins":[],"stages":[]}}"#,
        #"{"id":"a\"b","text":"x","lineage":{"origins":[{"file":"f","line":1}],"stages":[]}}"#,
        #"{"text":"x","id":"a","lineage":{"origins":[{"file":"f","line":1}],"stages":[]}}"#,
        #"{"id":7,"text":"x","lineage":{"origins":[{"file":"f","line":1}],"stages":[]}}"#,
        // Not a whole line.
        #"{"id":"a","text":"x","lineage":{"origins":[{"file":"f","line":1}],"stages":[]}"#, ""
    ])
    func nonCanonicalLinesAreRefused(_ line: String) {
        #expect(Array(line.utf8).withUnsafeBufferPointer { RawRecordLine.shape($0) } == nil)
    }

    @Test func canonicalLinesAreTaken() throws {
        let line = #"{"id":"a","text":"x","lineage":{"origins":[{"file":"f","line":1}],"stages":[]}}"#
        func kept(_ line: String, _ stage: String) throws -> (origins: Int, line: String) {
            let bytes = Array(line.utf8)
            let shape = try #require(bytes.withUnsafeBufferPointer { RawRecordLine.shape($0) })
            var out: [UInt8] = []
            bytes.withUnsafeBufferPointer { RawRecordLine.appendKept($0, noStages: shape.noStages, stage: stage, to: &out) }
            return (shape.origins, String(decoding: out, as: UTF8.self))
        }
        #expect(
            try kept(line, "quality").line
                == #"{"id":"a","text":"x","lineage":{"origins":[{"file":"f","line":1}],"stages":["quality"]}}"# + "\n")
        // A metadata member that looks like a lineage leaves the record's own, last, lineage to grow.
        let nested =
            #"{"id":"b","text":"x","metadata":{"lineage":{"origins":[{"file":"m","line":9}],"stages":[]}},"lineage":{"origins":[{"file":"f","line":1},{"file":"g","line":20}],"stages":["s"]}}"#
        let two = try kept(nested, "t")
        #expect(two.origins == 2)
        #expect(two.line == nested.replacing(#"["s"]"#, with: #"["s","t"]"#) + "\n")
    }
}
