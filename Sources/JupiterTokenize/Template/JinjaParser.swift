/// Parses lexed template parts into nodes (the statement and expression grammar of jinja2 that
/// Hugging Face chat templates use).
struct JinjaParser {
    let parts: [JinjaLexer.Part]
    var index = 0
    /// Statements open around the one being parsed (bounded by ``JinjaLimits/maxNesting``).
    var depth = 0

    init(_ parts: [JinjaLexer.Part]) { self.parts = parts }

    static func parse(_ source: String) throws(TemplateError) -> [JinjaNode] {
        var p = JinjaParser(try JinjaLexer.lex(source))
        let (nodes, end) = try p.parseBody(until: [])
        if let end { throw TemplateError(.syntax, "unexpected '\(end)'") }
        return nodes
    }

    /// Parses nodes until a statement whose first word is in `until`; returns it (consumed).
    mutating func parseBody(until: Set<String>) throws(TemplateError) -> ([JinjaNode], String?) {
        var nodes: [JinjaNode] = []
        while index < parts.count {
            let part = parts[index]
            index += 1
            switch part {
            case .text(let t): nodes.append(.text(t))
            case .output(let toks, let line):
                var e = ExprParser(toks, line: line)
                let expr = try e.parseExpression()
                try e.expectEnd()
                nodes.append(.output(expr, line: line))
            case .statement(let toks, let line):
                guard case .name(let word) = toks.first else { throw TemplateError(.syntax, "empty statement", line: line) }
                if until.contains(word) {
                    index -= 1
                    return (nodes, word)
                }
                nodes.append(try parseStatement(word, toks, line))
            }
        }
        return (nodes, nil)
    }

    /// The tokens of the statement that ended a body (after parseBody returned its word).
    mutating func takeEnd() -> ([JinjaTok], Int) {
        guard index < parts.count, case .statement(let toks, let line) = parts[index] else { return ([], 0) }
        index += 1
        return (toks, line)
    }

