import ArgumentParser
import Foundation
import JupiterCore
import JupiterTokenize

/// `jupiter tokens FILE --tokenizer PATH`: token statistics of a JSONL file of records.
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Count tokens in a JSONL file with a model's tokenizer (and chat template).",
        discussion: """
            Prints the total, tokens per role, reasoning versus answer tokens of assistant turns, and a \
            histogram of tokens per record. Records may be conversations ({"messages": …}), eval items \
            ({"input": …, "ideal": …}), documents ({"text": …}) or translation pairs ({"translation": …}). \
            With a chat template (tokenizer_config.json next to tokenizer.json, or --chat-template), \
            conversation totals count the rendered text, turn markers included.
            """)

    @Argument(help: "JSONL file of records.")
    var file: String

    @Option(help: "tokenizer.json, or a model directory holding it.")
    var tokenizer: String

    @Option(help: "tokenizer_config.json with the chat template (default: next to the tokenizer, if present).")
    var chatTemplate: String?

    @Flag(help: "Count message texts only, without rendering a chat template.")
    var noTemplate = false

    func run() async throws {
        let tok: Tokenizer
        do { tok = try Tokenizer(contentsOf: tokenizer) } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(error.kind == .io ? 3 : 2)
        }
        var template: ChatTemplate? = nil
        if !noTemplate {
            var configPath = chatTemplate
            if configPath == nil {
                var isDir: ObjCBool = false
                let dir = FileManager.default.fileExists(atPath: tokenizer, isDirectory: &isDir) && isDir.boolValue
                    ? tokenizer : (tokenizer as NSString).deletingLastPathComponent
                let candidate = (dir as NSString).appendingPathComponent("tokenizer_config.json")
                if FileManager.default.fileExists(atPath: candidate) { configPath = candidate }
            }
            if let configPath {
                do { template = try ChatTemplate(tokenizerConfig: configPath) } catch {
                    if chatTemplate != nil || error.kind != .invalidValue || error.path != "$.chat_template" {
                        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                        throw ExitCode(2)
                    }
                }
            }
        }
        // Any supported format, plain or gzip, read the way a run reads it.
        let format: Format
        do {
            guard let detected = try SourceFormats.detect(path: file) else {
                Terminal.error("error: \(file): cannot detect the format of this file")
                throw ExitCode(2)
            }
            format = detected
        } catch let error as IOError {
            Terminal.error("error: \(error)")
            throw ExitCode(3)
        }
        var counter = TokenCounter(tokenizer: tok, template: template)
        var stats = TokenStatistics()
        var problems = 0
        do {
            try SourceScanner.scan(format, paths: [file]) { item in
                switch item {
                case .record(let record):
                    do {
                        stats.add(try counter.count(record))
                    } catch {
                        problems += 1
                        let line = record.lineage.origins.first?.line ?? 0
                        Terminal.error("\(file):\(line): \(error)")
                    }
                case .quarantined(let q):
                    problems += 1
                    Terminal.error(q.description)
                }
            }
        } catch let error as IOError {
            Terminal.error("error: \(error)")
            throw ExitCode(3)
        }
        print(Self.report(stats, tokenizer: tokenizer, templated: template != nil))
        if problems > 0 {
            FileHandle.standardError.write(Data("\(problems) record(s) could not be counted\n".utf8))
            throw ExitCode(1)
        }
    }

    static func report(_ s: TokenStatistics, tokenizer: String, templated: Bool) -> String {
        func pct(_ a: Int, _ b: Int) -> String { b == 0 ? "-" : String(format: "%.1f%%", 100 * Double(a) / Double(b)) }
        var out = "tokenizer: \(tokenizer)\(templated ? " (with chat template)" : "")\n"
        out += "records: \(s.records)  total tokens: \(s.total)  mean/record: \(String(format: "%.1f", s.mean))"
        out += "  min: \(s.records == 0 ? 0 : s.minimum)  max: \(s.maximum)\n\n"
        let contentSum = s.byRole.values.reduce(0, +)
        out += "tokens by role\n"
        for role in s.byRole.keys.sorted() {
            let v = s.byRole[role] ?? 0
            out += "  " + role.padding(toLength: 12, withPad: " ", startingAt: 0) + String(v).leftPad(12) + "  " + pct(v, contentSum).leftPad(7) + "\n"
        }
        let assistant = s.reasoning + s.answer
        out += "\nassistant tokens\n"
        out += "  reasoning   " + String(s.reasoning).leftPad(12) + "  " + pct(s.reasoning, assistant).leftPad(7) + "\n"
        out += "  answer      " + String(s.answer).leftPad(12) + "  " + pct(s.answer, assistant).leftPad(7) + "\n"
        out += "\ntokens per record\n"
        let peak = s.histogram.max() ?? 0
        let firstUsed = s.histogram.firstIndex { $0 > 0 } ?? 0
        for (k, n) in s.histogram.enumerated() where k >= firstUsed {
            let lo = k == 0 ? 0 : 1 << k, hi = (1 << (k + 1)) - 1
            let bar = String(repeating: "#", count: peak == 0 ? 0 : max(n > 0 ? 1 : 0, 40 * n / peak))
            out += "  " + "\(lo)–\(hi)".leftPad(13) + String(n).leftPad(8) + "  " + bar + "\n"
        }
        return out
    }
}

extension String {
    fileprivate func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
