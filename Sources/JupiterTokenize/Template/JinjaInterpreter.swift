import Foundation
import JupiterCore

/// Renders parsed template nodes with Python/jinja2 semantics (Hugging Face's sandboxed,
/// immutable environment: no list mutation, `raise_exception`, custom `tojson`).
final class JinjaInterpreter {
    var scopes: [[String: JinjaValue]]
    var out = ""
    /// Scalar offsets of `{% generation %}` blocks in the output.
    var generationSpans: [Range<Int>] = []
    var outScalars = 0
    let now: Date
    /// Statements, expressions and macro calls being evaluated (bounded by ``JinjaLimits``).
    var depth = 0
    /// Scalars produced so far, including text that macros and `{% set %}` blocks captured.
    var produced = 0
    /// Loop iterations so far.
    var iterations = 0
    /// The output and loop bounds (``JinjaLimits``; tests lower them to reach them quickly).
    var maxOutputScalars = JinjaLimits.maxOutputScalars
    var maxLoopIterations = JinjaLimits.maxLoopIterations

    init(globals: [String: JinjaValue], now: Date) {
        scopes = [globals, [:]]
        self.now = now
    }

    enum Flow { case normal, breakLoop, continueLoop }

    // MARK: Output

    func emit(_ s: String) throws(TemplateError) {
        let n = s.unicodeScalars.count
        produced += n
        if produced > maxOutputScalars {
            throw TemplateError(.limit, "the template produced more than \(maxOutputScalars) characters")
        }
        out += s
        outScalars += n
    }

    /// One level deeper into the render; callers step back out with `depth -= 1`.
    func enter(_ line: Int) throws(TemplateError) {
        if depth >= JinjaLimits.maxRenderDepth {
            throw TemplateError(
                .limit, "rendering nested more than \(JinjaLimits.maxRenderDepth) levels deep (a macro that calls itself without end?)",
                line: line == 0 ? nil : line)
        }
        depth += 1
    }

    func render(_ nodes: [JinjaNode]) throws(TemplateError) -> Flow {
        for n in nodes {
            let f = try render(n)
            if f != .normal { return f }
        }
        return .normal
    }

    func render(_ node: JinjaNode) throws(TemplateError) -> Flow {
        try enter(0)
        defer { depth -= 1 }
        switch node {
        case .text(let t): try emit(t)
        case .output(let e, let line):
            let v = try eval(e, line)
            try emit(v.str)
        case .ifNode(let branches, let elseBody):
            for (cond, body) in branches where try eval(cond, 0).truthy {
                return try render(body)
            }
            return try render(elseBody)
        case .forNode(let targets, let iterExpr, let filter, let body, let elseBody, let line):
            var items = try iterate(try eval(iterExpr, line), line)
            if let filter {
                var kept: [JinjaValue] = []
                for it in items {
                    scopes.append([:])
                    bind(targets, it)
                    let ok = try eval(filter, line).truthy
                    scopes.removeLast()
                    if ok { kept.append(it) }
                }
                items = kept
            }
            if items.isEmpty { return try render(elseBody) }
            let n = items.count
            for (i, it) in items.enumerated() {
                iterations += 1
                if iterations > maxLoopIterations {
                    throw TemplateError(.limit, "loops ran more than \(maxLoopIterations) iterations", line: line)
                }
                var loop = JinjaDict()
                loop["index"] = .int(i + 1)
                loop["index0"] = .int(i)
                loop["revindex"] = .int(n - i)
                loop["revindex0"] = .int(n - i - 1)
                loop["first"] = .bool(i == 0)
                loop["last"] = .bool(i == n - 1)
                loop["length"] = .int(n)
                loop["previtem"] = i > 0 ? items[i - 1] : .undefined("previtem")
                loop["nextitem"] = i < n - 1 ? items[i + 1] : .undefined("nextitem")
                loop["depth"] = .int(1)
                loop["depth0"] = .int(0)
                scopes.append(["loop": .dict(loop)])
                bind(targets, it)
                let f = try render(body)
                scopes.removeLast()
                if f == .breakLoop { break }
            }
        case .set(let targets, let attribute, let expr, let line):
            let v = try eval(expr, line)
            if let attribute {
                guard case .namespace(let ns) = lookup(targets[0]) else {
                    throw TemplateError(.runtime, "cannot assign attribute on non-namespace object", line: line)
                }
                ns.values[attribute] = v
            } else if targets.count == 1 {
                scopes[scopes.count - 1][targets[0]] = v
            } else {
                let items = try iterate(v, line)
                guard items.count == targets.count else {
                    throw TemplateError(.runtime, "cannot unpack \(items.count) values into \(targets.count) names", line: line)
                }
                for (t, x) in zip(targets, items) { scopes[scopes.count - 1][t] = x }
            }
        case .setBlock(let name, let body):
            let saved = (out, outScalars)
            out = ""; outScalars = 0
            _ = try render(body)
            let captured = out
            (out, outScalars) = saved
            scopes[scopes.count - 1][name] = .string(captured)
        case .macro(let m):
            scopes[scopes.count - 1][m.name] = .macro(m)
        case .filterBlock(let name, let args, let body, let line):
            let saved = (out, outScalars)
            out = ""; outScalars = 0
            _ = try render(body)
            let captured = out
            (out, outScalars) = saved
            var a: [JinjaValue] = []
            for x in args { a.append(try eval(x, line)) }
            try emit(try applyFilter(name, .string(captured), a, [:], line).str)
        case .breakLoop: return .breakLoop
        case .continueLoop: return .continueLoop
        case .generation(let body):
            let start = outScalars
            let f = try render(body)
            generationSpans.append(start..<outScalars)
            return f
        }
        return .normal
    }

