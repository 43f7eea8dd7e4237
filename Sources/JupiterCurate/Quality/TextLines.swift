/// Line and paragraph splitting with Python's semantics, so the rules count what datatrove counts.
enum TextLines {
    /// Python `str.splitlines()`: splits on every line break (`\n`, `\r`, `\r\n`, `\v`, `\f`,
    /// U+0085, U+2028, U+2029); a final line break does not start an empty line.
    static func splitLines(_ text: String) -> [Substring] {
        var out: [Substring] = []
        var start = text.startIndex
        var i = text.startIndex
        while i < text.endIndex {
            if text[i].isNewline {
                out.append(text[start..<i])
                i = text.index(after: i)
                start = i
            } else {
                i = text.index(after: i)
            }
        }
        if start < text.endIndex { out.append(text[start...]) }
        return out
    }

    /// Python `re.split(sep, text)` where `sep` is a run of at least `minRun` `\n` characters
    /// (`\n{2,}` for paragraphs, `\n+` for lines in datatrove's repetition filter).
    static func split(_ text: Substring, newlineRun minRun: Int) -> [Substring] {
        var out: [Substring] = []
        let u = text.unicodeScalars
        var start = u.startIndex
        var i = u.startIndex
        while i < u.endIndex {
            if u[i] == "\n" {
                var j = i
                var run = 0
                while j < u.endIndex && u[j] == "\n" { run += 1; j = u.index(after: j) }
                if run >= minRun {
                    out.append(Substring(u[start..<i]))
                    start = j
                }
                i = j
            } else {
                i = u.index(after: i)
            }
        }
        out.append(Substring(u[start..<u.endIndex]))
        return out
    }

    /// Python `str.strip()` (Unicode whitespace).
    static func strip(_ s: Substring) -> Substring {
        var t = s
        while let f = t.unicodeScalars.first, f.properties.isWhitespace { t = Substring(t.unicodeScalars.dropFirst()) }
        while let l = t.unicodeScalars.last, l.properties.isWhitespace { t = Substring(t.unicodeScalars.dropLast()) }
        return t
    }

    /// Number of occurrences of `needle` (non-overlapping, Python `str.count`).
    static func count(_ needle: String, in text: String) -> Int {
        let n = Array(needle.utf8)
        guard let first = n.first else { return 0 }
        var count = 0
        var text = text
        text.withUTF8 { buf in
            var i = 0
            while i + n.count <= buf.count {
                if buf[i] == first && (n.count == 1 || buf[i..<(i + n.count)].elementsEqual(n)) {
                    count += 1
                    i += n.count
                } else {
                    i += 1
                }
            }
        }
        return count
    }

    /// Python `len`: Unicode scalars.
    static func length<S: StringProtocol>(_ s: S) -> Int { s.unicodeScalars.count }

    /// Formats a ratio or mean for messages (at most 3 decimals).
    static func format(_ v: Double) -> String {
        let r = (v * 1000).rounded() / 1000
        if r == r.rounded() && abs(r) < 1e15 { return String(Int64(r)) }
        return String(r)
    }

    /// Rounds a measured value for `DropReason.value`.
    static func round(_ v: Double) -> Double { (v * 10_000).rounded() / 10_000 }
}
