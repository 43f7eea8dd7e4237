import JupiterCore
import Testing

@testable import JupiterCurate

/// Conversation rules: each fires on a crafted real-shaped chat, none on the shared evals turned
/// into chats (system + user + ideal as the assistant answer).
@Suite struct ConversationRulesTests {
    static func chat(_ user: String, _ assistant: String, system: String? = nil) -> [Message] {
        (system.map { [Message(role: .system, content: $0)] } ?? [])
            + [Message(role: .user, content: user), Message(role: .assistant, content: assistant)]
    }

    static func translation() throws -> (en: String, cy: String) {
        try #require(try CurateTestSupport.legislationPairs().first { $0.en.hasSuffix(".") && $0.cy.hasSuffix(".") && $0.en.count > 80 })
    }

    @Test("the shared evals as chats pass: no rule fires except truncation on a few inconsistent translations")
    func realChatsPass() throws {
        var checked = 0
        var truncated: [String] = []
        for file in FileSystem.list(CurateTestSupport.evalsDirectory) ?? [] where file.hasSuffix(".jsonl") {
            let bytes = try FileSystem.read(CurateTestSupport.evalsDirectory + "/" + file)
            for line in bytes.split(separator: UInt8(ascii: "\n")) {
                let item = try JSONParser.parse(Array(line))
                var messages: [Message] = []
                for m in item["input"]?.arrayValue ?? [] {
                    guard let role = m["role"]?.stringValue.flatMap(Role.init(rawValue:)) else { continue }
                    messages.append(Message(role: role, content: m["content"]?.stringValue ?? ""))
                }
                let ideal = item["ideal"]?.stringValue ?? item["ideal"]?.arrayValue?.first?.stringValue ?? ""
                messages.append(Message(role: .assistant, content: ideal))
                checked += 1
                guard let r = ConversationRules().check(messages) else { continue }
                if r.rule == "conv.truncated" && file == "welsh-legislation-translation.jsonl" {
                    truncated.append(String(ideal.suffix(40)))
                } else {
                    Issue.record("\(file): \(r.rule) \(r.message) — \(ideal.prefix(60))")
                }
            }
        }
        #expect(checked > 4000)
        // Welsh translations that end differently from their English source ("…; ac" for "…;").
        #expect(truncated.count <= 8, "\(truncated)")
        print("conversation rules on \(checked) eval chats: \(truncated.count) flagged as truncated: \(truncated)")
    }

    @Test(
        "broken role order",
        arguments: [
            ([Role.user, .user, .assistant], "turn 2 is a user turn after a user turn"),
            ([.system, .assistant], "turn 2 (assistant) comes before any user turn"),
            ([.user, .assistant, .assistant], "turn 3 is an assistant turn after an assistant turn"),
            ([.user, .assistant, .system, .user, .assistant], "turn 3 is a system turn after the conversation started"),
            ([.user, .tool, .assistant], "turn 2 (tool) does not answer an assistant tool call"),
            ([.user, .assistant, .user], "the conversation ends with a user turn, not an assistant turn"),
            ([.system], "no user turn")
        ])
    func roleOrder(roles: [Role], message: String) throws {
        let (en, cy) = try Self.translation()
        let messages = roles.map { Message(role: $0, content: $0 == .assistant ? cy : en) }
        let r = try #require(ConversationRules().check(messages))
        #expect(r.rule == "conv.role_order")
        #expect(r.message == message)
    }

    @Test("tool calls must be answered; answered ones are fine")
    func toolCalls() throws {
        let call = Message(role: .assistant, content: "", toolCalls: [ToolCall(id: "1", name: "lookup", arguments: "{}")])
        let user = Message(role: .user, content: "Beth yw'r tywydd yng Nghaerdydd heddiw?")
        let tool = Message(role: .tool, content: "{\"temp\": 14}", toolCallID: "1")
        let answer = Message(role: .assistant, content: "Mae hi'n 14 gradd yng Nghaerdydd heddiw.")
        #expect(ConversationRules().check([user, call, tool, answer]) == nil)
        #expect(ConversationRules().check([user, call])?.message == "turn 2 (assistant) ends with unanswered tool calls")
        #expect(ConversationRules().check([user, call, answer])?.rule == "conv.role_order")
    }

    @Test(
        "empty, whitespace-only and punctuation-only turns",
        arguments: [
            ("", "conv.empty_turn"), ("  \n ", "conv.empty_turn"), ("...", "conv.no_text_turn"), ("?!", "conv.no_text_turn")
        ])
    func emptyTurns(content: String, rule: String) throws {
        let (en, _) = try Self.translation()
        let r = try #require(ConversationRules().check(Self.chat(en, content)))
        #expect(r.rule == rule)
        #expect(r.value == .int(2))
        let r2 = try #require(ConversationRules().check(Self.chat(content, "Iawn.")))
        #expect(r2.rule == rule)
        #expect(r2.value == .int(1))
    }