    mutating func parseStatement(_ word: String, _ toks: [JinjaTok], _ line: Int) throws(TemplateError) -> JinjaNode {
        depth += 1
        defer { depth -= 1 }
        if depth > JinjaLimits.maxNesting {
            throw TemplateError(.limit, "blocks nested more than \(JinjaLimits.maxNesting) deep", line: line)
        }
        var e = ExprParser(toks, line: line)
        e.pos = 1
        switch word {
        case "if":
            var branches: [(JinjaExpr, [JinjaNode])] = []
            var cond = try e.parseExpression()
            try e.expectEnd()
            var elseBody: [JinjaNode] = []
            while true {
                let (body, end) = try parseBody(until: ["elif", "else", "endif"])
                branches.append((cond, body))
                let (endToks, endLine) = takeEnd()
                switch end {
                case "elif":
                    var c = ExprParser(endToks, line: endLine)
                    c.pos = 1
                    cond = try c.parseExpression()
                    try c.expectEnd()
                case "else":
                    let (b, end2) = try parseBody(until: ["endif"])
                    guard end2 == "endif" else { throw TemplateError(.syntax, "missing endif", line: line) }
                    _ = takeEnd()
                    elseBody = b
                    return .ifNode(branches, elseBody: elseBody)
                case "endif":
                    return .ifNode(branches, elseBody: elseBody)
                default:
                    throw TemplateError(.syntax, "missing endif", line: line)
                }
            }
        case "for":
            var targets: [String] = []
            repeat {
                guard case .name(let n) = e.next() else { throw TemplateError(.syntax, "expected a loop variable", line: line) }
                targets.append(n)
            } while e.accept(.op(","))
            guard e.accept(.name("in")) else { throw TemplateError(.syntax, "expected 'in'", line: line) }
            let iter = try e.parseOr(noConditional: true)
            var filter: JinjaExpr? = nil
            if e.accept(.name("if")) { filter = try e.parseOr(noConditional: true) }
            if e.accept(.name("recursive")) { throw TemplateError(.runtime, "recursive loops are not supported", line: line) }
            try e.expectEnd()
            let (body, end) = try parseBody(until: ["else", "endfor"])
            var elseBody: [JinjaNode] = []
            _ = takeEnd()
            if end == "else" {
                let (b, end2) = try parseBody(until: ["endfor"])
                guard end2 == "endfor" else { throw TemplateError(.syntax, "missing endfor", line: line) }
                _ = takeEnd()
                elseBody = b
            } else if end != "endfor" {
                throw TemplateError(.syntax, "missing endfor", line: line)
            }
            return .forNode(targets: targets, iter: iter, filter: filter, body: body, elseBody: elseBody, line: line)
        case "set":
            var targets: [String] = []
            var attribute: String? = nil
            guard case .name(let first) = e.next() else { throw TemplateError(.syntax, "expected a name after set", line: line) }
            targets.append(first)
            if e.accept(.op(".")) {
                guard case .name(let a) = e.next() else { throw TemplateError(.syntax, "expected an attribute", line: line) }
                attribute = a
            }
            while e.accept(.op(",")) {
                guard case .name(let n) = e.next() else { throw TemplateError(.syntax, "expected a name", line: line) }
                targets.append(n)
            }
            if e.atEnd {
                let (body, end) = try parseBody(until: ["endset"])
                guard end == "endset" else { throw TemplateError(.syntax, "missing endset", line: line) }
                _ = takeEnd()
                return .setBlock(first, body)
            }
            guard e.accept(.op("=")) else { throw TemplateError(.syntax, "expected '=' in set", line: line) }
            var value = try e.parseExpression()
            if e.accept(.op(",")) {
                var items = [value]
                repeat { items.append(try e.parseExpression()) } while e.accept(.op(","))
                value = .list(items)
            }
            try e.expectEnd()
            return .set(targets: targets, attribute: attribute, value, line: line)
        case "macro":
            guard case .name(let name) = e.next() else { throw TemplateError(.syntax, "expected a macro name", line: line) }
            try e.expect(.op("("))
            var params: [(String, JinjaExpr?)] = []
            while !e.accept(.op(")")) {
                guard case .name(let p) = e.next() else { throw TemplateError(.syntax, "expected a parameter name", line: line) }
                var d: JinjaExpr? = nil
                if e.accept(.op("=")) { d = try e.parseExpression() }
                params.append((p, d))
                if !e.accept(.op(",")) { try e.expect(.op(")")); break }
            }
            try e.expectEnd()
            let (body, end) = try parseBody(until: ["endmacro"])
            guard end == "endmacro" else { throw TemplateError(.syntax, "missing endmacro", line: line) }
            _ = takeEnd()
            return .macro(JinjaMacro(name: name, params: params, body: body))
        case "filter":
            guard case .name(let name) = e.next() else { throw TemplateError(.syntax, "expected a filter name", line: line) }
            var args: [JinjaExpr] = []
            if e.accept(.op("(")) {
                while !e.accept(.op(")")) {
                    args.append(try e.parseExpression())
                    if !e.accept(.op(",")) { try e.expect(.op(")")); break }
                }
            }
            try e.expectEnd()
            let (body, end) = try parseBody(until: ["endfilter"])
            guard end == "endfilter" else { throw TemplateError(.syntax, "missing endfilter", line: line) }
            _ = takeEnd()
            return .filterBlock(name: name, args: args, body: body, line: line)
        case "break": try e.expectEnd(); return .breakLoop
        case "continue": try e.expectEnd(); return .continueLoop
        case "generation":
            try e.expectEnd()
            let (body, end) = try parseBody(until: ["endgeneration"])
            guard end == "endgeneration" else { throw TemplateError(.syntax, "missing endgeneration", line: line) }
            _ = takeEnd()
            return .generation(body)
        case "do":
            throw TemplateError(.runtime, "the 'do' statement is not supported (templates run in an immutable sandbox)", line: line)
        case "include", "import", "from", "extends", "block", "call", "raw", "with", "autoescape":
            throw TemplateError(.runtime, "the '\(word)' statement is not supported in chat templates", line: line)
        default:
            throw TemplateError(.syntax, "unknown statement '\(word)'", line: line)
        }
    }
}

/// Expression parser (jinja2 precedence: conditional < or < and < not < compare < +,- < ~ <
/// *,/,//,% < ** < unary < filters/tests/postfix).
struct ExprParser {
    let toks: [JinjaTok]
    var pos = 0
    let line: Int
    /// Depth of the expression tree being built: nested brackets, unary operators and operator or
    /// postfix chains all deepen it. Bounded by ``JinjaLimits/maxNesting`` so that evaluating or
    /// freeing the tree cannot exhaust the stack.
    var depth = 0

    init(_ toks: [JinjaTok], line: Int) {
        self.toks = toks
        self.line = line
    }

    var atEnd: Bool { pos >= toks.count }
    func peek(_ k: Int = 0) -> JinjaTok? { pos + k < toks.count ? toks[pos + k] : nil }
    mutating func next() -> JinjaTok? { defer { pos += 1 }; return peek() }
    mutating func accept(_ t: JinjaTok) -> Bool {
        if peek() == t { pos += 1; return true }
        return false
    }
    mutating func expect(_ t: JinjaTok) throws(TemplateError) {
        guard accept(t) else { throw error("expected \(describe(t)), found \(peek().map(describe) ?? "end of tag")") }
    }
    func expectEnd() throws(TemplateError) {
        if let t = peek() { throw error("unexpected \(describe(t))") }
    }
    func error(_ m: String) -> TemplateError { TemplateError(.syntax, m, line: line) }

