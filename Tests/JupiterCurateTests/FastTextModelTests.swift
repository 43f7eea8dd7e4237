import JupiterCore
import Testing

@testable import JupiterCurate

/// The fastText reader on the model shapes lid.176 does not have (dense `.bin`, softmax, word
/// bigrams; one-vs-all, quantized norms, pruned dictionary), against the reference library's
/// top-3 predictions in `Tests/Fixtures/Curate/tiny-fasttext-golden.tsv`
/// (`make_tiny_fasttext.py`).
@Suite struct FastTextModelTests {
    struct Row {
        var model: String
        var text: String
        var predictions: [(label: String, probability: Double)]
    }

    static func golden() throws -> [Row] {
        let text = String(
            decoding: try FileSystem.read(CurateTestSupport.fixtures + "/tiny-fasttext-golden.tsv"),
            as: UTF8.self)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 3 else { return nil }
            let preds = f[2].split(separator: ",").compactMap { p -> (String, Double)? in
                let parts = p.split(separator: ":")
                guard parts.count == 2, let v = Double(parts[1]) else { return nil }
                return (String(parts[0]), v)
            }
            return Row(model: String(f[0]), text: String(f[1]), predictions: preds)
        }
    }

    @Test(
        "dense softmax model with word bigrams and quantized one-vs-all model match fasttext-wheel top-3",
        arguments: ["tiny-softmax.bin", "tiny-ova.ftz"])
    func tinyModelsMatchReference(name: String) throws {
        let model = try FastTextModel(contentsOf: CurateTestSupport.fixtures + "/" + name)
        let rows = try Self.golden().filter { $0.model == name }
        #expect(rows.count == 90)
        for row in rows {
            let got = model.predict(row.text, k: 3)
            try #require(got.count == row.predictions.count, "\(name): \(row.text.prefix(40))")
            #expect(got[0].label == row.predictions[0].label, "\(name): top label of \(row.text.prefix(40))")
            // Ties (equal probabilities) may be listed in either order, so compare as a map.
            for expected in row.predictions {
                let p = got.first { $0.label == expected.label }?.probability
                #expect(
                    p.map { abs(Double($0) - expected.probability) <= 1e-5 } == true,
                    "\(name): \(expected.label) of \(row.text.prefix(40)): \(String(describing: p)) vs \(expected.probability)")
            }
        }
    }

    @Test("model facts are read from the file")
    func modelFacts() throws {
        let dense = try FastTextModel(contentsOf: CurateTestSupport.fixtures + "/tiny-softmax.bin")
        #expect(dense.dimension == 8)
        #expect(!dense.isQuantized)
        #expect(Set(dense.labels) == ["en", "cy", "q"])
        let quant = try FastTextModel(contentsOf: CurateTestSupport.fixtures + "/tiny-ova.ftz")
        #expect(quant.isQuantized)
        #expect(quant.dictionary.prune != nil, "cutoff quantization prunes the dictionary")
    }

    @Test("threshold and k limit the predictions as fastText does")
    func thresholdAndK() throws {
        let model = try FastTextModel(contentsOf: CurateTestSupport.fixtures + "/tiny-softmax.bin")
        let text = "The revised plan has effect one calendar month after approval."
        let all = model.predict(text, k: 3)
        #expect(all.count == 3)
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.probability >= $1.probability })
        let confident = model.predict(text, k: 3, threshold: 0.5)
        #expect(confident.count == 1)
        #expect(confident.first?.label == all.first?.label)
        #expect(model.predict(text, k: 0).isEmpty)
    }

    @Test("newlines are read as spaces and an empty line still gets a prediction from </s>")
    func newlinesAndEmpty() throws {
        let model = try FastTextModel(contentsOf: CurateTestSupport.fixtures + "/tiny-softmax.bin")
        let a = model.predict("Mae'r cynllun\ndiwygiedig yn cael effaith", k: 3)
        let b = model.predict("Mae'r cynllun diwygiedig yn cael effaith", k: 3)
        #expect(a == b)
        #expect(model.predict("").count == 1)
    }

    @Test("the cache hands out one shared instance per file")
    func cacheSharesInstances() throws {
        let cache = FastTextModelCache()
        let path = CurateTestSupport.fixtures + "/tiny-ova.ftz"
        let a = try cache.model(at: path)
        let b = try cache.model(at: CurateTestSupport.fixtures + "/../Curate/tiny-ova.ftz")
        #expect(a === b)
    }
}
