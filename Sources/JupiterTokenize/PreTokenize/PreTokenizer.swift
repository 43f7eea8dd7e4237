/// Pieces of text being pre-tokenized: byte ranges into one UTF-8 buffer, each remembering
/// whether it starts at offset 0 of the original input (for Metaspace `prepend_scheme: first`).
struct PieceList {
    var buffer: [UInt8]
    var ranges: [Range<Int>]
    var atOrigin: [Bool]

    init(buffer: [UInt8], atOrigin: Bool) {
        self.buffer = buffer
        ranges = buffer.isEmpty ? [] : [0..<buffer.count]
        self.atOrigin = buffer.isEmpty ? [] : [atOrigin]
    }
}

/// How a `Split` keeps the delimiters it finds (tokenizers' `SplitDelimiterBehavior`).
enum SplitBehavior: String, Sendable {
    case removed = "Removed"
    case isolated = "Isolated"
    case mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext"
    case contiguous = "Contiguous"

    /// Applies the behavior to a full cover of `start..<end` by (range, isMatch) parts.
    func apply(_ parts: [(Int, Int, Bool)], emit: (Int, Int) -> Void) {
        var out: [(Int, Int)] = []
        switch self {
        case .isolated:
            out = parts.map { ($0.0, $0.1) }
        case .removed:
            out = parts.filter { !$0.2 }.map { ($0.0, $0.1) }
        case .mergedWithPrevious:
            var previousMatch = false
            for (s, e, m) in parts {
                if m && !previousMatch, !out.isEmpty { out[out.count - 1].1 = e } else { out.append((s, e)) }
                previousMatch = m
            }
        case .mergedWithNext:
            var previousMatch = false
            for (s, e, m) in parts.reversed() {
                if m && !previousMatch, !out.isEmpty { out[out.count - 1].0 = s } else { out.append((s, e)) }
                previousMatch = m
            }
            out.reverse()
        case .contiguous:
            var previousMatch = false
            var first = true
            for (s, e, m) in parts {
                if m == previousMatch && !first { out[out.count - 1].1 = e } else { out.append((s, e)) }
                previousMatch = m
                first = false
            }
        }
        for (s, e) in out where s < e { emit(s, e) }
    }
}

