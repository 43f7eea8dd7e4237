/// Unicode character data for the regex engine and pre-tokenizers, taken from the Swift standard
/// library's `Unicode.Scalar.Properties` (general category, White_Space, case mappings).
///
/// `tokenizers` 0.23 matches with Oniguruma's Unicode 16.0 tables, while Swift 6.3 knows Unicode
/// 17.0, which added 4,644 letters and 13 numbers. Characters newer than ``unicodeVersion`` are
/// treated as unassigned, so splits match `tokenizers` exactly (UnicodeDataTests checks every
/// code point against classes recorded from `tokenizers`).
///
/// The Basic Multilingual Plane is cached in a 64 KiB table built on first use; other planes ask
/// the standard library directly.
enum UnicodeClass {
    /// Bit index of each general category in a category mask.
    static func index(_ c: Unicode.GeneralCategory) -> UInt8 {
        switch c {
        case .uppercaseLetter: 0
        case .lowercaseLetter: 1
        case .titlecaseLetter: 2
        case .modifierLetter: 3
        case .otherLetter: 4
        case .nonspacingMark: 5
        case .spacingMark: 6
        case .enclosingMark: 7
        case .decimalNumber: 8
        case .letterNumber: 9
        case .otherNumber: 10
        case .connectorPunctuation: 11
        case .dashPunctuation: 12
        case .openPunctuation: 13
        case .closePunctuation: 14
        case .initialPunctuation: 15
        case .finalPunctuation: 16
        case .otherPunctuation: 17
        case .mathSymbol: 18
        case .currencySymbol: 19
        case .modifierSymbol: 20
        case .otherSymbol: 21
        case .spaceSeparator: 22
        case .lineSeparator: 23
        case .paragraphSeparator: 24
        case .control: 25
        case .format: 26
        case .surrogate: 27
        case .privateUse: 28
        case .unassigned: 29
        @unknown default: 29
        }
    }

    /// Masks of the one- and two-letter category names accepted in `\p{…}`.
    static let masks: [String: UInt32] = {
        let names: [(String, [UInt8])] = [
            ("Lu", [0]), ("Ll", [1]), ("Lt", [2]), ("Lm", [3]), ("Lo", [4]), ("L", [0, 1, 2, 3, 4]),
            ("LC", [0, 1, 2]), ("L&", [0, 1, 2]),
            ("Mn", [5]), ("Mc", [6]), ("Me", [7]), ("M", [5, 6, 7]),
            ("Nd", [8]), ("Nl", [9]), ("No", [10]), ("N", [8, 9, 10]),
            ("Pc", [11]), ("Pd", [12]), ("Ps", [13]), ("Pe", [14]), ("Pi", [15]), ("Pf", [16]), ("Po", [17]),
            ("P", [11, 12, 13, 14, 15, 16, 17]),
            ("Sm", [18]), ("Sc", [19]), ("Sk", [20]), ("So", [21]), ("S", [18, 19, 20, 21]),
            ("Zs", [22]), ("Zl", [23]), ("Zp", [24]), ("Z", [22, 23, 24]),
            ("Cc", [25]), ("Cf", [26]), ("Cs", [27]), ("Co", [28]), ("Cn", [29]), ("C", [25, 26, 27, 28, 29])
        ]
        var out: [String: UInt32] = [:]
        for (n, bits) in names { out[n] = bits.reduce(0) { $0 | (1 << UInt32($1)) } }
        let long: [String: String] = [
            "Letter": "L", "Uppercase_Letter": "Lu", "Lowercase_Letter": "Ll", "Titlecase_Letter": "Lt",
            "Modifier_Letter": "Lm", "Other_Letter": "Lo", "Mark": "M", "Number": "N", "Decimal_Number": "Nd",
            "Punctuation": "P", "Symbol": "S", "Separator": "Z", "Other": "C", "Control": "Cc"
        ]
        for (l, s) in long { out[l] = out[s] }
        return out
    }()

    static let letterMask: UInt32 = 0b11111
    static let markMask: UInt32 = 0b111 << 5
    static let numberMask: UInt32 = 0b111 << 8
    static let whitespaceBit: UInt8 = 0x80