    func bind(_ targets: [String], _ value: JinjaValue) {
        if targets.count == 1 {
            scopes[scopes.count - 1][targets[0]] = value
        } else if case .list(let items) = value {
            for (t, x) in zip(targets, items) { scopes[scopes.count - 1][t] = x }
        } else if case .tuple(let items) = value {
            for (t, x) in zip(targets, items) { scopes[scopes.count - 1][t] = x }
        }
    }

    func lookup(_ name: String) -> JinjaValue {
        for s in scopes.reversed() { if let v = s[name] { return v } }
        return .undefined(name)
    }

    func iterate(_ v: JinjaValue, _ line: Int) throws(TemplateError) -> [JinjaValue] {
        switch v {
        case .list(let l), .tuple(let l): return l
        case .dict(let d): return d.keys.map { .string($0) }
        case .string(let s): return s.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        case .namespace(let n): return n.values.keys.map { .string($0) }
        default: throw TemplateError(.runtime, "'\(v.typeName)' object is not iterable", line: line)
        }
    }

    // MARK: Expressions

    func eval(_ e: JinjaExpr, _ line: Int) throws(TemplateError) -> JinjaValue {
        try enter(line)
        defer { depth -= 1 }
        switch e {
        case .literal(let v): return v
        case .name(let n): return lookup(n)
        case .list(let items):
            var out: [JinjaValue] = []
            for i in items { out.append(try eval(i, line)) }
            return .list(out)
        case .tuple(let items):
            var out: [JinjaValue] = []
            for i in items { out.append(try eval(i, line)) }
            return .tuple(out)
        case .dict(let items):
            var d = JinjaDict()
            for (k, v) in items {
                let key = try eval(k, line)
                guard case .string(let ks) = key else {
                    throw TemplateError(.runtime, "only string keys are supported in dict literals", line: line)
                }
                d[ks] = try eval(v, line)
            }
            return .dict(d)
        case .attr(let base, let name):
            return try getAttr(try eval(base, line), name, line)
        case .item(let base, let key):
            return try getItem(try eval(base, line), try eval(key, line), line)
        case .slice(let base, let a, let b, let c):
            let v = try eval(base, line)
            let start = try a.map { (x) throws(TemplateError) in try eval(x, line) }
            let stop = try b.map { (x) throws(TemplateError) in try eval(x, line) }
            let step = try c.map { (x) throws(TemplateError) in try eval(x, line) }
            return try slice(v, start, stop, step, line)
        case .call(let fn, let args, let kwargs):
            let f = try eval(fn, line)
            var a: [JinjaValue] = []
            for x in args { a.append(try eval(x, line)) }
            var kw: [String: JinjaValue] = [:]
            for (k, x) in kwargs { kw[k] = try eval(x, line) }
            return try call(f, a, kw, line)
        case .filter(let base, let name, let args, let kwargs):
            let v = try eval(base, line)
            var a: [JinjaValue] = []
            for x in args { a.append(try eval(x, line)) }
            var kw: [String: JinjaValue] = [:]
            for (k, x) in kwargs { kw[k] = try eval(x, line) }
            return try applyFilter(name, v, a, kw, line)
        case .test(let base, let name, let args, let negate):
            let v = try eval(base, line)
            var a: [JinjaValue] = []
            for x in args { a.append(try eval(x, line)) }
            return .bool(try applyTest(name, v, a, line) != negate)
        case .unary(let op, let x):
            let v = try eval(x, line)
            switch (op, v) {
            case ("-", .int(let i)): return .int(-i)
            case ("-", .float(let f)): return .float(-f)
            case ("-", .bool(let b)): return .int(b ? -1 : 0)
            case ("+", .int), ("+", .float): return v
            default: throw TemplateError(.runtime, "bad operand type for unary \(op): '\(v.typeName)'", line: line)
            }
        case .not(let x): return .bool(!(try eval(x, line).truthy))
        case .and(let l, let r):
            let lv = try eval(l, line)
            return lv.truthy ? try eval(r, line) : lv
        case .or(let l, let r):
            let lv = try eval(l, line)
            return lv.truthy ? lv : try eval(r, line)
        case .conditional(let cond, let then, let otherwise):
            if try eval(cond, line).truthy { return try eval(then, line) }
            if let otherwise { return try eval(otherwise, line) }
            return .undefined("conditional")
        case .concat(let items):
            var s = ""
            for i in items {
                s += try eval(i, line).str
                try checkLength(s.utf8.count, line)
            }
            return .string(s)
        case .binary(let op, let l, let r):
            return try binary(op, try eval(l, line), try eval(r, line), line)
        }
    }

