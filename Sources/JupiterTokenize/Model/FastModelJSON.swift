/// A fast path for loading big tokenizer.json files: finds `model.vocab` and `model.merges` in
/// the raw bytes and decodes them straight into byte ranges, without building a `JSONValue` for
/// each of the hundreds of thousands of entries. The rest of the document (small) is parsed by
/// the ordinary JSON parser. Anything unusual returns nil, and the caller falls back to the
/// general path, which reports errors with their JSON path.
struct FastModelJSON {
    /// Decoded token strings (UTF-8).
    var arena: [UInt8] = []
    /// (start, length, id) of each vocabulary entry, in file order.
    var vocab: [(Int32, Int32, Int32)] = []
    /// (start, length) of each merge's two parts.
    var merges: [(Int32, Int32, Int32, Int32)] = []
    /// Whether the file had a merges member.
    var hasMerges = false

    /// The document with `model.vocab` emptied to `{}` and `model.merges` to `[]`, and the data.
    static func extract(_ bytes: [UInt8]) -> (rest: [UInt8], data: FastModelJSON)? {
        guard bytes.count > 1 << 16 else { return nil }  // small files: the general path is fast
        guard String(validating: bytes, as: UTF8.self) != nil else { return nil }
        return bytes.withUnsafeBufferPointer { buf -> (rest: [UInt8], data: FastModelJSON)? in
            guard let p = buf.baseAddress else { return nil }
            let s = Scanner(p: p, end: buf.count)
            guard let model = s.memberStart(of: s.skipWS(0), named: "model") else { return nil }
            var data = FastModelJSON()
            data.arena.reserveCapacity(buf.count / 2)
            // One pass over the model object: decode vocab and merges where they stand.
            var vocabRange: Range<Int>? = nil, mergesRange: Range<Int>? = nil
            var i = s.skipWS(model)
            guard i < s.end, p[i] == 0x7B else { return nil }
            i += 1
            while true {
                i = s.skipWS(i)
                guard i < s.end else { return nil }
                if p[i] == 0x7D { break }
                guard p[i] == 0x22, let ke = s.skipString(i) else { return nil }
                let key = String(decoding: UnsafeBufferPointer(start: p + i + 1, count: ke - i - 2), as: UTF8.self)
                i = s.skipWS(ke)
                guard i < s.end, p[i] == 0x3A else { return nil }
                let vs = s.skipWS(i + 1)
                let ve: Int
                if key == "vocab" {
                    guard let e = s.readVocab(vs, into: &data) else { return nil }
                    ve = e
                    vocabRange = vs..<e
                } else if key == "merges" {
                    guard let e = s.readMerges(vs, into: &data) else { return nil }
                    ve = e
                    mergesRange = vs..<e
                    data.hasMerges = true
                } else {
                    guard let e = s.skipValue(vs) else { return nil }
                    ve = e
                }
                i = s.skipWS(ve)
                guard i < s.end else { return nil }
                if p[i] == 0x2C { i += 1 } else if p[i] != 0x7D { return nil }
            }
            guard let vocabRange else { return nil }
            // Rebuild the document without the two big values.
            var cuts = [(vocabRange, Array("{}".utf8))]
            if let mergesRange { cuts.append((mergesRange, Array("[]".utf8))) }
            cuts.sort { $0.0.lowerBound < $1.0.lowerBound }
            var rest: [UInt8] = []
            rest.reserveCapacity(4096)
            var at = 0
            for (r, repl) in cuts {
                rest.append(contentsOf: buf[at..<r.lowerBound])
                rest.append(contentsOf: repl)
                at = r.upperBound
            }
            rest.append(contentsOf: buf[at..<buf.count])
            return (rest, data)
        }
    }

    struct Scanner {
        let p: UnsafePointer<UInt8>
        let end: Int

        func skipWS(_ i0: Int) -> Int {
            var i = i0
            while i < end, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
            return i
        }

        /// End of the string starting at `i` (the opening quote), past the closing quote.
        func skipString(_ i0: Int) -> Int? {
            var i = i0 + 1
            while i < end {
                let c = p[i]
                if c == 0x22 { return i + 1 }
                if c == 0x5C { i += 2 } else { i += 1 }
            }
            return nil
        }

        /// End of the value starting at `i`.
        func skipValue(_ i0: Int) -> Int? {
            let i = skipWS(i0)
            guard i < end else { return nil }
            switch p[i] {
            case 0x22: return skipString(i)
            case 0x7B, 0x5B:
                var depth = 0
                var j = i
                while j < end {
                    let c = p[j]
                    if c == 0x22 {
                        guard let k = skipString(j) else { return nil }
                        j = k
                        continue
                    }
                    if c == 0x7B || c == 0x5B {
                        depth += 1
                    } else if c == 0x7D || c == 0x5D {
                        depth -= 1
                        if depth == 0 { return j + 1 }
                    }
                    j += 1
                }
                return nil
            default:
                var j = i
                while j < end, p[j] != 0x2C, p[j] != 0x7D, p[j] != 0x5D, p[j] > 0x20 { j += 1 }
                return j > i ? j : nil
            }
        }

        /// Start of the value of member `name` of the object starting at `i` (other members'
        /// values are skipped; this one is not).
        func memberStart(of i0: Int, named name: String) -> Int? {
            findMember(of: i0, named: name, skipValue: false)?.lowerBound
        }

        /// Byte range of the value of member `name` of the object starting at `i`.
        func member(of i0: Int, named name: String) -> Range<Int>? {
            findMember(of: i0, named: name, skipValue: true)
        }