    /// The Unicode version whose character assignments the classes follow (Oniguruma's in
    /// `tokenizers` 0.23).
    static let unicodeVersion = (major: 16, minor: 0)

    /// Category index (low 5 bits) and White_Space flag (bit 7) of one scalar, from Swift's data,
    /// with characters newer than ``unicodeVersion`` unassigned.
    static func compute(_ s: Unicode.Scalar) -> UInt8 {
        // General categories that changed after Unicode 16.0 (U+0295 went from Ll to Lo in 17.0).
        if s.value == 0x0295 { return 1 }
        if let age = s.properties.age,
            age.major > unicodeVersion.major || (age.major == unicodeVersion.major && age.minor > unicodeVersion.minor)
        {
            return 29
        }
        var e = index(s.properties.generalCategory)
        if s.properties.isWhitespace { e |= whitespaceBit }
        return e
    }

    /// Category index (low 5 bits) and White_Space flag (bit 7) of every BMP scalar.
    static let bmp: [UInt8] = {
        var t = [UInt8](repeating: 29, count: 0x10000)
        for v in 0..<0x10000 {
            guard let s = Unicode.Scalar(UInt32(v)) else { t[v] = 27; continue }  // surrogates
            t[v] = compute(s)
        }
        return t
    }()

    /// Category index and whitespace flag of one scalar value.
    @inline(__always) static func info(_ v: UInt32) -> UInt8 {
        if v < 0x10000 { return bmp[Int(v)] }
        guard let s = Unicode.Scalar(v) else { return 29 }
        return compute(s)
    }

    /// Category bit (1 << index) of one scalar value.
    @inline(__always) static func categoryBit(_ v: UInt32) -> UInt32 { 1 << UInt32(info(v) & 0x1F) }
    @inline(__always) static func isWhitespace(_ v: UInt32) -> Bool { info(v) & whitespaceBit != 0 }
    @inline(__always) static func isLetter(_ v: UInt32) -> Bool { categoryBit(v) & letterMask != 0 }
    @inline(__always) static func isNumber(_ v: UInt32) -> Bool { categoryBit(v) & numberMask != 0 }

    /// A simple case fold: the single-scalar lowercase of the single-scalar uppercase (so `ſ`
    /// folds to `s` and KELVIN SIGN to `k`, as in CaseFolding.txt for these letters).
    static func fold(_ v: UInt32) -> UInt32 {
        guard let s = Unicode.Scalar(v) else { return v }
        var base = s
        let up = s.properties.uppercaseMapping.unicodeScalars
        if up.count == 1, let u = up.first { base = u }
        let low = base.properties.lowercaseMapping.unicodeScalars
        if low.count == 1, let l = low.first { return l.value }
        let low2 = s.properties.lowercaseMapping.unicodeScalars
        if low2.count == 1, let l = low2.first { return l.value }
        return v
    }
}

/// Decodes one UTF-8 scalar at `i` of valid UTF-8 (the bytes come from Swift strings).
@inline(__always)
func decodeScalar(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> (value: UInt32, length: Int) {
    let b0 = UInt32(p[i])
    if b0 < 0x80 { return (b0, 1) }
    if b0 < 0xE0, i + 1 < end { return (((b0 & 0x1F) << 6) | (UInt32(p[i + 1]) & 0x3F), 2) }
    if b0 < 0xF0, i + 2 < end {
        return (((b0 & 0x0F) << 12) | ((UInt32(p[i + 1]) & 0x3F) << 6) | (UInt32(p[i + 2]) & 0x3F), 3)
    }
    if i + 3 < end {
        return (
            ((b0 & 0x07) << 18) | ((UInt32(p[i + 1]) & 0x3F) << 12) | ((UInt32(p[i + 2]) & 0x3F) << 6)
                | (UInt32(p[i + 3]) & 0x3F), 4
        )
    }
    return (0xFFFD, 1)
}

/// Length of the UTF-8 sequence that starts with lead byte `b`.
@inline(__always) func utf8Length(_ b: UInt8) -> Int {
    b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
}
