/// Hand-written matchers for the split regexes most tokenizers use, giving exactly the matches
/// the backtracking engine (and Oniguruma) gives for these patterns, without interpretation.
///
/// The parity tests run every corpus line and adversarial string through both this and
/// `TokenRegex` and require identical splits.
enum FastSplitter: Sendable {
    /// GPT-2 / ByteLevel: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2
    /// cl100k / Llama-3 (`maxDigits` 3) and Qwen2 (`maxDigits` 1):
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case cl100k(maxDigits: Int)

    static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let llama3Pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2Pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// The fast matcher for a pattern, when there is one.
    static func forPattern(_ pattern: String) -> FastSplitter? {
        // Compare scalars exactly (not with String's canonical equivalence).
        let u = Array(pattern.utf8)
        if u == Array(gpt2Pattern.utf8) { return .gpt2 }
        if u == Array(llama3Pattern.utf8) { return .cl100k(maxDigits: 3) }
        if u == Array(qwen2Pattern.utf8) { return .cl100k(maxDigits: 1) }
        return nil
    }

    // Kinds: letter, number, whitespace, other.
    // swift-format-ignore: AlwaysUseLowerCamelCase
    static let L: UInt8 = 0, N: UInt8 = 1, W: UInt8 = 2, O: UInt8 = 3

    static let asciiKinds: [UInt8] = (0..<128).map { c in
        let v = UInt32(c)
        if UnicodeClass.isWhitespace(v) { return W }
        if UnicodeClass.isLetter(v) { return L }
        if UnicodeClass.isNumber(v) { return N }
        return O
    }

    @inline(__always)
    static func kind(_ v: UInt32) -> UInt8 {
        if v < 128 { return asciiKinds[Int(v)] }
        let info = UnicodeClass.info(v)
        if info & UnicodeClass.whitespaceBit != 0 { return W }
        let bit = UInt32(1) << UInt32(info & 0x1F)
        if bit & UnicodeClass.letterMask != 0 { return L }
        if bit & UnicodeClass.numberMask != 0 { return N }
        return O
    }

    /// Calls `body` with every match in `p[start..<end]`, left to right.
    func forEachMatch(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ body: (Int, Int) -> Void) {
        var i = start
        while i < end {
            let e: Int
            switch self {
            case .gpt2: e = FastSplitter.matchGPT2(p, i, end)
            case .cl100k(let maxDigits): e = FastSplitter.matchCL100K(p, i, end, maxDigits)
            }
            body(i, e)
            i = e
        }
    }

    /// End of the run of scalars of `kind` starting at `i`.
    @inline(__always)
    static func run(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int, _ k: UInt8) -> Int {
        var j = i
        while j < end {
            let b = p[j]
            if b < 0x80 {
                if asciiKinds[Int(b)] != k { break }
                j += 1
            } else {
                let (v, n) = decodeScalar(p, j, end)
                if kind(v) != k { break }
                j += n
            }
        }
        return j
    }

    @inline(__always)
    static func scalar(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> (UInt32, Int) {
        let b = p[i]
        if b < 0x80 { return (UInt32(b), 1) }
        return decodeScalar(p, i, end)
    }

    /// Contraction suffix length after an apostrophe at `i` (0 when none).
    @inline(__always)
    static func contraction(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int, fold: Bool) -> Int {
        guard i + 1 < end else { return 0 }
        let (a, na) = scalar(p, i + 1, end)
        let fa = fold ? foldASCII(a) : a
        switch fa {
        case 0x73, 0x74, 0x6D, 0x64: return 1 + na  // s t m d
        case 0x72, 0x76, 0x6C:  // r v l
            guard i + 1 + na < end else { return 0 }
            let (b, nb) = scalar(p, i + 1 + na, end)
            let fb = fold ? foldASCII(b) : b
            if (fa == 0x72 || fa == 0x76) && fb == 0x65 { return 1 + na + nb }  // re ve
            if fa == 0x6C && fb == 0x6C { return 1 + na + nb }  // ll
            return 0
        default: return 0
        }
    }

    @inline(__always)
    static func foldASCII(_ v: UInt32) -> UInt32 {
        if v >= 0x41 && v <= 0x5A { return v + 0x20 }
        if v < 0x80 { return v }
        return UnicodeClass.fold(v)
    }

    /// The whitespace alternatives `\s+(?!\S)|\s+` at `i` (a whitespace scalar).
    @inline(__always)
    static func whitespaceTail(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        let j = run(p, i, end, W)
        if j == end { return j }
        // Back off the last whitespace scalar so the next match can take it.
        var last = j - 1
        while last > i && p[last] & 0xC0 == 0x80 { last -= 1 }
        return last > i ? last : j
    }

    static func matchGPT2(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        let (c, n) = scalar(p, i, end)
        if c == 0x27 {
            let k = contraction(p, i, end, fold: false)
            if k > 0 { return i + k }
        }
        var k0 = kind(c)
        var body = i
        if c == 0x20, i + 1 < end {
            let (c2, _) = scalar(p, i + 1, end)
            let k2 = kind(c2)
            if k2 != W { k0 = k2; body = i + 1 }
        }
        if k0 != W { return run(p, body, end, k0) }
        _ = n
        return whitespaceTail(p, i, end)
    }

    static func matchCL100K(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int, _ maxDigits: Int) -> Int {
        let (c, n) = scalar(p, i, end)
        if c == 0x27 {
            let k = contraction(p, i, end, fold: true)
            if k > 0 { return i + k }
        }
        let k = kind(c)
        if k == L { return run(p, i + n, end, L) }
        let isNL = c == 0x0A || c == 0x0D
        if k != N && !isNL && i + n < end {
            // [^\r\n\p{L}\p{N}]?\p{L}+
            let (c2, n2) = scalar(p, i + n, end)
            if kind(c2) == L { return run(p, i + n + n2, end, L) }
        }
        if k == N {
            var j = i + n, count = 1
            while count < maxDigits, j < end {
                let (c2, n2) = scalar(p, j, end)
                if kind(c2) != N { break }
                j += n2; count += 1
            }
            return j
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        var ob = -1
        if k == O { ob = i } else if c == 0x20, i + 1 < end, kind(scalar(p, i + 1, end).0) == O { ob = i + 1 }
        if ob >= 0 {
            var j = run(p, ob, end, O)
            while j < end, p[j] == 0x0A || p[j] == 0x0D { j += 1 }
            return j
        }
        // Whitespace: `\s*[\r\n]+`, then `\s+(?!\S)`, then `\s+`.
        let j = run(p, i, end, W)
        var lastNL = -1
        var q = i
        while q < j {
            if p[q] == 0x0A || p[q] == 0x0D { lastNL = q }
            q += 1
        }
        if lastNL >= 0 { return lastNL + 1 }
        return whitespaceTail(p, i, end)
    }
}
