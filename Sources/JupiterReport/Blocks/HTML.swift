/// HTML text helpers: escaping and number formatting shared by every block.
public enum HTML {
    /// Escapes `&`, `<`, `>`, `"` and `'` (safe in text and in quoted attributes).
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// `x` with exactly `digits` decimals, a real minus sign, never an exponent or "−0.00".
    public static func fixed(_ x: Double, _ digits: Int = 2) -> String {
        guard x.isFinite else { return x.isNaN ? "–" : (x > 0 ? "∞" : "−∞") }
        var scale = 1
        for _ in 0..<max(0, digits) { scale *= 10 }
        let units = (abs(x) * Double(scale)).rounded()
        guard units < 9e15 else { return String(x) }
        let n = Int(units)
        var fraction = String(n % scale)
        while fraction.count < digits { fraction = "0" + fraction }
        return (x < 0 && n != 0 ? "−" : "") + String(n / scale) + (digits > 0 ? "." + fraction : "")
    }

    /// `x` with a sign (`+1.50`, `−0.25`, `0.00`).
    public static func signed(_ x: Double, _ digits: Int = 2) -> String {
        let s = fixed(x, digits)
        return s.hasPrefix("−") || s == fixed(0, digits) ? s : "+" + s
    }

    /// A number for SVG attributes (ASCII minus, 2 decimals).
    static func coordinate(_ x: Double) -> String {
        let s = fixed(x, 2)
        return s.hasPrefix("−") ? "-" + s.dropFirst() : s
    }
}
