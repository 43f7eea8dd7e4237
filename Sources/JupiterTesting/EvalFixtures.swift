import Foundation
import JupiterCore

/// Real-shaped evaluation items for tests of the evaluation runner, its CLI and its report.
public enum EvalFixtures {
    /// The llm-evals-cy multiple-choice system prompt.
    public static let mcqSystem =
        "You are answering multiple-choice questions. Reply with a single letter only: A, B, C, or D. "
        + "Do not include any explanation, punctuation, or other text."

    /// English–Welsh pairs of UK legislation shipped with the example (OGL v3.0), in file order.
    public static func legislationPairs() -> [(en: String, cy: String)] {
        let path = Peers.repoRoot + "/examples/cymru/data/legislation-en-cy.tsv"
        let text = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            return f.count == 2 ? (String(f[0]), String(f[1])) : nil
        }
    }

    /// `n` Welsh multiple-choice items in the llm-evals-cy format (`{"input": [system, user],
    /// "ideal": letter}`), built from the legislation pairs: which English sentence translates the
    /// Welsh one? Four options; the answer's place is seeded per item. Returns the JSONL text and,
    /// per item, the user message and the answer letter.
    public static func welshMultipleChoice(_ n: Int) -> (jsonl: String, items: [(user: String, ideal: String)]) {
        let pairs = legislationPairs()
        var out = ""
        var items: [(String, String)] = []
        for i in 0..<min(n, pairs.count) {
            let (_, cy) = pairs[i]
            var options = [
                pairs[i].en, pairs[(i + 7) % pairs.count].en, pairs[(i + 13) % pairs.count].en,
                pairs[(i + 29) % pairs.count].en
            ]
            var rng = SeededRandom(5, "mcq", String(i))
            let place = Int(rng.next() % 4)
            options.swapAt(0, place)
            let letters = ["A", "B", "C", "D"]
            let user =
                "Pa frawddeg Saesneg sy'n cyfieithu: \"\(cy)\"?\n\n"
                + zip(letters, options).map { "\($0): \($1)" }.joined(separator: "\n")
            out +=
                JSONWriter.string(
                    .object([
                        "input": .array([
                            .object(["role": .string("system"), "content": .string(mcqSystem)]),
                            .object(["role": .string("user"), "content": .string(user)])
                        ]), "ideal": .string(letters[place])
                    ])) + "\n"
            items.append((user, letters[place]))
        }
        return (out, items)
    }
}
