import JupiterCore
import JupiterCurate
import JupiterSynth

/// Every stage a recipe can name, model stages included: **the one list**. Adding a stage is one
/// file (the stage with its `static let factory`, in the module where it belongs: curation in
/// `JupiterCurate`, anything that calls a model in `JupiterSynth`) plus one line here.
public enum StageCatalog {
    /// The factories, by the order `jupiter validate` lists them.
    public static let all: [StageFactory] = [
        PairFilterStage.factory,
        LanguageIDStage.factory,
        QualityStage.factory,
        ExactDedupStage.factory,
        MinHashDedupStage.factory,
        SemanticDedupStage.factory,
        DecontaminateStage.factory,
        ParallelToChatStage.factory,
        GenerateStage.factory,
        UncertaintyStage.factory,
        ReplayStage.factory,
        TranslateStage.factory,
        CultureSynthStage.factory
    ]

    /// Factories by stage name.
    public static let byName: [String: StageFactory] = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

    /// Stage names, sorted.
    public static var names: [String] { byName.keys.sorted() }
}