/// A pre-tokenizer from tokenizer.json (`"pre_tokenizer"`).
indirect enum PreTokenizer: Sendable {
    /// `ByteLevel`: optional prefix space, optional GPT-2 regex split; bytes then go to the model raw.
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    /// `Split` on a pattern.
    case split(SplitPattern, SplitBehavior, invert: Bool)
    /// `Metaspace`: spaces become `replacement`, optional prefix, optional split before it.
    case metaspace(replacement: [UInt8], prepend: PrependScheme, split: Bool)
    /// `Digits`: digits isolated one by one, or runs of digits.
    case digits(individual: Bool)
    /// `WhitespaceSplit`: split on whitespace, dropping it.
    case whitespaceSplit
    /// `Punctuation`: split on punctuation characters.
    case punctuation(SplitBehavior)
    /// `CharDelimiterSplit`: split on one character, dropping it.
    case charDelimiter(UInt32)
    case sequence([PreTokenizer])

    /// Metaspace prefix rule.
    enum PrependScheme: String, Sendable { case always, first, never }

    /// What `Split` looks for: a compiled regex (with a hand-written fast path for the common
    /// tokenizer patterns) or a literal.
    struct SplitPattern: Sendable {
        var pattern: Normalizer.Pattern
        var fast: FastSplitter?

        func forEachMatch(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ body: (Int, Int) -> Void) {
            if let fast { fast.forEachMatch(p, start, end, body) } else { pattern.forEachMatch(p, start, end, body) }
        }
    }

    /// Whether the last step maps bytes to the byte-level alphabet.
    var isByteLevel: Bool {
        switch self {
        case .byteLevel: true
        case .sequence(let s): s.last?.isByteLevel ?? false
        default: false
        }
    }

    /// Pre-tokenizes `pieces` in place.
    func apply(_ pieces: inout PieceList) {
        switch self {
        case .sequence(let steps):
            for s in steps { s.apply(&pieces) }
        case .split(let pattern, let behavior, let invert):
            splitEach(&pieces) { p, s, e, emit in
                var parts: [(Int, Int, Bool)] = []
                var prev = s
                pattern.forEachMatch(p, s, e) { ms, me in
                    if prev != ms { parts.append((prev, ms, invert)) }
                    parts.append((ms, me, !invert))
                    prev = me
                }
                if prev != e { parts.append((prev, e, invert)) }
                behavior.apply(parts, emit: emit)
            }
        case .byteLevel(let addPrefixSpace, let useRegex):
            if addPrefixSpace {
                rebuild(&pieces) { bytes, _ in bytes.first == 0x20 ? bytes : [0x20] + bytes }
            }
            if useRegex {
                let splitter = FastSplitter.gpt2
                splitEach(&pieces) { p, s, e, emit in
                    splitter.forEachMatch(p, s, e) { ms, me in emit(ms, me) }
                }
            }
        case .metaspace(let rep, let prepend, let split):
            rebuild(&pieces) { bytes, atOrigin in
                var out: [UInt8] = []
                out.reserveCapacity(bytes.count + 8)
                for b in bytes { if b == 0x20 { out.append(contentsOf: rep) } else { out.append(b) } }
                let starts = out.starts(with: rep)
                switch prepend {
                case .always: if !starts { out = rep + out }
                case .first: if !starts && atOrigin { out = rep + out }
                case .never: break
                }
                return out
            }
            if split {
                let lit = Normalizer.Pattern.literal(rep)
                splitEach(&pieces) { p, s, e, emit in
                    var parts: [(Int, Int, Bool)] = []
                    var prev = s
                    lit.forEachMatch(p, s, e) { ms, me in
                        if prev != ms { parts.append((prev, ms, false)) }
                        parts.append((ms, me, true))
                        prev = me
                    }
                    if prev != e { parts.append((prev, e, false)) }
                    SplitBehavior.mergedWithNext.apply(parts, emit: emit)
                }
            }
        case .digits(let individual):
            splitByClass(&pieces, behavior: individual ? .isolated : .contiguous) { UnicodeClass.isNumber($0) }
        case .punctuation(let behavior):
            splitByClass(&pieces, behavior: behavior) { v in
                (v < 0x80 && isASCIIPunctuation(UInt8(v))) || UnicodeClass.categoryBit(v) & UnicodeClass.punctuationMask != 0
            }
        case .whitespaceSplit:
            splitByClass(&pieces, behavior: .removed) { UnicodeClass.isWhitespace($0) }
        case .charDelimiter(let c):
            splitByClass(&pieces, behavior: .removed) { $0 == c }
        }
    }

    private func splitByClass(_ pieces: inout PieceList, behavior: SplitBehavior, _ isDelim: @escaping (UInt32) -> Bool) {
        let contiguousDelims = behavior == .contiguous
        splitEach(&pieces) { p, s, e, emit in
            var parts: [(Int, Int, Bool)] = []
            var prev = s
            var i = s
            while i < e {
                let (v, n) = decodeScalar(p, i, e)
                if isDelim(v) {
                    var j = i + n
                    if contiguousDelims {
                        while j < e {
                            let (v2, n2) = decodeScalar(p, j, e)
                            if !isDelim(v2) { break }
                            j += n2
                        }
                    }
                    if prev != i { parts.append((prev, i, false)) }
                    parts.append((i, j, true))
                    prev = j
                    i = j
                } else {
                    i += n
                }
            }
            if prev != e { parts.append((prev, e, false)) }
            behavior.apply(parts, emit: emit)
        }
    }

    /// Replaces each piece by the sub-pieces `body` emits (byte ranges into the same buffer).
    private func splitEach(
        _ pieces: inout PieceList,
        _ body: (UnsafePointer<UInt8>, Int, Int, (Int, Int) -> Void) -> Void
    ) {
        var ranges: [Range<Int>] = []
        var origin: [Bool] = []
        ranges.reserveCapacity(pieces.ranges.count * 4)
        pieces.buffer.withUnsafeBufferPointer { b in
            guard let p = b.baseAddress else { return }
            for (k, r) in pieces.ranges.enumerated() {
                let o = pieces.atOrigin[k]
                body(p, r.lowerBound, r.upperBound) { s, e in
                    ranges.append(s..<e)
                    origin.append(o && s == r.lowerBound)
                }
            }
        }
        pieces.ranges = ranges
        pieces.atOrigin = origin
    }

    /// Rewrites each piece's bytes, building a new buffer.
    private func rebuild(_ pieces: inout PieceList, _ f: ([UInt8], Bool) -> [UInt8]) {
        var buf: [UInt8] = []
        var ranges: [Range<Int>] = []
        var origin: [Bool] = []
        for (k, r) in pieces.ranges.enumerated() {
            let out = f(Array(pieces.buffer[r]), pieces.atOrigin[k])
            if out.isEmpty { continue }
            ranges.append(buf.count..<(buf.count + out.count))
            origin.append(pieces.atOrigin[k])
            buf.append(contentsOf: out)
        }
        pieces.buffer = buf
        pieces.ranges = ranges
        pieces.atOrigin = origin
    }
}

@inline(__always) func isASCIIPunctuation(_ b: UInt8) -> Bool {
    (b >= 0x21 && b <= 0x2F) || (b >= 0x3A && b <= 0x40) || (b >= 0x5B && b <= 0x60) || (b >= 0x7B && b <= 0x7E)
}

extension UnicodeClass {
    static let punctuationMask: UInt32 = 0b1111111 << 11
}
