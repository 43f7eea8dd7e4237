import Foundation

/// Filters, tests and methods (jinja2's built-ins plus Python string/dict methods).
extension JinjaInterpreter {
    static let stringMethods: Set<String> = [
        "strip", "lstrip", "rstrip", "split", "rsplit", "startswith", "endswith", "replace", "upper", "lower",
        "title", "capitalize", "find", "rfind", "index", "count", "join", "splitlines", "isdigit", "isalpha",
        "isalnum", "isspace", "isupper", "islower", "format", "zfill", "ljust", "rjust", "center"
    ]

    func argError(_ what: String, _ line: Int) -> TemplateError { TemplateError(.runtime, what, line: line) }

    func string(_ v: JinjaValue, _ what: String, _ line: Int) throws(TemplateError) -> String {
        guard case .string(let s) = v else {
            if v.isUndefined { throw undefinedError(v, line) }
            throw argError("\(what) expects a string, got '\(v.typeName)'", line)
        }
        return s
    }

    // MARK: Filters

    func applyFilter(_ name: String, _ v: JinjaValue, _ a: [JinjaValue], _ kw: [String: JinjaValue], _ line: Int) throws(TemplateError)
        -> JinjaValue
    {
        func arg(_ i: Int, _ key: String) -> JinjaValue? { i < a.count ? a[i] : kw[key] }
        switch name {
        case "trim":
            let chars = arg(0, "chars").flatMap { if case .string(let s) = $0 { return s } else { return nil } }
            return .string(pyStrip(v.str, chars, left: true, right: true))
        case "tojson":
            var indent: Int? = nil
            if case .int(let i)? = arg(0, "indent") { indent = i }
            let sortKeys = arg(3, "sort_keys")?.truthy ?? false
            var seps: (String, String)? = nil
            if case .list(let s)? = arg(2, "separators"), s.count == 2 { seps = (s[0].str, s[1].str) }
            return .string(try pyJSON(v, indent: indent, separators: seps, sortKeys: sortKeys, level: 0, line))
        case "length", "count":
            switch v {
            case .string(let s): return .int(s.unicodeScalars.count)
            case .list(let l), .tuple(let l): return .int(l.count)
            case .dict(let d): return .int(d.count)
            case .undefined: return .int(0)
            default: throw argError("object of type '\(v.typeName)' has no len()", line)
            }
        case "first":
            let items = try iterate(v, line)
            return items.first ?? .undefined("first")
        case "last":
            let items = try iterate(v, line)
            return items.last ?? .undefined("last")
        case "lower": return .string(v.str.lowercased())
        case "upper": return .string(v.str.uppercased())
        case "capitalize":
            let s = v.str
            guard let f = s.unicodeScalars.first else { return .string(s) }
            return .string(String(f).uppercased() + String(String.UnicodeScalarView(s.unicodeScalars.dropFirst())).lowercased())
        case "title":
            var out = ""
            var prevCased = false
            for u in v.str.unicodeScalars {
                let cased = u.properties.isCased
                out += prevCased ? String(u).lowercased() : String(u).uppercased()
                prevCased = cased || u.properties.isCaseIgnorable && prevCased
            }
            return .string(out)
        case "replace":
            guard let old = arg(0, "old"), let new = arg(1, "new") else { throw argError("replace expects two arguments", line) }
            var count = -1
            if case .int(let c)? = arg(2, "count") { count = c }
            return .string(pyReplace(v.str, old.str, new.str, count))
        case "join":
            let sep = arg(0, "d")?.str ?? ""
            var items = try iterate(v, line)
            if case .string(let attr)? = kw["attribute"] ?? (a.count > 1 ? a[1] : nil) {
                var mapped: [JinjaValue] = []
                for x in items { mapped.append(try getAttr(x, attr, line)) }
                items = mapped
            }
            return .string(items.map(\.str).joined(separator: sep))
        case "default", "d":
            let def = arg(0, "default_value") ?? .string("")
            let boolean = arg(1, "boolean")?.truthy ?? false
            if v.isUndefined || (boolean && !v.truthy) { return def }
            return v
        case "string": return .string(v.str)
        case "safe", "e", "escape", "forceescape":
            if name == "safe" { return v }
            return .string(htmlEscape(v.str))
        case "int":
            switch v {
            case .int: return v
            case .bool(let b): return .int(b ? 1 : 0)
            case .float(let f): return .int(Int(f))
            case .string(let s):
                if let i = Int(s.trimmingWhitespace()) { return .int(i) }
                if let d = Double(s.trimmingWhitespace()) { return .int(Int(d)) }
                return arg(0, "default") ?? .int(0)
            default: return arg(0, "default") ?? .int(0)
            }
        case "float":
            switch v {
            case .int(let i): return .float(Double(i))
            case .float: return v
            case .string(let s): return Double(s.trimmingWhitespace()).map { .float($0) } ?? (arg(0, "default") ?? .float(0))
            default: return arg(0, "default") ?? .float(0)
            }
        case "abs":
            switch v {
            case .int(let i): return .int(abs(i))
            case .float(let f): return .float(abs(f))
            default: throw argError("bad operand type for abs(): '\(v.typeName)'", line)
            }
        case "round":
            guard let n = numeric(v) else { throw argError("round expects a number", line) }
            var precision = 0
            if case .int(let p)? = arg(0, "precision") { precision = p }
            let method = arg(1, "method")?.str ?? "common"
            let m = pow(10.0, Double(precision))
            let x = n.double * m
            let r: Double = method == "ceil" ? x.rounded(.up) : method == "floor" ? x.rounded(.down) : x.rounded(.toNearestOrAwayFromZero)
            return .float(r / m)
        case "list": return .list(try iterate(v, line))
        case "items":
            guard case .dict(let d) = v else {
                if v.isUndefined { return .list([]) }
                throw argError("items expects a mapping", line)
            }
            return .list(d.entries.map { .tuple([.string($0.key), $0.value]) })
        case "dictsort":
            guard case .dict(let d) = v else { throw argError("dictsort expects a mapping", line) }
            let caseSensitive = arg(0, "case_sensitive")?.truthy ?? false
            let byValue = arg(1, "by")?.str == "value"
            let reverse = arg(2, "reverse")?.truthy ?? false
            var pairs = d.entries.map { ($0.key, $0.value) }
            pairs.sort { p, q in
                let x: JinjaValue = byValue ? p.1 : .string(p.0), y: JinjaValue = byValue ? q.1 : .string(q.0)
                let xs = caseSensitive ? x : (x.str.lowercased() == x.str ? x : .string(x.str.lowercased()))
                let ys = caseSensitive ? y : (y.str.lowercased() == y.str ? y : .string(y.str.lowercased()))
                return (compare(xs, ys) ?? 0) < 0
            }
            if reverse { pairs.reverse() }
            return .list(pairs.map { .tuple([.string($0.0), $0.1]) })
        case "reverse":
            if case .string(let s) = v { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
            return .list(try iterate(v, line).reversed())
        case "sort":
            var items = try iterate(v, line)
            let reverse = arg(0, "reverse")?.truthy ?? false
            let attr = kw["attribute"]?.str
            var err: TemplateError? = nil
            items.sort { x, y in
                var xv = x, yv = y
                if let attr {
                    do throws(TemplateError) { xv = try getAttr(x, attr, line); yv = try getAttr(y, attr, line) } catch {
                        err = error; return false
                    }
                }
                guard let c = compare(xv, yv) else {
                    err = argError("cannot sort '\(xv.typeName)' and '\(yv.typeName)'", line); return false
                }
                return reverse ? c > 0 : c < 0
            }
            if let err { throw err }
            return .list(items)
        case "unique":
            var out: [JinjaValue] = []
            for x in try iterate(v, line) where !out.contains(where: { equal($0, x) }) { out.append(x) }
            return .list(out)
        case "sum":
            var acc: JinjaValue = .int(0)
            for x in try iterate(v, line) {
                var item = x
                if case .string(let attr)? = kw["attribute"] { item = try getAttr(x, attr, line) }
                acc = try binary("+", acc, item, line)
            }
            return acc
        case "min", "max":
            let items = try iterate(v, line)
            guard var best = items.first else { return .undefined(name) }
            for x in items.dropFirst() {
                guard let c = compare(x, best) else { throw argError("cannot compare", line) }
                if (name == "min" && c < 0) || (name == "max" && c > 0) { best = x }
            }
            return best
        case "map":
            let items = try iterate(v, line)
            if case .string(let attr)? = kw["attribute"] {
                var out: [JinjaValue] = []
                for x in items {
                    let got = try getAttr(x, attr, line)
                    out.append(got.isUndefined ? (kw["default"] ?? got) : got)
                }
                return .list(out)
            }
            guard case .string(let f)? = a.first else { throw argError("map expects a filter name or attribute=", line) }
            var out: [JinjaValue] = []
            for x in items { out.append(try applyFilter(f, x, Array(a.dropFirst()), [:], line)) }
            return .list(out)
        case "select", "reject", "selectattr", "rejectattr":
            let items = try iterate(v, line)
            let byAttr = name.hasSuffix("attr")
            var rest = a
            var attr: String? = nil
            if byAttr {
                guard case .string(let s)? = rest.first else { throw argError("\(name) expects an attribute name", line) }
                attr = s
                rest.removeFirst()
            }
            var out: [JinjaValue] = []
            for x in items {
                let subject = try attr.map { (n) throws(TemplateError) in try getAttr(x, n, line) } ?? x
                var ok: Bool
                if case .string(let test)? = rest.first {
                    ok = try applyTest(test, subject, Array(rest.dropFirst()), line)
                } else {
                    ok = subject.truthy
                }
                if name.hasPrefix("reject") { ok.toggle() }
                if ok { out.append(x) }
            }
            return .list(out)
        case "indent":
            var width = "    "
            switch arg(0, "width") {
            case .int(let w)?: width = String(repeating: " ", count: w)
            case .string(let s)?: width = s
            default: break
            }
            let first = arg(1, "first")?.truthy ?? false
            let blank = arg(2, "blank")?.truthy ?? false
            var lines = v.str.components(separatedBy: "\n")
            for i in lines.indices where i > 0 || first {
                if blank || !lines[i].isEmpty { lines[i] = width + lines[i] }
            }
            return .string(lines.joined(separator: "\n"))
        case "wordcount":
            return .int(v.str.split(whereSeparator: { $0.isWhitespace }).count)
        case "center":
            var width = 80
            if case .int(let w)? = arg(0, "width") { width = w }
            return .string(pyCenter(v.str, width))
        case "attr":
            guard case .string(let n)? = a.first else { throw argError("attr expects a name", line) }
            return try getAttr(v, n, line)
        case "batch":
            guard case .int(let n)? = a.first, n > 0 else { throw argError("batch expects a positive size", line) }
            let items = try iterate(v, line)
            return .list(stride(from: 0, to: items.count, by: n).map { .list(Array(items[$0..<min(items.count, $0 + n)])) })
        case "format":
            return .string(try percentFormat(v.str, a, line))
        default:
            throw argError("no filter named '\(name)'", line)
        }
    }

    // MARK: Tests

    func applyTest(_ name: String, _ v: JinjaValue, _ a: [JinjaValue], _ line: Int) throws(TemplateError) -> Bool {
        switch name {
        case "defined": return !v.isUndefined
        case "undefined": return v.isUndefined
        case "none": if case .none = v { return true }; return false
        case "boolean": if case .bool = v { return true }; return false
        case "true": if case .bool(true) = v { return true }; return false
        case "false": if case .bool(false) = v { return true }; return false
        case "integer": if case .int = v { return true }; return false
        case "float": if case .float = v { return true }; return false
        case "number": return numeric(v) != nil
        case "string": if case .string = v { return true }; return false
        case "mapping": if case .dict = v { return true }; return false
        case "iterable", "sequence":
            switch v {
            case .string, .list, .tuple, .dict: return true
            default: return false
            }
        case "callable":
            switch v {
            case .macro, .builtin, .method: return true
            default: return false
            }
        case "odd", "even":
            guard case .int(let i) = v else { throw argError("\(name) expects an integer", line) }
            return (i % 2 != 0) == (name == "odd")
        case "divisibleby":
            guard case .int(let i) = v, case .int(let n)? = a.first, n != 0 else { throw argError("divisibleby expects integers", line) }
            return i % n == 0
        case "eq", "equalto", "==": return equal(v, a.first ?? .none)
        case "ne", "!=": return !equal(v, a.first ?? .none)
        case "lt", "lessthan", "<", "gt", "greaterthan", ">", "le", "<=", "ge", ">=":
            guard let other = a.first, let c = compare(v, other) else { throw argError("cannot compare", line) }
            switch name {
            case "lt", "lessthan", "<": return c < 0
            case "gt", "greaterthan", ">": return c > 0
            case "le", "<=": return c <= 0
            default: return c >= 0
            }
        case "in":
            guard let other = a.first else { throw argError("in expects a container", line) }
            return try binary("in", v, other, line).truthy
        case "sameas":
            guard let other = a.first else { return false }
            switch (v, other) {
            case (.none, .none): return true
            case (.bool(let x), .bool(let y)): return x == y
            case (.namespace(let x), .namespace(let y)): return x === y
            default: return false
            }
        case "lower": return v.str == v.str.lowercased()
        case "upper": return v.str == v.str.uppercased()
        case "escaped": return false
        default:
            throw argError("no test named '\(name)'", line)
        }
    }

    // MARK: Methods

    func callMethod(_ recv: JinjaValue, _ name: String, _ a: [JinjaValue], _ kw: [String: JinjaValue], _ line: Int) throws(TemplateError)
        -> JinjaValue
    {
        switch recv {
        case .dict(let d):
            switch name {
            case "items": return .list(d.entries.map { .tuple([.string($0.key), $0.value]) })
            case "keys": return .list(d.keys.map { .string($0) })
            case "values": return .list(d.entries.map(\.value))
            case "get":
                guard case .string(let k)? = a.first else { return a.count > 1 ? a[1] : .none }
                return d[k] ?? (a.count > 1 ? a[1] : .none)
            default: break
            }
        case .list(let l):
            switch name {
            case "index":
                guard let x = a.first, let i = l.firstIndex(where: { equal($0, x) }) else { throw argError("value is not in list", line) }
                return .int(i)
            case "count":
                guard let x = a.first else { return .int(0) }
                return .int(l.filter { equal($0, x) }.count)
            default: break
            }
        case .string(let s):
            return try callStringMethod(s, name, a, kw, line)
        default: break
        }
        throw argError("'\(recv.typeName)' object has no attribute '\(name)'", line)
    }

    func callStringMethod(_ s: String, _ name: String, _ a: [JinjaValue], _ kw: [String: JinjaValue], _ line: Int) throws(TemplateError)
        -> JinjaValue
    {
        func optString(_ i: Int) -> String? {
            guard i < a.count, case .string(let x) = a[i] else { return nil }
            return x
        }
        switch name {
        case "strip": return .string(pyStrip(s, optString(0), left: true, right: true))
        case "lstrip": return .string(pyStrip(s, optString(0), left: true, right: false))
        case "rstrip": return .string(pyStrip(s, optString(0), left: false, right: true))
        case "upper": return .string(s.uppercased())
        case "lower": return .string(s.lowercased())
        case "title": return try applyFilter("title", .string(s), [], [:], line)
        case "capitalize": return try applyFilter("capitalize", .string(s), [], [:], line)
        case "split", "rsplit":
            var maxsplit = -1
            if case .int(let m)? = (a.count > 1 ? a[1] : kw["maxsplit"]) { maxsplit = m }
            let sep = optString(0) ?? kw["sep"].flatMap { if case .string(let x) = $0 { return x } else { return nil } }
            if let sep, sep.isEmpty { throw argError("empty separator", line) }
            return .list(pySplit(s, sep, maxsplit, fromRight: name == "rsplit").map { .string($0) })
        case "splitlines":
            return .list(
                s.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }).map { .string(String($0)) }.dropLast(
                    s.last?.isNewline == true ? 1 : 0))
        case "startswith", "endswith":
            var candidates: [String] = []
            switch a.first {
            case .string(let p)?: candidates = [p]
            case .list(let ps)?, .tuple(let ps)?: candidates = ps.map(\.str)
            default: throw argError("\(name) expects a string or tuple", line)
            }
            let u = Array(s.unicodeScalars)
            return .bool(
                candidates.contains { c in
                    let cu = Array(c.unicodeScalars)
                    return name == "startswith" ? u.starts(with: cu) : u.reversed().starts(with: cu.reversed())
                })
        case "replace":
            guard a.count >= 2 else { throw argError("replace expects two arguments", line) }
            var count = -1
            if a.count > 2, case .int(let c) = a[2] { count = c }
            return .string(pyReplace(s, a[0].str, a[1].str, count))
        case "find", "rfind", "index", "count":
            guard let sub = optString(0) else { throw argError("\(name) expects a string", line) }
            let u = Array(s.unicodeScalars), v = Array(sub.unicodeScalars)
            var hits: [Int] = []
            if v.count <= u.count {
                var i = 0
                while i <= u.count - v.count {
                    if Array(u[i..<(i + v.count)]) == v { hits.append(i); i += max(1, v.count) } else { i += 1 }
                }
            }
            switch name {
            case "count": return .int(hits.count)
            case "find": return .int(hits.first ?? -1)
            case "rfind":
                var last = -1
                if v.count <= u.count { for i in 0...(u.count - v.count) where Array(u[i..<(i + v.count)]) == v { last = i } }
                return .int(last)
            default:
                guard let f = hits.first else { throw argError("substring not found", line) }
                return .int(f)
            }
        case "join":
            guard let x = a.first else { throw argError("join expects an iterable", line) }
            var parts: [String] = []
            for item in try iterate(x, line) { parts.append(try string(item, "join", line)) }
            return .string(parts.joined(separator: s))
        case "isdigit":
            return .bool(
                !s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.numericType == .decimal || $0.properties.numericType == .digit })
        case "isalpha": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic })
        case "isalnum":
            return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil })
        case "isspace": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy(isPythonSpace))
        case "isupper": return .bool(s.contains { $0.isCased } && s == s.uppercased())
        case "islower": return .bool(s.contains { $0.isCased } && s == s.lowercased())
        case "zfill":
            guard case .int(let w)? = a.first else { throw argError("zfill expects a width", line) }
            let n = s.unicodeScalars.count
            if n >= w { return .string(s) }
            var body = s
            var sign = ""
            if let f = s.first, f == "-" || f == "+" { sign = String(f); body.removeFirst() }
            return .string(sign + String(repeating: "0", count: w - n) + body)
        case "ljust", "rjust", "center":
            guard case .int(let w)? = a.first else { throw argError("\(name) expects a width", line) }
            let fill = optString(1) ?? " "
            let n = s.unicodeScalars.count
            if n >= w { return .string(s) }
            let pad = String(repeating: fill, count: w - n)
            if name == "ljust" { return .string(s + pad) }
            if name == "rjust" { return .string(pad + s) }
            return .string(pyCenter(s, w))
        case "format":
            return .string(try braceFormat(s, a, kw, line))
        default:
            throw argError("'str' object has no attribute '\(name)'", line)
        }
    }

    // MARK: Python string helpers

    func pyStrip(_ s: String, _ chars: String?, left: Bool, right: Bool) -> String {
        var u = Array(s.unicodeScalars)
        let set = chars.map { Set($0.unicodeScalars) }
        func strip(_ c: Unicode.Scalar) -> Bool { set.map { $0.contains(c) } ?? isPythonSpace(c) }
        if right { while let l = u.last, strip(l) { u.removeLast() } }
        if left {
            var i = 0
            while i < u.count, strip(u[i]) { i += 1 }
            u.removeFirst(i)
        }
        return String(String.UnicodeScalarView(u))
    }

    func pyReplace(_ s: String, _ old: String, _ new: String, _ count: Int) -> String {
        let u = Array(s.unicodeScalars), o = Array(old.unicodeScalars), n = Array(new.unicodeScalars)
        var out: [Unicode.Scalar] = []
        var done = 0
        if o.isEmpty {
            for (i, c) in u.enumerated() {
                if count < 0 || done < count { out += n; done += 1 }
                out.append(c)
                _ = i
            }
            if count < 0 || done < count { out += n }
            return String(String.UnicodeScalarView(out))
        }
        var i = 0
        while i < u.count {
            if count < 0 || done < count, i + o.count <= u.count, Array(u[i..<(i + o.count)]) == o {
                out += n; i += o.count; done += 1
            } else {
                out.append(u[i]); i += 1
            }
        }
        return String(String.UnicodeScalarView(out))
    }

    func pySplit(_ s: String, _ sep: String?, _ maxsplit: Int, fromRight: Bool) -> [String] {
        let u = Array(s.unicodeScalars)
        var parts: [[Unicode.Scalar]] = []
        if let sep {
            let p = Array(sep.unicodeScalars)
            if fromRight {
                var end = u.count
                var i = u.count - p.count
                while i >= 0 {
                    if maxsplit < 0 || parts.count < maxsplit, Array(u[i..<(i + p.count)]) == p {
                        parts.append(Array(u[(i + p.count)..<end])); end = i; i -= p.count
                    } else {
                        i -= 1
                    }
                }
                parts.append(Array(u[0..<end]))
                parts.reverse()
            } else {
                var start = 0, i = 0
                while i + p.count <= u.count {
                    if maxsplit < 0 || parts.count < maxsplit, Array(u[i..<(i + p.count)]) == p {
                        parts.append(Array(u[start..<i])); i += p.count; start = i
                    } else {
                        i += 1
                    }
                }
                parts.append(Array(u[start...]))
            }
        } else {
            // Runs of whitespace; leading/trailing whitespace ignored.
            var i = 0
            var current: [Unicode.Scalar]? = nil
            while i < u.count {
                if isPythonSpace(u[i]) {
                    if let c = current { parts.append(c); current = nil }
                    if maxsplit >= 0 && parts.count >= maxsplit {
                        var j = i
                        while j < u.count, isPythonSpace(u[j]) { j += 1 }
                        if j < u.count { parts.append(Array(u[j...])) }
                        return parts.map { String(String.UnicodeScalarView($0)) }
                    }
                } else {
                    current = (current ?? []) + [u[i]]
                }
                i += 1
            }
            if let c = current { parts.append(c) }
        }
        return parts.map { String(String.UnicodeScalarView($0)) }
    }

    func pyCenter(_ s: String, _ width: Int) -> String {
        let n = s.unicodeScalars.count
        guard width > n else { return s }
        let total = width - n
        let left = total / 2 + (total & width & 1)
        return String(repeating: " ", count: left) + s + String(repeating: " ", count: total - left)
    }

    func htmlEscape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// `"...".format(...)` with `{}`, `{0}` and `{name}` fields (no format specs).
    func braceFormat(_ s: String, _ a: [JinjaValue], _ kw: [String: JinjaValue], _ line: Int) throws(TemplateError) -> String {
        var out = ""
        var auto = 0
        let u = Array(s.unicodeScalars)
        var i = 0
        while i < u.count {
            if u[i] == "{" {
                if i + 1 < u.count, u[i + 1] == "{" { out += "{"; i += 2; continue }
                guard let close = u[i...].firstIndex(of: "}") else { throw argError("Single '{' encountered in format string", line) }
                let field = String(String.UnicodeScalarView(u[(i + 1)..<close]))
                if field.contains(":") || field.contains("!") { throw argError("format specs are not supported", line) }
                if field.isEmpty {
                    guard auto < a.count else { throw argError("Replacement index \(auto) out of range", line) }
                    out += a[auto].str; auto += 1
                } else if let k = Int(field) {
                    guard k < a.count else { throw argError("Replacement index \(k) out of range", line) }
                    out += a[k].str
                } else {
                    guard let v = kw[field] else { throw argError("KeyError: '\(field)'", line) }
                    out += v.str
                }
                i = close + 1
            } else if u[i] == "}" {
                out += "}"
                i += (i + 1 < u.count && u[i + 1] == "}") ? 2 : 1
            } else {
                out.unicodeScalars.append(u[i]); i += 1
            }
        }
        return out
    }

    /// `"%s" | format(x)`: printf-style with %s and %d.
    func percentFormat(_ s: String, _ a: [JinjaValue], _ line: Int) throws(TemplateError) -> String {
        var out = ""
        var k = 0
        var it = s.unicodeScalars.makeIterator()
        while let c = it.next() {
            guard c == "%" else { out.unicodeScalars.append(c); continue }
            guard let f = it.next() else { break }
            switch f {
            case "%": out += "%"
            case "s", "d", "r":
                guard k < a.count else { throw argError("not enough arguments for format string", line) }
                out += f == "r" ? a[k].repr : a[k].str
                k += 1
            default: throw argError("unsupported format character '\(f)'", line)
            }
        }
        return out
    }

    /// Python `json.dumps(x, ensure_ascii=False, indent=…, separators=…, sort_keys=…)`.
    func pyJSON(_ v: JinjaValue, indent: Int?, separators: (String, String)?, sortKeys: Bool, level: Int, _ line: Int) throws(TemplateError)
        -> String
    {
        let itemSep = separators?.0 ?? (indent == nil ? ", " : ",")
        let keySep = separators?.1 ?? ": "
        func nl(_ l: Int) -> String { indent.map { "\n" + String(repeating: " ", count: $0 * l) } ?? "" }
        switch v {
        case .none: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .float(let f):
            if f.isNaN { return "NaN" }
            if f.isInfinite { return f < 0 ? "-Infinity" : "Infinity" }
            return pythonFloat(f)
        case .string(let s): return jsonString(s)
        case .list(let l), .tuple(let l):
            if l.isEmpty { return "[]" }
            var parts: [String] = []
            for x in l { parts.append(try pyJSON(x, indent: indent, separators: separators, sortKeys: sortKeys, level: level + 1, line)) }
            return "[" + nl(level + 1) + parts.joined(separator: itemSep + nl(level + 1)) + nl(level) + "]"
        case .dict(let d):
            if d.isEmpty { return "{}" }
            var entries = d.entries
            if sortKeys {
                entries.sort {
                    Array($0.key.unicodeScalars).map(\.value).lexicographicallyPrecedes(Array($1.key.unicodeScalars).map(\.value))
                }
            }
            var parts: [String] = []
            for e in entries {
                parts.append(
                    jsonString(e.key) + keySep
                        + (try pyJSON(e.value, indent: indent, separators: separators, sortKeys: sortKeys, level: level + 1, line)))
            }
            return "{" + nl(level + 1) + parts.joined(separator: itemSep + nl(level + 1)) + nl(level) + "}"
        case .undefined: throw TemplateError(.runtime, "Object of type Undefined is not JSON serializable", line: line)
        default: throw TemplateError(.runtime, "Object of type \(v.typeName) is not JSON serializable", line: line)
        }
    }

    func jsonString(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if c.value < 0x20 {
                    let h = String(c.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
    }
}
