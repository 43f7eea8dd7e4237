/// One self-contained HTML page: inline CSS, inline SVG charts, no script and no external asset
/// (not even a favicon request), so it opens from disk, from an archive or as a CI artifact.
///
/// ```swift
/// var page = Page(title: "Evaluation", subtitle: "tuned vs base")
/// page.section("Summary", table.html)
/// let html = page.html
/// ```
public struct Page: Sendable {
    /// The page title (also the `<h1>`).
    public var title: String
    /// A line under the title.
    public var subtitle: String?
    /// The body's parts, in order (HTML).
    public var parts: [String] = []

    /// Creates an empty page.
    public init(title: String, subtitle: String? = nil) {
        self.title = title
        self.subtitle = subtitle
    }

    /// Adds a section: a heading (with an anchor id) and its content.
    public mutating func section(_ heading: String, id: String? = nil, _ content: String...) {
        let anchor = id.map { " id=\"\(HTML.escape($0))\"" } ?? ""
        parts.append("<section\(anchor)><h2>\(HTML.escape(heading))</h2>\(content.joined())</section>")
    }

    /// Adds raw HTML.
    public mutating func add(_ html: String) { parts.append(html) }

    /// A paragraph of escaped text.
    public static func paragraph(_ text: String, cssClass: String? = nil) -> String {
        "<p\(cssClass.map { " class=\"\($0)\"" } ?? "")>\(HTML.escape(text))</p>"
    }

    /// A small coloured label (`gain`, `loss`, `neutral` classes).
    public static func badge(_ text: String, cssClass: String) -> String {
        "<span class=\"badge \(cssClass)\">\(HTML.escape(text))</span>"
    }

    /// A collapsible block.
    public static func details(_ summary: String, _ content: String) -> String {
        "<details><summary>\(HTML.escape(summary))</summary>\(content)</details>"
    }

    /// Preformatted, escaped text, cut to `limit` characters.
    public static func pre(_ text: String, limit: Int = 1500) -> String {
        let cut = text.count > limit ? String(text.prefix(limit)) + "…" : text
        return "<pre>\(HTML.escape(cut))</pre>"
    }

    /// The colours and styles every chart and table uses.
    public static let style = """
        :root{--gain:#1a7f37;--loss:#cf222e;--neutral:#6e7781;--bar:#0969da;--grid:#d0d7de;--ink:#1f2328}
        body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--ink);margin:2rem auto;max-width:1100px;padding:0 1rem}
        h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;border-bottom:1px solid var(--grid);padding-bottom:.2rem;margin-top:2rem}
        h3{font-size:1rem}.subtitle{color:var(--neutral);margin-top:0}
        table{border-collapse:collapse;margin:.6rem 0;font-variant-numeric:tabular-nums}
        th,td{border:1px solid var(--grid);padding:.25rem .55rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}th{background:#f6f8fa}
        td.num,th.num{text-align:right}caption{caption-side:bottom;color:var(--neutral);font-size:.85rem;text-align:left}
        .gain{color:var(--gain)}.loss{color:var(--loss)}.neutral,.muted{color:var(--neutral)}
        .badge{display:inline-block;border-radius:.8rem;padding:0 .55rem;color:#fff;font-weight:600;font-size:.8rem}
        .badge.gain{background:var(--gain);color:#fff}.badge.loss{background:var(--loss);color:#fff}.badge.neutral{background:var(--neutral);color:#fff}
        pre{background:#f6f8fa;padding:.5rem;white-space:pre-wrap;word-break:break-word;max-height:16rem;overflow:auto;font-size:.82rem}
        svg{max-width:100%;height:auto}svg text{font:12px -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;fill:var(--ink)}
        details{margin:.4rem 0}summary{cursor:pointer}.flips{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
        """

    /// The whole document.
    public var html: String {
        var out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        out += "<link rel=\"icon\" href=\"data:,\"><title>\(HTML.escape(title))</title><style>\(Self.style)</style></head><body>"
        out += "<h1>\(HTML.escape(title))</h1>"
        if let subtitle { out += "<p class=\"subtitle\">\(HTML.escape(subtitle))</p>" }
        out += parts.joined(separator: "\n")
        return out + "\n</body></html>\n"
    }
}