    /// One level deeper (callers restore `depth` when they return).
    mutating func deeper() throws(TemplateError) {
        depth += 1
        if depth > JinjaLimits.maxNesting {
            throw TemplateError(.limit, "expression nested more than \(JinjaLimits.maxNesting) deep", line: line)
        }
    }
    func describe(_ t: JinjaTok) -> String {
        switch t {
        case .name(let n): "'\(n)'"
        case .string(let s): "string \(pythonRepr(s))"
        case .int(let i): "\(i)"
        case .float(let f): "\(f)"
        case .op(let o): "'\(o)'"
        }
    }

    mutating func parseExpression() throws(TemplateError) -> JinjaExpr {
        let e = try parseOr(noConditional: false)
        if accept(.name("if")) {
            let cond = try parseOr(noConditional: false)
            var other: JinjaExpr? = nil
            if accept(.name("else")) { other = try parseExpression() }
            return .conditional(cond, then: e, otherwise: other)
        }
        return e
    }

    mutating func parseOr(noConditional: Bool) throws(TemplateError) -> JinjaExpr {
        let base = depth
        defer { depth = base }
        try deeper()
        var l = try parseAnd()
        while accept(.name("or")) { try deeper(); l = .or(l, try parseAnd()) }
        return l
    }

    mutating func parseAnd() throws(TemplateError) -> JinjaExpr {
        let base = depth
        defer { depth = base }
        var l = try parseNot()
        while accept(.name("and")) { try deeper(); l = .and(l, try parseNot()) }
        return l
    }

    mutating func parseNot() throws(TemplateError) -> JinjaExpr {
        if accept(.name("not")) {
            let base = depth
            defer { depth = base }
            try deeper()
            return .not(try parseNot())
        }
        return try parseCompare()
    }

    mutating func parseCompare() throws(TemplateError) -> JinjaExpr {
        let base = depth
        defer { depth = base }
        var l = try parseMath1()
        while true {
            if let t = peek(), case .op(let o) = t, ["==", "!=", "<", "<=", ">", ">="].contains(o) {
                pos += 1
                try deeper()
                l = .binary(o, l, try parseMath1())
            } else if accept(.name("in")) {
                try deeper()
                l = .binary("in", l, try parseMath1())
            } else if peek() == .name("not"), peek(1) == .name("in") {
                pos += 2
                try deeper()
                l = .binary("not in", l, try parseMath1())
            } else {
                return l
            }
        }
    }

    mutating func parseMath1() throws(TemplateError) -> JinjaExpr {
        let base = depth
        defer { depth = base }
        var l = try parseConcat()
        while let t = peek(), case .op(let o) = t, o == "+" || o == "-" {
            pos += 1
            try deeper()
            l = .binary(o, l, try parseConcat())
        }
        return l
    }

    mutating func parseConcat() throws(TemplateError) -> JinjaExpr {
        var items = [try parseMath2()]
        while accept(.op("~")) { items.append(try parseMath2()) }
        return items.count == 1 ? items[0] : .concat(items)
    }

    mutating func parseMath2() throws(TemplateError) -> JinjaExpr {
        let base = depth
        defer { depth = base }
        var l = try parsePow()
        while let t = peek(), case .op(let o) = t, ["*", "/", "//", "%"].contains(o) {
            pos += 1
            try deeper()
            l = .binary(o, l, try parsePow())
        }
        return l
    }

    mutating func parsePow() throws(TemplateError) -> JinjaExpr {
        let base = depth
        defer { depth = base }
        var l = try parseUnary(withFilter: true)
        while accept(.op("**")) { try deeper(); l = .binary("**", l, try parseUnary(withFilter: true)) }
        return l
    }

    mutating func parseUnary(withFilter: Bool) throws(TemplateError) -> JinjaExpr {
        let base = depth
        defer { depth = base }
        var node: JinjaExpr
        if accept(.op("-")) {
            try deeper()
            node = .unary("-", try parseUnary(withFilter: false))
        } else if accept(.op("+")) {
            try deeper()
            node = .unary("+", try parseUnary(withFilter: false))
        } else {
            node = try parsePrimary()
            node = try parsePostfix(node)
        }
        if withFilter { node = try parseFilterExpr(node) }
        return node
    }

