import Foundation
import JupiterCore
import JupiterTesting
import Testing

@testable import JupiterTokenize

/// Ids and decodes identical to the `tokenizers` library (goldens from generate_tokenizers.py
/// for the trained fixtures, generate_real.py for the real models).
@Suite struct TokenizerParityTests {
    @Test(.enabled(if: Fixtures.hasEvals, "needs ../shared/data/llm-evals-cy"))
    func corpusHasTheSharedText() {
        #expect(Fixtures.corpusUnits.count == 9972, "shared/data/llm-evals-cy changed")
    }

    @Test func committedCorpusHasItsUnits() {
        #expect(Fixtures.committedUnits.count == 1909)
    }

    /// Compares a golden of per-chunk (count, ids FNV, decoded FNV) with this implementation.
    static func compareChunks(_ name: String, golden file: String, units: [String]) throws {
        let tok = try Fixtures.tokenizer(name)
        let golden = try String(contentsOf: Fixtures.dir.appendingPathComponent("goldens/\(file)"), encoding: .utf8)
        let lines = golden.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix("total") }
        let chunk = 32
        #expect(lines.count == (units.count + chunk - 1) / chunk, "\(file): \(units.count) units")
        var enc = tok.makeEncoder()
        var badIDs: [Int] = [], badDecode: [Int] = []
        var firstReport = ""
        for (c, line) in lines.enumerated() {
            let parts = line.split(separator: " ")
            guard parts.count == 3 else { continue }
            var h: UInt64 = 0xcbf2_9ce4_8422_2325, d: UInt64 = 0xcbf2_9ce4_8422_2325, n = 0
            let slice = units[min(units.count, c * chunk)..<min(units.count, (c + 1) * chunk)]
            for u in slice {
                let ids = enc.encode(u)
                Fixtures.fnv(&h, Fixtures.idsBytes(ids))
                Fixtures.fnv(&d, Array(tok.decode(ids).utf8) + [0xFF])
                n += ids.count
            }
            if String(n) != parts[0] || String(format: "%016llx", h) != parts[1] {
                badIDs.append(c)
                if firstReport.isEmpty {
                    firstReport =
                        "chunk \(c): \(n) tokens vs \(parts[0]); units: "
                        + slice.prefix(4).map { "\($0.debugDescription)" }.joined(separator: ", ")
                }
            } else if String(format: "%016llx", d) != parts[2] {
                badDecode.append(c)
            }
        }
        #expect(badIDs.isEmpty, "\(file): \(badIDs.count) chunks differ in ids; \(firstReport)")
        #expect(badDecode.isEmpty, "\(file): \(badDecode.count) chunks differ in decoded text: \(badDecode.prefix(5))")
    }

    @Test(.enabled(if: Fixtures.hasEvals, "needs ../shared/data/llm-evals-cy"), arguments: Fixtures.names + Fixtures.realNames)
    func corpusIdsAndDecodesMatchTokenizers(name: String) throws {
        let file = Fixtures.realNames.contains(name) ? "\(name).evals.txt" : "\(name).corpus.txt"
        try Self.compareChunks(name, golden: file, units: Fixtures.corpusUnits)
    }

    /// Always runs: real tokenizers on the committed legislation (OGL) and GSM8K (MIT) text.
    @Test(arguments: Fixtures.realNames)
    func committedCorpusIdsAndDecodesMatchTokenizers(name: String) throws {
        try Self.compareChunks(name, golden: "\(name).committed.txt", units: Fixtures.committedUnits)
    }

    @Test(.enabled(if: Fixtures.hasGSM8K, "needs ../shared/data/gsm8k"), arguments: Fixtures.realNames)
    func gsm8kIdsAndDecodesMatchTokenizers(name: String) throws {
        #expect(Fixtures.gsm8kUnits.count == 50072)
        try Self.compareChunks(name, golden: "\(name).gsm8k.txt", units: Fixtures.gsm8kUnits)
    }

    @Test(arguments: Fixtures.names + Fixtures.realNames)
    func adversarialStringsMatchTokenizers(name: String) throws {
        let tok = try Fixtures.tokenizer(name)
        let golden = try Fixtures.json("goldens/\(name).adversarial.json")
        let cases = golden["cases"]?.arrayValue ?? []
        #expect(cases.count > 50)
        for c in cases {
            let text = c["text"]?.stringValue ?? ""
            let ids = (c["ids"]?.arrayValue ?? []).compactMap(\.intValue)
            let raw = (c["ids_no_special"]?.arrayValue ?? []).compactMap(\.intValue)
            let got = tok.encode(text)
            #expect(got == ids, "\(name) ids of \(text.debugDescription): \(got) vs \(ids)")
            #expect(tok.encode(text, addSpecialTokens: false) == raw, "\(name) ids (no specials) of \(text.debugDescription)")
            let dec = tok.decode(ids)
            #expect(
                Array(dec.utf8) == Array((c["decoded"]?.stringValue ?? "").utf8),
                "\(name) decode of \(text.debugDescription): \(dec.debugDescription)")
            let dec2 = tok.decode(ids, skipSpecialTokens: true)
            #expect(
                Array(dec2.utf8) == Array((c["decoded_skip_special"]?.stringValue ?? "").utf8),
                "\(name) decode(skip special) of \(text.debugDescription): \(dec2.debugDescription)")
            #expect(tok.count(text, addSpecialTokens: true) == ids.count)
        }
    }

    /// The real tokenizers against `tokenizers` run now (not its goldens): the committed corpus,
    /// the adversarial strings, and every 8th unit of the shared eval and GSM8K text when present
    /// (all of which the golden tests above cover). Every unit's ids and decoded text must be identical.
    @Test(
        .enabled(if: Peers.has("tokenizers"), "needs the Python `tokenizers` peer (scripts/test installs it)"),
        arguments: Fixtures.realNames)
    func realTokenizersMatchTheLivePeer(name: String) throws {
        let tok = try Fixtures.tokenizer(name)
        let adversarial = (try Fixtures.json("goldens/\(name).adversarial.json")["cases"]?.arrayValue ?? []).compactMap {
            $0["text"]?.stringValue
        }
        var units = Fixtures.committedUnits + adversarial
        if Fixtures.hasEvals { units += Fixtures.corpusUnits.enumerated().filter { $0.offset % 8 == 0 }.map(\.element) }
        if Fixtures.hasGSM8K { units += Fixtures.gsm8kUnits.enumerated().filter { $0.offset % 8 == 0 }.map(\.element) }
        let input = units.map { JSONWriter.string(.string($0)) }.joined(separator: "\n") + "\n"
        let script = """
            import gzip, json, sys
            from tokenizers import Tokenizer
            with gzip.open(sys.argv[1], "rt", encoding="utf-8") as f:
                tok = Tokenizer.from_str(f.read())
            units = [json.loads(l) for l in sys.stdin.buffer.read().decode("utf-8").split("\\n") if l]
            out = []
            for e in tok.encode_batch(units, add_special_tokens=True):
                out.append(json.dumps({"ids": e.ids, "text": tok.decode(e.ids, skip_special_tokens=False)}, ensure_ascii=False))
            sys.stdout.buffer.write(("\\n".join(out) + "\\n").encode("utf-8"))
            """
        let r = try Peers.run(["-c", script, Fixtures.modelFolder(name) + "/tokenizer.json.gz"], stdin: Array(input.utf8))
        try #require(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: 0x0A)
        try #require(lines.count == units.count)
        var enc = tok.makeEncoder()
        var badIDs = 0, badText = 0, first = ""
        for (u, line) in zip(units, lines) {
            let want = try JSONParser.parse([UInt8](line))
            let ids = enc.encode(u)
            if ids != (want["ids"]?.arrayValue ?? []).compactMap(\.intValue) {
                badIDs += 1
                if first.isEmpty { first = u.debugDescription }
            } else if Array(tok.decode(ids).utf8) != Array((want["text"]?.stringValue ?? "").utf8) {
                badText += 1
            }
        }
        #expect(
            badIDs == 0 && badText == 0,
            "\(name): \(badIDs) of \(units.count) units differ in ids (first \(first)), \(badText) in decoded text")
    }
}
