/// A regular expression engine for the patterns tokenizer.json files carry (Oniguruma syntax and
/// leftmost-first backtracking semantics, as the `tokenizers` library uses).
///
/// Supported: literals, `.`, classes `[...]` (ranges, negation, escapes, `\p{…}`), `\s \S \d \D
/// \w \W \p{X} \P{X} \pL`, escapes `\n \r \t \f \v \0 \xHH \x{H…} \uHHHH`, groups `(…)`, `(?:…)`,
/// `(?i:…)`, lookahead `(?=…)` `(?!…)`, quantifiers `* + ? {n} {n,} {n,m}` and their lazy forms,
/// alternation, anchors `^ $ \A \z`. Anything else is rejected with an error naming it.
struct TokenRegex: Sendable {
    /// The source pattern.
    let pattern: String
    let program: [Inst]
    let classes: [CharSet]

    enum Inst: Sendable {
        case scalar(UInt32)
        case scalarFold(UInt32)
        case set(Int)
        case any
        case split(Int, Int)  // try first, then second
        case jump(Int)
        case look(start: Int, negate: Bool)  // sub-program at start..<its .match
        case lineStart, lineEnd, textStart, textEnd
        case match
    }

    /// A character class: scalar ranges, category masks, whitespace, negation, case folding.
    struct CharSet: Sendable {
        var ranges: [ClosedRange<UInt32>] = []
        var categories: UInt32 = 0
        var notCategories: [UInt32] = []
        var whitespace = false
        var notWhitespace = false
        var subsets: [CharSet] = []
        var negated = false
        var fold = false
        var ascii: (UInt64, UInt64) = (0, 0)

        func containsRaw(_ v: UInt32) -> Bool {
            for r in ranges where r.contains(v) { return true }
            if categories != 0 || !notCategories.isEmpty || whitespace || notWhitespace {
                let info = UnicodeClass.info(v)
                let bit = UInt32(1) << UInt32(info & 0x1F)
                if categories & bit != 0 { return true }
                for m in notCategories where m & bit == 0 { return true }
                let ws = info & UnicodeClass.whitespaceBit != 0
                if whitespace && ws { return true }
                if notWhitespace && !ws { return true }
            }
            for s in subsets where s.contains(v) { return true }
            return false
        }

        func contains(_ v: UInt32) -> Bool {
            var hit = containsRaw(v)
            if !hit && fold {
                let f = UnicodeClass.fold(v)
                hit = (f != v && containsRaw(f))
                if !hit, let s = Unicode.Scalar(v) {
                    for m in [s.properties.uppercaseMapping, s.properties.lowercaseMapping] {
                        let u = m.unicodeScalars
                        if u.count == 1, let x = u.first, x.value != v, containsRaw(x.value) { hit = true; break }
                    }
                }
            }
            return hit != negated
        }

        mutating func finish() {
            var lo: UInt64 = 0, hi: UInt64 = 0
            for c in 0..<128 where contains(UInt32(c)) {
                if c < 64 { lo |= 1 << UInt64(c) } else { hi |= 1 << UInt64(c - 64) }
            }
            ascii = (lo, hi)
        }

        @inline(__always) func matches(_ v: UInt32) -> Bool {
            if v < 64 { return ascii.0 & (1 << UInt64(v)) != 0 }
            if v < 128 { return ascii.1 & (1 << UInt64(v - 64)) != 0 }
            return contains(v)
        }
    }

    /// Compiles a pattern; throws a `RegexSyntaxError` naming the unsupported construct.
    init(_ pattern: String) throws(RegexSyntaxError) {
        self.pattern = pattern
        var parser = RegexParser(Array(pattern.unicodeScalars))
        let ast = try parser.parseAll()
        var compiler = RegexCompiler()
        try compiler.emit(ast)
        compiler.program.append(.match)
        var classes = compiler.classes
        for i in classes.indices { classes[i].finish() }
        self.program = compiler.program
        self.classes = classes
    }

    /// Non-overlapping leftmost-first matches in UTF-8 `bytes[start..<end]`, as byte ranges
    /// (Oniguruma `find_iter`; empty matches are skipped past).
    func forEachMatch(
        _ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ body: (Int, Int) -> Void
    ) {
        var stack: [(Int, Int)] = []
        stack.reserveCapacity(64)
        var pos = start
        while pos <= end {
            var s = pos
            var found: Int? = nil
            while s <= end {
                if let e = run(p, start, end, 0, s, &stack) { found = e; break }
                if s == end { break }
                s += utf8Length(p[s])
            }
            guard let e = found else { return }
            body(s, e)
            if e == s {
                if e >= end { return }
                pos = e + utf8Length(p[e])
            } else {
                pos = e
            }
        }
    }

