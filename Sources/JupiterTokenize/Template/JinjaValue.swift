import JupiterCore

/// A value inside the Jinja interpreter, with Python's semantics for printing and comparing.
enum JinjaValue {
    case undefined(String)
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case list([JinjaValue])
    /// A tuple (`items()` pairs, `(a, b)` literals): a list that prints as Python prints tuples.
    case tuple([JinjaValue])
    case dict(JinjaDict)
    case namespace(JinjaNamespace)
    case macro(JinjaMacro)
    case builtin(String)
    case method(JinjaBox, String)

    /// Converts JSON (messages, tools) into template values; numbers become int or float.
    init(json: JSONValue) {
        switch json {
        case .null: self = .none
        case .bool(let b): self = .bool(b)
        case .number(let n):
            if let i = Int(n) { self = .int(i) } else { self = .float(Double(n) ?? 0) }
        case .string(let s): self = .string(s)
        case .array(let a): self = .list(a.map(JinjaValue.init(json:)))
        case .object(let o):
            var d = JinjaDict()
            for e in o.entries { d[e.key] = JinjaValue(json: e.value) }
            self = .dict(d)
        }
    }

    var isUndefined: Bool { if case .undefined = self { return true } else { return false } }

    /// Python truthiness.
    var truthy: Bool {
        switch self {
        case .undefined, .none: false
        case .bool(let b): b
        case .int(let i): i != 0
        case .float(let f): f != 0
        case .string(let s): !s.isEmpty
        case .list(let l), .tuple(let l): !l.isEmpty
        case .dict(let d): !d.isEmpty
        default: true
        }
    }

    /// Python type name, for error messages.
    var typeName: String {
        switch self {
        case .undefined: "Undefined"
        case .none: "NoneType"
        case .bool: "bool"
        case .int: "int"
        case .float: "float"
        case .string: "str"
        case .list: "list"
        case .tuple: "tuple"
        case .dict: "dict"
        case .namespace: "Namespace"
        case .macro: "Macro"
        case .builtin, .method: "function"
        }
    }

    /// `str(x)` as Python prints it (what `{{ x }}` renders).
    var str: String {
        switch self {
        case .undefined: return ""
        case .string(let s): return s
        default: return repr
        }
    }

    /// `repr(x)` as Python prints it.
    var repr: String { repr(inside: []) }

    /// `repr(x)`; `inside` holds the namespaces being printed, so that one holding itself prints
    /// `<Namespace {...}>` as Python's recursion-safe dict repr does, instead of recursing forever.
    func repr(inside: Set<ObjectIdentifier>) -> String {
        switch self {
        case .undefined: return ""
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .float(let f): return pythonFloat(f)
        case .string(let s): return pythonRepr(s)
        case .list(let l): return "[" + l.map { $0.repr(inside: inside) }.joined(separator: ", ") + "]"
        case .tuple(let l): return "(" + l.map { $0.repr(inside: inside) }.joined(separator: ", ") + (l.count == 1 ? ",)" : ")")
        case .dict(let d):
            return "{" + d.entries.map { "\(pythonRepr($0.key)): \($0.value.repr(inside: inside))" }.joined(separator: ", ") + "}"
        case .namespace(let n):
            // jinja2's Namespace repr is `<Namespace {attrs dict repr}>`.
            let id = ObjectIdentifier(n)
            if inside.contains(id) { return "<Namespace {...}>" }
            let within = inside.union([id])
            return "<Namespace {"
                + n.values.entries.map { "\(pythonRepr($0.key)): \($0.value.repr(inside: within))" }.joined(separator: ", ") + "}>"
        case .macro(let m): return "<Macro '\(m.name)'>"
        case .builtin(let n): return "<built-in function \(n)>"
        case .method(_, let n): return "<method \(n)>"
        }
    }
}

/// A reference box for the receiver of a bound method.
final class JinjaBox {
    let value: JinjaValue
    init(_ value: JinjaValue) { self.value = value }
}

/// An insertion-ordered dictionary with string keys (the only kind chat templates use).
struct JinjaDict {
    private(set) var entries: [(key: String, value: JinjaValue)] = []
    private var index: [String: Int] = [:]

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }
    var keys: [String] { entries.map(\.key) }

    subscript(key: String) -> JinjaValue? {
        get { index[key].map { entries[$0].value } }
        set {
            if let i = index[key] {
                if let newValue {
                    entries[i].value = newValue
                } else {
                    entries.remove(at: i)
                    index = [:]
                    for (k, e) in entries.enumerated() { index[e.key] = k }
                }
            } else if let newValue {
                index[key] = entries.count
                entries.append((key, newValue))
            }
        }
    }
}

/// `namespace(...)`: a mutable attribute bag (the one mutable thing templates have).
final class JinjaNamespace {
    var values = JinjaDict()
}

/// A `{% macro %}` definition.
final class JinjaMacro {
    let name: String
    let params: [(String, JinjaExpr?)]
    let body: [JinjaNode]
    init(name: String, params: [(String, JinjaExpr?)], body: [JinjaNode]) {
        self.name = name
        self.params = params
        self.body = body
    }
}

/// Python's `repr()` of a string.
func pythonRepr(_ s: String) -> String {
    let useDouble = s.contains("'") && !s.contains("\"")
    let q: Character = useDouble ? "\"" : "'"
    var out = String(q)
    for u in s.unicodeScalars {
        switch u {
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if Character(u) == q {
                out += "\\" + String(q)
            } else if u.value < 0x20 || u.value == 0x7F {
                out += "\\x" + hex(u.value, 2)
            } else if !isPrintable(u) {
                if u.value <= 0xFF {
                    out += "\\x" + hex(u.value, 2)
                } else if u.value <= 0xFFFF {
                    out += "\\u" + hex(u.value, 4)
                } else {
                    out += "\\U" + hex(u.value, 8)
                }
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    out.append(q)
    return out
}

private func hex(_ v: UInt32, _ width: Int) -> String {
    let h = String(v, radix: 16)
    return String(repeating: "0", count: max(0, width - h.count)) + h
}

/// Python's `str.isprintable` for one character: not in categories Cc, Cf, Cs, Co, Cn, Zl, Zp, Zs
/// (except the ASCII space).
private func isPrintable(_ u: Unicode.Scalar) -> Bool {
    if u == " " { return true }
    switch u.properties.generalCategory {
    case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
        return false
    default: return true
    }
}

/// Python's `repr(float)`.
func pythonFloat(_ f: Double) -> String {
    if f.isNaN { return "nan" }
    if f.isInfinite { return f < 0 ? "-inf" : "inf" }
    if f == f.rounded(), abs(f) < 1e16 {
        let i = Int64(f)
        return (f < 0 && i == 0 ? "-" : "") + String(i) + ".0"
    }
    var s = String(f)  // shortest round-trip digits
    if let e = s.firstIndex(of: "e") {
        // Python: mantissa without trailing ".0", exponent at least two digits with a sign.
        var mant = String(s[..<e])
        var exp = String(s[s.index(after: e)...])
        if mant.hasSuffix(".0") { mant.removeLast(2) }
        var sign = "+"
        if exp.hasPrefix("-") { sign = "-"; exp.removeFirst() } else if exp.hasPrefix("+") { exp.removeFirst() }
        if exp.count < 2 { exp = "0" + exp }
        s = mant + "e" + sign + exp
    }
    return s
}
