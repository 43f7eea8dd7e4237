import JupiterCore
import Testing

@testable import Jupiter

/// Parquet sources and Parquet mixture shards through recipe validation (what `jupiter validate`
/// reports).
@Suite struct ParquetRecipeTests {
    /// A folder with a Parquet file of conversations, a truncated copy and a JSONL file.
    func workspace() throws -> String {
        let dir = try TestSupport.temporaryDirectory("parquet-recipe")
        try FileSystem.createDirectory(dir + "/data")
        let rows: [JSONValue] = (0..<5).map { i in
            .object([
                "messages": .array([
                    .object(["role": .string("user"), "content": .string("Helo \(i)")]),
                    .object(["role": .string("assistant"), "content": .string("Shwmae \(i)")])
                ])
            ])
        }
        let w = try ParquetWriter(path: dir + "/data/chats.parquet", schema: ParquetColumnType.schema(of: rows))
        for r in rows { try w.write(r) }
        try w.close()
        let bytes = try FileSystem.read(dir + "/data/chats.parquet")
        try TestSupport.write(Array(bytes.prefix(bytes.count - 20)), to: dir + "/data/cut.parquet")
        try TestSupport.write("{\"text\": \"Helo\"}\n", to: dir + "/data/docs.jsonl")
        return dir
    }

    func check(_ dir: String, _ yaml: String) throws -> (Plan?, [Diagnostic]) {
        try TestSupport.write(yaml, to: dir + "/recipe.yaml")
        return Pipeline.check(recipePath: dir + "/recipe.yaml")
    }

    @Test func parquetSourcesAreDetectedFromTheirColumnsAndMixturesCanBeParquet() throws {
        let dir = try workspace()
        let (plan, problems) = try check(
            dir,
            """
            name: pq
            sources:
              chats: { path: data/chats.parquet, format: parquet }
              same: data/chats.parquet
            datasets:
              a: { from: chats }
              b: { from: same }
            mix:
              weights: { a: 1, b: 1 }
              unit: records
            output: { dir: run, format_file: parquet }
            """)
        #expect(problems.isEmpty, "\(problems)")
        let p = try #require(plan)
        #expect(p.sources.map(\.format) == [.openaiMessages, .openaiMessages])
        #expect(p.mix?.config.fileFormat == .parquet)
    }

    @Test func unreadableParquetAndWrongSettingsAreReportedWithTheirLines() throws {
        let dir = try workspace()
        let (_, problems) = try check(
            dir,
            """
            name: pq
            sources:
              cut: { path: data/cut.parquet, format: openai-messages }
              docs: { path: data/docs.jsonl, format: parquet }
            datasets:
              a: { from: cut }
              b: { from: docs }
            mix:
              weights: { a: 1 }
            output: { dir: run, format_file: arrow }
            """)
        let messages = problems.map { "\($0.line ?? 0): \($0.message)" }
        #expect(
            messages.contains(
                "3: source 'cut': data/cut.parquet: does not end with the Parquet magic 'PAR1': "
                    + "truncated, or not a Parquet file"), "\(messages)")
        #expect(messages.contains("4: source 'docs': data/docs.jsonl is not a Parquet file (format: parquet)"), "\(messages)")
        #expect(messages.contains("10: output.format_file must be one of jsonl, parquet"), "\(messages)")
    }
}
