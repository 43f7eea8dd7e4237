import Foundation
import JupiterCore
import JupiterTesting
import Testing

@testable import JupiterEval

/// GSM8K extraction and scoring against lm-eval's own `RegexFilter` and `exact_match`.
@Suite struct GSM8KTests {
    /// Crafted responses: negative numbers, commas, $ amounts, trailing periods, several numbers,
    /// no number, `####` variations, CoT endings.
    static func responses() -> [String] {
        let numbers = [
            "18", "-3", "1,234", "$5", "$1,000.50", "3.50", "0.5", "18.", "-0.75", ".5", "7,", "1,000,000", "12345",
            "2.0", "-$4", "$-4", "1.2.3", "9,99"
        ]
        let templates = [
            "The answer is %@.", "#### %@", "####%@", "#### %@\n", "So she makes %@ dollars.\n#### %@",
            "%@", "Answer: %@ apples", "First 3 + 4 = 7, then %@", "Total: %@.\nThe answer is %@.", "#### %@ ####",
            "We get %@ and 42 and finally 7", "Result %@!"
        ]
        var out: [String] = []
        for t in templates {
            for n in numbers { out.append(t.replacingOccurrences(of: "%@", with: n)) }
        }
        out += [
            "", "no number here", "The answer is unknown.", "#### ", "###  18", "# ### 18", "#### -", "$$", "...", "1",
            "It costs $ 5", "Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = $<<9*2=18>>18.\n#### 18",
            "The answer is 18", "the answer is 18.", "The answer is -18.", "The answer is 1,800.", "#### 18.00",
            "\u{00A0}#### 18", "#### ١٨", "answer ٣ and 4", "3\n\n#### 3\n\nThe answer is 4.", "-", "--5", "5-", "1e3",
            "The answer is $18.", "####18####19", "We need 2 eggs.\n#### 2.\n", "12:30", "50%", "3/4", "(18)"
        ]
        return out
    }

    @Test("strict-match and flexible-extract equal lm-eval's filters and exact_match on 250+ crafted answers")
    func extractionParity() throws {
        try #require(Peers.has("lm_eval", "numpy"), "lm-eval is the reference; scripts/test installs it")
        let responses = Self.responses()
        #expect(responses.count >= 200)
        let answers = ["Janet sells 9 eggs.\n#### 18", "#### -3", "#### 1,234", "She has 5.\n#### 5", "#### 1000.5"]
        var cases: [(String, String)] = []
        for (i, r) in responses.enumerated() { cases.append((r, answers[i % answers.count])) }
        let input: JSONValue = .object(["cases": .array(cases.map { .object(["response": .string($0.0), "answer": .string($0.1)]) })])
        let ref = try EvalPeer.call("gsm8k", input)
        let standard = GSM8KScorer(variant: .standard), cot = GSM8KScorer(variant: .chainOfThought)
        var agree = 0, total = 0
        for (i, c) in cases.enumerated() {
            let r = ref[i]
            let s = standard.score(response: c.0, answer: c.1)
            let t = cot.score(response: c.0, answer: c.1)
            let checks: [(String?, JSONValue?, String)] = [
                (s.strict.extracted, r?["strict"], "strict"), (s.flexible.extracted, r?["flexible"], "flexible"),
                (t.strict.extracted, r?["strict_cot"], "strict cot")
            ]
            for (ours, theirs, what) in checks {
                total += 1
                if ours == theirs?.stringValue {
                    agree += 1
                } else {
                    Issue.record(
                        "\(what) of \(c.0.debugDescription): Jupiter \(ours ?? "nil"), lm-eval \(theirs.map { JSONWriter.string($0) } ?? "nil")"
                    )
                }
            }
            let scores: [(Double, JSONValue?, String)] = [
                (s.strict.score, r?["strict_score"], "strict score"), (s.flexible.score, r?["flexible_score"], "flexible score"),
                (t.strict.score, r?["strict_cot_score"], "strict cot score")
            ]
            for (ours, theirs, what) in scores {
                total += 1
                if ours == theirs?.doubleValue {
                    agree += 1
                } else {
                    Issue.record(
                        "\(what) of \(c.0.debugDescription) vs \(c.1.debugDescription): Jupiter \(ours), lm-eval \(theirs?.doubleValue ?? -1)"
                    )
                }
            }
        }
        print("GSM8K parity: \(agree)/\(total) extraction and score results equal lm-eval's (\(cases.count) responses)")
        #expect(agree == total)
    }

    @Test("the fixture's reference solutions score 1 under both filters; prompts follow lm-eval's format")
    func fixtureItems() throws {
        let file = try GSM8KTask.read(path: EvalPeer.fixtures + "/gsm8k-test-200.jsonl")
        #expect(file.items.count == 200)
        #expect(file.quarantined.isEmpty)
        let task = try GSM8KTask()
        for item in file.items {
            let r = task.score(item, response: item.answer)
            #expect(r.strict.isCorrect && r.flexible.isCorrect, "\(item.origin.line): \(r)")
        }
        let first = file.items[0]
        #expect(task.promptText(first) == "Question: \(first.question)\nAnswer:")
        let train = try GSM8KTask.read(path: EvalPeer.fixtures + "/gsm8k-train-50.jsonl").items
        let fewShot = try GSM8KTask(fewShot: .sampled(count: 5, seed: 7), trainItems: train)
        let text = fewShot.promptText(first)
        #expect(text.components(separatedBy: "\n\nQuestion: ").count == 6)
        #expect(text == fewShot.promptText(first))  // deterministic
        let cot = try GSM8KTask(variant: .chainOfThought, fewShot: .fixedChainOfThought(count: 8), format: .chatMultiturn)
        let messages = cot.prompt(first)
        #expect(messages.count == 17)
        #expect(messages[1].content.hasSuffix("The answer is 6."))
        #expect(messages[16].content == "Q: \(first.question)\nA:")
        #expect(cot.settings.stop == ["Q:", "</s>", "<|im_end|>"])
    }

    @Test("a bad line is quarantined with file and line, the rest still read")
    func quarantine() throws {
        let dir = try ScratchDirectory.make("gsm8k")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/t.jsonl"
        try Data(
            "{\"question\":\"q\",\"answer\":\"#### 1\"}\nnot json\n{\"question\":1}\n\n{\"question\":\"q2\",\"answer\":\"#### 2\"}\n".utf8
        )
        .write(to: URL(fileURLWithPath: path))
        let f = try GSM8KTask.read(path: path)
        #expect(f.items.map(\.question) == ["q", "q2"])
        #expect(f.quarantined.map(\.line) == [2, 3])
        #expect(f.quarantined[1].description.hasPrefix(path + ":3: "))
    }

    @Test(
        "the full GSM8K test split: every reference solution scores 1",
        .enabled(if: Peers.hasSharedData("gsm8k/test.jsonl"), "needs ../shared/data"))
    func fullTestSplit() throws {
        let file = try GSM8KTask.read(path: Peers.sharedData + "/gsm8k/test.jsonl")
        #expect(file.items.count == 1319)
        let task = try GSM8KTask()
        let correct = file.items.filter { task.score($0, response: $0.answer).strict.isCorrect }.count
        #expect(correct == 1319)
    }
}
