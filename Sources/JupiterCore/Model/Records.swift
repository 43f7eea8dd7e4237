/// A multi-turn chat record: the unit of post-training data.
public struct Conversation: Sendable, Hashable {
    /// Stable record id.
    public var id: String
    /// Turns in order.
    public var messages: [Message]
    /// Tool (function) schemas offered to the model, as JSON (OpenAI `tools` shape).
    public var tools: [JSONValue]?
    /// Free-form metadata.
    public var metadata: JSONObject
    /// Unknown top-level fields of the source record, kept and written back.
    public var extra: JSONObject
    /// Provenance.
    public var lineage: Lineage

    /// Creates a conversation.
    public init(
        id: String, messages: [Message], tools: [JSONValue]? = nil, metadata: JSONObject = JSONObject(),
        extra: JSONObject = JSONObject(), lineage: Lineage = Lineage()
    ) {
        self.id = id
        self.messages = messages
        self.tools = tools
        self.metadata = metadata
        self.extra = extra
        self.lineage = lineage
    }
}

/// A plain text document (pre-training style or raw corpus text).
public struct Document: Sendable, Hashable {
    /// Stable record id.
    public var id: String
    /// The text.
    public var text: String
    /// Free-form metadata.
    public var metadata: JSONObject
    /// Unknown top-level fields of the source record.
    public var extra: JSONObject
    /// Provenance.
    public var lineage: Lineage

    /// Creates a document.
    public init(
        id: String, text: String, metadata: JSONObject = JSONObject(), extra: JSONObject = JSONObject(),
        lineage: Lineage = Lineage()
    ) {
        self.id = id
        self.text = text
        self.metadata = metadata
        self.extra = extra
        self.lineage = lineage
    }
}

/// Two texts that translate each other, with their language codes (e.g. `en`, `cy`).
public struct ParallelPair: Sendable, Hashable {
    /// Stable record id.
    public var id: String
    /// Language code of the first text.
    public var sourceLanguage: String
    /// Language code of the second text.
    public var targetLanguage: String
    /// First text.
    public var source: String
    /// Second text.
    public var target: String
    /// Free-form metadata.
    public var metadata: JSONObject
    /// Provenance.
    public var lineage: Lineage

    /// Creates a pair.
    public init(
        id: String, sourceLanguage: String, targetLanguage: String, source: String, target: String,
        metadata: JSONObject = JSONObject(), lineage: Lineage = Lineage()
    ) {
        self.id = id
        self.sourceLanguage = sourceLanguage
        self.targetLanguage = targetLanguage
        self.source = source
        self.target = target
        self.metadata = metadata
        self.lineage = lineage
    }
}

/// One cultural-norm record in the CultureBank schema.
public struct CultureNorm: Sendable, Hashable {
    /// Stable record id.
    public var id: String
    /// `cultural group`: who holds the norm (e.g. "British", "Welsh speakers").
    public var culturalGroup: String
    /// `context`: where or when it applies.
    public var context: String
    /// `goal`: what people are trying to do.
    public var goal: String
    /// `relation`: relation between actor and recipient.
    public var relation: String
    /// `actor`: who acts.
    public var actor: String
    /// `actor_behavior`: what the actor does.
    public var actorBehavior: String
    /// `recipient`: who is acted towards.
    public var recipient: String
    /// `recipient_behavior`: how the recipient responds.
    public var recipientBehavior: String
    /// `other_descriptions`: anything else.
    public var otherDescriptions: String
    /// `topic`: coarse topic label.
    public var topic: String
    /// `agreement`: share of sources agreeing (0–1), when known.
    public var agreement: Double?
    /// Other columns of the source row (e.g. `num_support_bin`, `time_range`), kept.
    public var extra: JSONObject
    /// Provenance.
    public var lineage: Lineage

    /// Creates a norm.
    public init(
        id: String, culturalGroup: String = "", context: String = "", goal: String = "", relation: String = "",
        actor: String = "", actorBehavior: String = "", recipient: String = "", recipientBehavior: String = "",
        otherDescriptions: String = "", topic: String = "", agreement: Double? = nil,
        extra: JSONObject = JSONObject(), lineage: Lineage = Lineage()
    ) {
        self.id = id
        self.culturalGroup = culturalGroup
        self.context = context
        self.goal = goal
        self.relation = relation
        self.actor = actor
        self.actorBehavior = actorBehavior
        self.recipient = recipient
        self.recipientBehavior = recipientBehavior
        self.otherDescriptions = otherDescriptions
        self.topic = topic
        self.agreement = agreement
        self.extra = extra
        self.lineage = lineage
    }
}

