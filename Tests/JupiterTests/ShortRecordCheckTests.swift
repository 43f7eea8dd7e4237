import Foundation
import JupiterCore
import JupiterTesting
import Testing

@testable import Jupiter

/// `jupiter validate` warns when `quality`'s web-document rules meet short records.
@Suite struct ShortRecordCheckTests {
    func check(_ data: String, file: String, steps: String, format: String = "documents, text_field: question")
        throws -> [Diagnostic]
    {
        let dir = try TestSupport.temporaryDirectory("shortrecords")
        try TestSupport.write(data, to: dir + "/data/" + file)
        try TestSupport.write(
            """
            name: short
            sources:
              questions: { path: data/\(file), format: \(format) }
            datasets:
              asked:
                from: questions
                steps:
            \(steps)
            """, to: dir + "/recipe.yaml")
        let (plan, problems) = Pipeline.check(recipePath: dir + "/recipe.yaml")
        #expect(plan != nil, "\(problems)")
        return problems.filter { $0.message.contains("web-document rules") }
    }

    func gsm8k() throws -> String {
        try String(contentsOfFile: TestSupport.repoRoot + "/Tests/Fixtures/Eval/gsm8k-test-200.jsonl", encoding: .utf8)
    }

    @Test func questionsThroughGopherAndC4RulesAreWarnedWithTheStepsLine() throws {
        let warnings = try check(try gsm8k(), file: "gsm8k.jsonl", steps: "      - exact-dedup\n      - quality")
        let w = try #require(warnings.first)
        #expect(warnings.count == 1 && w.severity == .warning && w.line == 9 && w.file?.hasSuffix("recipe.yaml") == true)
        // GSM8K test questions: median 42 words over the first 200 (Python: sorted(len(q.split()))[100]).
        #expect(w.message.contains("median 42 words over its first 200 records"), "\(w.message)")
        #expect(w.message.contains("gopher_quality and c4 (min_doc_words: 50, min_num_sentences: 5)"))
        #expect(w.message.contains("`rules: { document: [basic, gopher_repetition] }`") && w.message.contains("`min_doc_words`"))
        #expect(w.description.contains("recipe.yaml:9: warning:"))
    }

    @Test func theWarningGoesWhenTheRulesDoNotApply() throws {
        #expect(try check(try gsm8k(), file: "gsm8k.jsonl", steps: "      - quality: { rules: { document: [basic] } }").isEmpty)
        // Both length bounds turned off (`null`): nothing left to warn about.
        #expect(
            try check(
                try gsm8k(), file: "gsm8k.jsonl",
                steps: "      - quality: { min_doc_words: null, min_num_sentences: null }"
            ).isEmpty)
        // Long documents (60–320 words of legislation prose): no warning.
        let segments = try QualityCorpus.segments(tsv: TestSupport.repoRoot + "/Tests/Fixtures/Legislation/legislation-en-cy.tsv")
        let corpus = QualityCorpus.build(english: segments.english, welsh: segments.welsh, count: 60, shapes: [.prose], seed: 1)
        #expect(
            try check(
                String(decoding: corpus.jsonl(), as: UTF8.self), file: "docs.jsonl", steps: "      - quality",
                format: "documents"
            ).isEmpty)
    }
}
