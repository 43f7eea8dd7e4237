/// A table: a header row and rows of cells, each cell escaped unless given as HTML.
///
/// ```swift
/// var t = Table(columns: ["task", "accuracy"], numeric: [1])
/// t.add(["gsm8k", "41.00"])
/// page.add(t.html)
/// ```
public struct Table: Sendable {
    /// One cell.
    public struct Cell: Sendable {
        /// The cell's HTML.
        public var html: String
        /// A CSS class (`gain`, `loss`, `muted`, …).
        public var cssClass: String?

        /// Plain text (escaped).
        public init(_ text: String, cssClass: String? = nil) {
            html = HTML.escape(text)
            self.cssClass = cssClass
        }

        /// Ready-made HTML.
        public init(html: String, cssClass: String? = nil) {
            self.html = html
            self.cssClass = cssClass
        }
    }

    /// Column headings.
    public var columns: [String]
    /// Columns aligned right (numbers).
    public var numeric: Set<Int>
    /// Rows of cells.
    public var rows: [[Cell]] = []
    /// A caption under the table, when set.
    public var caption: String?

    /// Creates an empty table.
    public init(columns: [String], numeric: Set<Int> = [], caption: String? = nil) {
        self.columns = columns
        self.numeric = numeric
        self.caption = caption
    }

    /// Adds a row of plain-text cells.
    public mutating func add(_ texts: [String]) { rows.append(texts.map { Cell($0) }) }

    /// Adds a row of cells.
    public mutating func add(cells: [Cell]) { rows.append(cells) }

    /// The table's HTML.
    public var html: String {
        var out = "<table>"
        if let caption { out += "<caption>\(HTML.escape(caption))</caption>" }
        out += "<thead><tr>"
        for (i, c) in columns.enumerated() { out += "<th\(numeric.contains(i) ? " class=\"num\"" : "")>\(HTML.escape(c))</th>" }
        out += "</tr></thead><tbody>"
        for row in rows {
            out += "<tr>"
            for (i, cell) in row.enumerated() {
                let classes = [numeric.contains(i) ? "num" : nil, cell.cssClass].compactMap { $0 }
                out += "<td\(classes.isEmpty ? "" : " class=\"\(classes.joined(separator: " "))\"")>\(cell.html)</td>"
            }
            out += "</tr>"
        }
        return out + "</tbody></table>"
    }
}
