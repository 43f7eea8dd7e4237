import JupiterCore

/// The road of a step that reads a parallel-tsv source through one ``PairKeepingStage`` (as
/// `pair-filter` first on a corpus usually is). A pair the stage keeps from its texts alone is
/// written straight from its line, as the JSON its record would be written as; every other line
/// (a pair dropped or needing the stage's general code, bad input) is decoded and processed as
/// ``BatchProcessor`` does, in the same order. The batch's files and counts are the same bytes as
/// on the general road (`PairLineBatchTests` compares them); only the records are not built.
struct PairLineBatch: Sendable {
    let stage: any PairKeepingStage
    let stageID: String
    let seed: UInt64
    let dataset: String

    /// The road for a step of `stages`, or nil when it is not one pair-keeping stage.
    init?(dataset: String, stages: [PlannedStage]) {
        guard stages.count == 1, let only = stages.first, let stage = only.stage as? any PairKeepingStage else {
            return nil
        }
        self.stage = stage
        stageID = only.id
        seed = only.seed
        self.dataset = dataset
    }

    /// The languages of `batch`'s pairs when it is read as parallel-tsv (the road applies), else nil.
    static func languages(of batch: InputReader.Batch) -> (String, String)? {
        (batch.decoder as? ParallelTSVDecoder)?.languages
    }

    /// One unit's part of the batch, in input order.
    private enum Item {
        /// A line the stage keeps as it is: the unit's index and where its tab is.
        case kept(unit: Int, tab: Int)
        /// A record decoded the general way.
        case record(Record)
    }

    /// Processes a parallel-tsv batch of `languages`.
    func run(_ batch: InputReader.Batch, languages: (String, String)) throws -> BatchOutput {
        try Task.checkCancellation()
        var out = BatchOutput()
        if batch.emptyFile { InputReader.quarantine(batch, 0, "empty file", nil, into: &out) }
        // Reading first, as the general road decodes the whole batch before its stages run.
        var items: [Item] = []
        items.reserveCapacity(batch.units.count)
        // Units are read in place (no unit is made for a line the stage keeps).
        for k in 0..<batch.units.count {
            if let found = batch.units.withPlainBytes(k, { keptTab($0, languages) }), let tab = found {
                items.append(.kept(unit: k, tab: tab))
                out.counts.read += 1
            } else if let r = InputReader.decode(k, of: batch, into: &out) {
                items.append(.record(r))
                out.counts.read += max(1, r.lineage.origins.count)
            }
        }
        out.counts.stage(stageID, "in", items.count)
        let context = StageContext(stageID: stageID, dataset: dataset, seed: seed, batchIndex: batch.index)
        let line = LinePieces(file: batch.file, languages: languages, stage: stageID)
        var keptFromLines = 0
        for item in items {
            switch item {
            case .kept(let k, let tab):
                _ = batch.units.withPlainBytes(k) { buf in
                    line.write(buf, tab: tab, line: batch.units.line(k), into: &out.kept)
                }
                keptFromLines += 1
            case .record(let r):
                switch try stage.process(r, context: context) {
                case .kept(let r):
                    out.counts.stage(stageID, "kept")
                    BatchProcessor.appendKept(r.passing(stageID), to: &out)
                case .dropped(let r, let reason):
                    BatchProcessor.appendDropped(r, stage: stageID, reason: reason, to: &out)
                case .quarantined(let r, let error):
                    BatchProcessor.appendQuarantined(r, stage: stageID, error: error, to: &out)
                }
            }
        }
        // Counted once (the counts do not depend on the order).
        if keptFromLines > 0 {
            out.counts.stage(stageID, "kept", keptFromLines)
            out.counts.kept += keptFromLines
            out.counts.records += keptFromLines
        }
        return out
    }

