import Foundation
import JupiterCore
import JupiterTesting

@testable import JupiterTokenize

/// Paths and shared data for the tokenizer tests.
enum Fixtures {
    /// Repository root (three levels above this file).
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let dir = root.appendingPathComponent("Tests/Fixtures/Tokenize")
    static let data = URL(fileURLWithPath: Peers.sharedData).appendingPathComponent("llm-evals-cy")
    /// True when the shared Welsh/English eval sets are there (not in a fresh clone).
    static let hasEvals = Peers.hasSharedData("llm-evals-cy")
    /// True when the shared GSM8K splits are there.
    static let hasGSM8K = Peers.hasSharedData("gsm8k/test.jsonl") && Peers.hasSharedData("gsm8k/train.jsonl")

    /// The tokenizer fixture families trained for the tests.
    static let names = ["gpt2", "llama3", "qwen2", "nemotron", "llama2", "mistral", "normzoo"]
    /// Real models' tokenizers and chat templates rebuilt by generate_real.py (`models/<name>/`).
    static let realNames = ["smollm2", "qwen3"]

    static func tokenizerPath(_ name: String) -> String {
        realNames.contains(name) ? modelFolder(name) : dir.appendingPathComponent("tokenizers/\(name).json").path
    }

    static func modelFolder(_ name: String) -> String { dir.appendingPathComponent("models/\(name)").path }

    static func tokenizer(_ name: String) throws -> Tokenizer {
        if let t = realTokenizers[name] { return t }
        return try Tokenizer(contentsOf: tokenizerPath(name))
    }

    /// The real models' tokenizers (150k ids: loaded once for all tests; a test that loads them
    /// itself reports the error when they do not load).
    static let realTokenizers: [String: Tokenizer] = {
        var out: [String: Tokenizer] = [:]
        for n in realNames { out[n] = try? Tokenizer(contentsOf: modelFolder(n)) }
        return out
    }()

    /// Lines of the committed corpus (`corpus/real-text.jsonl`: OGL legislation pairs, GSM8K
    /// problems), each text whole when it has a newline, then line by line, as generate_real.py.
    static let committedUnits: [String] = {
        guard let d = try? Data(contentsOf: dir.appendingPathComponent("corpus/real-text.jsonl")) else { return [] }
        let texts = d.split(separator: 0x0A).compactMap { (try? JSONParser.parse([UInt8]($0)))?["text"]?.stringValue }
        return linesOf(texts)
    }()

    /// Every GSM8K question and answer, test then train, as generate_real.py's `gsm8k_units`.
    static let gsm8kUnits: [String] = {
        var fields: [String] = []
        for split in ["test", "train"] {
            guard let d = FileManager.default.contents(atPath: Peers.sharedData + "/gsm8k/\(split).jsonl") else { continue }
            for line in d.split(separator: 0x0A) {
                guard let r = try? JSONParser.parse([UInt8](line)) else { continue }
                fields += [r["question"]?.stringValue ?? "", r["answer"]?.stringValue ?? ""]
            }
        }
        return linesOf(fields)
    }()

    /// A field with a newline is a unit itself, then each of its lines; first-seen order, no repeats.
    static func linesOf(_ fields: [String]) -> [String] {
        var seen = Set<[UInt8]>()
        var units: [String] = []
        func add(_ bytes: [UInt8]) {
            if seen.insert(bytes).inserted { units.append(String(decoding: bytes, as: UTF8.self)) }
        }
        for t in fields {
            let b = Array(t.utf8)
            if b.contains(0x0A) { add(b) }
            for part in b.split(separator: 0x0A, omittingEmptySubsequences: false) { add(Array(part)) }
        }
        return units
    }

    static func json(_ relative: String) throws -> JSONValue {
        let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent(relative)))
        return try JSONParser.parse(bytes)
    }

    /// Every line (and every multi-line field whole) of the Welsh/English eval text, in the order
    /// generate_tokenizers.py uses: files by name; per record input contents, then ideal(s).
    static let corpusUnits: [String] = {
        var seen = Set<[UInt8]>()
        var units: [String] = []
        func add(_ bytes: [UInt8]) {
            if seen.insert(bytes).inserted { units.append(String(decoding: bytes, as: UTF8.self)) }
        }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: data.path)) ?? [])
            .filter { $0.hasSuffix(".jsonl") }.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        for f in files {
            guard let d = FileManager.default.contents(atPath: data.appendingPathComponent(f).path) else { continue }
            for line in d.split(separator: 0x0A) where line.contains(where: { $0 != 0x20 && $0 != 0x0D && $0 != 0x09 }) {
                guard let r = try? JSONParser.parse([UInt8](line)) else { continue }
                var fields: [String] = (r["input"]?.arrayValue ?? []).compactMap { $0["content"]?.stringValue }
                if let s = r["ideal"]?.stringValue {
                    fields.append(s)
                } else {
                    fields += (r["ideal"]?.arrayValue ?? []).compactMap(\.stringValue)
                }
                for t in fields {
                    let b = Array(t.utf8)
                    if b.contains(0x0A) { add(b) }
                    for part in b.split(separator: 0x0A, omittingEmptySubsequences: false) { add(Array(part)) }
                }
            }
        }
        return units
    }()

    /// FNV-1a 64, as generate_tokenizers.py computes it.
    static func fnv(_ h: inout UInt64, _ bytes: some Sequence<UInt8>) {
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    }

    static func idsBytes(_ ids: [Int]) -> [UInt8] {
        var out: [UInt8] = []
        for i in ids { withUnsafeBytes(of: UInt32(i).littleEndian) { out.append(contentsOf: $0) } }
        return out + [0xFF, 0xFF, 0xFF, 0xFF]
    }
}
