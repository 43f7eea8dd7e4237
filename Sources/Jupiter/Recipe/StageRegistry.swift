import JupiterCore
import JupiterCurate
import JupiterSynth

/// The stages a recipe can name.
public struct StageRegistry: Sendable {
    /// Factories by stage name.
    public private(set) var factories: [String: StageFactory]

    /// A registry of the given factories.
    public init(_ list: [StageFactory]) {
        factories = Dictionary(list.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Adds factories (later ones replace earlier ones of the same name).
    public mutating func add(_ list: [StageFactory]) {
        for f in list { factories[f.name] = f }
    }

    /// Names, sorted.
    public var names: [String] { factories.keys.sorted() }

    /// Every built-in stage that needs no model endpoint.
    public static func builtin() -> StageRegistry {
        StageRegistry([
            ParallelToChatStage.factory,
            PairFilterStage.factory,
            ExactDedupStage.factory,
            LanguageIDStage.factory,
            QualityStage.factory,
            MinHashDedupStage.factory,
            SemanticDedupStage.factory,
            DecontaminateStage.factory,
        ])
    }
}
