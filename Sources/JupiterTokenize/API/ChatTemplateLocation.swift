import Foundation
import JupiterCore

/// Where a model folder's chat template was found.
public enum ChatTemplateSource: Sendable, Equatable, CustomStringConvertible {
    /// A Jinja file beside the tokenizer: `chat_template.jinja`, or
    /// `additional_chat_templates/<name>.jinja` for a named template.
    case jinjaFile(path: String)
    /// The `chat_template` member of `tokenizer_config.json`: a string (`name` nil), or the entry
    /// called `name` of a list of named templates.
    case tokenizerConfig(path: String, name: String?)

    /// The file, and the entry when it is one of several.
    public var description: String {
        switch self {
        case .jinjaFile(let path): return path
        case .tokenizerConfig(let path, nil): return "\(path) (chat_template)"
        case .tokenizerConfig(let path, let name?): return "\(path) (chat_template \"\(name)\")"
        }
    }
}

/// A chat template and where it came from.
public struct LocatedChatTemplate: Sendable {
    /// The compiled template, with `bos_token` / `eos_token` from `tokenizer_config.json` when the
    /// folder has one.
    public let template: ChatTemplate
    /// Where its source was found.
    public let source: ChatTemplateSource
}

extension ChatTemplate {
    /// Finds the chat template of a model folder the way Hugging Face `transformers` does:
    ///
    /// 1. `chat_template.jinja` (for `name` "default"), or `additional_chat_templates/<name>.jinja`:
    ///    template files beside the config take priority over the config's own entry, as newer
    ///    models keep their template in them;
    /// 2. else `chat_template` in `tokenizer_config.json`: a string, or the entry called `name` of
    ///    a list of `{"name", "template"}` objects.
    ///
    /// Returns nil when the folder has no chat template (the caller decides whether that is worth
    /// a warning). Throws when one exists but cannot be read or compiled, when the config is not
    /// valid JSON, or when a list of named templates has no entry called `name` (the message lists
    /// the names it has).
    public static func find(inModelFolder folder: String, name: String = "default") throws(TokenizerError) -> LocatedChatTemplate? {
        let configFile = (folder as NSString).appendingPathComponent("tokenizer_config.json")
        let config = FileManager.default.fileExists(atPath: configFile) ? try TokenizerConfig(file: configFile) : nil

        let jinja =
            name == "default"
            ? (folder as NSString).appendingPathComponent("chat_template.jinja")
            : (folder as NSString).appendingPathComponent("additional_chat_templates/\(name).jinja")
        if FileManager.default.fileExists(atPath: jinja) {
            guard let data = FileManager.default.contents(atPath: jinja) else {
                throw TokenizerError(.io, path: "$", "cannot read \(jinja)", file: jinja)
            }
            guard let source = String(validating: [UInt8](data), as: UTF8.self) else {
                throw TokenizerError(.invalidValue, path: "$", "the template is not valid UTF-8", file: jinja)
            }
            return LocatedChatTemplate(
                template: try compile(source, config: config, file: jinja, path: "$"),
                source: .jinjaFile(path: jinja))
        }
        guard let config, let (source, entry) = try config.chatTemplate(name: name) else { return nil }
        return LocatedChatTemplate(
            template: try compile(source, config: config, file: configFile, path: "$.chat_template"),
            source: .tokenizerConfig(path: configFile, name: entry))
    }
}

/// The parts of `tokenizer_config.json` a chat template needs.
struct TokenizerConfig {
    let file: String
    let root: JSONValue

    /// Reads and parses the file.
    init(file: String) throws(TokenizerError) {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw TokenizerError(.io, path: "$", "cannot read \(file)", file: file)
        }
        let bytes = [UInt8](data)
        do { root = try JSONParser.parse(bytes) } catch {
            throw TokenizerError(
                .invalidJSON, path: JSONPathLocator.path(at: error.offset, in: bytes),
                "\(error.message) (byte \(error.offset))", file: file)
        }
        self.file = file
    }

    /// `chat_template`: the string, or the entry called `name` of a list (with that name); nil
    /// when the member is absent or null.
    func chatTemplate(name: String) throws(TokenizerError) -> (String, String?)? {
        switch root["chat_template"] {
        case nil, .null?:
            return nil
        case .string(let s)?:
            return (s, nil)
        case .array(let items)?:
            for (i, item) in items.enumerated() where item["name"]?.stringValue == name {
                guard let t = item["template"]?.stringValue else {
                    throw TokenizerError(.invalidValue, path: "$.chat_template[\(i)].template", "expected a string", file: file)
                }
                return (t, name)
            }
            let names = items.compactMap { $0["name"]?.stringValue }.map { "\"\($0)\"" }.joined(separator: ", ")
            throw TokenizerError(.invalidValue, path: "$.chat_template", "no template named \"\(name)\" (it has \(names))", file: file)
        case let other?:
            throw TokenizerError(
                .invalidValue, path: "$.chat_template", "expected a string or a list of named templates, found \(other.typeName)",
                file: file)
        }
    }

    /// A special token's text: a string, or an AddedToken object's `content`.
    func specialToken(_ key: String) -> String? {
        switch root[key] {
        case .string(let s)?: return s
        case .object(let o)?: return o["content"]?.stringValue
        default: return nil
        }
    }
}
