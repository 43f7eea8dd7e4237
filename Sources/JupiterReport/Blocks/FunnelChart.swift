import JupiterCore

/// A funnel: one horizontal bar per stage of a pipeline (read → each step → kept), its width the
/// records left after that stage, its count and share of the first bar written after it, and
/// what the stage removed in the margin.
public struct FunnelChart: Sendable {
    /// One stage.
    public struct Stage: Sendable {
        /// Label on the left.
        public var label: String
        /// Records left after it.
        public var count: Int
        /// What it removed (shown on the right, e.g. `−158`), when anything.
        public var removed: Int

        /// Creates a stage.
        public init(label: String, count: Int, removed: Int = 0) {
            self.label = label
            self.count = count
            self.removed = removed
        }
    }

    /// The stages, first (read) to last (kept).
    public var stages: [Stage]
    /// Names what is counted (the chart's accessible label).
    public var title: String
    /// Total width in pixels.
    public var width: Double = 820

    /// Creates a chart.
    public init(stages: [Stage], title: String) {
        self.stages = stages
        self.title = title
    }

    /// The chart as inline SVG.
    public var svg: String {
        let left = IntervalChart.labelWidth(stages.map(\.label)), right = 200.0, top = 8.0, row = 26.0
        let height = top + row * Double(max(stages.count, 1)) + 8
        let first = max(1, stages.first?.count ?? 1)
        let scale = LinearScale(
            covering: [0, Double(max(first, stages.map(\.count).max() ?? 1))], from: left, to: width - right,
            pad: false)
        var s = SVG(width: width, height: height, label: title)
        for (i, stage) in stages.enumerated() {
            let y = top + row * Double(i)
            let w = max(1, scale(Double(stage.count)) - left)
            s.text(stage.label, x: left - 10, y: y + row / 2 + 4, anchor: "end")
            s.rect(x: left, y: y + 3, width: w, height: row - 6, colour: i == stages.count - 1 && i > 0 ? .gain : .bar)
            let share = HTML.fixed(Double(stage.count) / Double(first) * 100, 1)
            s.text("\(NumberText.grouped(stage.count)) (\(share)%)", x: left + w + 6, y: y + row / 2 + 4, anchor: "start")
            if stage.removed > 0 {
                s.text("−\(NumberText.grouped(stage.removed))", x: width - 8, y: y + row / 2 + 4, anchor: "end", colour: .loss)
            }
        }
        return s.closed
    }
}
