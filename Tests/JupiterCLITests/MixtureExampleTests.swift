import Foundation
import JupiterCore
import Testing

/// The bundled example end to end, and its mixture read back by Hugging Face `datasets` (the
/// library trainers load it with), from the dataset card's own `configs`.
@Suite struct MixtureExampleTests {
    @Test func theExampleMixtureLoadsWithHuggingFaceDatasets() throws {
        let out = NSTemporaryDirectory() + "cymru-\(UUID().uuidString)"
        let r = try CLI.run(["run", CLI.repoRoot + "/examples/cymru/recipe.yaml", "--output", out], in: CLI.repoRoot)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("mixture: \(out)/mixture"))
        #expect(r.stderr.contains("[mixture]"))
        let manifest = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: out + "/manifest.json"))))
        let records = try #require(manifest["mixture"]?["records"]?.intValue)
        #expect(records > 100)
        let shares = try #require(manifest["mixture"]?["datasets"]?.objectValue)
        #expect(shares.keys == ["into-welsh", "into-english"])
        #expect(abs((shares["into-welsh"]?["share"]?.doubleValue ?? 0) - 0.7) < 0.01)

        // `load_dataset` on the folder reads README.md's `configs` to find the shards.
        let script = """
            import json, sys
            from datasets import load_dataset
            ds = load_dataset(sys.argv[1], split="train")
            print(json.dumps({"rows": len(ds), "columns": sorted(ds.column_names),
                              "datasets": sorted(set(ds["dataset"])),
                              "roles": sorted({m["role"] for row in ds["messages"] for m in row})}))
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, out + "/mixture"]
        var env = ProcessInfo.processInfo.environment
        env["HF_HOME"] = out + "/hf-home"
        env["HF_DATASETS_OFFLINE"] = "1"
        env["HF_HUB_OFFLINE"] = "1"
        p.environment = env
        let pipe = Pipe(), errPipe = Pipe()
        p.standardOutput = pipe
        p.standardError = errPipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        let err = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "python datasets failed (CI installs it: pip install datasets): \(err)")
        let last = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        let loaded = try JSONParser.parse(Array(last.utf8))
        #expect(loaded["rows"]?.intValue == records)
        #expect(loaded["columns"] == .array(["dataset", "id", "messages"].map { .string($0) }))
        #expect(loaded["datasets"] == .array(["into-english", "into-welsh"].map { .string($0) }))
        #expect(loaded["roles"] == .array(["assistant", "user"].map { .string($0) }))
    }
}
