import JupiterCore
import Testing

@testable import JupiterCurate

struct ArrayBatches: RecordBatches {
    let batches: [[Record]]
    var count: Int { batches.reduce(0) { $0 + $1.count } }
    func forEachBatch(_ body: ([Record]) async throws -> Void) async throws {
        for b in batches { try await body(b) }
    }
}

@Suite struct ExactDedupStageTests {
    func doc(_ id: String, _ text: String) -> Record { .document(Document(id: id, text: text)) }

    func run(_ stage: ExactDedupStage, _ batches: [[Record]]) async throws -> [StageOutput] {
        var out: [StageOutput] = []
        try await stage.run(ArrayBatches(batches: batches), context: StageContext(stageID: "dd", dataset: "d", seed: 0)) {
            out.append($0)
        }
        return out
    }

    @Test func normalisationCoversNFCCaseAndWhitespace() {
        // "ŵ" precomposed vs "w" + combining circumflex.
        #expect(ExactDedupStage.normalise("Mae\u{0175}") == ExactDedupStage.normalise("MAEW\u{0302}"))
        #expect(ExactDedupStage.normalise("  Bore \n\t da  ") == "bore da")
    }

    @Test("the simple-text fast path normalises as the general code")
    func fastNormalisationMatchesGeneral() throws {
        var scratch: [UInt8] = []
        var fast = 0
        for t in try PairFilterStageTests.variants() {
            let general = ExactDedupStage.normaliseGeneral(t)
            if SimpleText.withUTF8(t, { ExactDedupStage.normaliseSimple($0, into: &scratch) }) {
                fast += 1
                #expect(String(decoding: scratch, as: UTF8.self) == general, "\(t.debugDescription)")
                #expect(scratch.elementsEqual(general.utf8))
            }
            #expect(ExactDedupStage.normalise(t) == general)
        }
        #expect(fast > 1000)
    }

    @Test(
        "sixteen and eight bytes at a time normalise as one character at a time: spaces at every place of a word",
        arguments: [
            ["a", "Z", " ", "  ", "\t", "é", "’", "\n", "xyzW", "QRSTUVWX", "\r\n", "\u{00A0}"],
            // Mostly printable ASCII: long runs of whole 16-byte blocks, cut by the rest.
            ["a", "Z", " ", "xyzW", "QRSTUVWX", "Mae'r ", "~@[`{", "\u{7F}", " ", "  ", "\t", "é"]
        ])
    func wordNormalisationMatchesGeneral(pieces: [String]) {
        var rng = SeededRandom(seed: 7)
        var scratch: [UInt8] = []
        for _ in 0..<20_000 {
            var t = ""
            for _ in 0..<Int(rng.next() % 40) { t += pieces[Int(rng.next() % UInt64(pieces.count))] }
            let general = ExactDedupStage.normaliseGeneral(t)
            #expect(SimpleText.withUTF8(t, { ExactDedupStage.normaliseSimple($0, into: &scratch) }), "\(t.debugDescription)")
            #expect(scratch.elementsEqual(general.utf8), "\(t.debugDescription)")
        }
    }

