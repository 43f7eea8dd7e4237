import Foundation

/// A text normalizer from tokenizer.json (`"normalizer"`).
indirect enum Normalizer: Sendable {
    case nfc, nfd, nfkc, nfkd
    case lowercase
    case stripAccents
    case strip(left: Bool, right: Bool)
    case prepend(String)
    case replace(Pattern, String)
    case sequence([Normalizer])

    /// A `Replace` or `Split` pattern: a literal string or a regex.
    enum Pattern: Sendable {
        case literal([UInt8])
        case regex(TokenRegex)

        /// Calls `body` with the byte range of every non-overlapping match, left to right.
        func forEachMatch(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ body: (Int, Int) -> Void) {
            switch self {
            case .regex(let r):
                r.forEachMatch(p, start, end, body)
            case .literal(let lit):
                let n = lit.count
                guard n > 0 else { return }
                lit.withUnsafeBufferPointer { lb in
                    guard let l = lb.baseAddress else { return }
                    var i = start
                    while i + n <= end {
                        if p[i] == l[0], memcmpBytes(p + i, l, n) {
                            body(i, i + n)
                            i += n
                        } else {
                            i += 1
                        }
                    }
                }
            }
        }
    }

    /// Normalizes UTF-8 bytes.
    func apply(_ text: [UInt8]) -> [UInt8] {
        switch self {
        case .nfc: return unicodeForm(text, stableBelow: 0x300) { $0.precomposedStringWithCanonicalMapping }
        case .nfd: return unicodeForm(text, stableBelow: 0xC0) { $0.decomposedStringWithCanonicalMapping }
        case .nfkc: return unicodeForm(text, stableBelow: 0xA0) { $0.precomposedStringWithCompatibilityMapping }
        case .nfkd: return unicodeForm(text, stableBelow: 0xA0) { $0.decomposedStringWithCompatibilityMapping }
        case .lowercase:
            if text.allSatisfy({ $0 < 0x80 }) {
                return text.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
            }
            var out: [UInt8] = []
            out.reserveCapacity(text.count)
            for s in String(decoding: text, as: UTF8.self).unicodeScalars {
                if s.isASCII {
                    let b = UInt8(s.value)
                    out.append(b >= 0x41 && b <= 0x5A ? b + 0x20 : b)
                } else {
                    out.append(contentsOf: s.properties.lowercaseMapping.utf8)
                }
            }
            return out
        case .stripAccents:
            var out: [UInt8] = []
            for s in String(decoding: text, as: UTF8.self).unicodeScalars
            where s.properties.generalCategory != .nonspacingMark {
                out.append(contentsOf: String(s).utf8)
            }
            return out
        case .strip(let left, let right):
            let scalars = Array(String(decoding: text, as: UTF8.self).unicodeScalars)
            var a = 0, b = scalars.count
            if left { while a < b, scalars[a].properties.isWhitespace { a += 1 } }
            if right { while b > a, scalars[b - 1].properties.isWhitespace { b -= 1 } }
            var out = String.UnicodeScalarView()
            out.append(contentsOf: scalars[a..<b])
            return Array(String(out).utf8)
        case .prepend(let s):
            if text.isEmpty { return text }
            return Array(s.utf8) + text
        case .replace(let pattern, let content):
            let rep = Array(content.utf8)
            var out: [UInt8] = []
            out.reserveCapacity(text.count)
            text.withUnsafeBufferPointer { tb in
                guard let p = tb.baseAddress else { return }
                var last = 0
                pattern.forEachMatch(p, 0, tb.count) { s, e in
                    out.append(contentsOf: tb[last..<s])
                    out.append(contentsOf: rep)
                    last = e
                }
                out.append(contentsOf: tb[last..<tb.count])
            }
            return out
        case .sequence(let items):
            var t = text
            for n in items { t = n.apply(t) }
            return t
        }
    }

    private func unicodeForm(_ text: [UInt8], stableBelow: UInt32, _ f: (String) -> String) -> [UInt8] {
        if text.allSatisfy({ $0 < 0x80 }) { return text }
        let s = String(decoding: text, as: UTF8.self)
        if s.unicodeScalars.allSatisfy({ $0.value < stableBelow }) { return text }
        return Array(f(s).utf8)
    }
}
