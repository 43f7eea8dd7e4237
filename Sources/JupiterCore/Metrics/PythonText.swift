/// Python `str` semantics on Unicode scalars (code points), which is what the reference tools
/// (sacrebleu, lm-eval, NLTK) work on: `str.split()`, `str.isspace()`, `str.isalnum()`,
/// `str.isupper()`/`islower()`, and the `\w`/`\d`/`\s` classes of Python's `re` for `str`
/// patterns. Swift's `Character` (grapheme) view is never used for these, so "ŵ" written as
/// `w` + U+0302 is two code points here, as in Python.
package enum PythonText {
    /// `str.isspace()` for one code point: the whitespace Python's `str.split()` splits on
    /// (U+0009–U+000D, U+001C–U+001F, space, U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028,
    /// U+2029, U+202F, U+205F, U+3000). Not Swift's `isWhitespace`: U+001C–U+001F count here.
    @inline(__always)
    package static func isSpace(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 0x80 { return (v >= 0x09 && v <= 0x0D) || (v >= 0x1C && v <= 0x20) }
        switch v {
        case 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        case 0x2000...0x200A: return true
        default: return false
        }
    }

    /// `str.isalpha()` for one code point: general category Lu, Ll, Lt, Lm or Lo.
    package static func isAlpha(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 { return (c.value | 0x20) >= 0x61 && (c.value | 0x20) <= 0x7A }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `str.isdecimal()` for one code point (what `\d` matches in a Python `str` pattern).
    package static func isDecimal(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 { return c.value >= 0x30 && c.value <= 0x39 }
        return c.properties.numericType == .decimal
    }

    /// `str.isalnum()` for one code point: alphabetic, or any numeric type (decimal, digit, numeric).
    package static func isAlnum(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 {
            return (c.value >= 0x30 && c.value <= 0x39) || ((c.value | 0x20) >= 0x61 && (c.value | 0x20) <= 0x7A)
        }
        return isAlpha(c) || c.properties.numericType != nil
    }

    /// What `\w` matches in a Python `str` pattern: `isalnum()` or `_`. Combining marks (U+0302)
    /// are *not* word characters, unlike in ICU or Swift `Regex`.
    @inline(__always)
    package static func isWord(_ c: Unicode.Scalar) -> Bool { c == "_" || isAlnum(c) }

    /// Python's `str.split()` with no argument: runs of ``isSpace(_:)`` separate, no empty parts.
    package static func split(_ scalars: some Collection<Unicode.Scalar>) -> [[Unicode.Scalar]] {
        var out: [[Unicode.Scalar]] = []
        var cur: [Unicode.Scalar] = []
        for c in scalars {
            if isSpace(c) {
                if !cur.isEmpty { out.append(cur); cur.removeAll(keepingCapacity: true) }
            } else {
                cur.append(c)
            }
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }

    /// Python's `str.split()` on a string.
    package static func split(_ s: String) -> [String] { split(s.unicodeScalars).map(string) }

    /// A string from code points.
    package static func string(_ scalars: some Sequence<Unicode.Scalar>) -> String {
        var v = String.UnicodeScalarView()
        v.append(contentsOf: scalars)
        return String(v)
    }

    /// `str.replace(old, new)` on code points (no canonical equivalence, unlike Foundation's
    /// `replacingOccurrences`, and `\n` inside `\r\n` is found).
    package static func replace(_ s: String, _ old: String, _ new: String) -> String {
        let a = Array(s.unicodeScalars), o = Array(old.unicodeScalars)
        guard !o.isEmpty, a.count >= o.count else { return s }
        var out = String.UnicodeScalarView()
        var i = 0
        while i < a.count {
            if i + o.count <= a.count, a[i] == o[0], a[i..<(i + o.count)].elementsEqual(o) {
                out.append(contentsOf: new.unicodeScalars)
                i += o.count
            } else {
                out.append(a[i])
                i += 1
            }
        }
        return String(out)
    }

    /// `str.split(sep)` with a non-empty separator, on code points.
    package static func split(_ s: String, separator: String) -> [String] {
        let a = Array(s.unicodeScalars), o = Array(separator.unicodeScalars)
        guard !o.isEmpty else { return [s] }
        var out: [String] = []
        var start = 0, i = 0
        while i + o.count <= a.count {
            if a[i] == o[0], a[i..<(i + o.count)].elementsEqual(o) {
                out.append(string(a[start..<i]))
                i += o.count
                start = i
            } else {
                i += 1
            }
        }
        out.append(string(a[start...]))
        return out
    }

    /// `needle in haystack` for strings (code points, no canonical equivalence).
    package static func contains(_ haystack: String, _ needle: String) -> Bool {
        needle.isEmpty || split(haystack, separator: needle).count > 1
    }

    /// `str.strip(chars)`: removes any of `chars` from both ends (`leading`/`trailing` choose the ends).
    package static func strip(_ s: String, chars: String, leading: Bool = true, trailing: Bool = true) -> String {
        let set = Set(chars.unicodeScalars)
        let a = Array(s.unicodeScalars)
        var lo = 0, hi = a.count
        if leading { while lo < hi, set.contains(a[lo]) { lo += 1 } }
        if trailing { while hi > lo, set.contains(a[hi - 1]) { hi -= 1 } }
        return string(a[lo..<hi])
    }

    /// `str.strip()` (Python whitespace at both ends).
    package static func strip(_ s: String) -> String {
        let a = Array(s.unicodeScalars)
        var lo = 0, hi = a.count
        while lo < hi, isSpace(a[lo]) { lo += 1 }
        while hi > lo, isSpace(a[hi - 1]) { hi -= 1 }
        return string(a[lo..<hi])
    }

    /// `str.rstrip()`.
    package static func rstrip(_ s: String) -> String {
        let a = Array(s.unicodeScalars)
        var hi = a.count
        while hi > 0, isSpace(a[hi - 1]) { hi -= 1 }
        return string(a[..<hi])
    }

    /// `str.lower()` for one code point (its full lowercase mapping).
    package static func lower(_ c: Unicode.Scalar) -> String {
        if c.value < 0x80 {
            return (c.value >= 0x41 && c.value <= 0x5A) ? String(Unicode.Scalar(c.value + 32)!) : String(c)
        }
        return c.properties.lowercaseMapping
    }

    /// `str.lower()` (full case mapping per code point, with Greek final sigma as Python does).
    package static func lower(_ s: String) -> String {
        let a = Array(s.unicodeScalars)
        var out = String.UnicodeScalarView()
        for (i, c) in a.enumerated() {
            if c == "\u{03A3}" && finalSigma(a, i) { out.append("\u{03C2}"); continue }
            out.append(contentsOf: lower(c).unicodeScalars)
        }
        return String(out)
    }

    /// `str.upper()` (full case mapping per code point).
    package static func upper(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for c in s.unicodeScalars {
            if c.value < 0x80 {
                out.append((c.value >= 0x61 && c.value <= 0x7A) ? Unicode.Scalar(c.value - 32)! : c)
            } else {
                out.append(contentsOf: c.properties.uppercaseMapping.unicodeScalars)
            }
        }
        return String(out)
    }

    /// Python's final-sigma rule: preceded by a cased letter (skipping case-ignorable ones) and
    /// not followed by one.
    private static func finalSigma(_ a: [Unicode.Scalar], _ i: Int) -> Bool {
        func cased(_ c: Unicode.Scalar) -> Bool { c.properties.isCased }
        func ignorable(_ c: Unicode.Scalar) -> Bool { c.properties.isCaseIgnorable }
        var j = i - 1
        while j >= 0, ignorable(a[j]) { j -= 1 }
        guard j >= 0, cased(a[j]) else { return false }
        j = i + 1
        while j < a.count, ignorable(a[j]) { j += 1 }
        return j == a.count || !cased(a[j])
    }

    /// `str.isupper()`: at least one cased code point, and no lowercase or titlecase one.
    package static func isUpper(_ s: String) -> Bool {
        var cased = false
        for c in s.unicodeScalars {
            let p = c.properties
            if p.isLowercase || p.generalCategory == .titlecaseLetter { return false }
            if p.isUppercase { cased = true }
        }
        return cased
    }

    /// `str.islower()`: at least one cased code point, and no uppercase or titlecase one.
    package static func isLower(_ s: String) -> Bool {
        var cased = false
        for c in s.unicodeScalars {
            let p = c.properties
            if p.isUppercase || p.generalCategory == .titlecaseLetter { return false }
            if p.isLowercase { cased = true }
        }
        return cased
    }
}
