import JupiterCore

/// A seeded test corpus of real text with planted near-duplicates, for dedup accuracy tests and
/// benchmarks.
///
/// Base documents come from the English (user turn) and Welsh (`ideal`) sides of an
/// OpenAI-evals translation file such as `welsh-legislation-translation.jsonl`: consecutive
/// segments joined until the document reaches a word count drawn from `minWords...maxWords`.
/// Planted copies are made by ``Mutation``s: word edits at a rate, one sentence moved, a
/// boilerplate header and footer, or edits plus boilerplate.
public struct NearDuplicateCorpus: Sendable {
    /// How a planted copy differs from its original.
    public enum Mutation: String, Sendable, CaseIterable {
        /// Each word, with probability `editRate`, is replaced by a word from elsewhere in the
        /// document, deleted, or followed by an inserted word.
        case wordEdits = "edits"
        /// One segment moved to another position.
        case reorder
        /// A header line and a footer line added (web-page-style boilerplate).
        case boilerplate
        /// Word edits at half the rate plus boilerplate.
        case editsAndBoilerplate = "edits+boilerplate"
    }

    /// One document of the corpus.
    public struct Document: Sendable {
        /// Stable id (`doc-00012`).
        public var id: String
        /// The text.
        public var text: String
        /// Index of the base document it was made from (originals and their copies share it).
        public var group: Int
        /// `nil` for an original, the mutation for a planted copy.
        public var mutation: Mutation?
    }

    /// Documents in corpus order (copies are placed at random positions, possibly before their
    /// original).
    public var documents: [Document]

    /// Reads the segments of a translation file: `(english, welsh)` lists in file order.
    public static func segments(translationFile path: String) throws -> (english: [String], welsh: [String]) {
        let reader = try LineReader(path: path)
        var english: [String] = [], welsh: [String] = []
        while let line = try reader.next() {
            guard !line.bytes.isEmpty, let value = try? JSONParser.parse(line.bytes) else { continue }
            if let input = value["input"]?.arrayValue,
                let user = input.last(where: { $0["role"]?.stringValue == "user" })?["content"]?.stringValue
            {
                english.append(user)
            }
            if let ideal = value["ideal"]?.stringValue {
                welsh.append(ideal)
            } else if let first = value["ideal"]?.arrayValue?.first?.stringValue {
                welsh.append(first)
            }
        }
        return (english, welsh)
    }

    /// Joins consecutive segments into documents of `minWords...maxWords` words (each document a
    /// list of segments; the last, short remainder is dropped).
    public static func baseDocuments(
        segments: [String], minWords: Int = 100, maxWords: Int = 300,
        seed: UInt64
    ) -> [[String]] {
        var rng = SeededRandom(seed: seed)
        var docs: [[String]] = []
        var current: [String] = []
        var words = 0
        var target = Int.random(in: minWords...maxWords, using: &rng)
        for s in segments {
            current.append(s)
            words += s.split(whereSeparator: { $0 == " " || $0 == "\n" }).count
            if words >= target {
                docs.append(current)
                current = []
                words = 0
                target = Int.random(in: minWords...maxWords, using: &rng)
            }
        }
        return docs
    }

    /// Builds a corpus: every base document once, plus `copies` planted copies of a
    /// `plantedFraction` of them (mutations chosen in turn), shuffled with the seed.
    public static func build(
        base: [[String]], plantedFraction: Double = 0.4, copies: ClosedRange<Int> = 1...2,
        editRate: Double = 0.02, seed: UInt64
    ) -> NearDuplicateCorpus {
        var rng = SeededRandom(seed: seed)
        var docs: [Document] = []
        var mutationIndex = 0
        for (g, segs) in base.enumerated() {
            docs.append(Document(id: "", text: segs.joined(separator: " "), group: g, mutation: nil))
            guard rng.unit() < plantedFraction else { continue }
            for _ in 0..<Int.random(in: copies, using: &rng) {
                let m = Mutation.allCases[mutationIndex % Mutation.allCases.count]
                mutationIndex += 1
                docs.append(Document(id: "", text: mutate(segs, m, editRate: editRate, rng: &rng), group: g, mutation: m))
            }
        }
        docs.shuffle(using: &rng)
        for i in docs.indices { docs[i].id = "doc-" + pad(i, 6) }
        return NearDuplicateCorpus(documents: docs)
    }

