import JupiterCore

/// Token counts of one record.
public struct TokenCount: Sendable, Equatable {
    /// All tokens of the record: the chat-template rendering when a template is used (turn
    /// markers and special tokens included), else the sum of its texts.
    public var total = 0
    /// Content tokens per role (`system`, `user`, `assistant`, `tool`; `document` for plain text,
    /// `source`/`target` for parallel pairs).
    public var byRole: [String: Int] = [:]
    /// Assistant reasoning-trace tokens.
    public var reasoning = 0
    /// Assistant answer (content) tokens.
    public var answer = 0

    /// Creates an empty count.
    public init() {}
}

/// Counts tokens of records with a model's tokenizer and, optionally, its chat template: the
/// API the mixer's token budgets use. Not thread-safe (it keeps a word cache): make one per task.
public struct TokenCounter {
    /// The tokenizer.
    public let tokenizer: Tokenizer
    /// The chat template conversations are rendered with (nil: count message texts only).
    public let template: ChatTemplate?
    var encoder: TokenEncoder

    /// Creates a counter.
    public init(tokenizer: Tokenizer, template: ChatTemplate? = nil) {
        self.tokenizer = tokenizer
        self.template = template
        encoder = tokenizer.makeEncoder()
    }

    /// Tokens in a text (no special tokens added).
    public mutating func count(_ text: String) -> Int { encoder.count(text) }

    /// Token counts of a record. Rendering errors (a template that raises) are thrown with the
    /// record id.
    public mutating func count(_ record: Record) throws(TemplateError) -> TokenCount {
        var c = TokenCount()
        switch record {
        case .conversation(let conv):
            try countMessages(conv.messages, into: &c)
            if let template {
                c.total = encoder.count(try template.render(conv).text)
            }
        case .eval(let e):
            let msgs = e.input + e.ideal.prefix(1).map { Message(role: .assistant, content: $0) }
            try countMessages(msgs, into: &c)
            if let template {
                c.total = encoder.count(try template.render(Conversation(id: e.id, messages: msgs)).text)
            }
        case .document(let d):
            c.byRole["document"] = encoder.count(d.text)
            c.total = c.byRole["document"] ?? 0
        case .pair(let p):
            c.byRole["source"] = encoder.count(p.source)
            c.byRole["target"] = encoder.count(p.target)
            c.total = (c.byRole["source"] ?? 0) + (c.byRole["target"] ?? 0)
        case .norm(let n):
            var t = 0
            for (_, kp) in NativeCodec.cultureBankColumns { t += encoder.count(n[keyPath: kp]) }
            c.byRole["norm"] = t
            c.total = t
        }
        return c
    }

    private mutating func countMessages(_ messages: [Message], into c: inout TokenCount) throws(TemplateError) {
        var sum = 0
        for m in messages {
            let n = encoder.count(m.content)
            c.byRole[m.role.rawValue, default: 0] += n
            sum += n
            if m.role == .assistant {
                c.answer += n
                if let r = m.reasoning {
                    let rn = encoder.count(r)
                    c.reasoning += rn
                    sum += rn
                }
            }
        }
        c.total = sum
    }
}

/// Token statistics over many records (what `jupiter tokens` prints).
public struct TokenStatistics: Sendable {
    /// Records counted.
    public var records = 0
    /// Sum of record totals.
    public var total = 0
    /// Content tokens per role.
    public var byRole: [String: Int] = [:]
    /// Assistant reasoning tokens.
    public var reasoning = 0
    /// Assistant answer tokens.
    public var answer = 0
    /// Records whose total is in each bucket: bucket `k` holds totals in [2^k, 2^(k+1)),
    /// bucket 0 also holds 0.
    public var histogram: [Int] = []
    /// Smallest and largest record total.
    public var minimum = Int.max, maximum = 0

    /// Creates empty statistics.
    public init() {}

    /// Adds one record's counts.
    public mutating func add(_ c: TokenCount) {
        records += 1
        total += c.total
        for (k, v) in c.byRole { byRole[k, default: 0] += v }
        reasoning += c.reasoning
        answer += c.answer
        let b = TokenStatistics.bucket(c.total)
        if histogram.count <= b { histogram += Array(repeating: 0, count: b + 1 - histogram.count) }
        histogram[b] += 1
        minimum = min(minimum, c.total)
        maximum = max(maximum, c.total)
    }

    /// Histogram bucket of a total.
    public static func bucket(_ n: Int) -> Int { n <= 1 ? 0 : (Int.bitWidth - 1 - n.leadingZeroBitCount) }

    /// Mean tokens per record.
    public var mean: Double { records == 0 ? 0 : Double(total) / Double(records) }
}
