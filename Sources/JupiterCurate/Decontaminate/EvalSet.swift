import JupiterCore

/// An evaluation set read for decontamination: the prompt text of each item.
///
/// Accepted JSONL shapes, per line:
/// - OpenAI evals (the llm-evals-cy files): `{"input": [messages] | "text", "ideal": …}`: the
///   contents of the `user` messages (system prompts are shared instructions, not the item; the
///   `ideal` answers are often a letter);
/// - IFEval (`google/IFEval`): `{"key": 1000, "prompt": "…"}`: `prompt`, id `key`;
/// - GSM8K (`openai/gsm8k`): `{"question": "…", "answer": "…"}`: `question` (as open-instruct
///   queries it);
/// - otherwise the first string among `prompt`, `question`, `instruction`, `problem`, `text`.
///
/// An item's id is its `id`, `key` or `task_id` field when present, else `<name>#<index>`.
public struct EvalSet: Sendable {
    /// One evaluation item.
    public struct Item: Sendable, Hashable {
        /// 0-based position among the set's items.
        public var index: Int
        /// Item id.
        public var id: String
        /// The text compared with training records.
        public var text: String
        /// 1-based line in the file.
        public var line: Int
    }

    /// The name as written in the recipe.
    public var name: String
    /// Resolved path.
    public var path: String
    /// SHA-256 of the file (empty for sets built in code): what fingerprints and reports use, so
    /// they do not depend on the folder a run was started from.
    public var sha256 = ""
    /// Items in file order.
    public var items: [Item]

    /// Creates a set from items (for code and tests).
    public init(name: String, path: String = "", items: [Item]) {
        self.name = name
        self.path = path
        self.items = items
    }

    /// Reads a JSONL file; throws a ``Diagnostic`` naming the file and line for an unreadable
    /// file or a line with no usable text.
    public static func load(path: String, name: String) throws -> EvalSet {
        let reader: LineReader
        do { reader = try LineReader(path: path) } catch {
            throw Diagnostic(.error, "cannot read eval set '\(name)': \(error)", file: path)
        }
        var items: [Item] = []
        while true {
            let line: Line?
            do { line = try reader.next() } catch { throw Diagnostic(.error, "cannot read eval set '\(name)': \(error)", file: path) }
            guard let line else { break }
            if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let value: JSONValue
            do { value = try JSONParser.parse(line.bytes) } catch {
                throw Diagnostic(.error, "eval set '\(name)': invalid JSON: \(error)", file: path, line: line.number)
            }
            guard let text = itemText(value) else {
                throw Diagnostic(
                    .error, "eval set '\(name)': no prompt text (expected input, prompt, question, instruction, problem or text)",
                    file: path, line: line.number)
            }
            let index = items.count
            items.append(Item(index: index, id: itemID(value) ?? "\(name)#\(index)", text: text, line: line.number))
        }
        var set = EvalSet(name: name, path: path, items: items)
        do { set.sha256 = try SHA256.hex(ofFile: path) } catch {
            throw Diagnostic(.error, "cannot read eval set '\(name)': \(error)", file: path)
        }
        return set
    }

    /// The prompt text of one JSON item, by the rules above.
    public static func itemText(_ value: JSONValue) -> String? {
        if let input = value["input"] {
            if let s = input.stringValue { return s }
            if let messages = input.arrayValue {
                let user = messages.filter { $0["role"]?.stringValue == "user" }.compactMap { $0["content"]?.stringValue }
                if !user.isEmpty { return user.joined(separator: "\n") }
                let all = messages.compactMap { $0["content"]?.stringValue }
                if !all.isEmpty { return all.joined(separator: "\n") }
            }
        }
        for key in ["prompt", "question", "instruction", "problem", "text"] {
            if let s = value[key]?.stringValue { return s }
        }
        return nil
    }

    static func itemID(_ value: JSONValue) -> String? {
        for key in ["id", "key", "task_id"] {
            switch value[key] {
            case .string(let s)?: return s
            case .number(let n)?: return n
            default: continue
            }
        }
        return nil
    }
}
