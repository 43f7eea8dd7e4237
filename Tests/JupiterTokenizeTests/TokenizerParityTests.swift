import Foundation
import JupiterCore
import Testing
@testable import JupiterTokenize

/// Ids and decodes identical to the `tokenizers` library (goldens from generate_tokenizers.py).
@Suite struct TokenizerParityTests {
    @Test func corpusHasTheSharedText() {
        #expect(Fixtures.corpusUnits.count > 9000, "shared/data/llm-evals-cy not found or changed")
    }

    @Test(arguments: Fixtures.names)
    func corpusIdsAndDecodesMatchTokenizers(name: String) throws {
        let tok = try Fixtures.tokenizer(name)
        let golden = try String(contentsOf: Fixtures.dir.appendingPathComponent("goldens/\(name).corpus.txt"), encoding: .utf8)
        let lines = golden.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix("total") }
        let units = Fixtures.corpusUnits
        let chunk = 32
        #expect(lines.count == (units.count + chunk - 1) / chunk)
        var enc = tok.makeEncoder()
        var badIDs: [Int] = [], badDecode: [Int] = []
        var firstReport = ""
        for (c, line) in lines.enumerated() {
            let parts = line.split(separator: " ")
            guard parts.count == 3 else { continue }
            var h: UInt64 = 0xcbf29ce484222325, d: UInt64 = 0xcbf29ce484222325, n = 0
            for u in units[(c * chunk)..<min(units.count, (c + 1) * chunk)] {
                let ids = enc.encode(u)
                Fixtures.fnv(&h, Fixtures.idsBytes(ids))
                Fixtures.fnv(&d, Array(tok.decode(ids).utf8) + [0xFF])
                n += ids.count
            }
            if String(n) != parts[0] || String(format: "%016llx", h) != parts[1] {
                badIDs.append(c)
                if firstReport.isEmpty {
                    firstReport = "chunk \(c): \(n) tokens vs \(parts[0]); units: " +
                        units[(c * chunk)..<min(units.count, (c + 1) * chunk)].prefix(4).map { "\($0.debugDescription)" }.joined(separator: ", ")
                }
            } else if String(format: "%016llx", d) != parts[2] {
                badDecode.append(c)
            }
        }
        #expect(badIDs.isEmpty, "\(name): \(badIDs.count) chunks differ in ids; \(firstReport)")
        #expect(badDecode.isEmpty, "\(name): \(badDecode.count) chunks differ in decoded text: \(badDecode.prefix(5))")
    }

    @Test(arguments: Fixtures.names)
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
            #expect(Array(dec.utf8) == Array((c["decoded"]?.stringValue ?? "").utf8),
                    "\(name) decode of \(text.debugDescription): \(dec.debugDescription)")
            let dec2 = tok.decode(ids, skipSpecialTokens: true)
            #expect(Array(dec2.utf8) == Array((c["decoded_skip_special"]?.stringValue ?? "").utf8),
                    "\(name) decode(skip special) of \(text.debugDescription): \(dec2.debugDescription)")
            #expect(tok.count(text, addSpecialTokens: true) == ids.count)
        }
    }
}