/// One evaluation item in OpenAI-evals form: chat input plus the ideal answer(s).
public struct EvalItem: Sendable, Hashable {
    /// Stable record id.
    public var id: String
    /// The prompt turns.
    public var input: [Message]
    /// Accepted answers (the `ideal` field, a string or a list of strings).
    public var ideal: [String]
    /// Whether `ideal` was a single string in the source (kept for faithful writing).
    public var idealIsList: Bool
    /// Unknown top-level fields of the source record.
    public var extra: JSONObject
    /// Provenance.
    public var lineage: Lineage

    /// Creates an eval item.
    public init(
        id: String, input: [Message], ideal: [String], idealIsList: Bool = false,
        extra: JSONObject = JSONObject(), lineage: Lineage = Lineage()
    ) {
        self.id = id
        self.input = input
        self.ideal = ideal
        self.idealIsList = idealIsList
        self.extra = extra
        self.lineage = lineage
    }
}

/// Any record flowing through a pipeline.
public enum Record: Sendable, Hashable {
    case conversation(Conversation)
    case document(Document)
    case pair(ParallelPair)
    case norm(CultureNorm)
    case eval(EvalItem)

    /// The kind of record, as named in recipes and errors.
    public var kind: RecordKind {
        switch self {
        case .conversation: .conversation
        case .document: .document
        case .pair: .pair
        case .norm: .norm
        case .eval: .eval
        }
    }

    /// The record id.
    public var id: String {
        get {
            switch self {
            case .conversation(let r): r.id
            case .document(let r): r.id
            case .pair(let r): r.id
            case .norm(let r): r.id
            case .eval(let r): r.id
            }
        }
        set {
            switch self {
            case .conversation(var r): r.id = newValue; self = .conversation(r)
            case .document(var r): r.id = newValue; self = .document(r)
            case .pair(var r): r.id = newValue; self = .pair(r)
            case .norm(var r): r.id = newValue; self = .norm(r)
            case .eval(var r): r.id = newValue; self = .eval(r)
            }
        }
    }

    /// The record's lineage.
    public var lineage: Lineage {
        get {
            switch self {
            case .conversation(let r): r.lineage
            case .document(let r): r.lineage
            case .pair(let r): r.lineage
            case .norm(let r): r.lineage
            case .eval(let r): r.lineage
            }
        }
        set {
            switch self {
            case .conversation(var r): r.lineage = newValue; self = .conversation(r)
            case .document(var r): r.lineage = newValue; self = .document(r)
            case .pair(var r): r.lineage = newValue; self = .pair(r)
            case .norm(var r): r.lineage = newValue; self = .norm(r)
            case .eval(var r): r.lineage = newValue; self = .eval(r)
            }
        }
    }

    /// Returns the record with `stage` appended to its lineage. The record is consumed, so one
    /// that is referenced only here is changed in place (see ``appendStage(_:)``).
    public consuming func passing(_ stage: String) -> Record {
        appendStage(stage)
        return self
    }

    /// Appends `stage` to the lineage in place. The payload is moved out of the enum before it
    /// is changed, so a record referenced only here keeps its storage: no field is retained and
    /// the stage list is not copied (going through ``lineage``'s getter and setter copies both).
    public mutating func appendStage(_ stage: String) {
        switch consume self {
        case .conversation(var r):
            r.lineage.stages.append(stage)
            self = .conversation(r)
        case .document(var r):
            r.lineage.stages.append(stage)
            self = .document(r)
        case .pair(var r):
            r.lineage.stages.append(stage)
            self = .pair(r)
        case .norm(var r):
            r.lineage.stages.append(stage)
            self = .norm(r)
        case .eval(var r):
            r.lineage.stages.append(stage)
            self = .eval(r)
        }
    }

    /// The natural text of the record, used by text filters and dedup: a document's text, both
    /// sides of a pair joined by a newline, every turn's content of a conversation (reasoning
    /// excluded) joined by newlines, a norm's descriptive fields, an eval item's prompt and ideal.
    public var text: String {
        switch self {
        case .document(let d): return d.text
        case .pair(let p): return p.source + "\n" + p.target
        case .conversation(let c): return c.messages.map(\.content).joined(separator: "\n")
        case .norm(let n):
            return [
                n.culturalGroup, n.context, n.goal, n.relation, n.actor, n.actorBehavior, n.recipient,
                n.recipientBehavior, n.otherDescriptions, n.topic
            ].filter { !$0.isEmpty }.joined(separator: "\n")
        case .eval(let e): return (e.input.map(\.content) + e.ideal).joined(separator: "\n")
        }
    }
}

/// The kinds of ``Record``.
public enum RecordKind: String, Sendable, Hashable, CaseIterable {
    case conversation, document, pair, norm, eval
}
