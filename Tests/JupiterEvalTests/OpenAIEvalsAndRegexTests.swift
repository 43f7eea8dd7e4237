import Foundation
import JupiterCore
import JupiterTesting
import Testing

@testable import JupiterEval

/// The OpenAI-evals reader and scorers, and the Python-`re` engine against Python itself.
@Suite struct OpenAIEvalsAndRegexTests {
    @Test("PyRegex: search, finditer, split and sub equal Python re on the patterns the scorers use")
    func regexParity() throws {
        try #require(Peers.has("json"), "Python is the reference")
        let texts = [
            "A", "B.", "The answer is B", "Aŵ B", "ŵA", "A\u{302} C", "(D)", "answer: c", "_A_ D", "AB C", "", "x\nA\n",
            "#### -1,234.5\n", "$18.", "a *b* **c** *d\ne*", "[x] [y\nz] []", "Section 1 a SECTION 2 b", "p.s. x\nP.P.S y",
            "hello\n* one\n- two\n  * three", "<<t>> <<u>>", "one, two", "dw\u{302}r ² x_y", "18\n", "x. y.\n"
        ]
        let patterns: [(String, String)] = [
            ("\\b([A-D])\\b", ""), ("#### (\\-?[0-9\\.\\,]+)", ""), ("(-?[$0-9.,]{2,})|(-?[0-9]+)", ""), ("\\.$", ""),
            ("(?s).*#### ", ""), ("\\*[^\\n\\*]*\\*", ""), ("\\[.*?\\]", ""), ("\\s?Section\\s?\\d+\\s?", ""),
            ("\\s*p\\.\\s?s\\..*$", "m"), ("^\\s*\\*[^\\*].*$", "m"), ("^\\s*-.*$", "m"), ("<<[^\\n]+>>", ""),
            ("\\w+", ""), ("\\bb\\b", "i"), ("a|ab|abc", ""), ("(a)(b)?", ""), ("x*", ""), ("$", ""), ("^", "m"),
            ("(?i)section", ""), ("[^\\w\\s]", ""), ("\\d+", ""), ("(?<!\\w)(\\')(?=\\w)", ""), ("a{2,}", ""), ("\\W+", "")
        ]
        var cases: [JSONValue] = []
        var ours: [JSONValue] = []
        for (p, f) in patterns {
            var flags: PyRegex.Flags = []
            if f.contains("i") { flags.insert(.ignoreCase) }
            if f.contains("m") { flags.insert(.multiline) }
            let r = try PyRegex(p, flags: flags)
            for t in texts {
                for op in ["search", "finditer", "split", "sub"] {
                    cases.append(
                        .object([
                            "pattern": .string(p), "flags": .string(f), "text": .string(t), "op": .string(op), "repl": .string("<\\g<0>>")
                        ]))
                    switch op {
                    case "search":
                        let a = Array(t.unicodeScalars)
                        if let m = r.search(a, from: 0) {
                            var spans = [JSONValue.int(m.range.lowerBound), .int(m.range.upperBound)]
                            for g in 0..<m.groupCount {
                                let s = m.spans[g + 1]
                                spans.append(.array([.int(s?.0 ?? -1), .int(s?.1 ?? -1)]))
                            }
                            ours.append(.array(spans))
                        } else {
                            ours.append(.null)
                        }
                    case "finditer":
                        ours.append(.array(r.finditer(t).map { .array([.int($0.range.lowerBound), .int($0.range.upperBound)]) }))
                    case "split": ours.append(.strings(r.split(t)))
                    default: ours.append(.string(r.sub("<\\g<0>>", t)))
                    }
                }
            }
        }
        let ref = try EvalPeer.call("regex", .object(["cases": .array(cases)]))
        var agree = 0
        for (i, o) in ours.enumerated() {
            if ref[i] == o {
                agree += 1
            } else {
                Issue.record(
                    "\(JSONWriter.string(cases[i])): Jupiter \(JSONWriter.string(o)), Python \(ref[i].map { JSONWriter.string($0) } ?? "?")"
                )
            }
        }
        print("PyRegex parity: \(agree)/\(ours.count)")
    }

    @Test("mcq-letter: the first standalone A–D, Unicode word boundaries as Python's re")
    func mcqLetter() {
        let s = MCQLetterScorer.standard
        #expect(s.extract("C") == "C")
        #expect(s.extract("The answer is B.") == "B")
        #expect(s.extract("Aŵ B") == "B")  // "ŵ" is a word character: no boundary after A
        #expect(s.extract("a b c") == nil)
        #expect(s.extract("(D) or A") == "D")
        #expect(s.extract("ABCD") == nil)
        #expect(s.score(response: " B ", ideal: ["B"]).isCorrect)
        #expect(!s.score(response: "Ateb: A", ideal: ["C"]).isCorrect)
        #expect(MCQLetterScorer.settings == GenerationSettings(temperature: 0, maxTokens: 10))
    }

