import JupiterCore
import Testing

@testable import JupiterReport

@Suite struct ReportBlocksTests {
    @Test func escapingAndNumbers() {
        #expect(HTML.escape("<a href=\"x\">Tom & 'Jerry'</a>") == "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;")
        #expect(HTML.escape("Maeʼr ŵyl") == "Maeʼr ŵyl")
        #expect(HTML.fixed(1.005, 1) == "1.0" && HTML.fixed(-0.001) == "0.00" && HTML.fixed(-2.5) == "−2.50")
        #expect(HTML.fixed(12345.678, 2) == "12345.68" && HTML.fixed(0.5, 0) == "1" && HTML.fixed(.nan) == "–")
        #expect(HTML.signed(3) == "+3.00" && HTML.signed(-3) == "−3.00" && HTML.signed(0) == "0.00")
    }

    @Test func scaleTicksAreRound() {
        let s = LinearScale(covering: [-7.3, 18.2], from: 0, to: 100)
        #expect(s.ticks() == [-5, 0, 5, 10, 15])
        #expect(abs(s(s.lower) - 0) < 1e-9 && abs(s(s.upper) - 100) < 1e-9)
    }

    @Test func chartsAreSelfContainedSVG() {
        let forest = IntervalChart(
            rows: [.init(label: "welsh <mmlu>", estimate: 4, lower: -1, upper: 9, colour: .neutral, note: "n=50")],
            references: [.init(value: 0, label: "0", dashed: false)], axisTitle: "Δ"
        ).svg
        #expect(forest.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") && forest.hasSuffix("</svg>"))
        #expect(forest.contains("welsh &lt;mmlu&gt;") && forest.contains("<circle") && forest.contains("n=50"))
        let bars = BarChart(categories: ["a", "b"], series: [.init(name: "base", values: [10, 50], colour: .bar)], maximum: 100).svg
        #expect(bars.components(separatedBy: "<rect").count == 4)  // legend + two bars
        let h = Histogram(values: [1, 2, 2, 3, 3, 3], bins: 3, axisTitle: "tokens")
        #expect(h.counts == [1, 2, 3] && h.svg.contains("tokens"))
        var t = Table(columns: ["x", "n"], numeric: [1])
        t.add(["<b>", "3"])
        #expect(t.html.contains("<td>&lt;b&gt;</td><td class=\"num\">3</td>"))
        var page = Page(title: "T & t")
        page.section("S", "<p>x</p>")
        #expect(page.html.contains("<title>T &amp; t</title>") && page.html.contains("href=\"data:,\""))
    }
}