        /// Walks the members of the object at `i0` to `name`; its value's range, or only its start
        /// (an empty range) when `skipValue` is false, so a huge value is not scanned.
        private func findMember(of i0: Int, named name: String, skipValue measure: Bool) -> Range<Int>? {
            var i = skipWS(i0)
            guard i < end, p[i] == 0x7B else { return nil }
            i += 1
            let key = Array(name.utf8)
            while true {
                i = skipWS(i)
                guard i < end, p[i] == 0x22, let ke = skipString(i) else { return nil }  // also `}`: not found
                let isKey = ke - i - 2 == key.count && (0..<key.count).allSatisfy { p[i + 1 + $0] == key[$0] }
                i = skipWS(ke)
                guard i < end, p[i] == 0x3A else { return nil }
                let vs = skipWS(i + 1)
                if isKey && !measure { return vs..<vs }
                guard let ve = skipValue(vs) else { return nil }
                if isKey { return vs..<ve }
                i = skipWS(ve)
                guard i < end, p[i] == 0x2C else { return nil }
                i += 1
            }
        }

        /// Decodes the string at `i` into `arena`; returns (start, length, end of string).
        func readString(_ i: Int, into arena: inout [UInt8]) -> (Int32, Int32, Int)? {
            guard i < end, p[i] == 0x22 else { return nil }
            let start = arena.count
            var j = i + 1
            var run = j
            while j < end {
                let c = p[j]
                if c == 0x22 {
                    arena.append(contentsOf: UnsafeBufferPointer(start: p + run, count: j - run))
                    return (Int32(start), Int32(arena.count - start), j + 1)
                }
                if c < 0x20 { return nil }
                if c == 0x5C {
                    arena.append(contentsOf: UnsafeBufferPointer(start: p + run, count: j - run))
                    guard j + 1 < end else { return nil }
                    switch p[j + 1] {
                    case 0x22: arena.append(0x22)
                    case 0x5C: arena.append(0x5C)
                    case 0x2F: arena.append(0x2F)
                    case 0x62: arena.append(0x08)
                    case 0x66: arena.append(0x0C)
                    case 0x6E: arena.append(0x0A)
                    case 0x72: arena.append(0x0D)
                    case 0x74: arena.append(0x09)
                    case 0x75:
                        guard var v = hex4(j + 2) else { return nil }
                        var adv = 6
                        if v >= 0xD800 && v < 0xDC00 {
                            guard j + 11 < end, p[j + 6] == 0x5C, p[j + 7] == 0x75, let lo = hex4(j + 8),
                                lo >= 0xDC00 && lo < 0xE000
                            else { return nil }
                            v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00)
                            adv = 12
                        } else if v >= 0xDC00 && v < 0xE000 {
                            return nil
                        }
                        guard let sc = Unicode.Scalar(v) else { return nil }
                        arena.append(contentsOf: String(sc).utf8)
                        j += adv
                        run = j
                        continue
                    default: return nil
                    }
                    j += 2
                    run = j
                    continue
                }
                j += 1
            }
            return nil
        }

        func hex4(_ i: Int) -> UInt32? {
            guard i + 4 <= end else { return nil }
            var v: UInt32 = 0
            for k in 0..<4 {
                let c = p[i + k]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                default: return nil
                }
                v = v * 16 + d
            }
            return v
        }

        /// Decodes the vocabulary object at `start`; returns its end.
        func readVocab(_ start: Int, into d: inout FastModelJSON) -> Int? {
            var i = start
            guard i < end, p[i] == 0x7B else { return nil }
            i = skipWS(i + 1)
            if i < end, p[i] == 0x7D { return i + 1 }
            while true {
                guard let (st, len, ke) = readString(i, into: &d.arena) else { return nil }
                i = skipWS(ke)
                guard i < end, p[i] == 0x3A else { return nil }
                i = skipWS(i + 1)
                var v = 0
                let ns = i
                while i < end, p[i] >= 0x30, p[i] <= 0x39 { v = v * 10 + Int(p[i] - 0x30); i += 1; if v > Int(Int32.max) { return nil } }
                guard i > ns else { return nil }
                d.vocab.append((st, len, Int32(v)))
                i = skipWS(i)
                guard i < end else { return nil }
                if p[i] == 0x2C { i = skipWS(i + 1); continue }
                return p[i] == 0x7D ? i + 1 : nil
            }
        }

        /// Decodes the merges array at `start`; returns its end.
        func readMerges(_ start: Int, into d: inout FastModelJSON) -> Int? {
            var i = start
            guard i < end, p[i] == 0x5B else { return nil }
            i = skipWS(i + 1)
            if i < end, p[i] == 0x5D { return i + 1 }
            while true {
                guard i < end else { return nil }
                if p[i] == 0x22 {
                    // "a b"
                    guard let (st, len, se) = readString(i, into: &d.arena) else { return nil }
                    var sp = -1
                    var spaces = 0
                    for k in 0..<Int(len) where d.arena[Int(st) + k] == 0x20 { spaces += 1; sp = k }
                    guard spaces == 1 else { return nil }
                    d.merges.append((st, Int32(sp), st + Int32(sp) + 1, len - Int32(sp) - 1))
                    i = se
                } else if p[i] == 0x5B {
                    i = skipWS(i + 1)
                    guard let (a, al, ae) = readString(i, into: &d.arena) else { return nil }
                    i = skipWS(ae)
                    guard i < end, p[i] == 0x2C else { return nil }
                    i = skipWS(i + 1)
                    guard let (b, bl, be) = readString(i, into: &d.arena) else { return nil }
                    i = skipWS(be)
                    guard i < end, p[i] == 0x5D else { return nil }
                    i += 1
                    d.merges.append((a, al, b, bl))
                } else {
                    return nil
                }
                i = skipWS(i)
                guard i < end else { return nil }
                if p[i] == 0x2C { i = skipWS(i + 1); continue }
                return p[i] == 0x5D ? i + 1 : nil
            }
        }
    }
}
