import JupiterCore
import Testing

@testable import JupiterReport

/// The run report's page on hand-built data.
@Suite struct RunReportPageTests {
    static func quality(examples: [RunReportData.Example]) -> RunReportData.Dataset {
        RunReportData.Dataset(
            name: "questions", from: "gsm8k", inputKind: "document", outputKind: "document", read: 1319, kept: 144, dropped: 1173,
            quarantined: 2, recordsWritten: 144,
            steps: [
                RunReportData.Step(
                    id: "read", stage: "read", input: 0, kept: 0, dropped: 0, quarantined: 2,
                    causes: [
                        RunReportData.Cause(
                            cause: "invalid JSON at byte N", count: 2,
                            places: [
                                RunReportData.Place(file: "data/q.jsonl", line: 7, error: "invalid JSON at byte 12")
                            ])
                    ]),
                RunReportData.Step(
                    id: "quality", stage: "quality", input: 1317, kept: 144, dropped: 1173, quarantined: 0,
                    rules: [
                        RunReportData.Rule(name: "gopher.min_words", count: 902, examples: examples),
                        RunReportData.Rule(name: "c4.min_sentences", count: 271)
                    ])
            ],
            lengths: RunReportData.Lengths(values: [12, 40, 41, 45, 60, 300], unit: "characters per record", total: 144))
    }

    @Test func recordTextIsEscapedAndShortened() {
        let hostile = "<script>alert('x')</script> " + String(repeating: "word ", count: 200)
        let data = RunReportData(
            name: "a<b",
            datasets: [
                Self.quality(examples: [
                    RunReportData.Example(id: "q.jsonl:3\"><img src=x>", text: hostile, value: "23", reason: "23 words < 50")
                ])
            ])
        let html = RunReportPage.render(data)
        #expect(!html.contains("<script"), "no script may reach the page")
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(html.contains("<title>Run report: a&lt;b</title>"))
        // Shortened to 300 characters and an ellipsis.
        let example = html.components(separatedBy: "<span class=\"example\">")[1].components(separatedBy: "</span>")[0]
        #expect(example.hasSuffix("…") && example.count < 400)
        // The measured value beside the rule's reason; counts, shares and ids.
        #expect(html.contains("<td>23</td><td>23 words &lt; 50</td>"))
        #expect(html.contains("<span id=\"rule-questions-quality-gopher.min_words\">902</span>"))
        #expect(html.contains("76.9%"))  // 902 of 1,173 drops
        #expect(html.contains("<span id=\"kept-questions\">144</span>") && html.contains("<span id=\"read-questions\">1,319</span>"))
        #expect(html.contains("<code>data/q.jsonl:7</code> invalid JSON at byte 12"))
        // The funnel and the lengths histogram are drawn.
        #expect(html.contains("id=\"funnel-questions\"><svg") && html.contains("id=\"lengths-questions\"><svg"))
        #expect(html.contains("minimum 12, median 43, maximum 300"))
        // The reading step's quarantines: a "decoded" bar of what was left, not a bar of 0.
        #expect(html.contains(">1,317 (99.8%)</text>") && html.contains(">decoded</text>"))
        #expect(html.contains("2 input record(s) could not be read (quarantined)"))
        #expect(RunReportPage.render(data) == html, "deterministic")
    }

    @Test func emptyRunAndNoModels() {
        let html = RunReportPage.render(RunReportData(name: "empty"))
        #expect(html.contains("The recipe has no datasets."))
        #expect(html.contains("No models: the recipe uses none."))
        #expect(!html.contains("id=\"mixture\"") && !html.contains("id=\"decontamination\""))
        // A dataset that read nothing and kept nothing.
        let none = RunReportData(
            name: "none",
            datasets: [
                RunReportData.Dataset(
                    name: "void", from: "src", inputKind: "document", outputKind: "document", read: 0, kept: 0, dropped: 0, quarantined: 0,
                    recordsWritten: 0, lengths: RunReportData.Lengths(values: [], unit: "characters per record", total: 0))
            ])
        let page = RunReportPage.render(none)
        #expect(page.contains("<span id=\"kept-void\">0</span>") && page.contains("No records kept: nothing to measure."))
        #expect(page.contains("No stages: every record read is written.") && page.contains("id=\"funnel-void\"><svg"))
        #expect(!page.contains("NaN") && !page.contains("nan"))
    }

    @Test func mixtureDecontaminationAndModels() {
        let data = RunReportData(
            name: "mixed",
            mixture: RunReportData.Mixture(
                unit: "tokens", tokenMethod: "tokens estimated as UTF-8 bytes ÷ 4", records: 260, units: 37629,
                datasets: [
                    RunReportData.MixDataset(
                        name: "into-welsh", target: 0.7, achieved: 0.700391,
                        records: 175, units: 26355, reasoningOn: 40, reasoningOff: 135),
                    RunReportData.MixDataset(
                        name: "into-english", target: 0.3, achieved: 0.299609,
                        records: 85, units: 11274)
                ],
                warnings: ["budget not reached"]),
            models: [
                RunReportData.ModelUsage(
                    name: "judge", requests: 12, retries: 1, failures: 0, cacheHits: 30,
                    promptTokens: 900, completionTokens: 300, latencyP50: 812.4, latencyP95: nil)
            ],
            decontamination: [
                RunReportData.Decontamination(
                    scope: "clean / decontaminate", evalSet: "evals/heldout.jsonl", items: 20,
                    matchedItems: 2, records: 2,
                    matches: [
                        RunReportData.Match(
                            item: "evals/heldout.jsonl#0", overlap: 1,
                            records: ["pairs.tsv:13"])
                    ])
            ])
        let html = RunReportPage.render(data)
        #expect(html.contains("<span id=\"share-into-welsh\">70.0%</span>") && html.contains("<td class=\"num\">70.0%</td>"))
        #expect(html.contains("<td class=\"num\">40</td><td class=\"num\">135</td>"))  // reasoning on/off
        #expect(html.contains("<td class=\"num\">–</td><td class=\"num\">–</td>"))  // the records do not say
        #expect(html.contains("id=\"mixture-shares\"><svg") && html.contains("budget not reached"))
        #expect(html.contains("<code>evals/heldout.jsonl#0</code> (overlap 100%): <code>pairs.tsv:13</code>"))
        #expect(html.contains("<td>judge</td><td class=\"num\">12</td><td class=\"num\">30</td><td class=\"num\">1</td>"))
        #expect(html.contains("<td class=\"num\">812</td><td class=\"num\">–</td>"))
    }

    @Test func funnelShowsSharesAndRemovals() {
        let svg = FunnelChart(
            stages: [
                .init(label: "read", count: 1000), .init(label: "quality", count: 250, removed: 750),
                .init(label: "written", count: 250)
            ], title: "t"
        ).svg
        #expect(svg.contains(">1,000 (100.0%)</text>") && svg.contains(">250 (25.0%)</text>") && svg.contains(">−750</text>"))
        #expect(svg.components(separatedBy: "<rect").count == 4)
    }
}
