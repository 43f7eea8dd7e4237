import JupiterCore
import Testing

@testable import JupiterCurate

/// Gopher repetition rules (datatrove defaults): each fires on a crafted case, none on real text.
@Suite struct GopherRepetitionRulesTests {
    @Test("real Welsh and English legislation passes (boilerplate aside)")
    func realTextPasses() throws {
        var dropped: [String] = []
        var checked = 0
        for skip in stride(from: 0, to: 200, by: 20) {
            for doc in [
                try QualityTestTexts.welshDocument(minWords: 300, skip: skip),
                try QualityTestTexts.englishDocument(minWords: 300, skip: skip)
            ] {
                checked += 1
                if let r = GopherRepetitionRules().check(doc) { dropped.append(r.message) }
            }
        }
        // Legal boilerplate ("the Welsh Ministers may …") can reach Gopher's top-n-gram bounds.
        #expect(dropped.count <= 2, "\(dropped)")
        print("gopher repetition on \(checked) legislation documents: \(dropped.count) dropped \(dropped)")
    }

    @Test("repeated paragraphs")
    func paragraphs() throws {
        let paras = try QualityTestTexts.welshDocument(minWords: 200).split(separator: "\n").map(String.init)
        let doc = (paras.prefix(4) + paras.prefix(4)).joined(separator: "\n\n")
        let r = try #require(GopherRepetitionRules().check(doc))
        #expect(r.rule == "gopher.dup_para_frac")
        #expect(r.value == .double(0.5))
        #expect(r.message.contains("4 of 8 paragraphs are repeats"))
    }

    @Test("repeated lines")
    func lines() throws {
        var rules = GopherRepetitionRules()
        rules.dupParaFrac = nil
        rules.dupParaCharFrac = nil
        let lines = try QualityTestTexts.englishDocument(minWords: 200).split(separator: "\n").map(String.init)
        try #require(lines.count >= 6)
        let doc = (lines.prefix(6) + lines.prefix(4)).joined(separator: "\n")
        let r = try #require(rules.check(doc))
        #expect(r.rule == "gopher.dup_line_frac")
        #expect(r.value == .double(0.4))
        #expect(r.message.hasPrefix("4 of 10 lines are repeats"))
    }

    @Test("repeated-line characters without many repeated lines")
    func lineChars() throws {
        var rules = GopherRepetitionRules()
        rules.dupParaFrac = nil
        rules.dupParaCharFrac = nil
        let lines = try QualityTestTexts.englishDocument(minWords: 400).split(separator: "\n").map(String.init)
        let longest = try #require(lines.max { $0.count < $1.count })
        let short = (1...8).map { "Item \($0)." }
        let doc = ([longest] + short + [longest]).joined(separator: "\n")
        let r = try #require(rules.check(doc))
        #expect(r.rule == "gopher.dup_line_char_frac")
    }

    @Test("one bigram dominating the text")
    func topBigram() throws {
        let base = try QualityTestTexts.englishDocument(minWords: 60)
        let doc = base + " " + String(repeating: "Welsh Ministers ", count: 40)
        let r = try #require(GopherRepetitionRules().check(doc))
        #expect(r.rule == "gopher.top_2_gram")
    }

    @Test("duplicated 5-grams spread through the text")
    func duplicateNGrams() throws {
        var rules = GopherRepetitionRules()
        rules.topNGrams = []
        let sentences = try CurateTestSupport.legislationPairs().map(\.en).filter { $0.split(separator: " ").count > 12 }
        let phrase = "in accordance with section 12"
        let doc = sentences.prefix(20).map { $0 + " " + phrase + " " + phrase + " of the Act." }.joined(separator: " ")
        let r = try #require(rules.check(doc))
        #expect(r.rule.hasPrefix("gopher.dup_") && r.rule.hasSuffix("_gram"))
        #expect((r.value?.doubleValue ?? 0) > 0.1)
    }

    @Test("datatrove's duplicate walk: repeats are counted once per jump")
    func duplicateWalk() {
        var t = QualityScratch()
        t.load("a b c a b c a b c")
        GopherRepetitionRules.prepareDuplicates(&t)
        // n=3: "abc" seen, "bca", "cab", then "abc" again at 3 (jump 3), then "abc" at 6 → 2 × 3 chars.
        #expect(GopherRepetitionRules.duplicateNGramChars(&t, 3) == 6)
        // top 2-gram "a b" occurs 3 times: 3 chars × 3.
        #expect(GopherRepetitionRules.topNGramChars(&t, 2, chained: false) == 9)
    }

    @Test("repeated n-grams are compared as datatrove's \"\".join strings: 'ab c' repeats 'a bc'")
    func joinedNGrams() {
        var t = QualityScratch()
        t.load("a bc ab c")
        GopherRepetitionRules.prepareDuplicates(&t)
        // 2-grams "abc" (words 0–1), "bcab", then "abc" again (words 2–3): 3 characters repeat.
        #expect(GopherRepetitionRules.duplicateNGramChars(&t, 2) == 3)
    }

