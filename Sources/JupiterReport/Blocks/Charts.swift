/// Colours of the charts (the page's CSS variables, as plain hex so an SVG copied out of the page
/// keeps them).
public enum ChartColour: String, Sendable, Hashable {
    /// Improvement.
    case gain = "#1a7f37"
    /// Deterioration.
    case loss = "#cf222e"
    /// Neither.
    case neutral = "#6e7781"
    /// A plain bar.
    case bar = "#0969da"
    /// A second series.
    case second = "#bf8700"
    /// Grid lines and axes.
    case grid = "#d0d7de"
}

/// An axis scale: maps values in `lower…upper` onto `from…to` pixels, with round tick values.
public struct LinearScale: Sendable {
    /// Domain start.
    public var lower: Double
    /// Domain end.
    public var upper: Double
    /// Pixel start.
    public var from: Double
    /// Pixel end.
    public var to: Double

    /// Creates a scale covering `values` (padded by 5% on each side unless `nice` is false).
    public init(covering values: [Double], from: Double, to: Double, pad: Bool = true) {
        var lo = values.filter(\.isFinite).min() ?? 0, hi = values.filter(\.isFinite).max() ?? 1
        if lo == hi { lo -= 1; hi += 1 }
        let p = pad ? (hi - lo) * 0.05 : 0
        lower = lo - p
        upper = hi + p
        self.from = from
        self.to = to
    }

    /// The pixel of a value.
    public func callAsFunction(_ v: Double) -> Double { from + (v - lower) / (upper - lower) * (to - from) }

    /// About `count` round tick values inside the domain.
    public func ticks(_ count: Int = 6) -> [Double] {
        let raw = (upper - lower) / Double(max(1, count))
        var base = 1.0
        while base > raw { base /= 10 }
        while base * 10 <= raw { base *= 10 }
        // The smallest of 1, 2, 5, 10 × base that is at least the raw step.
        let step = raw <= base ? base : raw <= 2 * base ? 2 * base : raw <= 5 * base ? 5 * base : 10 * base
        var t = (lower / step).rounded(.up) * step
        var out: [Double] = []
        while t <= upper + step * 1e-9 {
            out.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return out
    }
}

/// A forest plot: one row per item (a task), a dot at the estimate and a line across its
/// interval, vertical reference lines (zero, a margin), labels on the left and notes on the right.
public struct IntervalChart: Sendable {
    /// One row.
    public struct Row: Sendable {
        /// Label on the left.
        public var label: String
        /// The estimate (dot).
        public var estimate: Double
        /// Interval start.
        public var lower: Double
        /// Interval end.
        public var upper: Double
        /// Colour of the dot and line.
        public var colour: ChartColour
        /// Text on the right (e.g. `n=50`).
        public var note: String

        /// Creates a row.
        public init(label: String, estimate: Double, lower: Double, upper: Double, colour: ChartColour, note: String = "") {
            self.label = label
            self.estimate = estimate
            self.lower = lower
            self.upper = upper
            self.colour = colour
            self.note = note
        }
    }

    /// A vertical reference line.
    public struct Reference: Sendable {
        /// Where.
        public var value: Double
        /// Its label (above the plot).
        public var label: String
        /// Dashed (a margin) or solid (zero).
        public var dashed: Bool

        /// Creates a line.
        public init(value: Double, label: String, dashed: Bool) {
            self.value = value
            self.label = label
            self.dashed = dashed
        }
    }

    /// The rows, top to bottom.
    public var rows: [Row]
    /// Reference lines.
    public var references: [Reference]
    /// The axis title.
    public var axisTitle: String
    /// Total width in pixels.
    public var width: Double = 820

    /// Creates a chart.
    public init(rows: [Row], references: [Reference] = [], axisTitle: String) {
        self.rows = rows
        self.references = references
        self.axisTitle = axisTitle
    }

