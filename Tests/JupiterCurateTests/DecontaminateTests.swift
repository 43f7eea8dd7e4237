import JupiterCore
import JupiterTesting
import Testing

@testable import JupiterCurate

@Suite("decontaminate")
struct DecontaminateTests {
    static var mmluPath: String { DedupTestData.evalsDirectory + "/welsh-mmlu-lite.jsonl" }
    static var arcPath: String { DedupTestData.evalsDirectory + "/welsh-arc-easy-mini-cy.jsonl" }
    static var yesNoPath: String { DedupTestData.evalsDirectory + "/welsh-yes-no.jsonl" }

    static func conversation(_ id: String, user: String, assistant: String) -> Record {
        .conversation(
            Conversation(
                id: id,
                messages: [
                    Message(role: .user, content: user),
                    Message(role: .assistant, content: assistant)
                ]))
    }

    @Test("real Welsh eval sets: contaminated conversations dropped naming the item, clean ones kept, report lists matches")
    func realEvalSets() async throws {
        let mmlu = try EvalSet.load(path: Self.mmluPath, name: "welsh-mmlu-lite.jsonl")
        let arc = try EvalSet.load(path: Self.arcPath, name: "welsh-arc-easy-mini-cy.jsonl")
        #expect(mmlu.items.count > 100)
        #expect(!mmlu.items[0].text.contains("multiple-choice"), "system prompts are not part of the item")
        let seg = try NearDuplicateCorpus.segments(translationFile: DedupTestData.legislationPath)
        var rng = SeededRandom(seed: 5)
        var records: [Record] = []
        var planted: [String: (set: String, item: Int)] = [:]
        for k in 0..<40 {
            // Clean: legislation text in both languages.
            records.append(Self.conversation("clean-\(k)", user: seg.english[k * 7], assistant: seg.welsh[k * 7]))
            if k % 4 == 0 {
                let (set, name) = k % 8 == 0 ? (mmlu, "welsh-mmlu-lite.jsonl") : (arc, "welsh-arc-easy-mini-cy.jsonl")
                let idx = Int(rng.next() % UInt64(set.items.count))
                // The item with light edits, inside a longer training prompt.
                let edited = NearDuplicateCorpus.editWords(set.items[idx].text, rate: 0.02, rng: &rng)
                records.append(
                    Self.conversation(
                        "leak-\(k)", user: "Ateb y cwestiwn hwn os gwelwch yn dda:\n" + edited,
                        assistant: "Yr ateb yw C."))
                planted["leak-\(k)"] = (name, idx)
            }
        }
        let stage = DecontaminateStage(evalSets: [mmlu, arc])
        var outputs: [StageOutput] = []
        let report = try await stage.runWithReport(
            ArrayRecordBatches(records, batchSize: 13),
            context: StageContext(stageID: "decontaminate", dataset: "t", seed: 1)
        ) {
            outputs.append($0)
        }
        #expect(outputs.map(\.outputRecord.id) == records.map(\.id))
        for out in outputs {
            let id = out.outputRecord.id
            if let truth = planted[id] {
                let reason = try #require(out.droppedBecause, "\(id) should be dropped")
                #expect(reason.rule == "decontaminate.overlap")
                // The planted item is among the matches; near-identical items may tie with it.
                #expect(
                    stage.matches(out.outputRecord.text).contains {
                        stage.evalSets[$0.set].name == truth.set && $0.item == truth.item
                    })
                #expect((reason.value?["overlap"]?.doubleValue ?? 0) > 0.5)
            } else {
                #expect(!out.wasDropped, "\(id) is clean: \(out.droppedBecause?.message ?? "")")
            }
        }
        #expect(report.recordsChecked == records.count)
        #expect(report.recordsDropped == planted.count)
        let reported = Set(report.sets.flatMap { s in s.matched.map { "\(s.name)#\($0.index)" } })
        for (_, truth) in planted { #expect(reported.contains("\(truth.set)#\(truth.item)")) }
        let json = JSONWriter.string(report.json)
        #expect(json.contains("\"ngram_size\":8"))
        print("decontaminate: \(report.recordsDropped)/\(report.recordsChecked) dropped; matched items \(reported.sorted())")
    }

    @Test("overlap is open-instruct's: share of the item's words inside shared 8-grams, match when > 0.5")
    func overlapSemantics() throws {
        let item =
            "Explain in detail how the National Assembly for Wales became the Senedd and what powers changed in the process of renaming it"
        let words = item.split(separator: " ").map(String.init)
        #expect(words.count == 22)
        let set = EvalSet(name: "t", items: [.init(index: 0, id: "x", text: item, line: 1)])
        let stage = DecontaminateStage(evalSets: [set])
        func overlap(_ prefix: Int) -> Double {
            let text = "Some unrelated opening words. " + words.prefix(prefix).joined(separator: " ") + ". Then an unrelated end."
            return stage.index.match(WordHasher().hashWords(text)).first?.overlap ?? 0
        }
        #expect(overlap(7) == 0)  // no shared 8-gram
        #expect(abs(overlap(8) - 8.0 / 22) < 1e-9)  // one 8-gram covers 8 words
        #expect(abs(overlap(11) - 11.0 / 22) < 1e-9)  // exactly one half: not a match
        #expect(abs(overlap(12) - 12.0 / 22) < 1e-9)
        #expect(stage.matches(words.prefix(11).joined(separator: " ")).isEmpty)
        #expect(stage.matches(words.prefix(12).joined(separator: " ")).count == 1)
        // Case, punctuation and diacritics do not hide a match.
        #expect(stage.matches(item.uppercased().split(separator: " ").joined(separator: ", ")).count == 1)
    }

