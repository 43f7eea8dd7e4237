import Foundation
import JupiterCore
import JupiterTesting
import Testing

@testable import Jupiter

/// `semantic-dedup` with `model:` naming a recipe model: embeddings come from the model's
/// `/v1/embeddings` endpoint through the service's cache.
@Suite struct SemanticDedupWiringTests {
    @Test func recipeModelServesEmbeddingsAndTheCacheAnswersReruns() async throws {
        let server = try await ScriptedLLMServer.start()
        let dir = try TestSupport.temporaryDirectory("semdedup")
        let docs = [
            #"{"id":"a","text":"Mae'r Senedd yn cyfarfod yng Nghaerdydd."}"#,
            #"{"id":"b","text":"The council meets on Tuesdays."}"#,
            #"{"id":"c","text":"Mae'r Senedd yn cyfarfod yng Nghaerdydd."}"#,
            #"{"id":"d","text":"Bydd y llyfrgell ar gau yfory."}"#
        ]
        try TestSupport.write(docs.joined(separator: "\n") + "\n", to: dir + "/data/docs.jsonl")
        try TestSupport.write(
            """
            name: sem
            models:
              emb: { endpoint: "\(server.baseURL)", model: test-model }
            sources:
              docs: { path: data/docs.jsonl, format: documents }
            datasets:
              unique: { from: docs, steps: [{ semantic-dedup: { model: emb } }] }
            output: { dir: run }
            """, to: dir + "/recipe.yaml")

        func runOnce() async throws -> RunSummary {
            let prepared = Pipeline.prepare(recipePath: dir + "/recipe.yaml")
            #expect(prepared.problems.isEmpty, "\(prepared.problems)")
            return try #require(try await Pipeline.run(prepared).summary)
        }

        let first = try await runOnce()
        let sent = server.requests(path: "/v1/embeddings").count
        #expect(sent > 0)
        #expect(first.counts["unique"]?.dropped == 1)
        let dropped = try TestSupport.jsonLines(dir + "/run/datasets/unique/dropped.jsonl.gz")
        #expect(dropped.first?["id"]?.stringValue == "c")
        #expect(dropped.first?["dropped"]?["rule"]?.stringValue == "semantic.duplicate")
        let manifest = try JSONParser.parse(try TestSupport.bytes(dir + "/run/manifest.json"))
        #expect(manifest["models"] != nil)

        // A rerun with the work folder removed recomputes the step but every embedding comes from the cache.
        FileSystem.removeTree(dir + "/run/work")
        let second = try await runOnce()
        #expect(server.requests(path: "/v1/embeddings").count == sent)
        #expect(second.counts["unique"]?.dropped == 1)
        try await server.stop()
    }
}
