import JupiterCore
import Testing

@testable import JupiterCurate

/// The Swift fastText reader against the reference library (`fasttext-wheel`), through the
/// golden written by `Tests/Fixtures/Curate/make_langid_golden.py`.
@Suite struct FastTextParityTests {
    struct GoldenRow {
        var key: String
        var bytes: Int
        var label: String
        var probability: Double
    }

    static func golden() throws -> (modelBytes: Int?, rows: [GoldenRow]) {
        let text = String(
            decoding: try FileSystem.read(CurateTestSupport.fixtures + "/langid-lid176-golden.tsv"),
            as: UTF8.self)
        var modelBytes: Int?
        var rows: [GoldenRow] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("#") {
                if let open = line.firstIndex(of: "("), let space = line[open...].firstIndex(of: " ") {
                    modelBytes = Int(line[line.index(after: open)..<space])
                }
                continue
            }
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 6, let bytes = Int(f[3]), let p = Double(f[5]) else { continue }
            rows.append(GoldenRow(key: "\(f[0]):\(f[1]):\(f[2])", bytes: bytes, label: String(f[4]), probability: p))
        }
        return (modelBytes, rows)
    }

    @Test(
        "lid.176.ftz top labels and probabilities match fasttext-wheel on the Welsh and English evals",
        .enabled(if: CurateTestSupport.lidModelPath != nil, Comment(rawValue: CurateTestSupport.noModelMessage)),
        .enabled(if: CurateTestSupport.hasEvals, "needs ../shared/data/llm-evals-cy (the golden's texts)"))
    func lid176MatchesReference() throws {
        let model = try CurateTestSupport.lidModel()
        let path = try #require(CurateTestSupport.lidModelPath)
        let (modelBytes, golden) = try Self.golden()
        #expect(golden.count > 7000, "golden file should hold every eval sentence")
        if let modelBytes {
            #expect(FileSystem.size(path) == modelBytes, "model at \(path) is not the one the golden was made with")
        }
        let texts = try CurateTestSupport.evalTexts()
        try #require(texts.count == golden.count, "the Swift line selection must mirror make_langid_golden.py")

        var agree = 0
        var maxDelta = 0.0
        var worst = ""
        for (t, g) in zip(texts, golden) {
            let line = t.text.replacing("\n", with: " ")
            #expect("\(t.file):\(t.line):\(t.field)" == g.key)
            #expect(line.utf8.count == g.bytes, "text of \(g.key) differs from the golden's")
            guard let top = model.predict(line).first else {
                Issue.record("no prediction for \(g.key)")
                continue
            }
            if top.label == g.label {
                agree += 1
                let d = abs(Double(top.probability) - g.probability)
                if d > maxDelta { maxDelta = d; worst = g.key }
            }
        }
        let agreement = Double(agree) / Double(golden.count)
        print("fastText parity: \(agree)/\(golden.count) labels agree (\(agreement * 100)%), max |Δp| \(maxDelta) at \(worst)")
        // The README's claim: every top label agrees, probabilities within 5e-10 (float32 sums).
        #expect(agree == golden.count, "\(golden.count - agree) top labels differ")
        #expect(maxDelta <= 1e-9)
    }
}
