/// Where a record came from: a source file and a 1-based line number.
public struct Origin: Sendable, Hashable {
    /// Source file, relative to the recipe (or as given on the command line).
    public var file: String
    /// 1-based line number (for CSV rows, the line the row starts on).
    public var line: Int
    /// Creates an origin.
    public init(file: String, line: Int) { self.file = file; self.line = line }
}

/// A record's history: the input lines it was built from and every stage it passed.
///
/// Most records have one origin; a record built by merging several inputs (for example a
/// multi-turn translation conversation built from five sentence pairs) lists them all.
public struct Lineage: Sendable, Hashable {
    /// Input lines the record was built from, in order. Never empty for a read record.
    public var origins: [Origin]
    /// Ids of the stages the record passed, in order.
    public var stages: [String]

    /// Creates a lineage.
    public init(origins: [Origin] = [], stages: [String] = []) {
        self.origins = origins
        self.stages = stages
    }

    /// A lineage with a single origin.
    public init(file: String, line: Int) { self.init(origins: [Origin(file: file, line: line)]) }

    /// The JSON form: `{"origins":[{"file":…,"line":…}],"stages":[…]}`.
    public var json: JSONValue {
        .object([
            "origins": .array(origins.map { .object(["file": .string($0.file), "line": .int($0.line)]) }),
            "stages": .array(stages.map { .string($0) })
        ])
    }

    /// Reads the JSON form; `nil` when the value is not a lineage object.
    public init?(json: JSONValue) {
        guard case .object(let o) = json else { return nil }
        var origins: [Origin] = []
        for item in o["origins"]?.arrayValue ?? [] {
            guard let file = item["file"]?.stringValue, let line = item["line"]?.intValue else { return nil }
            origins.append(Origin(file: file, line: line))
        }
        let stages = (o["stages"]?.arrayValue ?? []).compactMap(\.stringValue)
        self.init(origins: origins, stages: stages)
    }
}
