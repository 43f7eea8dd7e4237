import Foundation
import JupiterCore
import JupiterTesting
import Testing

@testable import JupiterMix

/// The mixture written as Parquet shards (`output.format_file: parquet`) holds the same rows as
/// the JSONL export of the same mixture, for Jupiter and for Hugging Face `datasets`.
@Suite struct MixParquetTests {
    /// Two datasets of conversations with reasoning on some turns and tool calls on others.
    static func inputs(_ dir: String) throws -> [MixInput] {
        var rng = SeededRandom(3, "mix-parquet")
        let words = ["Beth", "yw", "ystyr", "ŵyr", "ac", "ŷd", "?", "Mae", "hi'n", "braf", "🐉", "heddiw."]
        func text(_ n: Int) -> String { (0..<n).map { _ in words[Int.random(in: 0..<words.count, using: &rng)] }.joined(separator: " ") }
        var inputs: [MixInput] = []
        for (name, count) in [("chat", 220), ("tools", 90)] {
            var records: [Record] = []
            for i in 0..<count {
                var messages = [Message(role: .user, content: text(8))]
                if name == "tools" {
                    messages.append(
                        Message(
                            role: .assistant, content: "",
                            toolCalls: [
                                ToolCall(
                                    id: "call-\(i)", name: "tywydd",
                                    arguments: "{\"lle\":\"Aber\"}")
                            ]))
                    messages.append(Message(role: .tool, content: "{\"tymheredd\": \(i % 30)}", toolCallID: "call-\(i)"))
                }
                messages.append(Message(role: .assistant, content: text(20), reasoning: i % 3 == 0 ? text(10) : nil))
                records.append(
                    .conversation(
                        Conversation(
                            id: "\(name)-\(i)", messages: messages,
                            lineage: Lineage(origins: [Origin(file: name, line: i + 1)]))))
            }
            let path = dir + "/\(name).jsonl.gz"
            try MixFixtures.write(records, to: path)
            inputs.append(MixInput(name: name, path: path))
        }
        return inputs
    }

    static func mix(_ inputs: [MixInput], _ dir: String, _ fileFormat: MixFileFormat) async throws -> MixReport {
        let config = MixConfig(weights: [("chat", 0.6), ("tools", 0.4)], unit: .records, shards: 3, fileFormat: fileFormat)
        return try await Mixer(config: config, measure: MixMeasure(), seed: 9, workers: 2)
            .run(inputs, outputDirectory: dir + "/mixture", workDirectory: dir + "/work", card: MixFixtures.context)
    }

    @Test func parquetShardsHoldTheRowsOfTheJSONLExport() async throws {
        let base = try MixFixtures.temporaryDirectory()
        let inputs = try Self.inputs(base)
        let jsonl = try await Self.mix(inputs, base + "/jsonl", .jsonl)
        let parquet = try await Self.mix(inputs, base + "/parquet", .parquet)
        #expect(parquet.shards.map(\.name) == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"])
        #expect(parquet.shards.map(\.records) == jsonl.shards.map(\.records))
        #expect(parquet.records == 225)  // tools (90) is used whole at 0.4 → 225 in all
        #expect(parquet.json["config"]?["file_format"] == .string("parquet"))
        #expect(jsonl.json["config"]?["file_format"] == nil)
        let card = try String(contentsOfFile: base + "/parquet/mixture/README.md", encoding: .utf8)
        #expect(card.contains("path: \"part-*.parquet\""))

        // Jupiter reads each Parquet row as the record its JSONL line holds.
        for (p, j) in zip(parquet.shards, jsonl.shards) {
            let rows = try ParquetRowReader(path: base + "/parquet/mixture/" + p.name)
            let lines = try MixFixtures.lines(base + "/jsonl/mixture/" + j.name)
            var n = 0
            while let row = try rows.next() {
                let origin = Origin(file: "x", line: 1)
                let a = try NativeCodec.decode(row, as: .conversation, fallbackID: "", origin: origin)
                let b = try NativeCodec.decode(lines[n], as: .conversation, fallbackID: "", origin: origin)
                #expect(a == b, "\(p.name) row \(n + 1)")
                n += 1
            }
            #expect(n == lines.count && n == p.records)
            #expect(try SHA256.hex(ofFile: base + "/parquet/mixture/" + p.name) == p.sha256)
        }

        // Same inputs, same bytes.
        let again = try await Self.mix(inputs, base + "/again", .parquet)
        #expect(again.shards.map(\.sha256) == parquet.shards.map(\.sha256))
    }

    @Test(.enabled(if: Peers.has("datasets"), "needs Hugging Face datasets (scripts/test installs it)"))
    func datasetsLoadsTheParquetMixtureAsItLoadsTheJSONLOne() async throws {
        let base = try MixFixtures.temporaryDirectory()
        let inputs = try Self.inputs(base)
        let report = try await Self.mix(inputs, base + "/parquet", .parquet)
        _ = try await Self.mix(inputs, base + "/jsonl", .jsonl)
        func load(_ folder: String) throws -> [String] {
            let out = try Peers.run(
                [MixFixtures.repoRoot + "/Tests/Fixtures/Parquet/parquet_peer.py", "load", folder, "--drop-nulls"],
                environment: ["HF_HOME": base + "/hf-home", "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"])
            #expect(out.status == 0, "\(out.stderr)")
            return out.text.split(separator: "\n").map(String.init)
        }
        let fromParquet = try load(base + "/parquet/mixture")
        let fromJSONL = try load(base + "/jsonl/mixture")
        #expect(fromParquet.count == report.records)
        // Equal up to absent vs null: a Parquet column holds every field in every row, so a field a
        // record lacks is null there (`--drop-nulls` removes null object members on both sides).
        #expect(fromParquet == fromJSONL)
        #expect(fromParquet.first?.contains("\"messages\": [") == true)
    }
}