    @Test("IFEval and GSM8K JSONL shapes; ids from key; GSM8K matched on the question")
    func otherShapes() async throws {
        let ifeval = try EvalSet.load(path: DedupTestData.fixtures + "/ifeval-sample.jsonl", name: "ifeval")
        let gsm = try EvalSet.load(path: DedupTestData.fixtures + "/gsm8k-sample.jsonl", name: "gsm8k")
        #expect(ifeval.items.map(\.id) == ["1001", "1002", "1003"])
        #expect(gsm.items.map(\.id) == ["gsm8k#0", "gsm8k#1"])
        #expect(gsm.items[1].text.hasPrefix("A farmer in Ceredigion"))
        let stage = DecontaminateStage(evalSets: [ifeval, gsm])
        let records: [Record] = [
            .document(Document(id: "d1", text: "Prompt: " + ifeval.items[1].text + "\nResponse: The quarries...")),
            .document(Document(id: "d2", text: "Q: " + gsm.items[1].text + " A: 108")),
            .document(Document(id: "d3", text: "The answer is 108 sheep and lambs."))
        ]
        let out = try await DedupTestData.run(stage, records)
        #expect(out.map(\.wasDropped) == [true, true, false])
        #expect(out[0].droppedBecause?.value?["id"]?.stringValue == "1002")
        #expect(out[0].droppedBecause?.message.contains("ifeval#1 (id 1002)") == true)
        #expect(out[1].droppedBecause?.value?["eval"]?.stringValue == "gsm8k")
    }

    @Test("short items: skipped and counted by default (open-instruct), matched whole on request")
    func shortItems() async throws {
        let yesNo = try EvalSet.load(path: Self.yesNoPath, name: "welsh-yes-no.jsonl")
        let short = try #require(yesNo.items.first { (4..<8).contains(WordHasher().hashWords($0.text).count) })
        let record: Record = .document(Document(id: "r", text: "Cwestiwn: " + short.text + " Ateb: Ydw."))
        let skip = DecontaminateStage(evalSets: [yesNo])
        var outs: [StageOutput] = []
        let report = try await skip.runWithReport(ArrayRecordBatches([record]), context: StageContext(stageID: "d", dataset: "t", seed: 0))
        {
            outs.append($0)
        }
        #expect(!outs[0].wasDropped)
        #expect(report.sets[0].skippedShortItems > 0)
        let whole = DecontaminateStage(evalSets: [yesNo], matchShortItemsWhole: true)
        let out = try await DedupTestData.run(whole, [record])
        #expect(out[0].wasDropped)
    }

    @Test("bad input: empty, punctuation only, 10 MB record with a leak at the end")
    func badInput() async throws {
        let mmlu = try EvalSet.load(path: Self.mmluPath, name: "mmlu")
        let seg = try NearDuplicateCorpus.segments(translationFile: DedupTestData.legislationPath)
        var parts: [String] = []
        var size = 0
        while size < 10_000_000 { let t = seg.welsh[parts.count % seg.welsh.count]; parts.append(t); size += t.utf8.count + 1 }
        let big = parts.joined(separator: "\n")
        let records: [Record] = [
            .document(Document(id: "empty", text: "")),
            .document(Document(id: "punct", text: "?!?! ... ***")),
            .document(Document(id: "big", text: big)),
            .document(Document(id: "big-leak", text: big + mmlu.items[3].text))
        ]
        let out = try await DedupTestData.run(DecontaminateStage(evalSets: [mmlu]), records)
        #expect(out.map(\.wasDropped) == [false, false, false, true])
        #expect(out[3].droppedBecause?.value?["item"]?.intValue == 3 || out[3].droppedBecause?.value?["overlap"]?.doubleValue == 1.0)
    }

    @Test("factory resolves recipe-relative eval paths and reports missing files and options")
    func factory() throws {
        let ctx = StageBuildContext(baseDirectory: DedupTestData.evalsDirectory)
        var o = StageOptions(stage: "decontaminate", ["evals": "welsh-arc-easy-mini-cy.jsonl", "ngram_size": "10"])
        let s = try #require(try DecontaminateStage.factory.make(&o, ctx) as? DecontaminateStage)
        #expect(o.finish().isEmpty)
        #expect(s.ngramSize == 10 && s.threshold == 0.5)
        #expect(s.evalSets.first?.items.isEmpty == false)
        var missing = StageOptions(stage: "decontaminate", ["evals": "nope.jsonl"])
        _ = try DecontaminateStage.factory.make(&missing, ctx)
        #expect(missing.finish().contains { $0.message.contains("'nope.jsonl' not found") })
        var none = StageOptions(stage: "decontaminate", [:])
        _ = try DecontaminateStage.factory.make(&none, ctx)
        #expect(none.finish().contains { $0.message.contains("at least one eval set") })
    }
}
