import Foundation
import JupiterCore
import JupiterTesting
import Testing

@testable import JupiterEval

/// Runs `Tests/Fixtures/Eval/peers.py` (the reference tools) and the shared test inputs.
enum EvalPeer {
    static let fixtures = Peers.repoRoot + "/Tests/Fixtures/Eval"
    static let script = fixtures + "/peers.py"

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Calls a peers.py command with a JSON input and returns its JSON output.
    static func call(_ command: String, _ input: JSONValue) throws -> JSONValue {
        let out = try Peers.run([script, command], stdin: JSONWriter.bytes(input))
        guard out.status == 0 else { throw Failure(description: "peers.py \(command) failed: \(out.stderr.suffix(3000))") }
        return try JSONParser.parse(out.stdout)
    }

    /// The langdetect package folder (profiles), from `$JUPITER_LANGDETECT_DIR` or the peer.
    static let langdetectDirectory: String? = {
        if let d = LanguageDetector.environmentDirectory { return d }
        guard Peers.has("langdetect"), let v = try? call("langdetect-dir", .object([:])) else { return nil }
        return v.stringValue
    }()

    /// One detector for all tests (loading the 55 profiles takes a moment).
    static let detector: LanguageDetector? = langdetectDirectory.flatMap { try? LanguageDetector(directory: $0) }

    /// Tab-separated EN/CY legislation pairs shipped with the example (OGL v3.0).
    static func legislationPairs() throws -> [(en: String, cy: String)] {
        let text = String(
            decoding: try FileSystem.read(Peers.repoRoot + "/examples/cymru/data/legislation-en-cy.tsv"),
            as: UTF8.self)
        return text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            return f.count == 2 ? (String(f[0]), String(f[1])) : nil
        }
    }
}

extension JSONValue {
    static func strings(_ a: [String]) -> JSONValue { .array(a.map { .string($0) }) }
    var strings: [String] { arrayValue?.compactMap(\.stringValue) ?? [] }
}

/// Rounds to 2 decimals as the reports do.
func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }
