import JupiterCore

/// Seeded document corpora of real legislation text for the quality-filter parity tests and
/// benchmark: the same documents go through Jupiter's `quality` stage and datatrove's filters.
///
/// Segments come from English/Welsh sentence pairs (the bundled OGL legislation TSV, or the
/// English user turns and Welsh `ideal`s of `welsh-legislation-translation.jsonl`). Shapes:
///
/// | shape | text |
/// |---|---|
/// | `bench` | four English paragraphs (2–5 consecutive segments each, joined by spaces) and four random Welsh lines (~2 KB) |
/// | `prose` | 60–320 words of consecutive English or Welsh prose segments (8+ words, ending in a full stop, at most one word with a digit or bracket), one per line |
/// | `repeats` | a `prose` document with lines, paragraphs or a phrase repeated |
/// | `noisy` | a `prose` document with web-page lines mixed in: menus, cookie and JavaScript notices, citations `[1]`, bullets, ellipses, hashtags, URLs, `{`, "lorem ipsum", emoticons, contractions, abbreviations |
/// | `register` | one of `extraTexts` (e.g. Welsh exam questions and answers), as it is |
public struct QualityCorpus: Sendable {
    /// One document.
    public struct Document: Sendable {
        public var id: String
        public var text: String
        public var shape: String
    }

    /// The documents in order.
    public var documents: [Document]

    /// The document shapes.
    public enum Shape: String, Sendable, CaseIterable {
        case bench, prose, repeats, noisy, register
    }

    /// Builds `count` documents, cycling through `shapes` (a shape without material is skipped).
    public static func build(
        english: [String], welsh: [String], extraTexts: [String] = [], count: Int,
        shapes: [Shape] = [.bench], seed: UInt64
    ) -> QualityCorpus {
        var rng = SeededRandom(seed: seed)
        var docs: [Document] = []
        docs.reserveCapacity(count)
        let usable = shapes.filter { $0 != .register || !extraTexts.isEmpty }
        let proseEnglish = english.filter(isProse), proseWelsh = welsh.filter(isProse)
        guard !proseEnglish.isEmpty, !proseWelsh.isEmpty, !usable.isEmpty else { return QualityCorpus(documents: []) }
        func prose(_ rng: inout SeededRandom) -> String {
            Self.prose(rng.unit() < 0.5 ? proseEnglish : proseWelsh, &rng)
        }
        var i = 0
        while docs.count < count {
            let shape = usable[i % usable.count]
            i += 1
            let text: String
            switch shape {
            case .bench: text = bench(english, welsh, &rng)
            case .prose: text = prose(&rng)
            case .repeats: text = repeats(prose(&rng), &rng)
            case .noisy: text = noisy(prose(&rng), &rng)
            case .register: text = extraTexts[pick(extraTexts.count, &rng)]
            }
            docs.append(Document(id: "q\(docs.count)", text: text, shape: shape.rawValue))
        }
        return QualityCorpus(documents: docs)
    }

    /// The corpus as JSONL lines `{"id","text"}` (the documents format).
    public func jsonl() -> [UInt8] {
        var out: [UInt8] = []
        for d in documents {
            out += JSONWriter.bytes(.object(["id": .string(d.id), "text": .string(d.text)]))
            out.append(0x0A)
        }
        return out
    }

    /// English and Welsh segments of a parallel TSV (`en<TAB>cy` per line).
    public static func segments(tsv path: String) throws -> (english: [String], welsh: [String]) {
        let reader = try LineReader(path: path)
        var en: [String] = [], cy: [String] = []
        while let line = try reader.next() {
            let cols = String(decoding: line.bytes, as: UTF8.self).split(separator: "\t", omittingEmptySubsequences: false)
            guard cols.count == 2 else { continue }
            en.append(String(cols[0]))
            cy.append(String(cols[1]))
        }
        return (en, cy)
    }

    /// A sentence of running prose: 8+ words, a final full stop, at most one word with a digit or
    /// bracket.
    static func isProse(_ s: String) -> Bool {
        let words = s.split(separator: " ")
        return words.count >= 8 && s.hasSuffix(".")
            && words.filter { $0.contains(where: { "()[]".contains($0) || $0.isNumber }) }.count <= 1
    }

    static func pick(_ n: Int, _ rng: inout SeededRandom) -> Int { Int(rng.next() % UInt64(n)) }