    /// The chart as inline SVG.
    public var svg: String {
        let left = Self.labelWidth(rows.map(\.label)), right = 130.0, top = 18.0 + 14.0 * Double(max(references.count, 1))
        let rowHeight = 30.0
        let height = top + rowHeight * Double(max(rows.count, 1)) + 45
        let scale = LinearScale(
            covering: rows.flatMap { [$0.lower, $0.upper, $0.estimate] } + references.map(\.value),
            from: left, to: width - right)
        var s = SVG(width: width, height: height, label: "Differences with their intervals: " + axisTitle)
        let bottom = top + rowHeight * Double(max(rows.count, 1))
        for t in scale.ticks() {
            s.line(x1: scale(t), y1: top, x2: scale(t), y2: bottom, colour: .grid)
            s.text(HTML.fixed(t, t == t.rounded() ? 0 : 1), x: scale(t), y: bottom + 16, anchor: "middle")
        }
        // Reference labels one per line above the plot, so close lines (0 and −1) never overlap.
        for (k, r) in references.enumerated() {
            let labelY = 14.0 * Double(k + 1)
            s.line(x1: scale(r.value), y1: labelY + 3, x2: scale(r.value), y2: bottom, colour: .neutral, width: 1.5, dashed: r.dashed)
            s.text(r.label, x: scale(r.value) + 4, y: labelY, anchor: "start", colour: .neutral)
        }
        for (i, row) in rows.enumerated() {
            let y = top + rowHeight * (Double(i) + 0.5)
            s.text(row.label, x: left - 10, y: y + 4, anchor: "end")
            s.line(x1: scale(row.lower), y1: y, x2: scale(row.upper), y2: y, colour: row.colour, width: 3)
            s.line(x1: scale(row.lower), y1: y - 6, x2: scale(row.lower), y2: y + 6, colour: row.colour, width: 2)
            s.line(x1: scale(row.upper), y1: y - 6, x2: scale(row.upper), y2: y + 6, colour: row.colour, width: 2)
            s.circle(x: scale(row.estimate), y: y, r: 5.5, colour: row.colour)
            s.text(row.note, x: width - right + 10, y: y + 4, anchor: "start", colour: .neutral)
        }
        s.text(axisTitle, x: (left + width - right) / 2, y: height - 8, anchor: "middle")
        return s.closed
    }
}

extension IntervalChart {
    /// Room for the longest label on the left (about 7 pixels a character), 120 to 360 pixels.
    static func labelWidth(_ labels: [String]) -> Double {
        min(360, max(120, 20 + 7 * Double(labels.map(\.count).max() ?? 0)))
    }
}

/// Horizontal bars, grouped: one group per category, one bar per series (e.g. base and tuned
/// per task), with the value written after each bar.
public struct BarChart: Sendable {
    /// One series.
    public struct Series: Sendable {
        /// Its name (legend).
        public var name: String
        /// One value per category.
        public var values: [Double]
        /// Its colour.
        public var colour: ChartColour

        /// Creates a series.
        public init(name: String, values: [Double], colour: ChartColour) {
            self.name = name
            self.values = values
            self.colour = colour
        }
    }

    /// Category labels, top to bottom.
    public var categories: [String]
    /// The series.
    public var series: [Series]
    /// The largest value of the axis (e.g. 100 for percentages); default: the largest value.
    public var maximum: Double?
    /// Total width in pixels.
    public var width: Double = 820

    /// Creates a chart.
    public init(categories: [String], series: [Series], maximum: Double? = nil) {
        self.categories = categories
        self.series = series
        self.maximum = maximum
    }

    /// The chart as inline SVG.
    public var svg: String {
        let left = IntervalChart.labelWidth(categories), right = 90.0, top = 26.0, bar = 14.0, gap = 12.0
        let group = bar * Double(max(series.count, 1)) + gap
        let height = top + group * Double(max(categories.count, 1)) + 30
        let hi = max(maximum ?? 0, series.flatMap(\.values).filter(\.isFinite).max() ?? 1, 1e-9)
        let scale = LinearScale(covering: [0, hi], from: left, to: width - right, pad: false)
        var s = SVG(width: width, height: height, label: "Bar chart of " + series.map(\.name).joined(separator: ", "))
        var x = left
        for serie in series {
            s.rect(x: x, y: 6, width: 12, height: 12, colour: serie.colour)
            s.text(serie.name, x: x + 16, y: 16, anchor: "start")
            x += 30 + Double(serie.name.count) * 7
        }
        let bottom = top + group * Double(max(categories.count, 1))
        for t in scale.ticks(5) {
            s.line(x1: scale(t), y1: top, x2: scale(t), y2: bottom, colour: .grid)
            s.text(HTML.fixed(t, t == t.rounded() ? 0 : 1), x: scale(t), y: bottom + 16, anchor: "middle")
        }
        for (c, label) in categories.enumerated() {
            let y0 = top + group * Double(c)
            s.text(label, x: left - 10, y: y0 + bar * Double(series.count) / 2 + 4, anchor: "end")
            for (k, serie) in series.enumerated() where c < serie.values.count {
                let v = serie.values[c]
                let y = y0 + bar * Double(k)
                s.rect(x: left, y: y, width: max(0, scale(max(0, v)) - left), height: bar - 2, colour: serie.colour)
                s.text(HTML.fixed(v, 1), x: scale(max(0, v)) + 4, y: y + bar - 4, anchor: "start")
            }
        }
        return s.closed
    }
}

/// A histogram of values: equal-width bins, one vertical bar per bin with its count.
public struct Histogram: Sendable {
    /// The counts per bin.
    public var counts: [Int]
    /// The bins' edges (`counts.count + 1` values).
    public var edges: [Double]
    /// The axis title.
    public var axisTitle: String
    /// Total width in pixels.
    public var width: Double = 820

