import Foundation
import JupiterCore
import JupiterCurate
import Testing

@testable import Jupiter

/// The pair-line road (kept pairs written straight from their TSV lines) against the general road
/// (decode every line, run the stage, encode): the same kept, dropped and quarantine bytes and the
/// same counts, batch by batch, on lines of every kind.
@Suite struct PairLineBatchTests {
    /// `PairFilterStage`, counting the pairs it keeps from their bytes.
    struct CountingPairFilter: PairKeepingStage {
        let inner: PairFilterStage
        let keptFromBytes = Locked(0)
        var name: String { inner.name }
        var configuration: JSONValue { inner.configuration }
        func process(_ record: Record, context: StageContext) throws -> StageOutput {
            try inner.process(record, context: context)
        }
        func keeps(
            sourceLanguage: String, targetLanguage: String, source: UnsafeBufferPointer<UInt8>,
            target: UnsafeBufferPointer<UInt8>
        ) -> Bool {
            let kept = inner.keeps(sourceLanguage: sourceLanguage, targetLanguage: targetLanguage, source: source, target: target)
            if kept { keptFromBytes.withLock { $0 += 1 } }
            return kept
        }
    }

    /// Lines of every kind: plain and Welsh pairs, text JSON must escape, each rule's drops, text
    /// for the general code, bad UTF-8, wrong column counts, blank lines.
    static let lines: [[UInt8]] = {
        var out: [[UInt8]] = [
            "The Welsh Ministers may by regulations\tCaiff Gweinidogion Cymru drwy reoliadau",
            "Section 22(3)(a): use of “Annibynnol”\tAdran 22(3)(a): defnyddio “Annibynnol”",
            "A \"quoted\" back\\slash and\u{1}control\tDyfynnu \"hyn\" a\\ hynny\u{7F} ŵ ŷ â",
            "Same text here\tsame TEXT here", "x\tOne side is far too long for the other side", "\tempty",
            "12345 67890 !!!\t12345 67890 !!!?", "Groß straße Ǆ ﬁ\tStryd fawr", "e\u{301}\tCafe\u{301} ok",
            "only one column", "a\tb\tc", "", "   \t   ", "Tab at end\t", "Ünïcödé wörds hëre\tGeiriau â ŵ ŷ yma",
            "Emoji 🐉 in text\tDraig 🐉 yn y testun"
        ].map { Array($0.utf8) }
        out.append(Array("Bad byte ".utf8) + [0xC3, 0x28] + Array("\tDrwg".utf8))
        out.append(Array("Fine\tTruncated ".utf8) + [0xE2, 0x80])
        // Generated pairs from shared words, most of them kept.
        var rng = SeededRandom(seed: 3)
        let words = ["Gweinidogion", "Cymru", "regulations", "rheoliadau", "Act", "Deddf", "ŵyr", "“dyfynnu”", "a", "the"]
        for _ in 0..<400 {
            func side() -> String { (0..<Int(1 + rng.next() % 8)).map { _ in words[Int(rng.next() % 10)] }.joined(separator: " ") }
            out.append(Array((side() + "\t" + side()).utf8))
        }
        return out
    }()

    /// A batch of `lines` as the line reader cuts it (one buffer), or with its units made one by
    /// one (`oneByOne`, as other readers give them).
    func batch(
        _ lines: [[UInt8]], file: String, tooLong: Set<Int> = [], emptyFile: Bool = false, oneByOne: Bool = false
    ) -> InputReader.Batch {
        let units: UnitBlock
        if oneByOne {
            units = UnitBlock(
                units: lines.enumerated().map { i, l in
                    tooLong.contains(i)
                        ? SourceUnit(line: i + 1, bytes: [], tooLong: true, length: 5_000_000)
                        : SourceUnit(line: i + 1, bytes: l)
                })
        } else {
            var bytes: [UInt8] = [], ends: [Int] = []
            for (i, l) in lines.enumerated() {
                if !tooLong.contains(i) { bytes += l }
                ends.append(bytes.count)
            }
            units = UnitBlock(
                lines: bytes, ends: ends, firstLine: 1, tooLong: Dictionary(uniqueKeysWithValues: tooLong.map { ($0, 5_000_000) }))
        }
        return InputReader.Batch(
            index: 3, file: file, units: units, emptyFile: emptyFile,
            decoder: ParallelTSVDecoder(languages: ["en", "cy"]), maxLineBytes: 4_000_000)
    }

    /// Compares the roads on `b`; returns the number of records kept.
    @discardableResult
    func compare(_ b: InputReader.Batch, stage: CountingPairFilter) async throws -> Int {
        let planned = PlannedStage(id: "pair-filter#2", stage: stage, seed: 99)
        let road = try #require(PairLineBatch(dataset: "welsh", stages: [planned]))
        let languages = try #require(PairLineBatch.languages(of: b))
        let fast = try road.run(b, languages: languages)
        let (records, pre) = InputReader.decode(b)
        let general = try await BatchProcessor(dataset: "welsh", stages: [planned]).run(records, batchIndex: b.index, pre: pre)
        #expect(String(decoding: fast.kept, as: UTF8.self) == String(decoding: general.kept, as: UTF8.self))
        #expect(String(decoding: fast.dropped, as: UTF8.self) == String(decoding: general.dropped, as: UTF8.self))
        #expect(String(decoding: fast.quarantine, as: UTF8.self) == String(decoding: general.quarantine, as: UTF8.self))
        #expect(JSONWriter.string(fast.counts.json) == JSONWriter.string(general.counts.json))
        return general.counts.kept
    }

    @Test("every kind of line gives the general road's bytes and counts, most kept from their bytes")
    func sameAsGeneralRoad() async throws {
        let stage = CountingPairFilter(inner: PairFilterStage(minChars: 3, maxChars: 200, maxRatio: 2.5, ratioMinChars: 10))
        let kept = try await compare(batch(Self.lines, file: "data/pairs.tsv", tooLong: [7]), stage: stage)
        // Every kept pair but the two whose text needs the general code (a ligature and title-case
        // digraph; an emoji) is kept from its bytes.
        let fromBytes = stage.keptFromBytes.withLock { $0 }
        #expect(fromBytes == kept - 2, "\(fromBytes) of \(kept) kept pairs kept from their bytes")
        // The same units made one by one; a file name JSON must escape, an empty file, an empty batch.
        let again = try await compare(batch(Self.lines, file: "data/pairs.tsv", tooLong: [7], oneByOne: true), stage: stage)
        #expect(again == kept)
        try await compare(batch(Self.lines, file: #"data/"odd" \name.tsv"#), stage: stage)
        try await compare(batch([], file: "data/empty.tsv", emptyFile: true), stage: stage)
        try await compare(batch([], file: "data/none.tsv"), stage: stage)
    }

    @Test("the road is taken only for one pair-keeping stage over parallel-tsv")
    func onlyForOnePairKeepingStage() throws {
        let filter = PlannedStage(id: "pair-filter", stage: PairFilterStage(), seed: 1)
        #expect(PairLineBatch(dataset: "d", stages: [filter]) != nil)
        #expect(PairLineBatch(dataset: "d", stages: [filter, filter]) == nil)
        #expect(PairLineBatch(dataset: "d", stages: []) == nil)
        let jsonl = InputReader.Batch(
            index: 0, file: "f", units: .empty, emptyFile: false, decoder: NativeJSONLDecoder(kind: .pair), maxLineBytes: 10)
        #expect(PairLineBatch.languages(of: jsonl) == nil)
    }
}
