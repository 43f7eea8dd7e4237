import ArgumentParser

/// Benchmark drivers, called by the scripts in `bench/` that also run the Python peers and
/// print the comparison table.
@main
struct JupiterBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jupiter-bench",
        abstract: "Benchmark drivers used by bench/*.sh.",
        subcommands: [
            JSONLBench.self, ParquetBench.self, TokenizeBench.self, ClientBench.self, MinHashBench.self,
            LangIDBench.self, MixBench.self, ReplayBench.self, EvalBench.self, QualityBench.self, StageBench.self,
            DeflateBench.self,
            ScriptedServerCommand.self
        ]
    )
}
