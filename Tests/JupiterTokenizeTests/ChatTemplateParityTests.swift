import Foundation
import JupiterCore
import Testing

@testable import JupiterTokenize

/// Chat templates render exactly as Python jinja2 (configured as transformers does) renders them;
/// goldens from generate_templates.py.
@Suite struct ChatTemplateParityTests {
    static let conversations: [String: Conversation] = {
        var out: [String: Conversation] = [:]
        guard let d = try? Data(contentsOf: Fixtures.dir.appendingPathComponent("conversations.jsonl")) else { return out }
        for (n, line) in d.split(separator: 0x0A).enumerated() {
            guard let v = try? JSONParser.parse([UInt8](line)),
                case .conversation(let c)? = try? NativeCodec.decode(
                    v, as: .conversation, fallbackID: "line\(n)", origin: Origin(file: "conversations.jsonl", line: n + 1))
            else { continue }
            out[c.id] = c
        }
        return out
    }()

    /// Hand-written look-alikes, then the real models' templates (SmolLM2-135M-Instruct, Qwen3).
    static let templateNames = ["nemotron3", "chatml", "llama3", "generation", "features"] + Fixtures.realNames

    /// A real model's template comes from its folder (its tokenizer_config.json, with its own
    /// special tokens), the way the recipe layer finds it; the look-alikes from templates/.
    static func template(_ name: String) throws -> ChatTemplate {
        if Fixtures.realNames.contains(name) {
            let found = try #require(try ChatTemplate.find(inModelFolder: Fixtures.modelFolder(name)))
            #expect(found.source == .tokenizerConfig(path: Fixtures.modelFolder(name) + "/tokenizer_config.json", name: nil))
            let src = try String(contentsOf: Fixtures.dir.appendingPathComponent("templates/\(name).jinja"), encoding: .utf8)
            #expect(found.template.source == src, "templates/\(name).jinja is the template of models/\(name)")
            return found.template
        }
        let src = try String(contentsOf: Fixtures.dir.appendingPathComponent("templates/\(name).jinja"), encoding: .utf8)
        return try ChatTemplate(source: src, bosToken: "<|begin_of_text|>", eosToken: "<|eot_id|>")
    }

    /// Where two renders first differ, with a little context.
    static func firstDifference(_ a: String, _ b: String) -> String {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        var i = 0
        while i < x.count, i < y.count, x[i] == y[i] { i += 1 }
        func ctx(_ u: [Unicode.Scalar]) -> String {
            String(String.UnicodeScalarView(u[max(0, i - 30)..<min(u.count, i + 30)])).debugDescription
        }
        return "first difference at \(i): got \(ctx(x)) expected \(ctx(y))"
    }

    @Test(arguments: templateNames)
    func rendersLikeJinja2(name: String) throws {
        let template = try Self.template(name)
        let tokenizer = Fixtures.realNames.contains(name) ? try Fixtures.tokenizer(name) : nil
        let goldens = try String(contentsOf: Fixtures.dir.appendingPathComponent("goldens/templates.jsonl"), encoding: .utf8)
            .split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
            .filter { $0["template"]?.stringValue == name }
        #expect(goldens.count >= 100)
        #expect(Self.conversations.count >= 30)
        var checked = 0
        for g in goldens {
            let id = g["conversation"]?.stringValue ?? ""
            guard let conv = Self.conversations[id] else { Issue.record("missing conversation \(id)"); continue }
            let gen = g["add_generation_prompt"]?.boolValue ?? false
            let extra = g["extra"]?.objectValue ?? JSONObject()
            let what = "\(name) / \(id) / gen=\(gen) \(JSONWriter.string(.object(extra)))"
            if let expectedError = g["error"]?.stringValue {
                do {
                    _ = try template.render(conv, addGenerationPrompt: gen, extra: extra)
                    Issue.record("\(what): expected the template to raise \(expectedError)")
                } catch {
                    #expect(error.kind == .raised, "\(what)")
                    #expect(error.message == expectedError, "\(what)")
                    #expect(error.conversationID == id)
                    #expect(error.description.contains(id) && error.description.contains(expectedError))
                }
                checked += 1
                continue
            }
            let expected = g["text"]?.stringValue ?? ""
            let text = try template.render(
                messages: conv.messages.map(ChatTemplate.messageValue), tools: conv.tools,
                addGenerationPrompt: gen, extra: extra)
            #expect(
                text == expected && Array(text.unicodeScalars) == Array(expected.unicodeScalars),
                "\(what): \(Self.firstDifference(text, expected))")
            if let tokenizer {
                // The rendered chat, special tokens and all, tokenizes as `tokenizers` does.
                let ids = tokenizer.encode(text, addSpecialTokens: false)
                var h: UInt64 = 0xcbf2_9ce4_8422_2325
                Fixtures.fnv(&h, Fixtures.idsBytes(ids))
                #expect(
                    ids.count == g["ids_count"]?.intValue && String(format: "%016llx", h) == g["ids_fnv64"]?.stringValue,
                    "\(what): ids of the render differ (\(ids.count) vs \(g["ids_count"]?.intValue ?? -1))")
            }
            if let spans = g["spans"]?.arrayValue {
                let rendered = try template.render(conv, addGenerationPrompt: gen, extra: extra)
                #expect(rendered.text == text)
                let got = rendered.assistantSpans.map(\.scalars)
                let want = spans.compactMap { s -> Range<Int>? in
                    let a = s.arrayValue?.compactMap(\.intValue) ?? []
                    return a.count == 3 ? a[1]..<a[2] : a.count == 2 ? a[0]..<a[1] : nil
                }
                #expect(got == want, "\(what) spans")
            } else {
                #expect(throws: TemplateError.self, "\(what): spans must be refused") {
                    _ = try template.render(conv, addGenerationPrompt: gen, extra: extra)
                }
            }
            checked += 1
        }
        #expect(checked == goldens.count)
    }
}
