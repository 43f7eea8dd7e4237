/// Fast paths over UTF-8 for "simple" text: every scalar below U+0300 (Latin, with Welsh ŵ ŷ â …)
/// or typographic punctuation in U+2010–U+2027 and U+2030–U+205E (dashes, quotes ’ “ ”, …, ‰).
/// Such text is already in NFC, has no combining marks, and its grapheme clusters are its scalars
/// except `\r\n`, so lower-casing, comparing and counting characters need no Unicode machinery.
/// Stages use these for the common case and their general code for anything else, with the same
/// results.
enum SimpleText {
    /// The scalar whose UTF-8 starts at `i` (a byte of 0x80 or more) and its length in bytes, when
    /// the bytes there are a well-formed simple scalar; nil otherwise (malformed, cut short, or
    /// not simple). Raw bytes are simple, well-formed UTF-8 when this answers at every non-ASCII
    /// scalar: pair-filter's `SideCounts` and exact-dedup's `normaliseSimple` check them so, in
    /// the pass that reads them.
    @inline(__always) static func simpleScalar(_ u: UnsafeBufferPointer<UInt8>, _ i: Int) -> (UInt32, Int)? {
        let b = u[i]
        let n = u.count
        if b >= 0xC2 && b <= 0xCB {  // U+0080–U+02FF
            guard i + 1 < n, u[i + 1] & 0xC0 == 0x80 else { return nil }
            return (UInt32(b & 0x1F) << 6 | UInt32(u[i + 1] & 0x3F), 2)
        }
        guard b == 0xE2, i + 2 < n else { return nil }
        let b1 = u[i + 1], b2 = u[i + 2]
        guard
            b1 == 0x80 && ((b2 >= 0x90 && b2 <= 0xA7) || (b2 >= 0xB0 && b2 <= 0xBF))
                || (b1 == 0x81 && b2 >= 0x80 && b2 <= 0x9E)
        else { return nil }
        return (0x2000 | UInt32(b1 & 0x3F) << 6 | UInt32(b2 & 0x3F), 3)
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
        if c < 0x300 { return latin[Int(c)] & 1 != 0 }
        if c &- 0x2000 < 0x60 { return punctuation[Int(c &- 0x2000)] & 1 != 0 }
        return Unicode.Scalar(c)?.properties.isAlphabetic ?? false
    }

    /// Properties of U+0000–U+02FF, read once from the standard library's Unicode data: bit 0
    /// `Alphabetic`, bit 1 `Changes_When_Lowercased` (a table lookup instead of a property
    /// search per scalar).
    nonisolated(unsafe) static let latin = propertyTable(0..<0x300)
    /// The same for U+2000–U+205F (the typographic punctuation of simple text).
    nonisolated(unsafe) static let punctuation = propertyTable(0x2000..<0x2060)

    static func propertyTable(_ scalars: Range<UInt32>) -> UnsafePointer<UInt8> {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: scalars.count)
        for (i, c) in scalars.enumerated() {
            guard let s = Unicode.Scalar(c) else {
                table[i] = 0
                continue
            }
            table[i] = (s.properties.isAlphabetic ? 1 : 0) | (s.properties.changesWhenLowercased ? 2 : 0)
        }
        return UnsafePointer(table)
    }

    /// True when the bytes of `a[ra]` and `b[rb]` (ranges of equal length) are equal up to the
    /// case of ASCII letters.
    static func equalFoldingASCII(
        _ a: UnsafeBufferPointer<UInt8>, _ ra: Range<Int>, _ b: UnsafeBufferPointer<UInt8>, _ rb: Range<Int>
    ) -> Bool {
        guard ra.count == rb.count else { return false }
        var j = rb.lowerBound
        for i in ra {
            let x = a[i], y = b[j]
            j += 1
            if x == y { continue }
            guard x | 0x20 == y | 0x20, (x | 0x20) &- 0x61 < 26 else { return false }
        }
        return true
    }

    /// The lower-case form of a simple scalar when it is itself a single simple scalar (ASCII
    /// letters and scalars that do not change); nil when the general code must lower-case it.
    @inline(__always) static func lowercase(_ c: UInt32) -> UInt32? {
        if c < 0x80 { return c &- 0x41 < 26 ? c | 0x20 : c }
        if c < 0x300 { return latin[Int(c)] & 2 != 0 ? nil : c }
        if c &- 0x2000 < 0x60 { return punctuation[Int(c &- 0x2000)] & 2 != 0 ? nil : c }
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

    /// `body` with the UTF-8 of `s` (no copy for native strings).
    @inline(__always) static func withUTF8<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        var s = s
        return s.withUTF8(body)
    }
}
