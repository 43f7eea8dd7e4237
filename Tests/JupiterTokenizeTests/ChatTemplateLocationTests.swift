import Foundation
import JupiterCore
import Testing

@testable import JupiterTokenize

/// `ChatTemplate.find(inModelFolder:)`: a template file beside the config wins (as in
/// `transformers`), else the config's `chat_template`; nil when the folder has none.
@Suite struct ChatTemplateLocationTests {
    /// A temporary model folder with the given files.
    final class Folder {
        let path: String
        init(_ files: [String: String]) throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("jt-model-\(UUID().uuidString)").path
            for (name, text) in files {
                let file = (path as NSString).appendingPathComponent(name)
                try FileManager.default.createDirectory(
                    atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Data(text.utf8).write(to: URL(fileURLWithPath: file))
            }
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    static let user: [JSONValue] = [.object(["role": .string("user"), "content": .string("Shwmae")])]

    static func config(_ chatTemplate: JSONValue?) -> String {
        var o: JSONObject = ["bos_token": .object(["content": .string("<s>")]), "eos_token": .string("</s>")]
        if let chatTemplate { o["chat_template"] = chatTemplate }
        return JSONWriter.string(.object(o))
    }

    @Test func configStringTemplate() throws {
        let f = try Folder(["tokenizer_config.json": Self.config(.string("{{ bos_token }}{{ messages[0].content }}{{ eos_token }}"))])
        let found = try #require(try ChatTemplate.find(inModelFolder: f.path))
        #expect(found.source == .tokenizerConfig(path: f.file("tokenizer_config.json"), name: nil))
        #expect(found.source.description == f.file("tokenizer_config.json") + " (chat_template)")
        #expect(try found.template.render(messages: Self.user) == "<s>Shwmae</s>")
    }

    @Test func configListPicksDefaultOrTheNamedTemplate() throws {
        let list: JSONValue = .array([
            .object(["name": .string("tool_use"), "template": .string("tools:{{ messages[0].content }}")]),
            .object(["name": .string("default"), "template": .string("default:{{ messages[0].content }}")])
        ])
        let f = try Folder(["tokenizer_config.json": Self.config(list)])
        let found = try #require(try ChatTemplate.find(inModelFolder: f.path))
        #expect(found.source == .tokenizerConfig(path: f.file("tokenizer_config.json"), name: "default"))
        #expect(try found.template.render(messages: Self.user) == "default:Shwmae")
        let tools = try #require(try ChatTemplate.find(inModelFolder: f.path, name: "tool_use"))
        #expect(try tools.template.render(messages: Self.user) == "tools:Shwmae")
        #expect(tools.source.description.hasSuffix("(chat_template \"tool_use\")"))
    }

    @Test func configListWithoutTheNameSaysWhichItHas() throws {
        let list: JSONValue = .array([.object(["name": .string("rag"), "template": .string("x")])])
        let f = try Folder(["tokenizer_config.json": Self.config(list)])
        do { _ = try ChatTemplate.find(inModelFolder: f.path); Issue.record("found a default") } catch {
            #expect(error.kind == .invalidValue)
            #expect(error.path == "$.chat_template")
            #expect(error.message == "no template named \"default\" (it has \"rag\")")
            #expect(error.file == f.file("tokenizer_config.json"))
        }
    }

    @Test func jinjaFileAlone() throws {
        let f = try Folder(["chat_template.jinja": "{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}"])
        let found = try #require(try ChatTemplate.find(inModelFolder: f.path))
        #expect(found.source == .jinjaFile(path: f.file("chat_template.jinja")))
        #expect(found.source.description == f.file("chat_template.jinja"))
        #expect(try found.template.render(messages: Self.user) == "[user] Shwmae\n")
        #expect(found.template.bosToken == nil)
    }

    @Test func jinjaFileWinsOverTheConfigAndKeepsItsSpecialTokens() throws {
        let f = try Folder([
            "tokenizer_config.json": Self.config(.string("old:{{ messages[0].content }}")),
            "chat_template.jinja": "{{ bos_token }}new:{{ messages[0].content }}"
        ])
        let found = try #require(try ChatTemplate.find(inModelFolder: f.path))
        #expect(found.source == .jinjaFile(path: f.file("chat_template.jinja")))
        #expect(try found.template.render(messages: Self.user) == "<s>new:Shwmae")
        #expect(found.template.eosToken == "</s>")
    }

    @Test func namedTemplateFromAdditionalChatTemplates() throws {
        let f = try Folder([
            "chat_template.jinja": "default",
            "additional_chat_templates/tool_use.jinja": "tools:{{ messages | length }}"
        ])
        let found = try #require(try ChatTemplate.find(inModelFolder: f.path, name: "tool_use"))
        #expect(found.source == .jinjaFile(path: f.file("additional_chat_templates/tool_use.jinja")))
        #expect(try found.template.render(messages: Self.user) == "tools:1")
        #expect(try ChatTemplate.find(inModelFolder: f.path, name: "rag") == nil)
    }

    @Test func noTemplateIsNil() throws {
        let empty = try Folder([:])
        let absent = try Folder(["tokenizer_config.json": Self.config(nil)])
        let null = try Folder(["tokenizer_config.json": Self.config(.null)])
        for f in [empty, absent, null] { #expect(try ChatTemplate.find(inModelFolder: f.path) == nil) }
        #expect(try ChatTemplate.find(inModelFolder: "/nonexistent/model/folder") == nil)
    }

    @Test func brokenFilesAreErrorsNamingTheFile() throws {
        let bad = try Folder(["chat_template.jinja": "{% if x %}never closed"])
        do { _ = try ChatTemplate.find(inModelFolder: bad.path); Issue.record("compiled") } catch {
            #expect(error.kind == .invalidValue)
            #expect(error.file == bad.file("chat_template.jinja"))
            #expect(error.description.contains("missing endif"), "\(error.description)")
        }
        let json = try Folder(["tokenizer_config.json": "{\"chat_template\": \"x\",,}"])
        do { _ = try ChatTemplate.find(inModelFolder: json.path); Issue.record("parsed") } catch {
            #expect(error.kind == .invalidJSON)
            #expect(error.file == json.file("tokenizer_config.json"))
        }
        let number = try Folder(["tokenizer_config.json": "{\"chat_template\": 5}"])
        #expect(throws: TokenizerError.self) { try ChatTemplate.find(inModelFolder: number.path) }
    }

    /// The real models' folders keep the template in tokenizer_config.json.
    @Test(arguments: Fixtures.realNames)
    func realModelFolders(name: String) throws {
        let found = try #require(try ChatTemplate.find(inModelFolder: Fixtures.modelFolder(name)))
        #expect(found.source == .tokenizerConfig(path: Fixtures.modelFolder(name) + "/tokenizer_config.json", name: nil))
        #expect(found.template.eosToken == "<|im_end|>")
    }
}