    @Test(
        "truncated assistant turns",
        arguments: [
            "Mae'r rheoliadau'n berthnasol i'r awdurdodau canlynol (",
            "Mae'r Rheoliadau hyn yn gwneud darpariaeth ynghylch y gofynion sy'n gymwys i",
            "Dyma enghraifft:\n```python\nfor i in range(10):\n    print(i)",
            "Mae'r ddogfen yn cynnwys tair adran, sef y cyflwyniad, y dull,"
        ])
    func truncated(answer: String) throws {
        let r = try #require(ConversationRules().check(Self.chat("Esboniwch y rheoliadau newydd.", answer)))
        #expect(r.rule == "conv.truncated")
        #expect(r.value == .int(2))
    }

    @Test("finish_reason length marks truncation; lists, headings and short answers are not truncated")
    func truncationEdges() throws {
        var m = Message(role: .assistant, content: "Mae'r rheoliadau'n dod i rym ar 1 Ebrill.")
        m.extra["finish_reason"] = .string("length")
        #expect(ConversationRules().check([Message(role: .user, content: "Pryd?"), m])?.rule == "conv.truncated")
        for fine in [
            "Ydw", "Dyma'r rhestr:\n- bara\n- llaeth a menyn o'r siop ar y gornel ger yr orsaf drenau",
            "## Crynodeb o'r rheoliadau newydd ar gyfer ysgolion yng Nghymru", "42"
        ] {
            #expect(ConversationRules().check(Self.chat("Esboniwch.", fine)) == nil, "\(fine)")
        }
    }

    @Test("an assistant turn that repeats the user")
    func echo() throws {
        let (en, cy) = try Self.translation()
        let r = try #require(ConversationRules().check(Self.chat(en, en)))
        #expect(r.rule == "conv.echo")
        #expect(r.value == .double(1))
        let r2 = try #require(ConversationRules().check(Self.chat("Translate into Welsh: " + en, en)))
        #expect(r2.rule == "conv.echo")
        #expect(ConversationRules().check(Self.chat(en, cy)) == nil)
    }

    @Test("a grammar correction sharing most words with the prompt is not an echo")
    func correctionNotEcho() {
        let user = "Cywirwch y frawddeg hon: Aeth gyd o ni i'r dre ddoe i brynu bara a llaeth."
        let answer = "Aethom ni i gyd i'r dre ddoe i brynu bara a llaeth."
        #expect(ConversationRules().check(Self.chat(user, answer)) == nil)
    }

    @Test("repeated n-gram loops")
    func loops() throws {
        let (_, cy) = try Self.translation()
        let loop = cy + " " + String(repeating: "a bydd y Gweinidogion yn ", count: 8) + "gwneud hynny."
        let r = try #require(ConversationRules().check(Self.chat("Esboniwch.", loop)))
        #expect(r.rule == "conv.ngram_loop")
        #expect(r.message.contains("repeats a 5-word sequence 8 times"))
        let word = "Diolch " + String(repeating: "iawn ", count: 40) + "am eich help."
        #expect(ConversationRules().check(Self.chat("Diolch!", word))?.rule == "conv.ngram_loop")
        // Words are split on every Unicode white space (no-break space, ideographic space, new
        // lines) and compared by their bytes, Welsh letters included; words without a letter or
        // digit ("—", "…") are not counted.
        let spaced = "Mae'r dŵr\u{00A0}yn oer —\u{3000}ŵyr ŷd…\n"
        let hit = try #require(
            ConversationRules.loop("Dechrau. " + String(repeating: spaced, count: 6), maxPeriod: 50, minRepeats: 3, minWords: 30))
        #expect(hit.period == 6 && hit.repeats == 6)
        #expect(ConversationRules.wordIDsOf("dŵr dwr  dŵr\tDŵr — 12 dŵr") == [0, 1, 0, 2, 3, 0])
        #expect(ConversationRules.loop(String(repeating: "dŵr dwr ", count: 16), maxPeriod: 50, minRepeats: 3, minWords: 30)?.period == 2)
        let table = "| Blwyddyn | Nifer |\n| --- | --- |\n" + (2000...2030).map { "| \($0) | \($0 % 7) |" }.joined(separator: "\n")
        #expect(ConversationRules().check(Self.chat("Rhowch dabl.", table)) == nil)
    }

    @Test("non-text garbage: broken encoding and binary blobs")
    func garbage() throws {
        let (_, cy) = try Self.translation()
        let mojibake = cy.replacing("â", with: "Ã¢").replacing("'", with: "â€™") + " Ã©Ã©Ã© â€œ"
        let r = try #require(ConversationRules().check(Self.chat("Cyfieithwch.", mojibake)))
        #expect(r.rule == "conv.garbage")
        let replacement = String(repeating: "\u{FFFD}", count: 5) + cy
        #expect(ConversationRules().check(Self.chat("Cyfieithwch.", replacement))?.rule == "conv.garbage")
        let blob = "Dyma'r ffeil: " + String(repeating: "iVBORw0KGgo", count: 120)
        let r2 = try #require(ConversationRules().check(Self.chat("Anfonwch y ffeil.", blob + ".")))
        #expect(r2.rule == "conv.long_token")
        #expect((r2.value?.intValue ?? 0) > 1000)
    }
}