    /// Runs the program from `pc` at `pos`; returns the end of the first (priority) match.
    func run(
        _ p: UnsafePointer<UInt8>, _ textStart: Int, _ end: Int, _ pc0: Int, _ pos0: Int,
        _ stack: inout [(Int, Int)]
    ) -> Int? {
        let base = stack.count
        defer { stack.removeSubrange(base...) }
        stack.append((pc0, pos0))
        while stack.count > base {
            var (pc, pos) = stack.removeLast()
            thread: while true {
                switch program[pc] {
                case .match:
                    return pos
                case .scalar(let c):
                    guard pos < end else { break thread }
                    let (v, n) = decodeScalar(p, pos, end)
                    guard v == c else { break thread }
                    pos += n; pc += 1
                case .scalarFold(let c):
                    guard pos < end else { break thread }
                    let (v, n) = decodeScalar(p, pos, end)
                    guard v == c || UnicodeClass.fold(v) == c else { break thread }
                    pos += n; pc += 1
                case .set(let i):
                    guard pos < end else { break thread }
                    let (v, n) = decodeScalar(p, pos, end)
                    guard classes[i].matches(v) else { break thread }
                    pos += n; pc += 1
                case .any:
                    guard pos < end, p[pos] != 0x0A else { break thread }
                    pos += utf8Length(p[pos]); pc += 1
                case .split(let a, let b):
                    stack.append((b, pos))
                    pc = a
                case .jump(let a):
                    pc = a
                case .look(let start, let negate):
                    let hit = run(p, textStart, end, start, pos, &stack) != nil
                    guard hit != negate else { break thread }
                    pc += 1  // the jump over the lookahead body
                case .lineStart:
                    guard pos == textStart || p[pos - 1] == 0x0A else { break thread }
                    pc += 1
                case .lineEnd:
                    guard pos == end || p[pos] == 0x0A else { break thread }
                    pc += 1
                case .textStart:
                    guard pos == textStart else { break thread }
                    pc += 1
                case .textEnd:
                    guard pos == end else { break thread }
                    pc += 1
                }
            }
        }
        return nil
    }
}

/// A pattern the regex engine cannot compile, with the construct and its position.
public struct RegexSyntaxError: Error, Sendable, CustomStringConvertible {
    /// What is wrong or unsupported.
    public var message: String
    /// Scalar offset in the pattern.
    public var offset: Int
    /// "message at pattern offset N".
    public var description: String { "\(message) at pattern offset \(offset)" }
}

indirect enum RegexNode {
    case empty
    case scalar(UInt32, fold: Bool)
    case set(TokenRegex.CharSet)
    case any
    case sequence([RegexNode])
    case alternation([RegexNode])
    case repeatNode(RegexNode, min: Int, max: Int?, greedy: Bool)
    case look(RegexNode, negate: Bool)
    case lineStart, lineEnd, textStart, textEnd

    var nullable: Bool {
        switch self {
        case .empty, .look, .lineStart, .lineEnd, .textStart, .textEnd: true
        case .scalar, .set, .any: false
        case .sequence(let a): a.allSatisfy(\.nullable)
        case .alternation(let a): a.contains(where: \.nullable)
        case .repeatNode(let n, let min, _, _): min == 0 || n.nullable
        }
    }
}

struct RegexParser {
    let s: [Unicode.Scalar]
    var i = 0
    var fold = false

    init(_ s: [Unicode.Scalar]) { self.s = s }

    func error(_ m: String) -> RegexSyntaxError { RegexSyntaxError(message: m, offset: i) }

    mutating func parseAll() throws(RegexSyntaxError) -> RegexNode {
        let n = try parseAlternation()
        if i < s.count { throw error("unbalanced ')'") }
        return n
    }

    mutating func parseAlternation() throws(RegexSyntaxError) -> RegexNode {
        var alts = [try parseSequence()]
        while i < s.count, s[i] == "|" {
            i += 1
            alts.append(try parseSequence())
        }
        return alts.count == 1 ? alts[0] : .alternation(alts)
    }