    @Test("exact-match: strip, lower case, ASCII punctuation removed, regexes removed first")
    func exactMatch() throws {
        let e = ExactMatchScorer.openAIEvals
        #expect(e.normalise("  Ydy, mae'n wir!\n") == "ydy maen wir")
        #expect(e.score(prediction: "YDY.", references: ["ydy"]).isCorrect)
        #expect(!e.score(prediction: "ydyn", references: ["ydy"]).isCorrect)
        #expect(e.score(prediction: "Na", references: ["Ydy", "na"]).isCorrect)
        #expect(e.normalise("“Ydy”") == "“ydy”")  // only ASCII punctuation is removed
        let g = try ExactMatchScorer(regexesToIgnore: [",", "\\$", "(?s).*#### ", "\\.$"], ignoreCase: true)
        #expect(g.normalise("blah\n#### $1,000.") == "1000")
    }

    @Test("OpenAI-evals JSONL: string or list ideal, bad lines quarantined with file:line, corpus scores")
    func readAndScore() throws {
        let dir = try ScratchDirectory.make("oaievals")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/set.jsonl"
        let lines = [
            #"{"input": [{"role": "system", "content": "Reply A-D."}, {"role": "user", "content": "Q?"}], "ideal": "C"}"#,
            #"{"input": [{"role": "user", "content": "Q2"}], "ideal": ["B", "b"]}"#,
            #"{"input": [], "ideal": "A"}"#,
            "{broken",
            #"{"input": [{"role": "wizard", "content": "x"}], "ideal": "A"}"#,
            #"{"input": [{"role": "user", "content": "Q3"}], "ideal": 3}"#,
            #"{"input": [{"role": "user", "content": "Q4"}], "ideal": "D"}"#
        ]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        let f = try OpenAIEvalsTask.read(path: path)
        #expect(f.items.count == 3)
        #expect(f.quarantined.map(\.line) == [3, 4, 5, 6])
        #expect(f.quarantined.allSatisfy { $0.file == path })
        #expect(f.items[1].ideal == ["B", "b"])
        let task = try OpenAIEvalsTask(kindName: "mcq-letter")
        #expect(task.settings.maxTokens == 10 && task.settings.temperature == 0)
        #expect(task.prompt(f.items[0]).map(\.role) == [.system, .user])
        #expect(task.aggregate(items: f.items, responses: ["C", "The answer: B", "A"]) == 200.0 / 3)
        #expect(throws: EvalError.self) { try OpenAIEvalsTask(kindName: "rouge") }
        let bleu = OpenAIEvalsTask(kind: .bleu)
        #expect(
            bleu.aggregate(items: f.items, responses: ["C", "B", "D"])
                == BLEU().corpusScore(hypotheses: ["C", "B", "D"], references: [["C"], ["B", "b"], ["D"]]))
    }

    @Test(
        "llm-evals-cy files read without quarantine; mcq ideals are letters",
        .enabled(if: Peers.hasSharedData("llm-evals-cy/welsh-mmlu-lite.jsonl"), "needs ../shared/data"))
    func llmEvalsFiles() throws {
        for (name, count) in [("welsh-mmlu-lite", 400), ("welsh-arc-easy-mini-cy", 50), ("welsh-yes-no", 268), ("welsh-grammar", 991)] {
            let f = try OpenAIEvalsTask.read(path: Peers.sharedData + "/llm-evals-cy/\(name).jsonl")
            #expect(f.items.count == count && f.quarantined.isEmpty, "\(name)")
        }
        let mmlu = try OpenAIEvalsTask.read(path: Peers.sharedData + "/llm-evals-cy/welsh-mmlu-lite.jsonl").items
        let task = OpenAIEvalsTask(kind: .mcqLetter)
        #expect(task.aggregate(items: mmlu, responses: mmlu.map { $0.ideal[0] }) == 100)
    }

    @Test("reasoning: reasoning_content and a leading <think> block are kept apart from the answer")
    func reasoning() {
        let a = ScorableResponse(content: "<think>Let me see… 2+2</think>\n\nThe answer is B", reasoningContent: nil)
        #expect(a.answer == "The answer is B")
        #expect(a.reasoning == "Let me see… 2+2")
        #expect(a.reasoningLength == 15)
        let b = ScorableResponse(content: "B", reasoningContent: "thinking")
        #expect(b.answer == "B" && b.reasoningLength == 8)
        let c = ScorableResponse(content: "  <think>never closed because the budget ran out")
        #expect(c.answer.isEmpty && c.reasoning != nil)
        let d = ScorableResponse(content: "<think></think>C")
        #expect(d.answer == "C" && d.reasoning == nil)
        let e = ScorableResponse(content: "Plain <think>not leading</think>")
        #expect(e.answer == "Plain <think>not leading</think>" && e.reasoning == nil)
    }
}