    /// Applies one mutation to a document given as segments.
    public static func mutate(
        _ segs: [String], _ m: Mutation, editRate: Double,
        rng: inout SeededRandom
    ) -> String {
        switch m {
        case .wordEdits:
            return editWords(segs.joined(separator: " "), rate: editRate, rng: &rng)
        case .reorder:
            var s = segs
            if s.count >= 2 {
                let from = Int.random(in: 0..<s.count, using: &rng)
                let seg = s.remove(at: from)
                var to = Int.random(in: 0...s.count, using: &rng)
                if to == from { to = (to + 1) % (s.count + 1) }
                s.insert(seg, at: to)
            }
            return s.joined(separator: " ")
        case .boilerplate:
            return addBoilerplate(segs.joined(separator: " "), rng: &rng)
        case .editsAndBoilerplate:
            return addBoilerplate(editWords(segs.joined(separator: " "), rate: editRate / 2, rng: &rng), rng: &rng)
        }
    }

    /// Replaces, deletes or inserts words, each word edited with probability `rate`.
    public static func editWords(_ text: String, rate: Double, rng: inout SeededRandom) -> String {
        let words = text.split(separator: " ").map(String.init)
        guard !words.isEmpty else { return text }
        var out: [String] = []
        out.reserveCapacity(words.count + 8)
        for w in words {
            guard rng.unit() < rate else { out.append(w); continue }
            switch rng.next() % 3 {
            case 0: out.append(words[Int(rng.next() % UInt64(words.count))])
            case 1: break
            default: out.append(w); out.append(words[Int(rng.next() % UInt64(words.count))])
            }
        }
        return out.joined(separator: " ")
    }

    static let headers = [
        "Source: legislation.gov.uk. Contains public sector information licensed under the Open Government Licence v3.0.",
        "Ffynhonnell: deddfwriaeth.gov.uk. Yn cynnwys gwybodaeth sector cyhoeddus a drwyddedir o dan y Drwydded Llywodraeth Agored.",
        "Printed from the Senedd website on 12 March 2024 at 10:42. Page 3 of 17."
    ]
    static let footers = [
        "This page is provided for information only and does not constitute legal advice. Share | Print | Back to top",
        "Mae'r dudalen hon ar gyfer gwybodaeth yn unig. Rhannu | Argraffu | Yn ôl i'r brig",
        "Cookie settings · Accessibility statement · Privacy notice · Contact us · © Crown copyright"
    ]

    static func addBoilerplate(_ text: String, rng: inout SeededRandom) -> String {
        let h = headers[Int(rng.next() % UInt64(headers.count))]
        let f = footers[Int(rng.next() % UInt64(footers.count))]
        return h + "\n\n" + text + "\n\n" + f
    }

    /// Benchmark documents: `count` windows of `minWords...maxWords` words starting at random
    /// segments of `segments`, each with word edits at a random rate in `0...maxEditRate`.
    public static func randomWindows(
        segments: [String], count: Int, minWords: Int = 100, maxWords: Int = 300,
        maxEditRate: Double = 0.1, seed: UInt64
    ) -> [String] {
        var rng = SeededRandom(seed: seed)
        let wordCounts = segments.map { $0.split(separator: " ").count }
        var out: [String] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            var i = Int(rng.next() % UInt64(segments.count))
            let target = Int.random(in: minWords...maxWords, using: &rng)
            var parts: [String] = []
            var words = 0
            while words < target {
                parts.append(segments[i])
                words += wordCounts[i]
                i = (i + 1) % segments.count
            }
            out.append(editWords(parts.joined(separator: " "), rate: rng.unit() * maxEditRate, rng: &rng))
        }
        return out
    }

    static func pad(_ i: Int, _ width: Int) -> String {
        let s = String(i)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