    func undefinedError(_ v: JinjaValue, _ line: Int) -> TemplateError {
        if case .undefined(let n) = v { return TemplateError(.runtime, "'\(n)' is undefined", line: line) }
        return TemplateError(.runtime, "undefined value", line: line)
    }

    func getAttr(_ v: JinjaValue, _ name: String, _ line: Int) throws(TemplateError) -> JinjaValue {
        switch v {
        case .undefined: throw undefinedError(v, line)
        case .dict(let d):
            if let x = d[name] { return x }
            if ["items", "keys", "values", "get"].contains(name) { return .method(JinjaBox(v), name) }
            return .undefined(name)
        case .namespace(let ns): return ns.values[name] ?? .undefined(name)
        case .string:
            return JinjaInterpreter.stringMethods.contains(name) ? .method(JinjaBox(v), name) : .undefined(name)
        case .list:
            return ["index", "count"].contains(name) ? .method(JinjaBox(v), name) : .undefined(name)
        default: return .undefined(name)
        }
    }

    func getItem(_ v: JinjaValue, _ key: JinjaValue, _ line: Int) throws(TemplateError) -> JinjaValue {
        switch (v, key) {
        case (.undefined, _): throw undefinedError(v, line)
        case (.dict(let d), .string(let k)): return d[k] ?? .undefined(k)
        case (.namespace(let n), .string(let k)): return n.values[k] ?? .undefined(k)
        case (.list(let l), .int(let i)), (.tuple(let l), .int(let i)):
            let j = i < 0 ? l.count + i : i
            return j >= 0 && j < l.count ? l[j] : .undefined("[\(i)]")
        case (.string(let s), .int(let i)):
            let u = Array(s.unicodeScalars)
            let j = i < 0 ? u.count + i : i
            return j >= 0 && j < u.count ? .string(String(u[j])) : .undefined("[\(i)]")
        case (_, .string(let k)): return try getAttr(v, k, line)
        default: return .undefined("item")
        }
    }

