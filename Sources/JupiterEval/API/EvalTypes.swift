import JupiterCore

/// Generation settings a task's protocol prescribes (the runner passes them to the model).
public struct GenerationSettings: Sendable, Hashable {
    /// Sampling temperature (`nil`: the server's default).
    public var temperature: Double?
    /// Maximum new tokens (`nil`: no limit set by the task).
    public var maxTokens: Int?
    /// Stop sequences.
    public var stop: [String]

    /// Creates settings.
    public init(temperature: Double? = nil, maxTokens: Int? = nil, stop: [String] = []) {
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.stop = stop
    }
}

/// A line of a task file that could not be read; the other lines are still scored.
public struct QuarantinedLine: Sendable, Hashable, CustomStringConvertible {
    /// The file.
    public var file: String
    /// 1-based line number.
    public var line: Int
    /// Why it was set aside.
    public var error: String
    /// The raw line (truncated to 2,000 bytes).
    public var raw: String

    /// Creates a quarantine entry.
    public init(file: String, line: Int, error: String, raw: String) {
        self.file = file
        self.line = line
        self.error = error
        self.raw = raw
    }

    /// `file:line: error`.
    public var description: String { "\(file):\(line): \(error)" }
}

/// Items read from a task file, and the lines that could not be read.
public struct TaskFile<Item: Sendable>: Sendable {
    /// The items, in file order.
    public var items: [Item]
    /// Lines set aside, with file and line.
    public var quarantined: [QuarantinedLine]
    /// `contentHashes[i]` identifies `items[i]` by its content: the SHA-256 of the line's JSON
    /// object with keys sorted at every level (``ContentHash``), so items pair across runs and
    /// models however the file is ordered or formatted.
    public var contentHashes: [String]

    /// Creates a result.
    public init(items: [Item], quarantined: [QuarantinedLine], contentHashes: [String] = []) {
        self.items = items
        self.quarantined = quarantined
        self.contentHashes = contentHashes
    }
}

/// The score of one response.
public struct ItemScore: Sendable, Hashable {
    /// What the scorer extracted from the response (the letter, the number, the normalised
    /// text); `nil` when nothing could be extracted.
    public var extracted: String?
    /// The item's score: 1 or 0 for accuracy metrics, a sentence-level metric value otherwise.
    public var score: Double

    /// Creates a score.
    public init(extracted: String?, score: Double) {
        self.extracted = extracted
        self.score = score
    }

    /// True when the score is 1 (accuracy metrics).
    public var isCorrect: Bool { score == 1 }
}

/// Where a task's source items live (the file and line each item came from).
public struct ItemOrigin: Sendable, Hashable {
    /// File path as given.
    public var file: String
    /// 1-based line.
    public var line: Int

    /// Creates an origin.
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }
}

/// Reads a JSONL task file line by line: parsed objects go to `decode`; lines that are not JSON
/// objects, or that `decode` rejects, are quarantined with file and line. Blank lines are skipped.
func readJSONLines<Item>(_ path: String, _ decode: (JSONObject, ItemOrigin) throws(EvalError) -> Item)
    throws(EvalError) -> TaskFile<Item>
{
    let reader: LineReader
    do { reader = try LineReader(path: path) } catch {
        throw EvalError(.io, "cannot read the task file: \(error)", file: path)
    }
    var items: [Item] = []
    var hashes: [String] = []
    var quarantined: [QuarantinedLine] = []
    while true {
        let line: Line
        do {
            guard let l = try reader.next() else { break }
            line = l
        } catch {
            throw EvalError(.io, "reading failed: \(error)", file: path)
        }
        let raw = String(decoding: line.bytes.prefix(2000), as: UTF8.self)
        if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
        func quarantine(_ why: String) {
            quarantined.append(QuarantinedLine(file: path, line: line.number, error: why, raw: raw))
        }
        if line.tooLong { quarantine("line longer than the reader's limit"); continue }
        let value: JSONValue
        do { value = try JSONParser.parse(line.bytes) } catch {
            quarantine("not JSON: \(error)"); continue
        }
        guard let object = value.objectValue else { quarantine("expected a JSON object, found \(value.typeName)"); continue }
        do {
            items.append(try decode(object, ItemOrigin(file: path, line: line.number)))
            hashes.append(ContentHash.of(value))
        } catch {
            quarantine(error.message)
        }
    }
    return TaskFile(items: items, quarantined: quarantined, contentHashes: hashes)
}

/// The content hash of a task item: SHA-256 (hex) of its JSON with every object's keys sorted
/// (by UTF-8 bytes) and no spaces. Number literals are kept as written.
public enum ContentHash {
    /// The hash of a JSON value.
    public static func of(_ value: JSONValue) -> String {
        var hash = SHA256()
        hash.update(JSONWriter.bytes(canonical(value)))
        return hash.hexDigest()
    }

    /// `value` with every object's keys sorted.
    static func canonical(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let o):
            return .object(
                JSONObject(
                    o.entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                        .map { JSONObject.Entry(key: $0.key, value: canonical($0.value)) }))
        case .array(let a): return .array(a.map(canonical))
        default: return value
        }
    }
}
