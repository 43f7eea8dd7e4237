import JupiterCore

/// How a turn's text is cut for translation and what must come back unchanged.
///
/// - Fenced code blocks (```` ``` ````/`~~~`) are never sent: the text around them is translated
///   piece by piece and the blocks are put back verbatim.
/// - A turn whose whole content is a JSON object or array (a tool payload) is never sent.
/// - Inside the text that is sent, inline code (`` `…` ``), URLs, numbers, placeholders (`{name}`,
///   `{{name}}`, `%s`, `%(name)s`, `$VAR`) and the Markdown skeleton (heading levels, list and quote
///   markers, table columns, line breaks) must come back unchanged; ``protected(_:)`` and
///   ``skeleton(_:)`` are what the gates compare.
enum TranslationText {
    /// A piece of a turn.
    enum Piece: Equatable {
        /// Text to translate.
        case text(String)
        /// Carried over verbatim (a fenced code block, with its fences).
        case verbatim(String)
    }

    /// The turn cut into pieces; concatenating them gives the turn back byte for byte.
    static func pieces(_ content: String) -> [Piece] {
        if isJSONPayload(content) { return [.verbatim(content)] }
        var out: [Piece] = []
        var current = ""
        var fence: Character?
        // Lines with their line breaks, so the pieces concatenate to the content exactly.
        var lines: [Substring] = []
        var start = content.startIndex
        while let nl = content[start...].firstIndex(of: "\n") {
            lines.append(content[start...nl])
            start = content.index(after: nl)
        }
        if start < content.endIndex { lines.append(content[start...]) }
        for line in lines {
            let trimmed = String(line).trimmingWhitespace()
            if let f = fence {
                current += line
                if trimmed.count >= 3 && trimmed.allSatisfy({ $0 == f }) {
                    out.append(.verbatim(current))
                    current = ""
                    fence = nil
                }
            } else if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~"), let f = trimmed.first {
                if !current.isEmpty { out.append(.text(current)) }
                current = String(line)
                fence = f
            } else {
                current += line
            }
        }
        if !current.isEmpty || out.isEmpty { out.append(fence == nil ? .text(current) : .verbatim(current)) }
        return out
    }

    /// Splits text into its leading whitespace, the part to translate, and trailing whitespace.
    static func trimmedParts(_ text: String) -> (leading: String, core: String, trailing: String) {
        let scalars = Array(text.unicodeScalars)
        var a = 0, b = scalars.count
        while a < b, scalars[a].properties.isWhitespace { a += 1 }
        while b > a, scalars[b - 1].properties.isWhitespace { b -= 1 }
        func s(_ r: Range<Int>) -> String { String(String.UnicodeScalarView(scalars[r])) }
        return (s(0..<a), s(a..<b), s(b..<scalars.count))
    }

    /// Reassembles pieces (inverse of ``pieces(_:)`` when the texts are unchanged).
    static func join(_ pieces: [Piece]) -> String {
        var out = ""
        for p in pieces {
            switch p {
            case .text(let t), .verbatim(let t): out += t
            }
        }
        return out
    }

    /// True when the whole content is a JSON object or array.
    static func isJSONPayload(_ content: String) -> Bool {
        let t = content.trimmingWhitespace()
        guard t.hasPrefix("{") || t.hasPrefix("[") else { return false }
        return (try? JSONParser.parse(t)) != nil
    }

    /// The spans that must come back unchanged, sorted: inline code, URLs, placeholders, numbers.
    static func protected(_ text: String) -> [String] {
        var out: [String] = []
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func string(_ a: Int, _ b: Int) -> String { String(String.UnicodeScalarView(scalars[a..<b])) }
        while i < scalars.count {
            let c = scalars[i]
            if c == "`", let end = scalars[(i + 1)...].firstIndex(of: "`") {
                out.append(string(i, end + 1)); i = end + 1; continue
            }
            if c == "{" {
                let double = i + 1 < scalars.count && scalars[i + 1] == "{"
                if let end = scalars[(i + 1)...].firstIndex(of: "}") {
                    let inner = scalars[(i + (double ? 2 : 1))..<end]
                    if !inner.isEmpty,
                        inner.allSatisfy({ $0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "_" || $0 == "." })
                    {
                        var stop = end + 1
                        if double, stop < scalars.count, scalars[stop] == "}" { stop += 1 }
                        out.append(string(i, stop)); i = stop; continue
                    }
                }
            }
            if c == "%", i + 1 < scalars.count, "sdif".unicodeScalars.contains(scalars[i + 1]) {
                out.append(string(i, i + 2)); i += 2; continue
            }
            if c == "h" || c == "w", let url = urlEnd(scalars, i) {
                out.append(string(i, url)); i = url; continue
            }
            if c.properties.numericType != nil && c.isASCII && (i == 0 || !isWordScalar(scalars[i - 1])) {
                var j = i
                while j < scalars.count, scalars[j].isASCII,
                    scalars[j].properties.numericType != nil
                        || ((scalars[j] == "." || scalars[j] == ",") && j + 1 < scalars.count && scalars[j + 1].isASCII
                            && scalars[j + 1].properties.numericType != nil)
                {
                    j += 1
                }
                out.append(string(i, j)); i = j; continue
            }
            i += 1
        }
        return out.sorted()
    }

    private static func isWordScalar(_ c: Unicode.Scalar) -> Bool { c.properties.isAlphabetic || c == "_" }

    /// The end of a URL starting at `i` (`http://`, `https://`, `www.`), or nil.
    private static func urlEnd(_ s: [Unicode.Scalar], _ i: Int) -> Int? {
        let prefixes = ["https://", "http://", "www."]
        guard
            let p = prefixes.first(where: { pref in
                let u = Array(pref.unicodeScalars)
                return i + u.count <= s.count && Array(s[i..<(i + u.count)]) == u
            })
        else { return nil }
        var j = i + p.unicodeScalars.count
        while j < s.count, !s[j].properties.isWhitespace, !"<>\"'`)]".unicodeScalars.contains(s[j]) { j += 1 }
        // A sentence's final punctuation is not part of the URL.
        while j > i, ".,;:!?".unicodeScalars.contains(s[j - 1]) { j -= 1 }
        return j
    }

    /// The Markdown skeleton: one token per line (blank, heading level, list or quote marker, table
    /// columns, text).
    static func skeleton(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { raw in
            let line = String(raw).trimmingWhitespace()
            if line.isEmpty { return "blank" }
            if line.hasPrefix("#") { return "h" + String(line.prefix { $0 == "#" }.count) }
            if line.hasPrefix("|") { return "table\(line.filter { $0 == "|" }.count)" }
            if line.hasPrefix(">") { return "quote" }
            if line.hasPrefix("- ") || line.hasPrefix("* ") || line.hasPrefix("+ ") { return "bullet" }
            if let dot = line.firstIndex(where: { $0 == "." || $0 == ")" }), line[..<dot].allSatisfy(\.isNumber),
                !line[..<dot].isEmpty, line[line.index(after: dot)...].hasPrefix(" ")
            {
                return "numbered"
            }
            return "text"
        }
    }

    /// A translation that talks about itself or refuses, instead of translating: its first words.
    static func commentary(_ output: String) -> String? {
        let start = output.trimmingWhitespace().lowercased()
        let openings = [
            "here is", "here's", "here are", "sure", "certainly", "of course", "i'm sorry", "i am sorry", "sorry,",
            "i cannot", "i can't", "i can not", "i'm unable", "i am unable", "as an ai", "translation:", "translated text:",
            "the translation", "dyma'r cyfieithiad", "dyma gyfieithiad", "mae'n ddrwg gen i", "mae'n flin gen i",
            "ni allaf", "cyfieithiad:"
        ]
        return openings.first { start.hasPrefix($0) }
    }
}