    mutating func parsePrimary() throws(TemplateError) -> JinjaExpr {
        guard let t = next() else { throw error("expected an expression") }
        switch t {
        case .name(let n):
            switch n {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            default: return .name(n)
            }
        case .string(var s):
            while case .string(let more)? = peek() { s += more; pos += 1 }  // adjacent literals
            return .literal(.string(s))
        case .int(let i): return .literal(.int(i))
        case .float(let f): return .literal(.float(f))
        case .op("("):
            if accept(.op(")")) { return .tuple([]) }
            let e = try parseExpression()
            if accept(.op(",")) {
                var items = [e]
                while !accept(.op(")")) {
                    items.append(try parseExpression())
                    if !accept(.op(",")) { try expect(.op(")")); break }
                }
                return .tuple(items)
            }
            try expect(.op(")"))
            return e
        case .op("["):
            var items: [JinjaExpr] = []
            while !accept(.op("]")) {
                items.append(try parseExpression())
                if !accept(.op(",")) { try expect(.op("]")); break }
            }
            return .list(items)
        case .op("{"):
            var items: [(JinjaExpr, JinjaExpr)] = []
            while !accept(.op("}")) {
                let k = try parseExpression()
                try expect(.op(":"))
                items.append((k, try parseExpression()))
                if !accept(.op(",")) { try expect(.op("}")); break }
            }
            return .dict(items)
        default:
            throw error("unexpected \(describe(t))")
        }
    }

    /// Each link deepens the tree; the caller restores `depth`.
    mutating func parsePostfix(_ base: JinjaExpr) throws(TemplateError) -> JinjaExpr {
        var node = base
        while true {
            if peek() == .op(".") || peek() == .op("[") || peek() == .op("(") { try deeper() }
            if accept(.op(".")) {
                switch next() {
                case .name(let n)?: node = .attr(node, n)
                case .int(let i)?: node = .item(node, .literal(.int(i)))
                default: throw error("expected an attribute name after '.'")
                }
            } else if accept(.op("[")) {
                var parts: [JinjaExpr?] = [nil]
                var isSlice = false
                while !accept(.op("]")) {
                    if accept(.op(":")) { isSlice = true; parts.append(nil); continue }
                    parts[parts.count - 1] = try parseExpression()
                }
                if isSlice {
                    while parts.count < 3 { parts.append(nil) }
                    node = .slice(node, parts[0], parts[1], parts[2])
                } else {
                    guard let k = parts[0] else { throw error("empty subscript") }
                    node = .item(node, k)
                }
            } else if peek() == .op("(") {
                pos += 1
                let (args, kwargs) = try parseCallArgs()
                node = .call(node, args, kwargs)
            } else {
                return node
            }
        }
    }

    /// Arguments after '(' up to and including ')'.
    mutating func parseCallArgs() throws(TemplateError) -> ([JinjaExpr], [(String, JinjaExpr)]) {
        var args: [JinjaExpr] = [], kwargs: [(String, JinjaExpr)] = []
        while !accept(.op(")")) {
            if case .name(let n)? = peek(), peek(1) == .op("=") {
                pos += 2
                kwargs.append((n, try parseExpression()))
            } else {
                args.append(try parseExpression())
            }
            if !accept(.op(",")) { try expect(.op(")")); break }
        }
        return (args, kwargs)
    }

    mutating func parseFilterExpr(_ base: JinjaExpr) throws(TemplateError) -> JinjaExpr {
        let start = depth
        defer { depth = start }
        var node = base
        while true {
            if peek() == .op("|") || peek() == .name("is") { try deeper() }
            if accept(.op("|")) {
                guard case .name(let name)? = next() else { throw error("expected a filter name") }
                var args: [JinjaExpr] = [], kwargs: [(String, JinjaExpr)] = []
                if accept(.op("(")) { (args, kwargs) = try parseCallArgs() }
                node = .filter(node, name, args, kwargs)
                node = try parsePostfix(node)
            } else if accept(.name("is")) {
                let negate = accept(.name("not"))
                var name: String
                switch next() {
                case .name(let n)?: name = n
                case .op(let o)? where ["==", "!=", "<", "<=", ">", ">="].contains(o): name = o
                default: throw error("expected a test name")
                }
                if name == "none" || name == "None" { name = "none" }
                if name == "true" || name == "True" { name = "true" }
                if name == "false" || name == "False" { name = "false" }
                var args: [JinjaExpr] = []
                if accept(.op("(")) {
                    let (a, _) = try parseCallArgs()
                    args = a
                } else if let t = peek(), startsExpression(t) {
                    args = [try parsePrimary()]
                    args[0] = try parsePostfix(args[0])
                }
                node = .test(node, name, args, negate: negate)
            } else {
                return node
            }
        }
    }

    func startsExpression(_ t: JinjaTok) -> Bool {
        switch t {
        case .string, .int, .float: return true
        case .name(let n): return !["and", "or", "if", "else", "in", "not", "is", "recursive"].contains(n)
        case .op(let o): return o == "[" || o == "{"
        }
    }
}
