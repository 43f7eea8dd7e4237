import JupiterCore
import JupiterTokenize

/// How the mixer measures records in tokens: the target model's tokenizer (and chat template,
/// when given, so turn markers and special tokens count too), or an estimate of one token per
/// four UTF-8 bytes of text when no tokenizer is given.
public struct MixMeasure: Sendable {
    /// The tokenizer (nil: estimate).
    public var tokenizer: Tokenizer?
    /// The chat template conversations are rendered with before counting (and for `text` shards).
    public var template: ChatTemplate?
    /// Where the tokenizer came from, as written in the recipe, with its SHA-256 (for the card and
    /// manifest; nil when estimating).
    public var tokenizerSource: (path: String, sha256: String)?
    /// Where the chat template came from, with its SHA-256.
    public var templateSource: (path: String, sha256: String)?

    /// Estimates tokens (no tokenizer).
    public init() {}

    /// Counts with a tokenizer and, optionally, a chat template.
    public init(
        tokenizer: Tokenizer, tokenizerSource: (path: String, sha256: String),
        template: ChatTemplate? = nil, templateSource: (path: String, sha256: String)? = nil
    ) {
        self.tokenizer = tokenizer
        self.tokenizerSource = tokenizerSource
        self.template = template
        self.templateSource = template == nil ? nil : templateSource
    }

    /// One line for the dataset card and the manifest.
    public var summary: String {
        guard let t = tokenizerSource else {
            return "estimated as one token per 4 UTF-8 bytes of message text (no tokenizer in the recipe)"
        }
        var s = "counted with the tokenizer `\(t.path)` (sha256 \(t.sha256.prefix(12)))"
        if let c = templateSource {
            s += " on conversations rendered with the chat template of `\(c.path)` (sha256 \(c.sha256.prefix(12)))"
        } else {
            s += " on message texts (no chat template: turn markers not counted)"
        }
        return s
    }

    /// The manifest form.
    public var json: JSONValue {
        guard let t = tokenizerSource else { return .object(["method": .string("estimate-utf8-bytes-div-4")]) }
        var o: JSONObject = [
            "method": .string(templateSource == nil ? "tokenizer" : "tokenizer+chat-template"),
            "tokenizer": .string(t.path), "tokenizer_sha256": .string(t.sha256)
        ]
        if let c = templateSource {
            o["chat_template"] = .string(c.path)
            o["chat_template_sha256"] = .string(c.sha256)
        }
        return .object(o)
    }

    /// A counter for one task (tokenizer counters keep a cache and are not shared).
    func makeCounter() -> RecordTokenCounter {
        RecordTokenCounter(counter: tokenizer.map { TokenCounter(tokenizer: $0, template: template) })
    }
}

/// Counts one record's tokens for the mixer.
struct RecordTokenCounter {
    var counter: TokenCounter?

    mutating func count(_ record: Record) throws(TemplateError) -> Int {
        if let total = try counter?.count(record).total { return total }
        return RecordTokenCounter.estimate(record)
    }

    /// One token per 4 UTF-8 bytes (rounded up) of the record's texts.
    static func estimate(_ record: Record) -> Int {
        var bytes = 0
        switch record {
        case .conversation(let c):
            for m in c.messages {
                bytes += m.content.utf8.count + (m.reasoning?.utf8.count ?? 0)
                for call in m.toolCalls { bytes += call.name.utf8.count + call.arguments.utf8.count }
            }
        case .document(let d): bytes = d.text.utf8.count
        case .pair(let p): bytes = p.source.utf8.count + p.target.utf8.count
        case .eval(let e): bytes = e.input.reduce(0) { $0 + $1.content.utf8.count } + (e.ideal.first?.utf8.count ?? 0)
        case .norm(let n): bytes = NativeCodec.cultureBankColumns.reduce(0) { $0 + n[keyPath: $1.keyPath].utf8.count }
        }
        return (bytes + 3) / 4
    }
}
