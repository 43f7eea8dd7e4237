/// Fast paths over UTF-8 for "simple" text: every scalar below U+0300 (Latin, with Welsh ŵ ŷ â …)
/// or typographic punctuation in U+2010–U+2027 and U+2030–U+205E (dashes, quotes ’ “ ”, …, ‰).
/// Such text is already in NFC, has no combining marks, and its grapheme clusters are its scalars
/// except `\r\n`, so lower-casing, comparing and counting characters need no Unicode machinery.
/// Stages use these for the common case and their general code for anything else, with the same
/// results.
enum SimpleText {
    /// True when every scalar of `u` is simple.
    static func isSimple(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = u.baseAddress else { return true }
        var i = 0
        let n = u.count
        while i < n {
            // Eight ASCII bytes at a time.
            if n - i >= 8 {
                let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if w & 0x8080_8080_8080_8080 == 0 {
                    i += 8
                    continue
                }
            }
            let b = u[i]
            if b < 0x80 {
                i += 1
            } else if b >= 0xC2 && b <= 0xCB {  // U+0080–U+02FF
                i += 2
            } else if b == 0xE2 && i + 2 < n {
                let b1 = u[i + 1], b2 = u[i + 2]
                if b1 == 0x80 && ((b2 >= 0x90 && b2 <= 0xA7) || b2 >= 0xB0) || (b1 == 0x81 && b2 <= 0x9E) {
                    i += 3
                } else {
                    return false
                }
            } else {
                return false
            }
        }
        return true
    }

    /// The scalar at `i` of simple text, and its length in bytes.
    @inline(__always) static func scalar(_ u: UnsafeBufferPointer<UInt8>, _ i: Int) -> (UInt32, Int) {
        let b = u[i]
        if b < 0x80 { return (UInt32(b), 1) }
        if b < 0xE0 { return (UInt32(b & 0x1F) << 6 | UInt32(u[i + 1] & 0x3F), 2) }
        return (UInt32(b & 0x0F) << 12 | UInt32(u[i + 1] & 0x3F) << 6 | UInt32(u[i + 2] & 0x3F), 3)
    }

    /// Unicode `White_Space` among simple scalars: tab to carriage return, space, U+0085, U+00A0.
    @inline(__always) static func isWhitespace(_ c: UInt32) -> Bool {
        c == 0x20 || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0
    }

    /// Unicode `Alphabetic` of a simple scalar.
    @inline(__always) static func isAlphabetic(_ c: UInt32) -> Bool {
        if c < 0x80 { return (c | 0x20) &- 0x61 < 26 }
        return Unicode.Scalar(c)?.properties.isAlphabetic ?? false
    }

    /// The lower-case form of a simple scalar when it is itself a single simple scalar (ASCII
    /// letters and scalars that do not change); nil when the general code must lower-case it.
    @inline(__always) static func lowercase(_ c: UInt32) -> UInt32? {
        if c < 0x80 { return c &- 0x41 < 26 ? c | 0x20 : c }
        guard let s = Unicode.Scalar(c) else { return nil }
        return s.properties.changesWhenLowercased ? nil : c
    }

    /// The bounds of `u` without leading and trailing whitespace (``isWhitespace``).
    static func trimmed(_ u: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        var a = 0, b = u.count
        while a < b {
            let (c, n) = scalar(u, a)
            guard isWhitespace(c) else { break }
            a += n
        }
        while b > a {
            var s = b - 1
            while u[s] & 0xC0 == 0x80 { s -= 1 }
            guard isWhitespace(scalar(u, s).0) else { break }
            b = s
        }
        return a..<b
    }

    /// Swift's `Character` count of simple text: scalars, with `\r\n` counted once.
    static func characterCount(_ u: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Int {
        var count = 0
        var previousCR = false
        for i in r {
            let b = u[i]
            if b & 0xC0 == 0x80 { continue }
            if !(b == 0x0A && previousCR) { count += 1 }
            previousCR = b == 0x0D
        }
        return count
    }

    /// Compares the lower-case forms of two simple texts; nil when a scalar needs the general
    /// code.
    static func lowercasedEqual(
        _ a: UnsafeBufferPointer<UInt8>, _ ra: Range<Int>, _ b: UnsafeBufferPointer<UInt8>,
        _ rb: Range<Int>
    ) -> Bool? {
        var i = ra.lowerBound, j = rb.lowerBound
        var equal = true
        while i < ra.upperBound && j < rb.upperBound {
            let (x, n) = scalar(a, i), (y, m) = scalar(b, j)
            guard let lx = lowercase(x), let ly = lowercase(y) else { return nil }
            if lx != ly { equal = false }
            i += n
            j += m
        }
        // Anything left must still be checked for scalars the general code would handle.
        while i < ra.upperBound {
            let (x, n) = scalar(a, i)
            if lowercase(x) == nil { return nil }
            equal = false
            i += n
        }
        while j < rb.upperBound {
            let (y, m) = scalar(b, j)
            if lowercase(y) == nil { return nil }
            equal = false
            j += m
        }
        return equal
    }

    /// `body` with the UTF-8 of `s` (no copy for native strings).
    @inline(__always) static func withUTF8<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        var s = s
        return s.withUTF8(body)
    }
}