    @Test("raw bytes: the fast path answers only for simple, well-formed UTF-8, as the general code")
    func fastNormalisationOfRawBytes() {
        var rng = SeededRandom(seed: 11)
        let pieces: [[UInt8]] = [
            Array("Abcdefgh".utf8), [0x20], [0x20, 0x20], [0x09], [0x80], [0xBF], [0xC2], [0xC3, 0xA2], [0xC3, 0x82],
            [0xC5, 0xB4], [0xCC, 0x81], [0xE2], [0xE2, 0x80, 0x99], [0xE2, 0x80], [0xE2, 0x81, 0x9E], [0xE2, 0x82, 0xAC],
            [0xF0, 0x9F, 0x90, 0x89], [0xC0], [0xC2, 0xA0], Array("QRSTUVWX".utf8)
        ]
        var scratch: [UInt8] = []
        var fast = 0
        for _ in 0..<50_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(rng.next() % 10) { bytes += pieces[Int(rng.next() % UInt64(pieces.count))] }
            let answered = bytes.withUnsafeBufferPointer { ExactDedupStage.normaliseSimple($0, into: &scratch) }
            guard answered else {
                #expect(scratch.isEmpty)
                continue
            }
            fast += 1
            #expect(SimpleTextTests.reference(bytes), "\(bytes)")
            if let text = String(validating: bytes, as: UTF8.self) {
                #expect(scratch.elementsEqual(ExactDedupStage.normaliseGeneral(text).utf8), "\(bytes)")
            }
        }
        // Malformed and non-simple bytes are common in the pieces, so both answers occur often.
        #expect(fast > 5_000 && fast < 45_000, "\(fast)")
    }

    @Test("the White_Space list equals the standard library's property for every scalar")
    func whitespaceListIsUnicodes() {
        for v in UInt32(0)...0x10FFFF {
            guard let c = Unicode.Scalar(v) else { continue }
            #expect(ExactDedupStage.isWhitespace(v) == c.properties.isWhitespace, "U+\(String(v, radix: 16))")
        }
    }

    @Test("whitespace collapsed scalar by scalar equals Character by Character, on 100,000 strings of tricky scalars")
    func scalarCollapseMatchesCharacters() {
        // Whitespace of both grapheme classes, marks and joiners that extend a space, Prepend
        // scalars, spacing marks, emoji modifiers, Hangul jamo, regional indicators, letters.
        let pieces: [String] = [
            " ", "  ", "\u{A0}", "\u{3000}", "\u{2003}", "\u{1680}", "\t", "\r", "\n", "\r\n", "\u{85}", "\u{2028}",
            "a", "Ω", "я", "中", "é", "e\u{301}", "\u{301}", "\u{20DD}", "\u{200D}", "\u{200C}", "\u{2060}", "\u{FE0F}",
            "\u{E01}", "\u{E33}", "\u{EB3}", "\u{903}", "\u{915}", "\u{94D}", "\u{1F44D}", "\u{1F3FB}", "\u{600}",
            "\u{6DD}", "\u{D4E}", "\u{110BD}", "\u{111C2}", "\u{1100}", "\u{1161}", "\u{AC00}", "\u{1F1EC}", "\u{1F1E7}"
        ]
        var rng = SeededRandom(seed: 13)
        var fast = 0
        for _ in 0..<100_000 {
            var t = ""
            for _ in 0..<Int(rng.next() % 10) { t += pieces[Int(rng.next() % UInt64(pieces.count))] }
            let byCharacters = ExactDedupStage.collapseByCharacters(t)
            if let byScalars = ExactDedupStage.collapseByScalars(t) {
                fast += 1
                #expect(Array(byScalars.unicodeScalars) == Array(byCharacters.unicodeScalars), "\(t.debugDescription)")
            }
        }
        // The scalar path answers most strings even with these pieces.
        #expect(fast > 40_000, "\(fast)")
        // Greek and Cyrillic prose takes it.
        #expect(ExactDedupStage.collapseByScalars("  Καλημέρα   κόσμε\n Привет,\tмир ") == "Καλημέρα κόσμε Привет, мир")
        #expect(ExactDedupStage.normaliseGeneral("  ΚΑΛΗΜΈΡΑ   κόσμε ") == "καλημέρα κόσμε")
    }

    @Test func keepsTheFirstAndNamesItInDrops() async throws {
        let out = try await run(
            ExactDedupStage(),
            [
                [doc("a", "Bore da"), doc("b", "Nos da")],
                [doc("c", "bore  DA"), doc("d", "Prynhawn da")]
            ])
        #expect(out.count == 4)
        guard case .dropped(let r, let reason) = out[2] else { Issue.record("expected a drop"); return }
        #expect(r.id == "c")
        #expect(reason.rule == "exact-dedup.duplicate")
        #expect(reason.message == "duplicate of a")
        #expect(out.filter { if case .kept = $0 { true } else { false } }.count == 3)
    }

    @Test func fieldSelectsOneSideOfPairs() async throws {
        func pair(_ id: String, _ en: String, _ cy: String) -> Record {
            .pair(ParallelPair(id: id, sourceLanguage: "en", targetLanguage: "cy", source: en, target: cy))
        }
        let input = [[pair("1", "Hello", "Helo"), pair("2", "Hello", "Shwmae")]]
        let bySource = try await run(ExactDedupStage(field: "source"), input)
        let byText = try await run(ExactDedupStage(field: "text"), input)
        #expect(bySource.filter { if case .dropped = $0 { true } else { false } }.count == 1)
        #expect(byText.filter { if case .dropped = $0 { true } else { false } }.count == 0)
    }

    /// Records of every shape the line decider reads differently: pairs and documents it reads
    /// on the line (with and without escapes, simple and general text), documents with metadata,
    /// conversations, and ids with escapes (lines the run cannot take apart).
    static func lineRecords() throws -> [Record] {
        let texts = try PairFilterStageTests.variants()
        var out: [Record] = []
        for (i, t) in texts.enumerated() {
            let lineage = Lineage(file: "in.tsv", line: i + 1)
            let other = texts[(i * 7 + 3) % texts.count]
            // Every third text again, so that some records are duplicates (in another form too).
            let a = i % 3 == 0 ? texts[i / 3] : t
            let id = i % 50 == 7 ? "id \"\(i)\"" : i % 50 == 11 ? "r\u{E9}\(i)" : "r\(i)"
            switch i % 5 {
            case 0, 1:
                out.append(
                    .pair(ParallelPair(id: id, sourceLanguage: "en", targetLanguage: "cy", source: a, target: other, lineage: lineage)))
            case 2:
                out.append(
                    .pair(
                        ParallelPair(
                            id: id, sourceLanguage: "en", targetLanguage: "cy", source: other, target: a, metadata: ["n": .int(i)],
                            lineage: lineage)))
            case 3:
                out.append(.document(Document(id: id, text: a + (i % 2 == 0 ? " \"quoted\"\n" : ""), lineage: lineage)))
            default:
                out.append(.document(Document(id: id, text: a, metadata: ["k": .string("v")], lineage: lineage)))
            }
        }
        return out
    }

    @Test("deciding from stored lines keeps and drops what run does, for every field", arguments: ["text", "source", "target", "prompt"])
    func lineDeciderMatchesRun(field: String) async throws {
        let records = try Self.lineRecords()
        let stage = ExactDedupStage(field: field)
        let expected = try await run(stage, [records])
        var decider = stage.lineDecider()
        // A second decider writes its drops' reasons as bytes.
        var writer = stage.lineDecider()
        var onLine = 0
        var drops = 0
        var written = Set<String>()
        for (i, record) in records.enumerated() {
            var bytes: [UInt8] = []
            DirectEncoding.write(record, into: &bytes)
            let reason: DropReason? = try bytes.withUnsafeBufferPointer { line in
                if let shape = RawRecordLine.shape(line) {
                    onLine += 1
                    let reason = try decider.verdict(line: line, id: shape.id) { record }
                    var members: [UInt8] = []
                    let rule = try writer.verdict(line: line, id: shape.id, record: { record }, reasonInto: &members)
                    var expected: [UInt8] = []
                    reason?.writeMembers(into: &expected)
                    #expect(rule == reason?.rule && members == expected, "record \(i)")
                    if let reason { written.insert(reason.message) }
                    return reason
                }
                let reason = try decider.verdict(record: record)
                #expect(try writer.verdict(record: record) == reason)
                return reason
            }
            switch expected[i] {
            case .kept: #expect(reason == nil, "record \(i)")
            case .dropped(_, let r):
                drops += 1
                #expect(reason == r, "record \(i)")
            case .quarantined: Issue.record("run quarantined record \(i)")
            }
        }
        #expect(onLine == records.filter { !$0.id.contains("\"") }.count)
        #expect(drops > records.count / 5)
        // Written reasons name ids of plain ASCII, with a quote and beyond ASCII.
        if field != "prompt" {
            #expect(written.contains { $0.contains("\"") } && written.contains { $0.contains("\u{E9}") })
        }
    }

    @Test("shown the next line first, the decider decides as without it, in any order of showing", arguments: ["text", "source", "target"])
    func previewChangesNothing(field: String) throws {
        let lines: [[UInt8]] = try Self.lineRecords().map { record in
            var bytes: [UInt8] = []
            DirectEncoding.write(record, into: &bytes)
            return bytes
        }
        func verdicts(_ show: (Int) -> Int?) throws -> [DropReason?] {
            var decider = ExactDedupStage(field: field).lineDecider()
            var out: [DropReason?] = []
            for (i, line) in lines.enumerated() {
                if let k = show(i), k < lines.count {
                    lines[k].withUnsafeBufferPointer { u in
                        if let shape = RawRecordLine.shape(u) { decider.preview(line: u, id: shape.id) }
                    }
                }
                out.append(
                    try line.withUnsafeBufferPointer { u in
                        guard let shape = RawRecordLine.shape(u) else {
                            return try decider.verdict(record: NativeLines.decode(u, file: "f", line: i + 1))
                        }
                        return try decider.verdict(line: u, id: shape.id) { try NativeLines.decode(u, file: "f", line: i + 1) }
                    })
            }
            return out
        }
        let plain = try verdicts { _ in nil }
        #expect(plain.compactMap { $0 }.count > lines.count / 5)
        #expect(try verdicts { $0 + 1 } == plain)  // the next line, as the run shows it
        #expect(try verdicts { $0 } == plain)  // the line itself
        #expect(try verdicts { $0 + 3 } == plain)  // a later line: its key is not used for this one
    }

    @Test("the text is read from the line, not decoded, where the line allows it")
    func lineDeciderReadsTextOnTheLine() throws {
        let plain = Record.pair(
            ParallelPair(
                id: "a", sourceLanguage: "en", targetLanguage: "cy", source: "Bore da", target: "Good", lineage: Lineage(file: "f", line: 1)
            ))
        let escaped = Record.pair(
            ParallelPair(
                id: "b", sourceLanguage: "en", targetLanguage: "cy", source: "bore \"da\"", target: "x",
                lineage: Lineage(file: "f", line: 2)))
        /// How many of `records` the decider of `field` had to decode, deciding them in order.
        func decodes(_ field: String, _ records: [Record]) throws -> Int {
            var decider = ExactDedupStage(field: field).lineDecider()
            var decoded = 0
            for record in records {
                var bytes: [UInt8] = []
                DirectEncoding.write(record, into: &bytes)
                _ = try bytes.withUnsafeBufferPointer { line in
                    let shape = try #require(RawRecordLine.shape(line))
                    return try decider.verdict(line: line, id: shape.id) {
                        decoded += 1
                        return record
                    }
                }
            }
            return decoded
        }
        #expect(try decodes("source", [plain, escaped, plain]) == 1)
        // A pair's text (both sides) is read from the line too.
        #expect(try decodes("text", [plain, plain]) == 0)
    }
}