    static func bench(_ en: [String], _ cy: [String], _ rng: inout SeededRandom) -> String {
        var paras: [String] = []
        for _ in 0..<4 {
            let k = 2 + pick(4, &rng)
            let s = pick(max(1, en.count - k), &rng)
            paras.append(en[s..<min(en.count, s + k)].joined(separator: " "))
        }
        let lines = (0..<4).map { _ in cy[pick(cy.count, &rng)] }
        return paras.joined(separator: "\n\n") + "\n\n" + lines.joined(separator: "\n")
    }

    static func prose(_ segs: [String], _ rng: inout SeededRandom) -> String {
        let target = 60 + pick(260, &rng)
        var i = pick(segs.count, &rng)
        var lines: [String] = []
        var words = 0
        while words < target && lines.count < segs.count {
            lines.append(segs[i])
            words += segs[i].split(separator: " ").count
            i = (i + 1) % segs.count
        }
        return lines.joined(separator: "\n")
    }

    static func repeats(_ text: String, _ rng: inout SeededRandom) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        switch pick(4, &rng) {
        case 0:  // repeated lines
            for _ in 0..<(1 + pick(max(1, lines.count / 2), &rng)) {
                lines.insert(lines[pick(lines.count, &rng)], at: pick(lines.count + 1, &rng))
            }
            return lines.joined(separator: "\n")
        case 1:  // repeated paragraphs
            let paras = stride(from: 0, to: lines.count, by: 2).map { lines[$0..<min(lines.count, $0 + 2)].joined(separator: "\n") }
            var out = paras
            for _ in 0..<(1 + pick(max(1, paras.count), &rng)) { out.append(paras[pick(paras.count, &rng)]) }
            return out.joined(separator: "\n\n")
        case 2:  // a phrase repeated through the text
            let words = text.split(separator: " ")
            let n = 3 + pick(6, &rng)
            let s = pick(max(1, words.count - n), &rng)
            let phrase = words[s..<min(words.count, s + n)].joined(separator: " ")
            for _ in 0..<(1 + pick(8, &rng)) { lines.insert(phrase, at: pick(lines.count + 1, &rng)) }
            return lines.joined(separator: "\n")
        default:  // a bigram hammered
            let words = text.split(separator: " ")
            let s = pick(max(1, words.count - 2), &rng)
            let bigram = words[s..<min(words.count, s + 2)].joined(separator: " ")
            return text + " " + Array(repeating: bigram, count: 5 + pick(40, &rng)).joined(separator: " ")
        }
    }

    /// Web-page noise and tokenizer edge cases.
    public static let noise = [
        "Home | About | Contact", "Please enable JavaScript to view this page.", "This site uses cookies.",
        "Read our privacy policy and terms of use.", "Share this page", "Read more...", "Next.", "Back to top",
        "See section 3[1] and the notes[citation needed].", "Edit this page [edit]", "• Item one", "• Item two",
        "- a dash item", "And then...", "Wait …", "#cymru #senedd #deddf", "Visit https://www.legislation.gov.uk/wsi/2019/123/made.",
        "Email info@example.gov.uk for help.", "The function returns {\"ok\": true}.", "Lorem ipsum dolor sit amet.",
        "I don't think it's ready, e.g. see Mr. Jones's note at 5pm :) ok?", "U.K. law vs. E.U. law (i.e. retained).",
        "It costs £5.50 or $7 — about 10km away, 3.5kg.", "He said: \"Go!\" She said 'no'.", "Dr. Smith, Ph.D., arrived at 10a.m. sharp.",
        "Rhif 12/2019; a.y.b. ... ac ati.", "Rhannu'r dudalen hon", "Mae’r Gweinidogion wedi cytuno.", "o.O weird.B. text?",
        "x(:) and :-):) and o.O. and 8-)) fun.", "C++ and and/or w/o cannot gonna.", "Tel: 029 2082 5111. Fax: 029-2082-5112.",
        "¶ 4.—(1) Subject to paragraph (2), …", "2019/123 (W. 45) § 12(3)(a)", "the—em dash and en–dash tests.",
        "Section 1.2.3.4 and 192.168.1.1 and 8.8.8.8 addresses.", "Ceir: ŵ, ŷ, â, ê, î, ô, û; ‘dyfynnod’ «guillemets»."
    ]

    static func noisy(_ text: String, _ rng: inout SeededRandom) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for _ in 0..<(1 + pick(6, &rng)) {
            lines.insert(noise[pick(noise.count, &rng)], at: pick(lines.count + 1, &rng))
        }
        if pick(4, &rng) == 0 { lines = lines.map { "  " + $0 + " " } }
        return lines.joined(separator: pick(5, &rng) == 0 ? "\r\n" : "\n")
    }
}
