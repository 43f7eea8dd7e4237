/// Strings made from UTF-8 bytes, validated once.
///
/// `String(validating:as:)` checks a non-ASCII text one byte at a time: on a 1.1 KB Welsh line it
/// took about 740 ns, of which 660 were the check (the string's allocation and copy took the other
/// 74). ``validate(_:)`` skips ASCII eight bytes at a time and checks each multi-byte sequence
/// whole; ``string(_:)`` then makes the string from the checked bytes without the standard
/// library checking them again (`UTF8Span(unchecked:isKnownASCII:)`), and tells it whether they
/// are all ASCII, so it does not scan them for that either.
///
/// Well-formed means exactly what the standard library and Unicode's Table 3-7 accept: no
/// overlong form, no surrogate (U+D800…U+DFFF), nothing above U+10FFFF, no sequence cut short.
package enum UTF8Text {
    /// Whether `u` is well-formed UTF-8: nil when it is not; otherwise whether it is all ASCII.
    package static func validate(_ u: UnsafeBufferPointer<UInt8>) -> Bool? {
        let (invalid, ascii) = scan(u)
        return invalid == nil ? ascii : nil
    }

    /// The offset of the first byte of the first sequence in `bytes` that is not well-formed
    /// UTF-8 (where the standard library's decoder reports its first error), or nil when all are.
    package static func firstInvalidOffset(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { scan($0).invalidAt }
    }

    /// Where the first sequence that is not well-formed starts (nil when none), and, when there is
    /// none, whether the bytes are all ASCII.
    @inline(__always)
    private static func scan(_ u: UnsafeBufferPointer<UInt8>) -> (invalidAt: Int?, ascii: Bool) {
        guard let p = u.baseAddress else { return (nil, true) }
        let n = u.count
        var ascii = true
        var i = 0
        while i < n {
            if n - i >= 8 {
                // Eight ASCII bytes at a time; else straight to the first byte from 0x80 (the
                // word is little-endian: byte k in bits 8k ..< 8k + 8).
                let high = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) & ASCIIWord.high
                if high == 0 {
                    i += 8
                    continue
                }
                i += high.trailingZeroBitCount >> 3
            } else if p[i] < 0x80 {
                i += 1
                continue
            }
            ascii = false
            guard let length = sequenceLength(p, i, n) else { return (i, false) }
            i += length
        }
        return (nil, ascii)
    }

    /// Whether every byte of `u` is below 0x80 (eight at a time; stops at the first that is not).
    package static func isASCII(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let p = u.baseAddress else { return true }
        var i = 0
        while u.count - i >= 8 {
            if UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) & ASCIIWord.high != 0 { return false }
            i += 8
        }
        while i < u.count {
            if p[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }

    /// The length of the well-formed multi-byte sequence at `i` (whose first byte is from 0x80)
    /// among the `n` bytes at `p`; nil when it is not one.
    @inline(__always)
    package static func sequenceLength(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int? {
        let b = p[i]
        if b < 0xC2 { return nil }  // a continuation byte, or an overlong two-byte lead
        if b < 0xE0 { return i + 1 < n && p[i + 1] & 0xC0 == 0x80 ? 2 : nil }
        if b < 0xF0 {
            guard i + 2 < n else { return nil }
            // E0 needs A0…BF next (no overlong form), ED 80…9F (no surrogate).
            let second = p[i + 1]
            guard second >= (b == 0xE0 ? 0xA0 : 0x80), second <= (b == 0xED ? 0x9F : 0xBF), p[i + 2] & 0xC0 == 0x80
            else { return nil }
            return 3
        }
        // F0 needs 90…BF next (no overlong form), F4 80…8F (nothing above U+10FFFF); F5 and
        // above lead nothing.
        guard b < 0xF5, i + 3 < n else { return nil }
        let second = p[i + 1]
        guard second >= (b == 0xF0 ? 0x90 : 0x80), second <= (b == 0xF4 ? 0x8F : 0xBF), p[i + 2] & 0xC0 == 0x80,
            p[i + 3] & 0xC0 == 0x80
        else { return nil }
        return 4
    }

    /// The string whose UTF-8 is `u`, or nil when `u` is not well-formed: what
    /// `String(validating: u, as: UTF8.self)` gives, checked once.
    package static func string(_ u: UnsafeBufferPointer<UInt8>) -> String? {
        guard let ascii = validate(u) else { return nil }
        return string(checked: u, ascii: ascii)
    }

    /// ``string(_:)`` of bytes in an array slice.
    package static func string(_ bytes: ArraySlice<UInt8>) -> String? {
        bytes.withUnsafeBufferPointer { string($0) }
    }

    /// ``string(_:)`` of bytes in an array.
    package static func string(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { string($0) }
    }

    /// The string whose UTF-8 is `u`, which the caller has found well-formed (``validate(_:)``,
    /// or all ASCII: `ascii` says which). Bytes that are not well-formed make a string that
    /// breaks the standard library's rules: only checked bytes may come here. `ascii` is trusted
    /// too: true only when every byte is below 0x80 (a string marked ASCII that is not counts
    /// its UTF-16 one unit per byte).
    package static func string(checked u: UnsafeBufferPointer<UInt8>, ascii: Bool) -> String {
        if #available(macOS 26, *) {
            return String(copying: UTF8Span(unchecked: u.span, isKnownASCII: ascii))
        }
        // Before macOS 26 there is no unchecked span: the standard library checks again.
        return String(decoding: u, as: UTF8.self)
    }
}