    func slice(_ v: JinjaValue, _ a: JinjaValue?, _ b: JinjaValue?, _ c: JinjaValue?, _ line: Int) throws(TemplateError) -> JinjaValue {
        func intOrNil(_ x: JinjaValue?) throws(TemplateError) -> Int? {
            guard let x else { return nil }
            switch x {
            case .none, .undefined: return nil
            case .int(let i): return i
            default: throw TemplateError(.runtime, "slice indices must be integers", line: line)
            }
        }
        let step = try intOrNil(c) ?? 1
        guard step != 0 else { throw TemplateError(.runtime, "slice step cannot be zero", line: line) }
        func indices(_ n: Int) throws(TemplateError) -> [Int] {
            func clamp(_ i: Int?, _ def: Int) -> Int {
                guard var i else { return def }
                if i < 0 { i += n }
                if step > 0 { return min(max(i, 0), n) }
                return min(max(i, -1), n - 1)
            }
            let start = clamp(try intOrNil(a), step > 0 ? 0 : n - 1)
            let stop = clamp(try intOrNil(b), step > 0 ? n : -1)
            var out: [Int] = []
            var i = start
            while step > 0 ? i < stop : i > stop { out.append(i); i += step }
            return out
        }
        switch v {
        case .list(let l): return .list(try indices(l.count).map { l[$0] })
        case .tuple(let l): return .tuple(try indices(l.count).map { l[$0] })
        case .string(let s):
            let u = Array(s.unicodeScalars)
            var r = String.UnicodeScalarView()
            for i in try indices(u.count) { r.append(u[i]) }
            return .string(String(r))
        case .undefined: throw undefinedError(v, line)
        default: throw TemplateError(.runtime, "'\(v.typeName)' object is not subscriptable", line: line)
        }
    }

    func binary(_ op: String, _ l: JinjaValue, _ r: JinjaValue, _ line: Int) throws(TemplateError) -> JinjaValue {
        func typeError() -> TemplateError {
            if l.isUndefined { return undefinedError(l, line) }
            if r.isUndefined { return undefinedError(r, line) }
            return TemplateError(.runtime, "unsupported operand type(s) for \(op): '\(l.typeName)' and '\(r.typeName)'", line: line)
        }
        switch op {
        case "==": return .bool(equal(l, r))
        case "!=": return .bool(!equal(l, r))
        case "<", "<=", ">", ">=":
            guard let c = compare(l, r) else {
                throw TemplateError(.runtime, "'\(op)' not supported between instances of '\(l.typeName)' and '\(r.typeName)'", line: line)
            }
            switch op {
            case "<": return .bool(c < 0)
            case "<=": return .bool(c <= 0)
            case ">": return .bool(c > 0)
            default: return .bool(c >= 0)
            }
        case "in", "not in":
            let found: Bool
            switch r {
            case .string(let s):
                guard case .string(let sub) = l else {
                    throw TemplateError(.runtime, "'in <string>' requires string as left operand, not \(l.typeName)", line: line)
                }
                found = sub.isEmpty || s.unicodeScalars.containsSubsequence(sub.unicodeScalars)
            case .list(let items), .tuple(let items): found = items.contains { equal($0, l) }
            case .dict(let d):
                if case .string(let k) = l { found = d[k] != nil } else { found = false }
            case .namespace(let n):
                if case .string(let k) = l { found = n.values[k] != nil } else { found = false }
            case .undefined: throw undefinedError(r, line)
            default: throw TemplateError(.runtime, "argument of type '\(r.typeName)' is not iterable", line: line)
            }
            return .bool(op == "in" ? found : !found)
        case "+":
            switch (l, r) {
            case (.string(let a), .string(let b)):
                try checkLength(a.utf8.count + b.utf8.count, line)
                return .string(a + b)
            case (.list(let a), .list(let b)):
                try checkRepetition(a.count + b.count, 1, line)
                return .list(a + b)
            default:
                if let x = numeric(l), let y = numeric(r) { return arith(x, y, +, +) }
                throw typeError()
            }
        case "-":
            if let x = numeric(l), let y = numeric(r) { return arith(x, y, -, -) }
            throw typeError()
        case "*":
            switch (l, r) {
            case (.string(let s), .int(let n)), (.int(let n), .string(let s)):
                try checkRepetition(s.unicodeScalars.count, n, line)
                return .string(String(repeating: s, count: max(0, n)))
            case (.list(let a), .int(let n)):
                try checkRepetition(a.count, n, line)
                return .list(Array(repeating: a, count: max(0, n)).flatMap { $0 })
            default:
                if let x = numeric(l), let y = numeric(r) { return arith(x, y, *, *) }
                throw typeError()
            }
        case "/":
            guard let x = numeric(l), let y = numeric(r) else { throw typeError() }
            let d = y.double
            guard d != 0 else { throw TemplateError(.runtime, "division by zero", line: line) }
            return .float(x.double / d)
        case "//", "%":
            guard let x = numeric(l), let y = numeric(r) else {
                throw typeError()
            }
            if case .int(let a) = x, case .int(let b) = y {
                guard b != 0 else { throw TemplateError(.runtime, "integer division or modulo by zero", line: line) }
                var q = a / b
                if (a % b != 0) && ((a < 0) != (b < 0)) { q -= 1 }
                return op == "//" ? .int(q) : .int(a - q * b)
            }
            let a = x.double, b = y.double
            guard b != 0 else { throw TemplateError(.runtime, "float division by zero", line: line) }
            let q = (a / b).rounded(.down)
            return op == "//" ? .float(q) : .float(a - q * b)
        case "**":
            guard let x = numeric(l), let y = numeric(r) else { throw typeError() }
            if case .int(let a) = x, case .int(let b) = y, b >= 0 {
                // Square-and-multiply: a huge exponent of 0, 1 or -1 must not loop b times.
                var result = 1, base = a, e = b
                while e > 0 {
                    if e & 1 == 1 {
                        let (m, o) = result.multipliedReportingOverflow(by: base)
                        if o { return .float(pow(Double(a), Double(b))) }
                        result = m
                    }
                    e >>= 1
                    if e > 0 {
                        let (sq, o) = base.multipliedReportingOverflow(by: base)
                        if o { return .float(pow(Double(a), Double(b))) }
                        base = sq
                    }
                }
                return .int(result)
            }
            return .float(pow(x.double, y.double))
        default:
            throw TemplateError(.runtime, "unknown operator \(op)", line: line)
        }
    }

