/// An error from compiling or rendering a chat template.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of error.
    public enum Kind: String, Sendable {
        /// The template text does not parse.
        case syntax
        /// The template called `raise_exception(message)`.
        case raised
        /// Rendering failed (undefined value, wrong type, unsupported feature).
        case runtime
        /// The template went past one of ``JinjaLimits`` (recursion or nesting depth, output size,
        /// loop iterations): a runaway template, stopped before it exhausts the stack or memory.
        case limit
    }
    /// The kind.
    public var kind: Kind
    /// The message (for `raised`, exactly the template's own message).
    public var message: String
    /// Template line, when known (1-based).
    public var line: Int?
    /// The conversation being rendered, when known.
    public var conversationID: String?

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, line: Int? = nil, conversationID: String? = nil) {
        self.kind = kind
        self.message = message
        self.line = line
        self.conversationID = conversationID
    }

    /// "conversation X: template raised: message" and similar.
    public var description: String {
        var s = conversationID.map { "conversation \($0): " } ?? ""
        switch kind {
        case .raised: s += "template raised an exception: \(message)"
        case .syntax: s += "template syntax error\(line.map { " on line \($0)" } ?? ""): \(message)"
        case .runtime: s += "template error\(line.map { " on line \($0)" } ?? ""): \(message)"
        case .limit: s += "template stopped\(line.map { " on line \($0)" } ?? ""): \(message)"
        }
        return s
    }
}

/// A token of a Jinja expression.
enum JinjaTok: Equatable {
    case name(String)
    case string(String)
    case int(Int)
    case float(Double)
    case op(String)
}

/// Template nodes.
indirect enum JinjaNode {
    case text(String)
    case output(JinjaExpr, line: Int)
    case ifNode([(JinjaExpr, [JinjaNode])], elseBody: [JinjaNode])
    case forNode(targets: [String], iter: JinjaExpr, filter: JinjaExpr?, body: [JinjaNode], elseBody: [JinjaNode], line: Int)
    case set(targets: [String], attribute: String?, JinjaExpr, line: Int)
    case setBlock(String, [JinjaNode])
    case macro(JinjaMacro)
    case filterBlock(name: String, args: [JinjaExpr], body: [JinjaNode], line: Int)
    case breakLoop, continueLoop
    case generation([JinjaNode])
}

/// Expressions.
indirect enum JinjaExpr {
    case literal(JinjaValue)
    case name(String)
    case list([JinjaExpr])
    case tuple([JinjaExpr])
    case dict([(JinjaExpr, JinjaExpr)])
    case attr(JinjaExpr, String)
    case item(JinjaExpr, JinjaExpr)
    case slice(JinjaExpr, JinjaExpr?, JinjaExpr?, JinjaExpr?)
    case call(JinjaExpr, [JinjaExpr], [(String, JinjaExpr)])
    case filter(JinjaExpr, String, [JinjaExpr], [(String, JinjaExpr)])
    case test(JinjaExpr, String, [JinjaExpr], negate: Bool)
    case unary(String, JinjaExpr)
    case binary(String, JinjaExpr, JinjaExpr)
    case and(JinjaExpr, JinjaExpr)
    case or(JinjaExpr, JinjaExpr)
    case not(JinjaExpr)
    case conditional(JinjaExpr, then: JinjaExpr, otherwise: JinjaExpr?)
    case concat([JinjaExpr])
}

/// Splits template source into text, `{{ }}` and `{% %}` parts with Hugging Face's settings
/// (`trim_blocks`, `lstrip_blocks`, no trailing newline kept) and whitespace control (`-`, `+`).
struct JinjaLexer {
    enum Part {
        case text(String)
        case output([JinjaTok], line: Int)
        case statement([JinjaTok], line: Int)
    }

    private enum Raw {
        case text([Unicode.Scalar])
        case tag(kind: Character, left: Character?, right: Character?, tokens: [JinjaTok], line: Int)
    }

