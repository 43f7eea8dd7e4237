import Foundation
import JupiterCore
import JupiterTesting
import Testing

/// The bundled example end to end, and its mixture read back by Hugging Face `datasets` (the
/// library trainers load it with), from the dataset card's own `configs`.
@Suite struct MixtureExampleTests {
    /// The same recipe run from two folders gives the same datasets, mixture and manifest (minus
    /// timings): nothing recorded depends on the working directory.
    @Test func outputsDoNotDependOnTheFolderTheRunStartsIn() throws {
        let base = ScratchDirectory.path("cwd")
        let a = try CLI.run(["run", "examples/cymru/recipe.yaml", "--output", base + "/a", "--quiet"], in: CLI.repoRoot)
        let b = try CLI.run(["run", "recipe.yaml", "--output", base + "/b", "--quiet"], in: CLI.repoRoot + "/examples/cymru")
        #expect(a.status == 0 && b.status == 0, "\(a.stderr)\(b.stderr)")
        func manifest(_ dir: String) throws -> JSONValue {
            guard case .object(var o) = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json"))))
            else { return .null }
            o.removeValue(forKey: "timings")
            return .object(o)
        }
        #expect(try manifest(base + "/a") == manifest(base + "/b"))
        for f in [
            "datasets/welsh-parallel/kept.jsonl.gz", "datasets/into-welsh/kept.jsonl.gz", "mixture/part-00000.jsonl.gz",
            "mixture/part-00001.jsonl.gz", "mixture/README.md"
        ] {
            #expect(
                try Data(contentsOf: URL(fileURLWithPath: base + "/a/" + f)) == Data(contentsOf: URL(fileURLWithPath: base + "/b/" + f)),
                "\(f) differs")
        }
    }

    @Test(.enabled(if: Peers.has("datasets"), "needs the Python package `datasets` (scripts/test installs it into .venv)"))
    func theExampleMixtureLoadsWithHuggingFaceDatasets() throws {
        let out = ScratchDirectory.path("cymru")
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
        let p = try Peers.run(
            ["-c", script, out + "/mixture"],
            environment: ["HF_HOME": out + "/hf-home", "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"])
        try #require(p.status == 0, "python datasets failed: \(p.stderr)")
        let last = p.text.split(separator: "\n").last.map(String.init) ?? ""
        let loaded = try JSONParser.parse(Array(last.utf8))
        #expect(loaded["rows"]?.intValue == records)
        #expect(loaded["columns"] == .array(["dataset", "id", "messages"].map { .string($0) }))
        #expect(loaded["datasets"] == .array(["into-english", "into-welsh"].map { .string($0) }))
        #expect(loaded["roles"] == .array(["assistant", "user"].map { .string($0) }))
    }
}