    /// `x * n` of a string or list, and list concatenation, stay within the output bound (jinja2
    /// would run out of memory).
    func checkRepetition(_ count: Int, _ n: Int, _ line: Int) throws(TemplateError) {
        let (total, o) = count.multipliedReportingOverflow(by: max(0, n))
        if o || total > JinjaLimits.maxOutputScalars {
            throw TemplateError(
                .limit, "repetition or concatenation would make more than \(JinjaLimits.maxOutputScalars) items", line: line)
        }
    }

    /// A string built by `+` or `~` stays within the output bound (a doubling loop would otherwise
    /// exhaust memory without producing output).
    func checkLength(_ utf8Count: Int, _ line: Int) throws(TemplateError) {
        if utf8Count > JinjaLimits.maxOutputScalars {
            throw TemplateError(.limit, "a string grew past \(JinjaLimits.maxOutputScalars) bytes", line: line)
        }
    }

    enum Num {
        case int(Int), float(Double)
        var double: Double {
            switch self {
            case .int(let i): Double(i);
            case .float(let f): f
            }
        }
    }

    func numeric(_ v: JinjaValue) -> Num? {
        switch v {
        case .int(let i): .int(i)
        case .float(let f): .float(f)
        case .bool(let b): .int(b ? 1 : 0)
        default: nil
        }
    }

    func arith(_ x: Num, _ y: Num, _ fi: (Int, Int) -> Int, _ fd: (Double, Double) -> Double) -> JinjaValue {
        if case .int(let a) = x, case .int(let b) = y { return .int(fi(a, b)) }
        return .float(fd(x.double, y.double))
    }

