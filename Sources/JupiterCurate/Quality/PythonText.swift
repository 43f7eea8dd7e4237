import CTextScan

/// Python `str` semantics on Unicode scalars (code points, as `UInt32`), so the quality rules count
/// what datatrove counts: `len` is the number of scalars, and whitespace, line breaks, letters and
/// digits follow CPython's definitions.
///
/// Character properties come from Swift's Unicode tables where CPython uses its own (Unicode 14.0
/// in Python 3.11); they differ only for characters assigned since.
enum PythonText {
    /// `str.isspace()` for one character: bidirectional class WS, B or S, or category Zs
    /// (tab, line feed, vertical tab, form feed, carriage return, the information separators
    /// U+001C–U+001F, space, U+0085, no-break space and the Unicode spaces).
    @inline(__always) static func isSpace(_ c: UInt32) -> Bool {
        if c < 0x80 { return c == 0x20 || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F) }
        return isSpaceNonASCII(c)
    }

    static func isSpaceNonASCII(_ c: UInt32) -> Bool {
        switch c {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    /// A line boundary of `str.splitlines()`: `\n`, `\r`, `\v`, `\f`, U+001C–U+001E, U+0085,
    /// U+2028, U+2029 (`\r\n` counts once).
    @inline(__always) static func isLineBreak(_ c: UInt32) -> Bool {
        if c < 0x80 { return (c >= 0x0A && c <= 0x0D) || (c >= 0x1C && c <= 0x1E) }
        return c == 0x85 || c == 0x2028 || c == 0x2029
    }

    /// `str.isalpha()` for one character: general categories Lu, Ll, Lt, Lm, Lo.
    @inline(__always) static func isAlpha(_ c: UInt32) -> Bool {
        if c < 0x80 { return (c | 0x20) &- 0x61 < 26 }
        guard let s = Unicode.Scalar(c) else { return false }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `\d` of Python's `re` on `str`: general category Nd.
    @inline(__always) static func isDecimal(_ c: UInt32) -> Bool {
        if c < 0x80 { return c &- 0x30 < 10 }
        return Unicode.Scalar(c)?.properties.generalCategory == .decimalNumber
    }

    /// ASCII `[0-9]`.
    @inline(__always) static func isASCIIDigit(_ c: UInt32) -> Bool { c &- 0x30 < 10 }

    /// Decodes `text` into scalars.
    static func scalars(_ text: String) -> [UInt32] {
        var text = text
        return text.withUTF8 { u in
            [UInt32](unsafeUninitializedCapacity: max(u.count, 1)) { buf, count in count = decode(u, into: buf) }
        }
    }

    /// Writes the scalars of valid UTF-8 `u` to `out` (room for `u.count`); returns how many.
    static func decode(_ u: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt32>) -> Int {
        var i = 0, o = 0
        let n = u.count
        while i < n {
            let b = u[i]
            if b < 0x80 {
                out[o] = UInt32(b)
                i += 1
            } else if b < 0xE0 {
                out[o] = UInt32(b & 0x1F) << 6 | UInt32(u[i + 1] & 0x3F)
                i += 2
            } else if b < 0xF0 {
                out[o] = UInt32(b & 0x0F) << 12 | UInt32(u[i + 1] & 0x3F) << 6 | UInt32(u[i + 2] & 0x3F)
                i += 3
            } else {
                out[o] =
                    UInt32(b & 0x07) << 18 | UInt32(u[i + 1] & 0x3F) << 12 | UInt32(u[i + 2] & 0x3F) << 6
                    | UInt32(u[i + 3] & 0x3F)
                i += 4
            }
            o += 1
        }
        return o
    }

    /// The string of scalars `s[lo..<hi]`.
    static func string(_ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int) -> String {
        var v = String.UnicodeScalarView()
        for i in lo..<hi { if let c = Unicode.Scalar(s[i]) { v.append(c) } }
        return String(v)
    }

    /// `str.strip()` bounds of `s[lo..<hi]`.
    @inline(__always) static func strip(_ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int) -> (Int, Int) {
        var a = lo, b = hi
        while a < b && isSpace(s[a]) { a += 1 }
        while b > a && isSpace(s[b - 1]) { b -= 1 }
        return (a, b)
    }

    /// `str.splitlines()`: the (start, end) of each line of `s[lo..<hi]`, line breaks excluded; a
    /// final line break does not start an empty line.
    static func splitLines(_ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int, into out: inout [(Int, Int)]) {
        out.removeAll(keepingCapacity: true)
        guard let base = s.baseAddress else { return }
        var start = lo
        var i = lo
        while i < hi {
            i += jupiter_u32_find_line_break(base + i, hi - i)
            guard i < hi else { break }
            let c = s[i]
            out.append((start, i))
            i += (c == 0x0D && i + 1 < hi && s[i + 1] == 0x0A) ? 2 : 1
            start = i
        }
        if start < hi { out.append((start, hi)) }
    }

    /// Python's lower-case mapping of one scalar (full mapping: `İ` gives two scalars).
    static func appendLowercase(_ c: UInt32, to out: inout [UInt32]) {
        if c < 0x80 {
            out.append(c &- 0x41 < 26 ? c | 0x20 : c)
            return
        }
        guard let s = Unicode.Scalar(c), s.properties.changesWhenLowercased else {
            out.append(c)
            return
        }
        for l in s.properties.lowercaseMapping.unicodeScalars { out.append(l.value) }
    }

    /// True when `needle` (ASCII, lower case) occurs in `s[lo..<hi].lower()`.
    static func lowercasedContains(
        _ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int, _ needle: [UInt32],
        scratch: inout [UInt32]
    ) -> Bool {
        var ascii = true
        for i in lo..<hi where s[i] >= 0x80 { ascii = false; break }
        if ascii {
            return contains(s, lo, hi, needle) { $0 &- 0x41 < 26 ? $0 | 0x20 : $0 }
        }
        scratch.removeAll(keepingCapacity: true)
        for i in lo..<hi { appendLowercase(s[i], to: &scratch) }
        return scratch.withUnsafeBufferPointer { contains($0, 0, $0.count, needle) { $0 } }
    }

    @inline(__always) static func contains(
        _ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int, _ needle: [UInt32],
        _ fold: (UInt32) -> UInt32
    ) -> Bool {
        let n = needle.count
        guard n > 0, hi - lo >= n else { return n == 0 }
        let first = needle[0]
        var i = lo
        while i <= hi - n {
            if fold(s[i]) == first {
                var j = 1
                while j < n && fold(s[i + j]) == needle[j] { j += 1 }
                if j == n { return true }
            }
            i += 1
        }
        return false
    }

    /// A 64-bit hash of `s[lo..<hi]` (two scalars per multiply; for hash tables that confirm
    /// matches by comparing).
    @inline(__always) static func hash(_ s: UnsafeBufferPointer<UInt32>, _ lo: Int, _ hi: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(hi - lo)
        var i = lo
        while i + 1 < hi {
            h = (h ^ (UInt64(s[i]) | UInt64(s[i + 1]) << 32)) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
            i += 2
        }
        if i < hi { h = (h ^ UInt64(s[i])) &* 0x9E37_79B9_7F4A_7C15 }
        return h ^ (h >> 32)
    }

    /// Scalar-wise equality of `s[a..<a+n]` and `t[b..<b+n]`.
    @inline(__always) static func equal(
        _ s: UnsafeBufferPointer<UInt32>, _ a: Int, _ t: UnsafeBufferPointer<UInt32>, _ b: Int, _ n: Int
    ) -> Bool {
        var k = 0
        while k < n {
            if s[a + k] != t[b + k] { return false }
            k += 1
        }
        return true
    }

    /// Scalar-wise equality of two ranges.
    @inline(__always) static func equal(_ s: UnsafeBufferPointer<UInt32>, _ a: Int, _ b: Int, _ n: Int) -> Bool {
        equal(s, a, s, b, n)
    }
}
