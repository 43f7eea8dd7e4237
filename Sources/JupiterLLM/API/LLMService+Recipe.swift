import Foundation
import JupiterCore

extension LLMService {
    /// The service for a recipe's `models:` section (no database yet), with every problem of the
    /// section as a diagnostic. Returns nil only when the section has errors; a recipe without
    /// models gets a service with no models (so `generate` reports "unknown model").
    ///
    /// Run wiring: build it before the plan and register ``LLMStages/factories(service:)`` in the
    /// stage registry; once the run folder is open, ``attachCache(database:)`` with the ledger's
    /// database and ``start()``; pass ``accounting`` to the manifest; ``shutdown()`` on every exit.
    public static func forRecipe(models: ConfigNode?, file: String?, baseDirectory: String,
                                 environment: [String: String] = ProcessInfo.processInfo.environment,
                                 logDirectory: String? = nil,
                                 log: @escaping @Sendable (String) -> Void = { _ in }) -> (LLMService?, [Diagnostic])
    {
        let (configs, problems) = ModelsSection.parse(models, file: file, context: StageBuildContext(baseDirectory: baseDirectory))
        if problems.contains(where: { $0.severity == .error }) { return (nil, problems) }
        do {
            return (try LLMService(models: configs, database: nil, environment: environment, logDirectory: logDirectory, log: log),
                    problems)
        } catch {
            return (nil, problems + [Diagnostic(.error, "models: \(error)", file: file, line: models?.line)])
        }
    }
}