    func equal(_ a: JinjaValue, _ b: JinjaValue) -> Bool {
        switch (a, b) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let x), .string(let y)): return Array(x.unicodeScalars) == Array(y.unicodeScalars)
        case (.list(let x), .list(let y)), (.tuple(let x), .tuple(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.dict(let x), .dict(let y)):
            return x.count == y.count && x.entries.allSatisfy { e in y[e.key].map { equal(e.value, $0) } ?? false }
        case (.namespace(let x), .namespace(let y)): return x === y
        default:
            if let x = numeric(a), let y = numeric(b) { return x.double == y.double }
            return false
        }
    }

    func compare(_ a: JinjaValue, _ b: JinjaValue) -> Int? {
        if let x = numeric(a), let y = numeric(b) {
            return x.double < y.double ? -1 : (x.double > y.double ? 1 : 0)
        }
        switch (a, b) {
        case (.string(let x), .string(let y)):
            let u = Array(x.unicodeScalars).map(\.value), v = Array(y.unicodeScalars).map(\.value)
            return u.lexicographicallyPrecedes(v) ? -1 : (u == v ? 0 : 1)
        case (.list(let x), .list(let y)), (.tuple(let x), .tuple(let y)):
            for (p, q) in zip(x, y) where !equal(p, q) { return compare(p, q) }
            return x.count < y.count ? -1 : (x.count > y.count ? 1 : 0)
        default: return nil
        }
    }

    // MARK: Calls

    func call(_ f: JinjaValue, _ args: [JinjaValue], _ kw: [String: JinjaValue], _ line: Int) throws(TemplateError) -> JinjaValue {
        switch f {
        case .macro(let m):
            try enter(line)
            defer { depth -= 1 }
            var frame: [String: JinjaValue] = [:]
            for (i, (name, def)) in m.params.enumerated() {
                if i < args.count {
                    frame[name] = args[i]
                } else if let v = kw[name] {
                    frame[name] = v
                } else if let def {
                    frame[name] = try eval(def, line)
                } else {
                    frame[name] = .undefined(name)
                }
            }
            frame["varargs"] = .list(Array(args.dropFirst(m.params.count)))
            let saved = (out, outScalars)
            out = ""; outScalars = 0
            // Macros see the template's top-level names, not the caller's loop scopes.
            let savedScopes = scopes
            scopes = [scopes[0], scopes.count > 1 ? scopes[1] : [:], frame]
            defer { scopes = savedScopes }
            _ = try render(m.body)
            let result = out
            (out, outScalars) = saved
            return .string(result)
        case .builtin(let name):
            return try callGlobal(name, args, kw, line)
        case .method(let box, let name):
            return try callMethod(box.value, name, args, kw, line)
        case .undefined: throw undefinedError(f, line)
        default:
            throw TemplateError(.runtime, "'\(f.typeName)' object is not callable", line: line)
        }
    }

    func callGlobal(_ name: String, _ args: [JinjaValue], _ kw: [String: JinjaValue], _ line: Int) throws(TemplateError) -> JinjaValue {
        switch name {
        case "raise_exception":
            throw TemplateError(.raised, args.first?.str ?? "", line: line)
        case "range":
            var ints: [Int] = []
            for a in args {
                guard case .int(let i) = a else { throw TemplateError(.runtime, "range() arguments must be integers", line: line) }
                ints.append(i)
            }
            let (start, stop, step): (Int, Int, Int)
            switch ints.count {
            case 1: (start, stop, step) = (0, ints[0], 1)
            case 2: (start, stop, step) = (ints[0], ints[1], 1)
            case 3: (start, stop, step) = (ints[0], ints[1], ints[2])
            default: throw TemplateError(.runtime, "range expected 1 to 3 arguments", line: line)
            }
            guard step != 0 else { throw TemplateError(.runtime, "range() arg 3 must not be zero", line: line) }
            let n = step > 0 ? max(0, (stop - start + step - 1) / step) : max(0, (start - stop - step - 1) / -step)
            guard n <= 100_000 else {
                throw TemplateError(.runtime, "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).", line: line)
            }
            return .list((0..<n).map { .int(start + $0 * step) })
        case "namespace":
            let ns = JinjaNamespace()
            if case .dict(let d)? = args.first { for e in d.entries { ns.values[e.key] = e.value } }
            for (k, v) in kw.sorted(by: { $0.key < $1.key }) { ns.values[k] = v }
            return .namespace(ns)
        case "dict":
            var d = JinjaDict()
            if case .dict(let base)? = args.first { d = base }
            for (k, v) in kw.sorted(by: { $0.key < $1.key }) { d[k] = v }
            return .dict(d)
        case "strftime_now":
            guard case .string(let fmt)? = args.first else { throw TemplateError(.runtime, "strftime_now expects a format", line: line) }
            return .string(strftime(fmt, now))
        default:
            throw TemplateError(.runtime, "unknown function '\(name)'", line: line)
        }
    }

    func strftime(_ fmt: String, _ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970)
        var tmv = tm()
        localtime_r(&t, &tmv)
        var buf = [Int8](repeating: 0, count: 256)
        let n = Foundation.strftime(&buf, buf.count, fmt, &tmv)
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension String.UnicodeScalarView {
    /// True when `sub` occurs in this view.
    func containsSubsequence(_ sub: String.UnicodeScalarView) -> Bool {
        let a = Array(self), b = Array(sub)
        guard b.count <= a.count else { return false }
        if b.isEmpty { return true }
        for i in 0...(a.count - b.count) where a[i] == b[0] && Array(a[i..<(i + b.count)]) == b { return true }
        return false
    }
}
