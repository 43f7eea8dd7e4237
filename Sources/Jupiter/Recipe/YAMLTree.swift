import JupiterCore
import Yams

/// Converts YAML text into ``ConfigNode`` trees that keep line and column of every value.
enum YAMLTree {
    /// Parses YAML; a syntax error becomes a diagnostic with its position.
    static func parse(_ text: String, file: String) -> (ConfigNode?, [Diagnostic]) {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                return (nil, [Diagnostic(.error, "recipe is empty", file: file, line: 1)])
            }
            var problems: [Diagnostic] = []
            let tree = convert(node, file: file, problems: &problems)
            return (tree, problems)
        } catch let error as YamlError {
            return (nil, [diagnostic(for: error, file: file)])
        } catch {
            return (nil, [Diagnostic(.error, "cannot parse YAML: \(error)", file: file)])
        }
    }

    static func diagnostic(for error: YamlError, file: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            return Diagnostic(.error, "invalid YAML: \(prefix)\(problem)", file: file, line: mark.line, column: mark.column)
        default:
            return Diagnostic(.error, "invalid YAML: \(error)", file: file)
        }
    }

    static func convert(_ node: Node, file: String, problems: inout [Diagnostic]) -> ConfigNode {
        let line = node.mark?.line ?? 0
        let column = node.mark?.column ?? 0
        switch node {
        case .scalar(let s):
            if s.style == .plain, ["", "~", "null", "Null", "NULL"].contains(s.string) {
                return ConfigNode(.null, line: line, column: column)
            }
            return ConfigNode(.scalar(s.string), line: line, column: column)
        case .sequence(let seq):
            return ConfigNode(.list(seq.map { convert($0, file: file, problems: &problems) }), line: line, column: column)
        case .mapping(let map):
            var entries: [(key: String, keyLine: Int, value: ConfigNode)] = []
            var seen = Set<String>()
            for (k, v) in map {
                let keyLine = k.mark?.line ?? line
                guard case .scalar(let ks) = k else {
                    problems.append(Diagnostic(.error, "mapping keys must be plain strings", file: file, line: keyLine))
                    continue
                }
                if !seen.insert(ks.string).inserted {
                    problems.append(Diagnostic(.error, "duplicate key '\(ks.string)'", file: file, line: keyLine))
                    continue
                }
                entries.append((ks.string, keyLine, convert(v, file: file, problems: &problems)))
            }
            return ConfigNode(.map(entries), line: line, column: column)
        case .alias(let a):
            return ConfigNode(.scalar("*alias"), line: a.mark?.line ?? line, column: column)
        }
    }
}
