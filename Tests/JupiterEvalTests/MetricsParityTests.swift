import Foundation
import JupiterCore
import JupiterTesting
import Testing

@testable import JupiterEval

/// chrF and BLEU (JupiterCore) against sacrebleu 2.x, run in the same test through
/// `Tests/Fixtures/Eval/peers.py`, on Welsh legislation references with perturbed hypotheses.
@Suite struct MetricsParityTests {
    /// Deterministic perturbations of a reference sentence.
    static let perturbations: [(name: String, apply: @Sendable (String, inout SeededRandom) -> String)] = [
        ("identical", { s, _ in s }),
        ("empty", { _, _ in "" }),
        (
            "drop-words",
            { s, rng in
                PythonText.split(s).filter { _ in rng.next() % 4 != 0 }.joined(separator: " ")
            }
        ),
        (
            "swap-words",
            { s, rng in
                var w = PythonText.split(s)
                if w.count > 1 { for _ in 0..<max(1, w.count / 4) { let i = Int(rng.next() % UInt64(w.count - 1)); w.swapAt(i, i + 1) } }
                return w.joined(separator: " ")
            }
        ),
        (
            "diacritics",
            { s, _ in
                var out = String.UnicodeScalarView()
                for c in s.unicodeScalars {
                    switch c {
                    case "ŵ": out.append("w")
                    case "ŷ": out.append("y")
                    case "â": out.append(contentsOf: "a\u{302}".unicodeScalars)  // decomposed
                    case "ô": out.append("o")
                    case "y": out.append("ŷ")
                    case "e": out.append("ê")
                    default: out.append(c)
                    }
                }
                return String(out)
            }
        ),
        ("truncate", { s, _ in PythonText.string(s.unicodeScalars.prefix(s.unicodeScalars.count / 2)) }),
        (
            "punctuation",
            { s, rng in
                var out = ""
                for c in s.unicodeScalars {
                    switch c {
                    case ".", ",": if rng.next() % 2 == 0 { out += " " + String(c) + " " }
                    case ";": out += ","
                    case "(": out += "( "
                    case "’", "ʼ": out += "'"
                    default: out.unicodeScalars.append(c)
                    }
                }
                return out + (rng.next() % 2 == 0 ? " ." : "!")
            }
        ),
        (
            "numbers",
            { s, _ in
                var out = String.UnicodeScalarView()
                for c in s.unicodeScalars {
                    if c.value >= 0x31 && c.value <= 0x39, let d = Unicode.Scalar(c.value - 1) { out.append(d) } else { out.append(c) }
                }
                return String(out) + " 1,000 3.5 -2 10-12 £1.50"
            }
        ),
        (
            "whitespace-and-markup",
            { s, _ in
                PythonText.replace(PythonText.replace(s, " ", "\u{A0}"), "a", "a\u{1C}") + " &amp; &lt;b&gt; <skipped> re-\nlated\r\nline"
            }
        )
    ]

    struct Case {
        var hyps: [String]
        var refs: [[String]]
    }

    static func cases(_ references: [String], _ extra: [String]? = nil) -> (corpora: [Case], sentences: [(String, [String])]) {
        var corpora: [Case] = []
        var sentences: [(String, [String])] = []
        var mixed: [String] = []
        for (k, p) in perturbations.enumerated() {
            var rng = SeededRandom(seed: UInt64(k) &+ 17)
            let hyps = references.map { p.apply($0, &rng) }
            corpora.append(Case(hyps: hyps, refs: references.map { [$0] }))
            for (h, r) in zip(hyps, references) { sentences.append((h, [r])) }
            if mixed.isEmpty { mixed = hyps } else { for i in mixed.indices where i % perturbations.count == k { mixed[i] = hyps[i] } }
        }
        corpora.append(Case(hyps: mixed, refs: references.map { [$0] }))
        if let extra {  // two references per segment
            corpora.append(Case(hyps: mixed, refs: zip(references, extra).map { [$0, $1] }))
            for i in stride(from: 0, to: mixed.count, by: 7) { sentences.append((mixed[i], [references[i], extra[i]])) }
        }
        return (corpora, sentences)
    }