    mutating func parseSequence() throws(RegexSyntaxError) -> RegexNode {
        var items: [RegexNode] = []
        while i < s.count, s[i] != "|", s[i] != ")" {
            var atom = try parseAtom()
            atom = try parseQuantifiers(atom)
            items.append(atom)
        }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    mutating func parseQuantifiers(_ atom0: RegexNode) throws(RegexSyntaxError) -> RegexNode {
        var atom = atom0
        while i < s.count {
            var min = 0, max: Int? = nil
            switch s[i] {
            case "*": min = 0; max = nil; i += 1
            case "+": min = 1; max = nil; i += 1
            case "?": min = 0; max = 1; i += 1
            case "{":
                guard let (a, b, len) = counted(at: i) else { return atom }
                min = a; max = b; i += len
            default: return atom
            }
            var greedy = true
            if i < s.count, s[i] == "?" {
                greedy = false; i += 1
            } else if i < s.count, s[i] == "+" {
                throw error("possessive quantifier is not supported")
            }
            if max == nil, case let node = atom, node.nullable {
                throw error("unbounded repetition of an expression that can match empty is not supported")
            }
            if let m = max, m < min { throw error("repetition {\(min),\(m)} has max < min") }
            atom = .repeatNode(atom, min: min, max: max, greedy: greedy)
        }
        return atom
    }

    /// Parses `{n}`, `{n,}`, `{n,m}` (also `{,m}`) at `j`; nil when it is a literal brace.
    func counted(at j: Int) -> (Int, Int?, Int)? {
        var k = j + 1
        func number() -> Int? {
            var v: Int? = nil
            while k < s.count, s[k].isASCII, s[k].value >= 0x30, s[k].value <= 0x39 {
                let d = Int(s[k].value - 0x30)
                v = (v ?? 0) * 10 + d; k += 1
                if (v ?? 0) > 100_000 { return nil }
            }
            return v
        }
        let a = number()
        if k < s.count, s[k] == "}" { return a.map { ($0, $0, k + 1 - j) } }
        guard k < s.count, s[k] == "," else { return nil }
        k += 1
        let b = number()
        guard k < s.count, s[k] == "}", a != nil || b != nil else { return nil }
        return (a ?? 0, b, k + 1 - j)
    }

    mutating func parseAtom() throws(RegexSyntaxError) -> RegexNode {
        let c = s[i]
        switch c {
        case "(":
            i += 1
            if i < s.count, s[i] == "?" {
                i += 1
                guard i < s.count else { throw error("unterminated group") }
                switch s[i] {
                case ":":
                    i += 1
                    return try group(fold: fold)
                case "=", "!":
                    let negate = s[i] == "!"
                    i += 1
                    let body = try group(fold: fold)
                    return .look(body, negate: negate)
                case "<":
                    if i + 1 < s.count, s[i + 1] == "=" || s[i + 1] == "!" { throw error("lookbehind is not supported") }
                    throw error("named groups are not supported")
                default:
                    // Inline flags: (?i) (?i:...) (?-i:...)
                    var on = true, newFold = fold
                    while i < s.count, s[i] != ":", s[i] != ")" {
                        switch s[i] {
                        case "-": on = false
                        case "i": newFold = on
                        default: throw error("group flag '\(s[i])' is not supported")
                        }
                        i += 1
                    }
                    guard i < s.count else { throw error("unterminated group") }
                    if s[i] == ")" { i += 1; fold = newFold; return .empty }
                    i += 1
                    return try group(fold: newFold)
                }
            }
            return try group(fold: fold)
        case ")": throw error("unbalanced ')'")
        case "*", "+", "?": throw error("quantifier '\(c)' without anything to repeat")
        case "{":
            if counted(at: i) != nil { throw error("quantifier without anything to repeat") }
            i += 1
            return .scalar(c.value, fold: false)
        case ".": i += 1; return .any
        case "^": i += 1; return .lineStart
        case "$": i += 1; return .lineEnd
        case "[": return .set(try parseClass())
        case "\\": return try parseEscape(inClass: false).node(fold: fold)
        default:
            i += 1
            return literal(c.value)
        }
    }

    func literal(_ v: UInt32) -> RegexNode {
        if fold, UnicodeClass.fold(v) != v || hasCaseVariant(v) { return .scalar(UnicodeClass.fold(v), fold: true) }
        return .scalar(v, fold: false)
    }

    func hasCaseVariant(_ v: UInt32) -> Bool {
        guard let sc = Unicode.Scalar(v) else { return false }
        return sc.properties.changesWhenCaseMapped
    }

    mutating func group(fold inner: Bool) throws(RegexSyntaxError) -> RegexNode {
        let saved = fold
        fold = inner
        let n = try parseAlternation()
        fold = saved
        guard i < s.count, s[i] == ")" else { throw error("unterminated group") }
        i += 1
        return n
    }

    enum Escape {
        case scalar(UInt32)
        case set(TokenRegex.CharSet)
        case anchor(RegexNode)

        func node(fold: Bool) -> RegexNode {
            switch self {
            case .scalar(let v):
                if fold, let sc = Unicode.Scalar(v), sc.properties.changesWhenCaseMapped {
                    return .scalar(UnicodeClass.fold(v), fold: true)
                }
                return .scalar(v, fold: false)
            case .set(var cs): cs.fold = fold; return .set(cs)
            case .anchor(let n): return n
            }
        }
    }

    mutating func parseEscape(inClass: Bool) throws(RegexSyntaxError) -> Escape {
        i += 1  // backslash
        guard i < s.count else { throw error("pattern ends with '\\'") }
        let c = s[i]
        i += 1
        var cs = TokenRegex.CharSet()
        switch c {
        case "n": return .scalar(0x0A)
        case "r": return .scalar(0x0D)
        case "t": return .scalar(0x09)
        case "f": return .scalar(0x0C)
        case "v": return .scalar(0x0B)
        case "a": return .scalar(0x07)
        case "e": return .scalar(0x1B)
        case "0": return .scalar(0)
        case "s": cs.whitespace = true; return .set(cs)
        case "S": cs.notWhitespace = true; return .set(cs)
        case "d": cs.categories = 1 << 8; return .set(cs)
        case "D": cs.notCategories = [1 << 8]; return .set(cs)
        case "w", "W":
            var w = TokenRegex.CharSet()
            w.categories = UnicodeClass.letterMask | UnicodeClass.markMask | (1 << 8) | (1 << 11)
            if c == "w" { return .set(w) }
            w.negated = true
            cs.subsets = [w]
            return .set(cs)
        case "h": cs.ranges = [0x30...0x39, 0x41...0x46, 0x61...0x66]; return .set(cs)
        case "p", "P":
            var name = ""
            if i < s.count, s[i] == "{" {
                i += 1
                while i < s.count, s[i] != "}" { name.unicodeScalars.append(s[i]); i += 1 }
                guard i < s.count else { throw error("unterminated \\p{") }
                i += 1
            } else if i < s.count {
                name = String(s[i]); i += 1
            }
            var negate = c == "P"
            if name.hasPrefix("^") { negate.toggle(); name.removeFirst() }
            guard let m = UnicodeClass.masks[name] else { throw error("Unicode property \\p{\(name)} is not supported") }
            if negate { cs.notCategories = [m] } else { cs.categories = m }
            return .set(cs)
        case "x":
            if i < s.count, s[i] == "{" {
                i += 1
                var v: UInt32 = 0
                while i < s.count, s[i] != "}" {
                    guard let d = UInt32(String(s[i]), radix: 16) else { throw error("bad \\x{…} escape") }
                    v = v * 16 + d; i += 1
                }
                i += 1
                return .scalar(v)
            }
            return .scalar(try hex(2))
        case "u": return .scalar(try hex(4))
        case "A" where !inClass: return .anchor(.textStart)
        case "z" where !inClass: return .anchor(.textEnd)
        case "b", "B", "Z", "G", "K", "R", "X", "k", "g":
            throw error("escape \\\(c) is not supported")
        default:
            if c.properties.isAlphabetic || c.properties.numericType != nil {
                throw error("escape \\\(c) is not supported")
            }
            return .scalar(c.value)
        }
    }

    mutating func hex(_ n: Int) throws(RegexSyntaxError) -> UInt32 {
        guard i + n <= s.count else { throw error("truncated hex escape") }
        var str = ""
        for k in 0..<n { str.unicodeScalars.append(s[i + k]) }
        guard let v = UInt32(str, radix: 16) else { throw error("bad hex escape") }
        i += n
        return v
    }

    mutating func parseClass() throws(RegexSyntaxError) -> TokenRegex.CharSet {
        i += 1  // [
        var cs = TokenRegex.CharSet()
        cs.fold = fold
        if i < s.count, s[i] == "^" { cs.negated = true; i += 1 }
        var first = true
        while true {
            guard i < s.count else { throw error("unterminated character class") }
            let c = s[i]
            if c == "]" && !first { i += 1; break }
            first = false
            if c == "[" {
                if i + 1 < s.count, s[i + 1] == ":" { throw error("POSIX bracket classes are not supported") }
                var sub = try parseClass()
                sub.fold = fold
                cs.subsets.append(sub)
                continue
            }
            if c == "&", i + 1 < s.count, s[i + 1] == "&" { throw error("class intersection '&&' is not supported") }
            var lo: UInt32
            if c == "\\" {
                switch try parseEscape(inClass: true) {
                case .scalar(let v): lo = v
                case .set(let sub): cs.subsets.append(sub); continue
                case .anchor: throw error("anchor inside a class")
                }
            } else {
                lo = c.value; i += 1
            }
            if i + 1 < s.count, s[i] == "-", s[i + 1] != "]" {
                i += 1
                var hi: UInt32
                if s[i] == "\\" {
                    guard case .scalar(let v) = try parseEscape(inClass: true) else { throw error("bad class range") }
                    hi = v
                } else {
                    hi = s[i].value; i += 1
                }
                guard lo <= hi else { throw error("class range out of order") }
                cs.ranges.append(lo...hi)
            } else {
                cs.ranges.append(lo...lo)
            }
        }
        // Flatten simple subsets (escapes like \s inside a class) into this set.
        var flat = TokenRegex.CharSet()
        flat.negated = cs.negated
        flat.fold = cs.fold
        flat.ranges = cs.ranges
        for sub in cs.subsets {
            if !sub.negated && sub.ranges.isEmpty && sub.subsets.isEmpty && !sub.fold {
                flat.categories |= sub.categories
                flat.notCategories += sub.notCategories
                flat.whitespace = flat.whitespace || sub.whitespace
                flat.notWhitespace = flat.notWhitespace || sub.notWhitespace
            } else if !sub.negated && !sub.fold && sub.subsets.isEmpty {
                flat.ranges += sub.ranges
                flat.categories |= sub.categories
                flat.notCategories += sub.notCategories
                flat.whitespace = flat.whitespace || sub.whitespace
                flat.notWhitespace = flat.notWhitespace || sub.notWhitespace
            } else {
                var s2 = sub
                s2.fold = false
                flat.subsets.append(s2)
            }
        }
        return flat
    }
}

struct RegexCompiler {
    var program: [TokenRegex.Inst] = []
    var classes: [TokenRegex.CharSet] = []