    /// datatrove's `find_top_duplicate` and `find_all_duplicate`, on strings.
    static func reference(_ words: [String], _ n: Int) -> (top: Int, dup: Int) {
        guard words.count >= n else { return (0, 0) }
        var counts: [String: (count: Int, first: Int)] = [:]
        var order: [String] = []
        for i in 0...(words.count - n) {
            let g = words[i..<(i + n)].joined(separator: " ")
            if let c = counts[g] { counts[g] = (c.count + 1, c.first) } else { counts[g] = (1, i); order.append(g) }
        }
        var best = order[0]
        for g in order where counts[g]!.count > counts[best]!.count { best = g }
        let top = best.unicodeScalars.count * counts[best]!.count
        var seen = Set<String>()
        var dup = 0
        var idx = 0
        while idx < words.count - n + 1 {
            let g = words[idx..<(idx + n)].joined()
            if seen.contains(g) {
                dup += g.unicodeScalars.count
                idx += n
            } else {
                seen.insert(g)
                idx += 1
            }
        }
        return (top, dup)
    }

    @Test(
        "top and repeated n-grams equal datatrove's on texts built to defeat the shortcuts",
        arguments: [
            // Short pieces: joined n-grams shorter than the start window, and equal across word
            // boundaries ("ab c" / "a bc").
            ["a", "b", "c", "ab", "bc", "abc", ",", ".", "cab"],
            // Word starts that share their first 12 characters without the n-grams being equal.
            ["Ministers", "Minister", "sWelsh", "Welsh", "the", "theWelsh", "of", "section", "12", "(1)", "Gweinidogion", "ŵyr"],
            // Long words: most n-grams are long, few repeat.
            ["accordance", "regulations", "subsection", "consultation", "Llywodraeth", "deddfwriaeth", "with", "and", "the"]
        ])
    func shortcutsMatchReference(vocabulary: [String]) throws {
        var rng = SeededRandom(seed: UInt64(vocabulary.count))
        var t = QualityScratch()
        var checked = 0
        var repeatsSeen = 0
        for doc in 0..<300 {
            let count = doc < 20 ? doc + 1 : Int.random(in: 20...160, using: &rng)
            var pieces: [String] = []
            while pieces.count < count {
                // Now and then a phrase copied from earlier, so long n-grams repeat too.
                if pieces.count > 12 && Int.random(in: 0..<10, using: &rng) == 0 {
                    let start = Int.random(in: 0..<(pieces.count - 8), using: &rng)
                    pieces += pieces[start..<(start + Int.random(in: 3...8, using: &rng))]
                } else {
                    pieces.append(vocabulary[Int.random(in: 0..<vocabulary.count, using: &rng)])
                }
            }
            let text = pieces.joined(separator: Int.random(in: 0..<4, using: &rng) == 0 ? "\n" : " ")
            t.load(text)
            let words = t.words.map { w in
                String(String.UnicodeScalarView(t.scalars[Int(w.start)..<Int(w.end)].compactMap(Unicode.Scalar.init)))
            }
            GopherRepetitionRules.prepareDuplicates(&t)
            t.idHash.buildIDs(t.words)  // top n-grams of more than four words
            // Top 2-grams chained from the words that repeat (the rules' first pass).
            if words.count >= 2 {
                #expect(GopherRepetitionRules.markRepeatedWords(&t) == 1)
                let top2 = GopherRepetitionRules.topNGramChars(&t, 2, chained: true)
                #expect(top2 == Self.reference(words, 2).top, "top 2-gram (from repeated words) of \(text.debugDescription)")
            }
            for n in 1...12 where words.count >= n {
                let want = Self.reference(words, n)
                // Chained from n − 1 (the rules' order), then alone (which leaves n's marks for n + 1).
                let chained = GopherRepetitionRules.topNGramChars(&t, n, chained: n >= 2)
                #expect(chained == want.top, "top \(n)-gram (chained) of \(text.debugDescription)")
                #expect(GopherRepetitionRules.topNGramChars(&t, n, chained: false) == want.top, "top \(n)-gram of \(text.debugDescription)")
                let dup = GopherRepetitionRules.duplicateNGramChars(&t, n)
                #expect(dup == want.dup, "repeated \(n)-grams of \(text.debugDescription)")
                checked += 1
                if want.dup > 0 { repeatsSeen += 1 }
            }
        }
        #expect(checked > 2_000)
        #expect(repeatsSeen > 500)
    }

    @Test("repeated paragraphs and lines equal datatrove's find_duplicates, with pieces of equal lengths and empty pieces")
    func duplicatePieces() {
        let pieces = ["ab", "ba", "cd", "", "abc", "cab", "a b", "Welsh Ministers", "Ministers Welsh", "ŵ", "x"]
        var rng = SeededRandom(seed: 5)
        var checked = 0, repeatsSeen = 0
        for _ in 0..<2_000 {
            let lines = (0..<Int.random(in: 1...14, using: &rng)).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &rng)] }
            let text = PythonText.scalars(lines.joined(separator: "\n"))
            var ranges: [(Int, Int)] = []
            text.withUnsafeBufferPointer { s in GopherRepetitionRules.split(s, 0, s.count, newlineRun: 1, into: &ranges) }
            let strings = ranges.map { Array(text[$0.0..<$0.1]) }
            var seen = Set<[UInt32]>()
            var want = (0, 0)
            for p in strings {
                if seen.contains(p) { want = (want.0 + 1, want.1 + p.count) } else { seen.insert(p) }
            }
            let got = text.withUnsafeBufferPointer { GopherRepetitionRules.duplicates($0, ranges, KeyTable()) }
            #expect(got == want, "\(lines)")
            checked += 1
            if want.0 > 0 { repeatsSeen += 1 }
        }
        #expect(checked == 2_000 && repeatsSeen > 1_000)
    }

    @Test("an empty text is dropped as datatrove's 'empty'")
    func empty() {
        #expect(GopherRepetitionRules().check("")?.rule == "gopher.empty")
    }
}