    /// Where the tab of a line the stage keeps as it is lies: exactly one tab, and the stage's
    /// word (which includes both sides being well-formed UTF-8, so the decoder would give these
    /// texts); else nil.
    private func keptTab(_ buf: UnsafeBufferPointer<UInt8>, _ languages: (String, String)) -> Int? {
        guard let (tab, more) = ParallelTSVDecoder.tabs(buf), !more else { return nil }
        let source = UnsafeBufferPointer(rebasing: buf[..<tab])
        let target = UnsafeBufferPointer(rebasing: buf[(tab + 1)...])
        guard stage.keeps(sourceLanguage: languages.0, targetLanguage: languages.1, source: source, target: target)
        else { return nil }
        return tab
    }

    /// The fixed parts of a kept line in a batch, escaped once: the line is the native JSON of the
    /// pair `ParallelTSVDecoder` decodes (id `file:line`, no metadata, the line as its origin) with
    /// the stage in its lineage, as `RecordLines.append` writes it.
    private final class LinePieces {
        /// The five parts, one after the other (in memory of their own, so that writing a line
        /// retains nothing):
        /// `{"id":"<file>:` · `","translation":{"<source language>":` · `,"<target language>":` ·
        /// `},"lineage":{"origins":[{"file":"<file>","line":` · `}],"stages":["<stage>"]}}` and `\n`.
        private let storage: UnsafeMutableBufferPointer<UInt8>
        private let idHead, translationHead, targetHead, originHead, tail: UnsafeBufferPointer<UInt8>

        init(file: String, languages: (String, String), stage: String) {
            var parts: [[UInt8]] = [[], [], [], [], []]
            parts[0].append(contentsOf: #"{"id":"#.utf8)
            JSONWriter.writeString(file, into: &parts[0])
            parts[0].removeLast()  // the closing quote: the id goes on with `:<line>"`
            parts[0].append(UInt8(ascii: ":"))
            parts[1].append(contentsOf: #"","translation":{"#.utf8)
            JSONWriter.writeString(languages.0, into: &parts[1])
            parts[1].append(UInt8(ascii: ":"))
            parts[2].append(UInt8(ascii: ","))
            JSONWriter.writeString(languages.1, into: &parts[2])
            parts[2].append(UInt8(ascii: ":"))
            parts[3].append(contentsOf: #"},"lineage":{"origins":[{"file":"#.utf8)
            JSONWriter.writeString(file, into: &parts[3])
            parts[3].append(contentsOf: #","line":"#.utf8)
            parts[4].append(contentsOf: #"}],"stages":["#.utf8)
            JSONWriter.writeString(stage, into: &parts[4])
            parts[4].append(contentsOf: "]}}\n".utf8)
            storage = .allocate(capacity: parts.reduce(0) { $0 + $1.count })
            var views: [UnsafeBufferPointer<UInt8>] = []
            var at = 0
            for part in parts {
                let view = UnsafeMutableBufferPointer(rebasing: storage[at..<(at + part.count)])
                _ = view.initialize(from: part)
                views.append(UnsafeBufferPointer(view))
                at += part.count
            }
            (idHead, translationHead, targetHead, originHead, tail) = (views[0], views[1], views[2], views[3], views[4])
        }

        deinit { storage.deallocate() }

        /// Appends the kept line of `buf` (source, tab, target) read at `line`.
        func write(_ buf: UnsafeBufferPointer<UInt8>, tab: Int, line: Int, into out: inout [UInt8]) {
            let number = String(line)
            out.append(contentsOf: idHead)
            out.append(contentsOf: number.utf8)
            out.append(contentsOf: translationHead)
            JSONWriter.writeString(utf8: UnsafeBufferPointer(rebasing: buf[..<tab]), into: &out)
            out.append(contentsOf: targetHead)
            JSONWriter.writeString(utf8: UnsafeBufferPointer(rebasing: buf[(tab + 1)...]), into: &out)
            out.append(contentsOf: originHead)
            out.append(contentsOf: number.utf8)
            out.append(contentsOf: tail)
        }
    }
}