    mutating func emit(_ n: RegexNode) throws(RegexSyntaxError) {
        switch n {
        case .empty: break
        case .scalar(let v, let fold): program.append(fold ? .scalarFold(v) : .scalar(v))
        case .set(let cs):
            classes.append(cs)
            program.append(.set(classes.count - 1))
        case .any: program.append(.any)
        case .lineStart: program.append(.lineStart)
        case .lineEnd: program.append(.lineEnd)
        case .textStart: program.append(.textStart)
        case .textEnd: program.append(.textEnd)
        case .sequence(let items): for it in items { try emit(it) }
        case .alternation(let alts):
            var jumps: [Int] = []
            for (k, a) in alts.enumerated() {
                if k < alts.count - 1 {
                    let split = program.count
                    program.append(.split(0, 0))
                    try emit(a)
                    jumps.append(program.count)
                    program.append(.jump(0))
                    program[split] = .split(split + 1, program.count)
                } else {
                    try emit(a)
                }
            }
            for j in jumps { program[j] = .jump(program.count) }
        case .repeatNode(let body, let min, let max, let greedy):
            if min > 1000 || (max ?? 0) > 1000 { throw RegexSyntaxError(message: "repetition count over 1000", offset: 0) }
            for _ in 0..<min { try emit(body) }
            if let max {
                var holes: [Int] = []
                for _ in min..<max {
                    let split = program.count
                    program.append(.split(0, 0))
                    holes.append(split)
                    try emit(body)
                }
                for h in holes {
                    program[h] = greedy ? .split(h + 1, program.count) : .split(program.count, h + 1)
                }
            } else {
                let loop = program.count
                program.append(.split(0, 0))
                try emit(body)
                program.append(.jump(loop))
                program[loop] = greedy ? .split(loop + 1, program.count) : .split(program.count, loop + 1)
            }
        case .look(let body, let negate):
            // look(start) ; jump(after) ; body... ; match ; after:
            let lookAt = program.count
            program.append(.look(start: 0, negate: negate))
            let jumpAt = program.count
            program.append(.jump(0))
            let start = program.count
            try emit(body)
            program.append(.match)
            program[lookAt] = .look(start: start, negate: negate)
            program[jumpAt] = .jump(program.count)
        }
    }
}