@Suite struct DigestTableTests {
    typealias Digest = ExactDedupStage.Digest

    @Test("keys that share their slot bits are told apart by the rest of the key; a repeat names the first")
    func sharedSlotBits() {
        var table = DigestTable()
        let first = Digest(a: 42, b: 0xAAAA_0000_0012_3456)
        // The same low 64 bits (so the same slot and tag), the high bits differ; and the same 32
        // tag bits with other low-half bits (another home, most likely: probes may still meet it).
        let sameLow = Digest(a: 42, b: 0xBBBB_0000_0012_3456)
        let sameTag = Digest(a: 0x1234_5678_0000_002A, b: 0xAAAA_0000_0012_3456)
        #expect(table.insert(first) { 10 } == nil)
        #expect(table.insert(sameLow) { 11 } == nil)
        #expect(table.insert(sameTag) { 12 } == nil)
        #expect(table.insert(first) { 0 } == 10)
        #expect(table.insert(sameLow) { 0 } == 11)
        #expect(table.insert(sameTag) { 0 } == 12)
        // A key of all zero bits is a key like any other (an empty slot is told by its number).
        #expect(table.insert(Digest(a: 0, b: 0)) { 13 } == nil)
        #expect(table.insert(Digest(a: 0, b: 0)) { 0 } == 13)
    }

