import Foundation
import JupiterCore
import JupiterTesting
import Testing

@testable import JupiterCurate

/// The quality rules against datatrove itself (0.10.1, with the spaCy English tokenizer it loads),
/// run in the same test on the same documents: the special-case table, the tokens and sentence
/// counts, and every document's decision, first failing rule and rewritten text.
///
/// datatrove and spaCy are installed by `scripts/test` (Tests/requirements.txt); these tests fail
/// when they are missing, since the comparison is what they prove.
@Suite struct QualityParityTests {
    static let harness = CurateTestSupport.fixtures + "/datatrove_quality.py"

    static func requireReference() throws {
        try #require(
            Peers.has("datatrove", "spacy"),
            "datatrove and spaCy are missing from \(Peers.python): run scripts/test (Tests/requirements.txt)")
    }

    // MARK: tokenizer

    @Test("the special-case table equals spaCy's blank English tokenizer rules")
    func exceptions() throws {
        try Self.requireReference()
        let script = """
            import json, spacy
            from spacy.symbols import ORTH
            rules = spacy.blank("en").tokenizer.rules
            print(json.dumps({k: [t[ORTH] for t in v] for k, v in rules.items()}, ensure_ascii=False))
            """
        let out = try Peers.run(["-c", script])
        try #require(out.status == 0, "\(out.stderr)")
        let reference = try #require(try JSONParser.parse(out.stdout).objectValue)
        let ours = EnglishTokenizerExceptions.table()
        var missing: [String] = [], different: [String] = []
        for e in reference.entries {
            let parts = e.value.arrayValue?.compactMap(\.stringValue) ?? []
            guard let mine = ours.first(where: { $0.key.unicodeScalars.elementsEqual(e.key.unicodeScalars) })?.value else {
                missing.append(e.key)
                continue
            }
            if !mine.elementsEqual(parts, by: { $0.unicodeScalars.elementsEqual($1.unicodeScalars) }) {
                different.append("\(e.key): \(mine) vs \(parts)")
            }
        }
        #expect(missing.isEmpty, "missing: \(missing.prefix(20))")
        #expect(different.isEmpty, "different: \(different.prefix(20))")
        #expect(ours.count == reference.count)
        #expect(ours.count == 1347)
    }

    /// Strings for the token comparison: every side of the bundled legislation pairs, the noise
    /// lines of the corpus and 4,000 seeded strings of characters the affix, infix, URL and
    /// special-case rules look at.
    static func tokenStrings() throws -> [String] {
        let (en, cy) = try QualityCorpus.segments(tsv: CurateTestSupport.repoRoot + "/examples/cymru/data/legislation-en-cy.tsv")
        var out = en + cy + QualityCorpus.noise
        let pieces = [
            "a", "b", "B", "x", "O", "o", "e", "g", "i", "s", "S", "m", "p", "km", "kg", "US", "ŵ", "é", "Ж",
            "0", "1", "5", "12", "2019", ".", ".", "..", ",", "-", "--", "—", "–", "~", "'", "’", "‘", "\"", "“",
            "”", "(", ")", "[", "]", "{", ":", ";", "!", "?", "/", "$", "£", "%", "+", "*", "^", "…", "°", "§",
            "@", "#", "&", "<", ">", "=", "_", "|", "\\", "🙂", "©", "·", " ", " ", "  ", "\n", "\u{00A0}",
            "www", "http://", "gov.uk", "com", "e.g.", "Mr.", "n't", "'s", "'ll", "don", "can", ":)", "(:", "o.",
            "a.m.", "pm", "10", "192", "168", "255", "Ph.D.", "C++", "and/or", "\t", "\u{3000}", "\u{1F}"
        ]
        var rng = SeededRandom(seed: 41)
        for _ in 0..<4000 {
            let n = 1 + Int(rng.next() % 8)
            out.append((0..<n).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined())
        }
        return out
    }

    @Test("tokens and sentence counts equal datatrove's split_into_words / split_into_sentences")
    func tokens() throws {
        try Self.requireReference()
        let strings = try Self.tokenStrings()
        var input: [UInt8] = []
        for s in strings { input += JSONWriter.bytes(.string(s)); input.append(0x0A) }
        let out = try Peers.run([Self.harness, "tokens"], stdin: input)
        try #require(out.status == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: 0x0A)
        try #require(lines.count == strings.count)
        var scratch = QualityScratch()
        var wordMismatches: [String] = [], sentenceMismatches: [String] = []
        for (s, line) in zip(strings, lines) {
            let ref = try JSONParser.parse(Array(line))
            let words = ref["words"]?.arrayValue?.compactMap(\.stringValue) ?? []
            scratch.load(s)
            let mine = scratch.scalars.withUnsafeBufferPointer { b in
                scratch.words.map { PythonText.string(b, Int($0.start), Int($0.end)) }
            }
            if !mine.elementsEqual(words, by: { $0.unicodeScalars.elementsEqual($1.unicodeScalars) }) {
                wordMismatches.append("\(s.debugDescription): \(mine) vs \(words)")
            }
            let sentences = scratch.scalars.withUnsafeBufferPointer { b in
                scratch.tokens.withUnsafeBufferPointer { EnglishTokenizer.shared.sentenceCount(b, $0) }
            }
            if sentences != ref["sentences"]?.intValue {
                sentenceMismatches.append("\(s.debugDescription): \(sentences) vs \(ref["sentences"]?.intValue ?? -1)")
            }
        }
        #expect(wordMismatches.isEmpty, "\(wordMismatches.count) of \(strings.count): \(wordMismatches.prefix(15))")
        #expect(sentenceMismatches.isEmpty, "\(sentenceMismatches.count) of \(strings.count): \(sentenceMismatches.prefix(15))")
    }

    // MARK: decisions

    /// datatrove's `<filter>:<reason>` as Jupiter's rule name.
    static func jupiterRule(_ datatrove: String) -> String {
        let reason = datatrove.split(separator: ":", maxSplits: 1).last.map(String.init) ?? datatrove
        let fixed = [
            "empty": "gopher.empty", "gopher_short_doc": "gopher.min_words", "gopher_long_doc": "gopher.max_words",
            "gopher_below_avg_threshold": "gopher.mean_word_length", "gopher_above_avg_threshold": "gopher.mean_word_length",
            "gopher_too_many_hashes": "gopher.hash_ratio", "gopher_too_many_ellipsis": "gopher.ellipsis_ratio",
            "gopher_too_many_bullets": "gopher.bullet_lines", "gopher_too_many_end_ellipsis": "gopher.ellipsis_lines",
            "gopher_below_alpha_threshold": "gopher.alpha_words", "gopher_enough_stop_words": "gopher.stop_words",
            "lorem_ipsum": "c4.lorem_ipsum", "curly_bracket": "c4.curly_bracket", "too_few_sentences": "c4.min_sentences"
        ]
        if let r = fixed[reason] { return r }
        if reason.hasPrefix("top_") { return "gopher." + reason }  // top_2_gram
        if reason.hasPrefix("duplicated_") {  // duplicated_5_n_grams
            return "gopher.dup_" + reason.dropFirst("duplicated_".count).prefix { $0.isNumber } + "_gram"
        }
        return "gopher." + reason  // dup_para_frac, …
    }

    /// The outcome of one document: nil rule = kept, with its text.
    struct Decision: Equatable {
        var rule: String?
        var text: String?
    }

    static func datatrove(_ corpus: QualityCorpus) throws -> [Decision] {
        let out = try Peers.run([harness, "filter"], stdin: corpus.jsonl())
        try #require(out.status == 0, "\(out.stderr)")
        return try out.stdout.split(separator: 0x0A).map { line in
            let v = try JSONParser.parse(Array(line))
            if let rule = v["rule"]?.stringValue { return Decision(rule: jupiterRule(rule), text: nil) }
            return Decision(rule: nil, text: v["text"]?.stringValue)
        }
    }

    static func jupiter(_ corpus: QualityCorpus, rules: [String]?) throws -> [Decision] {
        var o =
            rules.map {
                StageOptions(
                    stage: "quality",
                    node: ConfigNode(
                        .map([
                            (
                                "rules", 1,
                                ConfigNode(
                                    .map([
                                        ("document", 1, ConfigNode(.list($0.map { ConfigNode(.scalar($0)) })))
                                    ]))
                            )
                        ])))
            } ?? StageOptions(stage: "quality", [:])
        let stage = QualityStage(options: &o)
        #expect(o.finish().isEmpty)
        let ctx = StageContext(stageID: "quality", dataset: "parity", seed: 0)
        return try corpus.documents.map { d in
            switch try stage.process(.document(Document(id: d.id, text: d.text)), context: ctx) {
            case .dropped(_, let r): return Decision(rule: r.rule, text: nil)
            case .kept(.document(let k)): return Decision(rule: nil, text: k.text)
            default: return Decision(rule: "unexpected", text: nil)
            }
        }
    }

    /// Compares Jupiter (datatrove's three groups only, then the default groups) with datatrove
    /// on `corpus`; returns (documents, equal decisions with default groups, rule counts).
    @discardableResult
    static func compare(_ corpus: QualityCorpus) throws -> (equal: Int, basicOnly: Int, rules: [String: Int]) {
        let reference = try datatrove(corpus)
        try #require(reference.count == corpus.documents.count)
        let exact = try jupiter(corpus, rules: ["gopher_repetition", "gopher_quality", "c4"])
        var differ: [String] = []
        var counts: [String: Int] = [:]
        for (i, (a, b)) in zip(exact, reference).enumerated() {
            counts[b.rule ?? "kept", default: 0] += 1
            if a != b {
                differ.append(
                    "\(corpus.documents[i].id) [\(corpus.documents[i].shape)]: jupiter \(a.rule ?? "kept") vs datatrove \(b.rule ?? "kept")"
                        + (a.rule == nil && b.rule == nil ? " (texts differ)" : ""))
            }
        }
        #expect(differ.isEmpty, "\(differ.count) of \(corpus.documents.count) differ: \(differ.prefix(20))")
        // The default groups add `basic` (Jupiter's own, before datatrove's): any other difference fails.
        let defaults = try jupiter(corpus, rules: nil)
        var equal = 0, basicOnly = 0
        for (a, b) in zip(defaults, reference) {
            if a == b {
                equal += 1
            } else if a.rule?.hasPrefix("basic.") == true {
                basicOnly += 1
            } else {
                Issue.record("default groups: \(a.rule ?? "kept") vs datatrove \(b.rule ?? "kept")")
            }
        }
        return (equal, basicOnly, counts)
    }

    @Test("every decision, first rule and kept text equals datatrove's (bundled legislation, 1,500 documents)")
    func bundledCorpus() throws {
        try Self.requireReference()
        let (en, cy) = try QualityCorpus.segments(tsv: CurateTestSupport.repoRoot + "/examples/cymru/data/legislation-en-cy.tsv")
        let corpus = QualityCorpus.build(
            english: en, welsh: cy, count: 1500, shapes: [.bench, .prose, .repeats, .noisy],
            seed: 7)
        let r = try Self.compare(corpus)
        #expect(r.equal + r.basicOnly == 1500)
        print(
            "quality parity on 1,500 bundled documents: \(r.equal) equal, \(r.basicOnly) dropped first by Jupiter's basic group; datatrove: \(r.rules.sorted { $0.key < $1.key })"
        )
        // The corpus exercises the rules (datatrove's own counts).
        #expect(r.rules["kept", default: 0] > 100, "\(r.rules)")
        #expect(r.rules.keys.filter { $0.hasPrefix("gopher.dup_") || $0.hasPrefix("gopher.top_") }.count >= 3, "\(r.rules)")
        #expect(r.rules["c4.min_sentences", default: 0] > 0 && r.rules["gopher.alpha_words", default: 0] > 0, "\(r.rules)")
    }

    @Test(
        "every decision, first rule and kept text equals datatrove's (shared legislation and Welsh register texts, 6,000 documents)",
        .enabled(if: Peers.hasSharedData("llm-evals-cy/welsh-legislation-translation.jsonl"), "needs ../shared/data"))
    func sharedCorpus() throws {
        try Self.requireReference()
        let seg = try NearDuplicateCorpus.segments(
            translationFile: CurateTestSupport.evalsDirectory + "/welsh-legislation-translation.jsonl")
        let register = try CurateTestSupport.evalTexts().filter { $0.file != "welsh-legislation-translation.jsonl" }.map(\.text)
        let corpus = QualityCorpus.build(
            english: seg.english, welsh: seg.welsh, extraTexts: register, count: 6000,
            shapes: [.bench, .prose, .register, .repeats, .noisy, .prose], seed: 11)
        let r = try Self.compare(corpus)
        #expect(r.equal + r.basicOnly == 6000)
        print(
            "quality parity on 6,000 shared documents: \(r.equal) equal, \(r.basicOnly) dropped first by Jupiter's basic group; datatrove: \(r.rules.sorted { $0.key < $1.key })"
        )
    }
}
