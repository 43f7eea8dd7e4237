import JupiterCore
import Testing

@testable import JupiterCurate

/// The per-word facts `QualityScratch.load` gathers in one pass, against their definitions.
@Suite struct QualityTextTests {
    @Test("ids, symbol words, letters, joined characters, polynomials and id counts equal their definitions")
    func wordFacts() {
        let pieces = [
            "a", "Ab", "the", "Welsh", "ŵyr", "â", "Ж", "日本", "12", "3.5", ".", ",", "…", "—", "“", "”", "(", ")", "§",
            "!!", "?!", "'s", "n't", "o'r", "i'r", "e.g.", "#", "@", "🙂", "«»", "¿", "x—y", "¡Hola", "C++", "\u{00A0}"
        ]
        var rng = SeededRandom(seed: 7)
        var t = QualityScratch()
        var words = 0, symbols = 0, letters = 0, wide = 0
        for _ in 0..<600 {
            let count = Int.random(in: 1...60, using: &rng)
            let text = (0..<count).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &rng)] }
                .joined(separator: Int.random(in: 0..<5, using: &rng) == 0 ? "\n" : " ")
            t.load(text)
            let texts = t.words.map { Array(t.scalars[Int($0.start)..<Int($0.end)]) }
            var firstIndex: [[UInt32]: Int] = [:]
            var joined: [UInt32] = []
            for (i, w) in t.words.enumerated() {
                let chars = texts[i]
                if firstIndex[chars] == nil { firstIndex[chars] = i }
                #expect(Int(w.id) == firstIndex[chars], "id of \(chars) in \(text.debugDescription)")
                let symbol = chars.allSatisfy { QualityScratch.isDatatrovePunctuation($0) }
                let alpha = chars.contains { PythonText.isAlpha($0) }
                #expect(w.isSymbol == symbol, "symbol word \(chars)")
                #expect(w.hasAlpha == alpha, "letters in \(chars)")
                // Σ v_k·B^k, k from the word's first character, v = scalar + 1.
                var pa: UInt64 = 1, pb: UInt64 = 1, ha: UInt64 = 0, hb: UInt64 = 0
                for c in chars {
                    ha = ha &+ (UInt64(c) &+ 1) &* pa
                    hb = hb &+ (UInt64(c) &+ 1) &* pb
                    pa = pa &* PrefixHash.baseA
                    pb = pb &* PrefixHash.baseB
                }
                #expect(t.wordPolynomials[2 * i] == ha && t.wordPolynomials[2 * i + 1] == hb, "polynomials of \(chars)")
                #expect(Int(t.idCounts[Int(w.id)]) == texts.filter { $0 == chars }.count)
                joined += chars
                words += 1
                if symbol { symbols += 1 }
                if alpha { letters += 1 }
                if chars.contains(where: { $0 >= 0x80 }) { wide += 1 }
            }
            #expect(t.joinedCount == joined.count)
            #expect(Array(t.joined[0..<t.joinedCount]) == joined)
        }
        // Every kind of word occurred many times.
        #expect(words > 10_000 && symbols > 1_000 && letters > 1_000 && wide > 1_000, "\(words) \(symbols) \(letters) \(wide)")
    }

    @Test("the chunk cache gives the tokens a cold tokenizer gives, also after it fills and starts again")
    func chunkCache() {
        let pieces = [
            "a", "B", "o", "e", "g", "s", "km", "ŵ", "é", "0", "1", "12", ".", "..", ",", "-", "—", "'", "’", "\"", "“", "(",
            ")", ":", ";", "!", "?", "/", "$", "£", "%", "+", "…", "°", "@", "#", "&", "=", "🙂", "www", "gov.uk", "e.g.",
            "Mr.", "n't", "'s", "can", ":)", "(:", "o.", "a.m.", "Ph.D.", "C++", "and/or", "192", "168"
        ]
        var rng = SeededRandom(seed: 11)
        let tokenizer = EnglishTokenizer.shared
        var warm = EnglishTokenizer.Scratch()
        var chunks = Set<[UInt32]>()
        var tokens = 0, checkedAgain = 0
        for _ in 0..<12_000 {
            let words = (0..<Int.random(in: 1...12, using: &rng)).map { _ in
                (0..<Int.random(in: 1...4, using: &rng)).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &rng)] }.joined()
            }
            let text = PythonText.scalars(words.joined(separator: " "))
            for w in words { chunks.insert(w.unicodeScalars.map(\.value)) }
            var cold = EnglishTokenizer.Scratch()
            let before = warm.chunks.count
            var a: [EnglishToken] = [], b: [EnglishToken] = []
            text.withUnsafeBufferPointer { s in
                tokenizer.tokenize(s, 0, s.count, into: &a, &warm)
                tokenizer.tokenize(s, 0, s.count, into: &b, &cold)
            }
            #expect(a.map { [$0.start, $0.end, $0.space ? 1 : 0] } == b.map { [$0.start, $0.end, $0.space ? 1 : 0] })
            tokens += a.count
            // Its chunks are all found again: nothing more is kept (unless the cache filled and
            // started again while the text was split).
            let held = warm.chunks.count
            var again: [EnglishToken] = []
            text.withUnsafeBufferPointer { s in tokenizer.tokenize(s, 0, s.count, into: &again, &warm) }
            if held >= before {
                #expect(warm.chunks.count == held, "a chunk was kept twice")
                checkedAgain += 1
            }
            #expect(again.count == a.count)
        }
        // More distinct chunks than the cache holds: it filled and started again.
        #expect(chunks.count > 2 * EnglishTokenizer.ChunkCache.capacity, "\(chunks.count) chunks")
        #expect(tokens > 120_000)
        #expect(checkedAgain > 11_000)
    }
}
