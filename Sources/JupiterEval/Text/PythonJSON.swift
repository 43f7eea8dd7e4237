/// Whether Python's `json.loads(text)` accepts a text (the C scanner, `strict=True`): one value
/// between optional `[ \t\n\r]` whitespace; `NaN`, `Infinity` and `-Infinity` allowed; no control
/// characters inside strings; escapes `\" \\ \/ \b \f \n \r \t \uXXXX` only; ASCII-digit numbers
/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`; a leading BOM is rejected. Used by IFEval's
/// `detectable_format:json_format`.
enum PythonJSON {
    static func isValid(_ text: String) -> Bool {
        var p = Scanner(s: Array(text.unicodeScalars))
        if p.s.first == "\u{FEFF}" { return false }
        p.ws()
        guard p.value(depth: 0) else { return false }
        p.ws()
        return p.i == p.s.count
    }

    private struct Scanner {
        let s: [Unicode.Scalar]
        var i = 0

        mutating func ws() {
            while i < s.count, s[i] == " " || s[i] == "\t" || s[i] == "\n" || s[i] == "\r" { i += 1 }
        }

        mutating func literal(_ word: String) -> Bool {
            let w = Array(word.unicodeScalars)
            guard i + w.count <= s.count, Array(s[i..<(i + w.count)]) == w else { return false }
            i += w.count
            return true
        }

        mutating func value(depth: Int) -> Bool {
            guard i < s.count, depth < 1000 else { return false }
            switch s[i] {
            case "{":
                i += 1; ws()
                if i < s.count, s[i] == "}" { i += 1; return true }
                while true {
                    guard i < s.count, s[i] == "\"", string() else { return false }
                    ws()
                    guard i < s.count, s[i] == ":" else { return false }
                    i += 1; ws()
                    guard value(depth: depth + 1) else { return false }
                    ws()
                    guard i < s.count else { return false }
                    if s[i] == "}" { i += 1; return true }
                    guard s[i] == "," else { return false }
                    i += 1; ws()
                }
            case "[":
                i += 1; ws()
                if i < s.count, s[i] == "]" { i += 1; return true }
                while true {
                    guard value(depth: depth + 1) else { return false }
                    ws()
                    guard i < s.count else { return false }
                    if s[i] == "]" { i += 1; return true }
                    guard s[i] == "," else { return false }
                    i += 1; ws()
                }
            case "\"": return string()
            case "n": return literal("null")
            case "t": return literal("true")
            case "f": return literal("false")
            case "N": return literal("NaN")
            case "I": return literal("Infinity")
            case "-":
                if literal("-Infinity") { return true }
                return number()
            default: return number()
            }
        }

        func digit(_ j: Int) -> Bool { j < s.count && s[j].value >= 0x30 && s[j].value <= 0x39 }

        mutating func number() -> Bool {
            var j = i
            if j < s.count, s[j] == "-" { j += 1 }
            guard digit(j) else { return false }
            if s[j] == "0" { j += 1 } else { while digit(j) { j += 1 } }
            if j < s.count, s[j] == ".", digit(j + 1) {
                j += 1
                while digit(j) { j += 1 }
            }
            if j < s.count, s[j] == "e" || s[j] == "E" {
                var k = j + 1
                if k < s.count, s[k] == "-" || s[k] == "+" { k += 1 }
                if digit(k) {
                    while digit(k) { k += 1 }
                    j = k
                }
            }
            i = j
            return true
        }

        mutating func string() -> Bool {
            i += 1  // opening quote
            while i < s.count {
                let c = s[i]
                if c == "\"" { i += 1; return true }
                if c.value < 0x20 { return false }
                if c == "\\" {
                    guard i + 1 < s.count else { return false }
                    let e = s[i + 1]
                    switch e {
                    case "\"", "\\", "/", "b", "f", "n", "r", "t": i += 2
                    case "u":
                        guard i + 6 <= s.count,
                            s[(i + 2)..<(i + 6)].allSatisfy({ $0.properties.isASCIIHexDigit })
                        else { return false }
                        i += 6
                    default: return false
                    }
                    continue
                }
                i += 1
            }
            return false
        }
    }
}