    static func lex(_ source: String) throws(TemplateError) -> [Part] {
        // Newlines normalized to \n; one trailing newline dropped (keep_trailing_newline=False).
        var src = Array(source.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n").unicodeScalars)
        if src.last == "\n" { src.removeLast() }
        var raws: [Raw] = []
        var i = 0
        var text: [Unicode.Scalar] = []
        var line = 1
        while i < src.count {
            let c = src[i]
            if c == "{", i + 1 < src.count, src[i + 1] == "{" || src[i + 1] == "%" || src[i + 1] == "#" {
                let kind = Character(src[i + 1])
                raws.append(.text(text))
                text = []
                var j = i + 2
                var left: Character? = nil
                if j < src.count, src[j] == "-" || src[j] == "+" { left = Character(src[j]); j += 1 }
                let tagLine = line
                if kind == "#" {
                    // Comment: up to #}.
                    var k = j
                    while k + 1 < src.count, !(src[k] == "#" && src[k + 1] == "}") { k += 1 }
                    guard k + 1 < src.count else { throw TemplateError(.syntax, "unterminated comment", line: tagLine) }
                    let right: Character? = k > j && (src[k - 1] == "-" || src[k - 1] == "+") ? Character(src[k - 1]) : nil
                    for x in src[i..<(k + 2)] where x == "\n" { line += 1 }
                    raws.append(.tag(kind: "#", left: left, right: right, tokens: [], line: tagLine))
                    i = k + 2
                    continue
                }
                let close: Unicode.Scalar = kind == "{" ? "}" : "%"
                var tokens: [JinjaTok] = []
                var depth = 0
                var right: Character? = nil
                var closed = false
                while j < src.count {
                    let ch = src[j]
                    if ch == "\n" { line += 1; j += 1; continue }
                    if ch.properties.isWhitespace { j += 1; continue }
                    // End of tag: [-+]?%} or [-+]?}}
                    if depth == 0 {
                        if ch == "-" || ch == "+", j + 2 < src.count, src[j + 1] == close, src[j + 2] == "}" {
                            right = Character(ch); j += 3; closed = true; break
                        }
                        if ch == close, j + 1 < src.count, src[j + 1] == "}" { j += 2; closed = true; break }
                    }
                    if ch == "\"" || ch == "'" {
                        var k = j + 1
                        var s = String.UnicodeScalarView()
                        while k < src.count, src[k] != ch {
                            if src[k] == "\\", k + 1 < src.count {
                                k += 1
                                switch src[k] {
                                case "n": s.append("\n")
                                case "t": s.append("\t")
                                case "r": s.append("\r")
                                case "\\": s.append("\\")
                                case "'": s.append("'")
                                case "\"": s.append("\"")
                                case "u" where k + 4 < src.count:
                                    let hex = String(String.UnicodeScalarView(src[(k + 1)...(k + 4)]))
                                    if let v = UInt32(hex, radix: 16), let u = Unicode.Scalar(v) {
                                        s.append(u); k += 4
                                    } else {
                                        s.append("\\"); s.append("u")
                                    }
                                default: s.append("\\"); s.append(src[k])
                                }
                            } else {
                                if src[k] == "\n" { line += 1 }
                                s.append(src[k])
                            }
                            k += 1
                        }
                        guard k < src.count else { throw TemplateError(.syntax, "unterminated string literal", line: line) }
                        tokens.append(.string(String(s)))
                        j = k + 1
                        continue
                    }
                    if ch.properties.numericType == .decimal && ch.isASCII {
                        var k = j
                        var isFloat = false
                        while k < src.count, (src[k].isASCII && src[k].properties.numericType == .decimal) || src[k] == "_" { k += 1 }
                        if k + 1 < src.count, src[k] == ".", src[k + 1].isASCII, src[k + 1].properties.numericType == .decimal {
                            isFloat = true
                            k += 1
                            while k < src.count, src[k].isASCII, src[k].properties.numericType == .decimal { k += 1 }
                        }
                        if k < src.count, src[k] == "e" || src[k] == "E" {
                            var m = k + 1
                            if m < src.count, src[m] == "+" || src[m] == "-" { m += 1 }
                            if m < src.count, src[m].isASCII, src[m].properties.numericType == .decimal {
                                isFloat = true
                                k = m
                                while k < src.count, src[k].isASCII, src[k].properties.numericType == .decimal { k += 1 }
                            }
                        }
                        let lit = String(String.UnicodeScalarView(src[j..<k])).replacingOccurrences(of: "_", with: "")
                        if isFloat {
                            tokens.append(.float(Double(lit) ?? 0))
                        } else {
                            guard let v = Int(lit) else { throw TemplateError(.syntax, "integer literal too large", line: line) }
                            tokens.append(.int(v))
                        }
                        j = k
                        continue
                    }
                    if ch.properties.isAlphabetic || ch == "_" {
                        var k = j
                        while k < src.count,
                            src[k].properties.isAlphabetic || src[k] == "_" || (src[k].isASCII && src[k].properties.numericType == .decimal)
                        { k += 1 }
                        tokens.append(.name(String(String.UnicodeScalarView(src[j..<k]))))
                        j = k
                        continue
                    }
                    let two = j + 1 < src.count ? String(String.UnicodeScalarView([ch, src[j + 1]])) : ""
                    if ["==", "!=", "<=", ">=", "//", "**"].contains(two) {
                        tokens.append(.op(two)); j += 2; continue
                    }
                    let one = String(ch)
                    guard "+-*/%~<>=()[]{},.:|".contains(one) else {
                        throw TemplateError(.syntax, "unexpected character '\(one)'", line: line)
                    }
                    if one == "(" || one == "[" || one == "{" { depth += 1 }
                    if one == ")" || one == "]" || one == "}" { depth -= 1 }
                    tokens.append(.op(one))
                    j += 1
                }
                guard closed else { throw TemplateError(.syntax, "unterminated tag", line: tagLine) }
                raws.append(.tag(kind: kind, left: left, right: right, tokens: tokens, line: tagLine))
                i = j
                continue
            }
            if c == "\n" { line += 1 }
            text.append(c)
            i += 1
        }
        raws.append(.text(text))

        // Whitespace control, as jinja2's lexer applies it.
        var lineStarting = true
        for k in raws.indices {
            guard case .tag(let kind, let left, let right, _, _) = raws[k] else { continue }
            let isBlock = kind == "%" || kind == "#"
            if k > 0, case .text(var t) = raws[k - 1] {
                if left == "-" {
                    while let l = t.last, isPythonSpace(l) { t.removeLast() }
                } else if left != "+" && isBlock {
                    let lastNL = t.lastIndex(of: "\n")
                    let lpos = lastNL.map { $0 + 1 } ?? 0
                    if lastNL != nil || lineStarting, lpos < t.count, t[lpos...].allSatisfy(isPythonSpace) {
                        t.removeSubrange(lpos...)
                    }
                }
                raws[k - 1] = .text(t)
            }
            lineStarting = false
            if k + 1 < raws.count, case .text(var t) = raws[k + 1] {
                if right == "-" {
                    var n = 0
                    while n < t.count, isPythonSpace(t[n]) { n += 1 }
                    lineStarting = n > 0 && t[n - 1] == "\n"
                    t.removeFirst(n)
                } else if right != "+" && isBlock, t.first == "\n" {
                    t.removeFirst()
                    lineStarting = true
                }
                raws[k + 1] = .text(t)
            }
        }
        var parts: [Part] = []
        for r in raws {
            switch r {
            case .text(let t): if !t.isEmpty { parts.append(.text(String(String.UnicodeScalarView(t)))) }
            case .tag(let kind, _, _, let tokens, let line):
                if kind == "{" {
                    parts.append(.output(tokens, line: line))
                } else if kind == "%" {
                    parts.append(.statement(tokens, line: line))
                }
            }
        }
        return parts
    }
}

/// Python's `str.isspace` for one character.
func isPythonSpace(_ u: Unicode.Scalar) -> Bool {
    u.properties.isWhitespace || (u.value >= 0x1C && u.value <= 0x1F)
}
