import JupiterCore

@testable import JupiterCurate

/// Real-shaped texts for the quality tests, built from the shared llm-evals-cy data.
enum QualityTestTexts {
    /// A Welsh document: consecutive prose sentences of the Welsh legislation (at least 8 words,
    /// ending in a full stop, at most one word with a digit or bracket), one per line.
    static func welshDocument(minWords: Int = 120, skip: Int = 0) throws -> String {
        try document(try CurateTestSupport.legislationPairs().map(\.cy), minWords: minWords, skip: skip)
    }

    /// An English document built the same way from the English side.
    static func englishDocument(minWords: Int = 120, skip: Int = 0) throws -> String {
        try document(try CurateTestSupport.legislationPairs().map(\.en), minWords: minWords, skip: skip)
    }

    /// `skip` counts prose sentences (there are about 255 on each side, 5000 words).
    static func document(_ sentences: [String], minWords: Int, skip: Int) throws -> String {
        var lines: [String] = []
        var words = 0
        let prose = sentences.filter { s in
            let w = s.split(separator: " ")
            return w.count >= 8 && s.hasSuffix(".") && !s.contains("{")
                && w.filter { $0.contains(where: { "()[]".contains($0) || $0.isNumber }) }.count <= 1
        }
        for s in prose.dropFirst(skip) {
            lines.append(s)
            words += s.split(separator: " ").count
            if words >= minWords { break }
        }
        return lines.joined(separator: "\n")
    }

    /// Welsh exam question stems (MMLU-lite user turns without the A–D options).
    static func welshQuestions() throws -> [String] {
        try CurateTestSupport.evalTexts().filter { $0.file == "welsh-mmlu-lite.jsonl" && $0.role == .user }
            .map { String($0.text.split(separator: "\n\n").first ?? "") }
    }
}