    /// Compares every score with sacrebleu; returns the largest absolute difference.
    static func compare(_ references: [String], _ extra: [String]?) throws -> Double {
        let (corpora, sentences) = cases(references, extra)
        let input: JSONValue = .object([
            "corpora": .array(corpora.map { c in .object(["hyps": .strings(c.hyps), "refs": .array(c.refs.map { .strings($0) })]) }),
            "sentences": .array(sentences.map { s in .object(["hyp": .string(s.0), "refs": .strings(s.1)]) })
        ])
        let ref = try EvalPeer.call("sacrebleu", input)
        var maxDelta = 0.0
        func check(_ ours: Double, _ theirs: JSONValue?, _ what: @autoclosure () -> String) {
            guard let t = theirs?.doubleValue else { Issue.record("no reference value for \(what())"); return }
            maxDelta = max(maxDelta, abs(ours - t))
            #expect(round2(ours) == round2(t), "\(what()): Jupiter \(ours), sacrebleu \(t)")
        }
        let bleu = BLEU(), bleuIntl = BLEU(tokenizer: .intl), bleuLC = BLEU(lowercase: true)
        let chrf = ChrF(), chrfpp = ChrF.chrFPlusPlus, chrfEps = ChrF(epsSmoothing: true)
        for (i, c) in corpora.enumerated() {
            let r = ref["corpora"]?[i]
            let name = i < perturbations.count ? perturbations[i].name : "mixed-\(i)"
            check(bleu.corpusScore(hypotheses: c.hyps, references: c.refs), r?["bleu"], "corpus BLEU \(name)")
            check(bleuIntl.corpusScore(hypotheses: c.hyps, references: c.refs), r?["bleu_intl"], "corpus BLEU intl \(name)")
            check(bleuLC.corpusScore(hypotheses: c.hyps, references: c.refs), r?["bleu_lc"], "corpus BLEU lc \(name)")
            check(chrf.corpusScore(hypotheses: c.hyps, references: c.refs), r?["chrf"], "corpus chrF \(name)")
            check(chrfpp.corpusScore(hypotheses: c.hyps, references: c.refs), r?["chrfpp"], "corpus chrF++ \(name)")
            check(chrfEps.corpusScore(hypotheses: c.hyps, references: c.refs), r?["chrf_eps"], "corpus chrF eps \(name)")
        }
        var tokenMismatches = 0
        for (i, s) in sentences.enumerated() {
            let r = ref["sentences"]?[i]
            check(BLEU.sentence.sentenceScore(hypothesis: s.0, references: s.1), r?["bleu"], "sentence BLEU #\(i)")
            check(chrf.sentenceScore(hypothesis: s.0, references: s.1), r?["chrf"], "sentence chrF #\(i)")
            check(chrfpp.sentenceScore(hypothesis: s.0, references: s.1), r?["chrfpp"], "sentence chrF++ #\(i)")
            func bytes(_ a: [String]?) -> [[UInt8]]? { a?.map { Array($0.utf8) } }
            if bytes(BLEU().tokenize(s.0)) != bytes(r?["tok13a"]?.strings) { tokenMismatches += 1 }
            if bytes(BLEU(tokenizer: .intl).tokenize(s.0)) != bytes(r?["tokintl"]?.strings) { tokenMismatches += 1 }
        }
        #expect(tokenMismatches == 0, "13a/intl token lists differing from sacrebleu's")
        return maxDelta
    }

    @Test("chrF, chrF++, BLEU (13a, intl, lowercase) equal sacrebleu on 500 perturbed legislation pairs")
    func legislationPairs() throws {
        try #require(Peers.has("sacrebleu"), "sacrebleu is the reference; scripts/test installs it")
        let pairs = try EvalPeer.legislationPairs()
        #expect(pairs.count == 500)
        let delta = try Self.compare(pairs.map(\.cy), pairs.map(\.en))
        print("metrics parity (legislation 500 × \(Self.perturbations.count) perturbations): max |Δ| vs sacrebleu = \(delta)")
        #expect(delta < 1e-9)
    }

    @Test(
        "chrF and BLEU equal sacrebleu on the 3,003 llm-evals-cy legislation references",
        .enabled(if: Peers.hasSharedData("llm-evals-cy/welsh-legislation-translation.jsonl"), "needs ../shared/data"))
    func llmEvalsLegislation() throws {
        try #require(Peers.has("sacrebleu"), "sacrebleu is the reference; scripts/test installs it")
        let file = try OpenAIEvalsTask.read(path: Peers.sharedData + "/llm-evals-cy/welsh-legislation-translation.jsonl")
        #expect(file.items.count == 3003)
        #expect(file.quarantined.isEmpty)
        let refs = file.items.map { $0.ideal[0] }
        let delta = try Self.compare(refs, nil)
        print("metrics parity (llm-evals-cy 3003): max |Δ| vs sacrebleu = \(delta)")
        #expect(delta < 1e-9)
    }

    @Test("hand-checked values: identical text scores 100, empty scores 0, chrF gate")
    func fixedValues() {
        let ref = "Mae’r Bennod hon yn nodi gofynion cwricwlwm."
        #expect(ChrF().sentenceScore(hypothesis: ref, references: [ref]) == 100)
        // exp(log 100): 100.00000000000004, as in sacrebleu.
        #expect(abs(BLEU.sentence.sentenceScore(hypothesis: ref, references: [ref]) - 100) < 1e-9)
        #expect(ChrF().sentenceScore(hypothesis: "", references: [ref]) == 0)
        #expect(BLEU().corpusScore(hypotheses: [""], references: [ref]) == 0)
        // ŵ precomposed vs decomposed are different code points, as in Python.
        #expect(ChrF().sentenceScore(hypothesis: "dŵr", references: ["dw\u{302}r"]) < 100)
        #expect(BLEU().tokenize("a-\nb 1-2 3.5, x.") == ["ab", "1", "-", "2", "3.5", ",", "x", "."])
    }
}
