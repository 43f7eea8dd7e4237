import CTextScan
import JupiterCore

/// Rules every text must pass, whatever its kind (group `basic`):
///
/// | rule | drops when | default |
/// |---|---|---|
/// | `basic.empty` | the text is empty or whitespace only | — |
/// | `basic.no_text` | the text has no letter or digit (punctuation or symbols only) | — |
/// | `basic.garbage` | broken characters (U+FFFD, control characters other than tab/newline, private-use or non-characters, UTF-8-read-as-Latin-1 sequences such as `Ã©` `â€™`) exceed `max_garbage_ratio` of the characters | 0.01 |
///
/// The garbage bound is this project's choice (no datatrove equivalent): one broken character in a
/// hundred means the text went through a wrong decoding or a binary file.
public struct BasicTextRules: Sendable, Hashable {
    public var maxGarbageRatio: Double = 0.01

    /// Defaults.
    public init() {}

    /// The first rule `text` breaks, or nil. `place` names the text in messages ("source side").
    public func check(_ text: String, place: String? = nil, prefix: String = "basic") -> DropReason? {
        let at = place.map { " (\($0))" } ?? ""
        let facts = Self.scan(text)
        if !facts.visible {
            return DropReason(rule: "\(prefix).empty", message: "text is empty or whitespace only\(at)")
        }
        if !facts.letterOrDigit {
            return DropReason(rule: "\(prefix).no_text", message: "text has no letters or digits\(at)")
        }
        let (bad, total) = (facts.bad, facts.total)
        let r = Double(bad) / Double(max(total, 1))
        if r > maxGarbageRatio {
            return DropReason(
                rule: "\(prefix).garbage",
                message:
                    "\(bad) broken characters in \(total) (\(TextLines.format(r * 100))% > \(TextLines.format(maxGarbageRatio * 100))%)\(at)",
                value: .double(TextLines.round(r)))
        }
        return nil
    }

    /// What one pass over the text finds: a non-whitespace character, a letter or digit, and
    /// (broken characters, all characters).
    static func scan(_ text: String) -> (visible: Bool, letterOrDigit: Bool, bad: Int, total: Int) {
        var visible = false, letterOrDigit = false
        var bad = 0, total = 0
        var previous: Unicode.Scalar = " "
        var text = text
        let facts = asciiFacts
        text.withUTF8 { u in
            guard let base = u.baseAddress else { return }
            var i = 0
            while i < u.count {
                // Once a visible character and a letter or digit were seen, a run of printable
                // ASCII (tab, line feed and carriage return included) changes only the counts.
                if visible && letterOrDigit {
                    let run = jupiter_printable_ascii_run(base + i, u.count - i)
                    if run > 0 {
                        total += run
                        i += run
                        previous = Unicode.Scalar(u[i - 1])
                        continue
                    }
                }
                let b = u[i]
                total += 1
                if b < 0x80 {
                    let f = facts[Int(b)]
                    if f & 1 != 0 { visible = true }
                    if f & 2 != 0 { letterOrDigit = true }
                    if f & 4 != 0 { bad += 1 }
                    previous = Unicode.Scalar(b)
                    i += 1
                    continue
                }
                let n = b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
                var v = UInt32(b) & (0xFF >> UInt32(n + 1))
                for k in 1..<n { v = v << 6 | UInt32(u[i + k] & 0x3F) }
                i += n
                guard let c = Unicode.Scalar(v) else { continue }
                let p = c.properties
                if !p.isWhitespace { visible = true }
                if !letterOrDigit && (p.numericType != nil || CharacterCategories.isLetter(c)) { letterOrDigit = true }
                bad += badness(previous, c)
                previous = c
            }
        }
        return (visible, letterOrDigit, bad, total)
    }

    /// ASCII facts: bit 0 not whitespace, bit 1 a letter or digit, bit 2 a broken character (a
    /// control other than tab, line feed and carriage return, or DEL).
    static let asciiFacts: [UInt8] = (0..<128).map { (v: UInt32) -> UInt8 in
        var f: UInt8 = 0
        if !(v == 0x20 || (v >= 0x09 && v <= 0x0D)) { f |= 1 }
        if (v | 0x20) &- 0x61 < 26 || v &- 0x30 < 10 { f |= 2 }
        if (v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D) || v == 0x7F { f |= 4 }
        return f
    }

    /// (broken characters, all characters) of `text`.
    static func garbage(_ text: String) -> (Int, Int) {
        let f = scan(text)
        return (f.bad, f.total)
    }

    /// Broken characters a non-ASCII scalar adds.
    @inline(__always) static func badness(_ previous: Unicode.Scalar, _ c: Unicode.Scalar) -> Int {
        let v = c.value
        if v == 0xFFFD { return 1 }
        if v >= 0x7F && v < 0xA0 { return 1 }
        if (0xE000...0xF8FF).contains(v) || (0xFDD0...0xFDEF).contains(v) || v & 0xFFFE == 0xFFFE { return 1 }
        return isMojibakePair(previous, c) ? 2 : 0
    }

    /// `Ã`/`Â`/`â` followed by a character that is the second byte of a UTF-8 sequence read as
    /// Latin-1/Windows-1252 (`Ã©`, `Ã¢`, `â€`, `Â `).
    static func isMojibakePair(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> Bool {
        switch a.value {
        case 0xC3, 0xC2:
            return (0xA0...0xBF).contains(b.value) || (0x80...0x9F).contains(b.value)
                || b.value == 0x201A || b.value == 0x0192 || b.value == 0x2030
        case 0xE2: return b.value == 0x20AC  // "â€"
        default: return false
        }
    }
}