    /// Bins `values` into `bins` equal-width bins between their minimum and maximum.
    public init(values: [Double], bins: Int = 20, axisTitle: String) {
        let finite = values.filter(\.isFinite)
        let lo = finite.min() ?? 0, hi = max(finite.max() ?? 1, lo + 1e-9)
        let n = max(1, bins)
        edges = (0...n).map { lo + (hi - lo) * Double($0) / Double(n) }
        var c = [Int](repeating: 0, count: n)
        for v in finite { c[min(n - 1, Int((v - lo) / (hi - lo) * Double(n)))] += 1 }
        counts = c
        self.axisTitle = axisTitle
    }

    /// The histogram as inline SVG.
    public var svg: String {
        let left = 50.0, right = 20.0, top = 16.0, plot = 180.0
        let height = top + plot + 45
        let maxCount = Double(counts.max() ?? 1)
        let y = LinearScale(covering: [0, max(maxCount, 1)], from: top + plot, to: top, pad: false)
        var s = SVG(width: width, height: height, label: "Histogram of " + axisTitle)
        let barWidth = (width - left - right) / Double(max(counts.count, 1))
        for t in y.ticks(4) {
            s.line(x1: left, y1: y(t), x2: width - right, y2: y(t), colour: .grid)
            s.text(HTML.fixed(t, 0), x: left - 6, y: y(t) + 4, anchor: "end")
        }
        for (i, c) in counts.enumerated() {
            let x = left + barWidth * Double(i)
            s.rect(x: x + 1, y: y(Double(c)), width: max(1, barWidth - 2), height: top + plot - y(Double(c)), colour: .bar)
        }
        // Whole numbers on a wide axis (lengths in characters or tokens), one decimal on a narrow one.
        let digits = (edges.last ?? 0) - (edges.first ?? 0) >= 20 ? 0 : 1
        for i in stride(from: 0, through: counts.count, by: max(1, counts.count / 5)) {
            s.text(HTML.fixed(edges[i], digits), x: left + barWidth * Double(i), y: top + plot + 16, anchor: "middle")
        }
        s.text(axisTitle, x: (left + width - right) / 2, y: height - 8, anchor: "middle")
        return s.closed
    }
}

/// A minimal SVG writer (escaped text, fixed-precision coordinates).
struct SVG {
    var markup: String

    init(width: Double, height: Double, label: String) {
        markup =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"\(HTML.escape(label))\" "
            + "width=\"\(HTML.coordinate(width))\" height=\"\(HTML.coordinate(height))\" "
            + "viewBox=\"0 0 \(HTML.coordinate(width)) \(HTML.coordinate(height))\">"
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, colour: ChartColour, width: Double = 1, dashed: Bool = false) {
        markup +=
            "<line x1=\"\(HTML.coordinate(x1))\" y1=\"\(HTML.coordinate(y1))\" x2=\"\(HTML.coordinate(x2))\" "
            + "y2=\"\(HTML.coordinate(y2))\" stroke=\"\(colour.rawValue)\" stroke-width=\"\(HTML.coordinate(width))\""
            + (dashed ? " stroke-dasharray=\"5 4\"" : "") + "/>"
    }

    mutating func circle(x: Double, y: Double, r: Double, colour: ChartColour) {
        markup +=
            "<circle cx=\"\(HTML.coordinate(x))\" cy=\"\(HTML.coordinate(y))\" r=\"\(HTML.coordinate(r))\" fill=\"\(colour.rawValue)\"/>"
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, colour: ChartColour) {
        markup +=
            "<rect x=\"\(HTML.coordinate(x))\" y=\"\(HTML.coordinate(y))\" width=\"\(HTML.coordinate(width))\" "
            + "height=\"\(HTML.coordinate(height))\" fill=\"\(colour.rawValue)\"/>"
    }

    mutating func text(_ t: String, x: Double, y: Double, anchor: String, colour: ChartColour? = nil) {
        guard !t.isEmpty else { return }
        markup +=
            "<text x=\"\(HTML.coordinate(x))\" y=\"\(HTML.coordinate(y))\" text-anchor=\"\(anchor)\""
            + (colour.map { " fill=\"\($0.rawValue)\"" } ?? "") + ">\(HTML.escape(t))</text>"
    }
}

extension SVG {
    var closed: String { markup + "</svg>" }
}
