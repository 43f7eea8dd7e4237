import Foundation

/// Removes secret values (API keys) from any text before it reaches a log line, an error
/// message, a manifest or the cache.
struct Redactor: Sendable {
    /// The secret values (keys of every model), longest first so overlapping keys redact fully.
    let secrets: [String]

    init(secrets: [String]) {
        self.secrets = Array(Set(secrets.filter { !$0.isEmpty })).sorted { $0.count > $1.count }
    }

    /// `text` with every secret replaced by `[redacted]`.
    func callAsFunction(_ text: String) -> String {
        var out = text
        for s in secrets where out.contains(s) { out = out.replacingOccurrences(of: s, with: "[redacted]") }
        return out
    }
}