    @Test("a place is asked for only when the key is new")
    func placeOnlyWhenNew() {
        var table = DigestTable()
        var asked = 0
        for _ in 0..<3 {
            _ = table.insert(Digest(a: 1, b: 2)) {
                asked += 1
                return 5
            }
        }
        #expect(asked == 1)
    }

    @Test("every key is found again where probing wraps: 700 keys whose home is one of the last 24 of 1,024 slots")
    func wrapsAround() {
        // Keys whose home is among the last slots of the smallest table (found by search), so
        // their probes run past the end to slot 0.
        var table = DigestTable()
        var generator = SplitMix64(seed: 11)
        var keys: [Digest] = []
        while keys.count < 700 {
            let a = generator.next()
            if DigestTable.home(a, 1024) >= 1000 { keys.append(Digest(a: a, b: 1)) }
        }
        for (k, key) in keys.enumerated() { #expect(table.insert(key) { UInt64(k) } == nil) }
        var found = 0
        for (k, key) in keys.enumerated() where table.insert(key, place: { 1 << 62 }) == UInt64(k) { found += 1 }
        #expect(found == 700)
    }

    @Test("doubling and reserving keep every key: 50,000 keys, each found again at its place", arguments: [0, 50_000])
    func growsAndReserves(reserve: Int) {
        var table = DigestTable()
        table.reserve(reserve)
        var generator = SplitMix64(seed: 7)
        let keys = (0..<50_000).map { _ in Digest(a: generator.next() & 0xFFFF, b: generator.next()) }
        for (k, key) in keys.enumerated() { #expect(table.insert(key) { UInt64(k) } == nil) }
        var found = 0
        for (k, key) in keys.enumerated() where table.insert(key, place: { 1 << 62 }) == UInt64(k) { found += 1 }
        #expect(found == 50_000)
    }
}

@Suite struct KeptIDsTests {
    /// Every id read back from its place, after all were added.
    private func readBack(_ ids: [[UInt8]], into kept: inout KeptIDs) -> [[UInt8]] {
        let places = ids.map { id in id.withUnsafeBufferPointer { kept.add($0) } }
        var scratch: [UInt8] = []
        return places.map { place in kept.withID(place, &scratch) { Array($0) } }
    }

    @Test("ids read back byte for byte: numbered, with leading zeros, long digit runs, none, long and non-ASCII")
    func roundTrip() {
        var ids: [String] = [
            "pairs.tsv:197", "pairs.tsv:0", "pairs.tsv:007", "0", "12345", "", "doc", "a:b:",
            "x-9999999999999", "x-123456789012", "x-1234567890123456789012", "third.jsonl:1", "pairs.tsv:198",
            "Cymraeg-ŵ-ŷ:42", "tab\there:5", "a\u{0}:1", "pairs.tsv:", ":9"
        ]
        ids.append(String(repeating: "p", count: 70_000) + ":3")
        ids.append(String(repeating: "q", count: 70_000))
        ids.append(String(repeating: "r", count: 0xFFFE))
        var kept = KeptIDs()
        kept.reserve(10)
        let bytes = ids.map { Array($0.utf8) }
        #expect(readBack(bytes, into: &kept) == bytes)
    }

    @Test("ids of one file's lines hold only their prefix: 100,000 ids in 10 bytes")
    func numberedIDsHoldNoBytes() {
        var kept = KeptIDs()
        kept.reserve(100_000)
        let ids = (0..<100_000).map { Array("pairs.tsv:\($0 * 7 + 1)".utf8) }
        #expect(readBack(ids, into: &kept) == ids)
        #expect(kept.heldBytes == 10)
    }

    @Test("past 65,536 prefixes, ids with a new prefix are kept as bytes and still read back")
    func prefixLimit() {
        var kept = KeptIDs()
        let ids = (0..<(KeptIDs.maxPrefixes + 100)).map { Array("file-\($0).tsv:1".utf8) }
        #expect(readBack(ids, into: &kept) == ids)
        // Numbered prefixes `file-<k>.tsv:` for the first 65,536; whole ids for the last 100.
        let prefixes = (0..<KeptIDs.maxPrefixes).reduce(0) { $0 + "file-\($1).tsv:".utf8.count }
        let whole = (KeptIDs.maxPrefixes..<(KeptIDs.maxPrefixes + 100)).reduce(0) { $0 + "file-\($1).tsv:1".utf8.count }
        #expect(kept.heldBytes == prefixes + whole)
        // A known prefix is still found after the limit, not only the last one used.
        #expect(readBack([Array("file-3.tsv:77".utf8)], into: &kept) == [Array("file-3.tsv:77".utf8)])
        #expect(kept.heldBytes == prefixes + whole)
    }
}

/// A small seeded generator for test keys.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
