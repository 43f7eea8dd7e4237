/// A decoder from tokenizer.json (`"decoder"`): turns token texts back into text, step by step
/// over the list of tokens as `tokenizers`' `decode_chain` does.
indirect enum TokenDecoder: Sendable {
    case byteLevel
    case metaspace(replacement: String, prependScheme: PreTokenizer.PrependScheme)
    case byteFallback
    case fuse
    case strip(content: UInt32, start: Int, stop: Int)
    case replace(pattern: String, content: String)
    case sequence([TokenDecoder])

    /// Applies this step to a list of token texts.
    func decodeChain(_ tokens: [[UInt8]]) -> [[UInt8]] {
        switch self {
        case .sequence(let steps):
            var t = tokens
            for s in steps { t = s.decodeChain(t) }
            return t
        case .byteLevel:
            var bytes: [UInt8] = []
            for t in tokens {
                var raw: [UInt8] = []
                var ok = true
                for s in String(decoding: t, as: UTF8.self).unicodeScalars {
                    if let b = ByteLevelAlphabet.byte(for: s.value) { raw.append(b) } else { ok = false; break }
                }
                bytes.append(contentsOf: ok ? raw : t)
            }
            return [Array(String(decoding: bytes, as: UTF8.self).utf8)]
        case .metaspace(let replacement, let scheme):
            return tokens.enumerated().map { i, t in
                // As tokenizers does: in the first token every replacement character is dropped
                // (unless the scheme is `never`); elsewhere each becomes a space.
                var out = String.UnicodeScalarView()
                let rep = replacement.unicodeScalars.first
                for s in String(decoding: t, as: UTF8.self).unicodeScalars {
                    if s == rep {
                        if i == 0 && scheme != .never { continue }
                        out.append(" ")
                    } else {
                        out.append(s)
                    }
                }
                return Array(String(out).utf8)
            }
        case .byteFallback:
            var out: [[UInt8]] = []
            var pending: [UInt8] = []
            func flush() {
                guard !pending.isEmpty else { return }
                if let s = String(validating: pending, as: UTF8.self) {
                    out.append(Array(s.utf8))
                } else {
                    for _ in pending { out.append([0xEF, 0xBF, 0xBD]) }
                }
                pending.removeAll()
            }
            for t in tokens {
                if t.count == 6, t.starts(with: [0x3C, 0x30, 0x78]), t[5] == 0x3E,
                    let b = UInt8(String(decoding: t[3..<5], as: UTF8.self), radix: 16)
                {
                    pending.append(b)
                } else {
                    flush()
                    out.append(t)
                }
            }
            flush()
            return out
        case .fuse:
            return [tokens.flatMap { $0 }]
        case .strip(let content, let start, let stop):
            return tokens.map { t in
                let chars = Array(String(decoding: t, as: UTF8.self).unicodeScalars)
                var a = 0
                while a < start, a < chars.count, chars[a].value == content { a += 1 }
                var b = 0
                while b < stop, b < chars.count - a, chars[chars.count - 1 - b].value == content { b += 1 }
                var out = String.UnicodeScalarView()
                out.append(contentsOf: chars[a..<(chars.count - b)])
                return Array(String(out).utf8)
            }
        case .replace(let pattern, let content):
            let pat = Normalizer.Pattern.literal(Array(pattern.utf8))
            let n = Normalizer.replace(pat, content)
            return tokens.map { n.apply($0) }
        }
    }
}

/// GPT-2's byte ↔ character table: printable Latin-1 bytes stand for themselves, the other 68
/// bytes for U+0100 onwards in byte order.
enum ByteLevelAlphabet {
    /// The alphabet character of every byte.
    static let chars: [UInt32] = {
        var out = [UInt32](repeating: 0, count: 256)
        var n: UInt32 = 0
        for b in 0..<256 {
            if (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255) {
                out[b] = UInt32(b)
            } else {
                out[b] = 256 + n
                n += 1
            }
        }
        return out
    }()

    static let reverse: [UInt32: UInt8] = {
        var d: [UInt32: UInt8] = [:]
        for (b, c) in chars.enumerated() { d[c] = UInt8(b) }
        return d
    }()

    /// The byte a character stands for, or nil when it is not in the alphabet.
    @inline(__always) static func byte(for scalar: UInt32) -> UInt8? {
        if scalar < 0x100 {
            let b = Int(scalar)
            return chars[b] == scalar ? UInt8(b) : nil
        }
        return reverse[scalar]
    }

    /// Byte of each alphabet character below U+0144 (-1: not in the alphabet).
    static let flat: [Int16] = {
        var t = [Int16](repeating: -1, count: 0x144)
        for (b, c) in chars.enumerated() where c < 0x144 { t[Int(c)] = Int16(b) }
        return t
    }()

    /// Raw bytes of a UTF-8 token written in the alphabet, into `out`; false when it has other
    /// characters.
    static func decode(_ utf8: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        out.removeAll(keepingCapacity: true)
        guard let p = utf8.baseAddress else { return true }
        let n = utf8.count
        return flat.withUnsafeBufferPointer { table in
            var i = 0
            while i < n {
                let b0 = p[i]
                var v: Int
                if b0 < 0x80 {
                    v = Int(b0); i += 1
                } else if b0 & 0xE0 == 0xC0, i + 1 < n {
                    v = (Int(b0 & 0x1F) << 6) | Int(p[i + 1] & 0x3F); i += 2
                } else {
                    return false
                }
                guard v < 0x144 else { return false }
                let b = table[v]
                guard b >= 0 else { return false }
                out.append(UInt8(b))
            }
            return true
        }
    }

    /// Raw bytes of a token written in the alphabet; nil when it has other characters.
    static func decode(_ token: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(token.utf8.count)
        for s in token.unicodeScalars {
            guard let b = byte(for: s.value) else { return nil }
            out.append(b)
        }
        return out
    }
}
