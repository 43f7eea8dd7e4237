import Foundation
import JupiterCore
import JupiterTokenize

/// `jupiter tokens`: token statistics of a file of records with a model's tokenizer and, when it
/// has one, its chat template (from `tokenizer_config.json`, or `chat_template.jinja` beside it).
public enum TokenReport {
    /// The report, the problems met (one line each: records that could not be counted, a missing
    /// chat template) and how many records could not be counted.
    public struct Output: Sendable {
        /// The report text.
        public var report: String
        /// Warnings and per-record problems, one line each.
        public var problems: [String]
        /// Records that could not be counted.
        public var failedRecords: Int
    }

    /// Counts the tokens of every record of `file`. `tokenizer` is a `tokenizer.json` or a model
    /// folder; `chatTemplate` a `tokenizer_config.json`, a folder or a `.jinja` file (default: the
    /// tokenizer's folder); `noTemplate` counts message texts only.
    public static func run(file: String, tokenizer: String, chatTemplate: String?, noTemplate: Bool) throws(RunError) -> Output {
        let tok: Tokenizer
        do { tok = try Tokenizer(contentsOf: tokenizer) } catch {
            throw RunError(error.kind == .io ? .io : .usage, "\(error)")
        }
        var problems: [String] = []
        var template: ChatTemplate?
        if !noTemplate {
            let folder = FileSystem.isDirectory(tokenizer) ? tokenizer : FileSystem.parent(of: tokenizer)
            do {
                template = try ModelChatTemplate.load(
                    explicit: chatTemplate.map { ($0, $0) }, folder: folder,
                    shownFolder: "")?.template
            } catch {
                throw RunError(.usage, "chat template: \(error)")
            }
            if template == nil {
                problems.append(
                    "warning: no chat template in \(folder) (tokenizer_config.json without 'chat_template', "
                        + "no chat_template.jinja): conversations are counted without turn markers; "
                        + "give --chat-template, or --no-template to silence this")
            }
        }
        // Any supported format, plain or gzip, read the way a run reads it.
        let format: Format
        do {
            guard let detected = try SourceFormats.detect(path: file) else {
                throw RunError(.usage, "\(file): cannot detect the format of this file")
            }
            format = detected
        } catch let error as RunError {
            throw error
        } catch {
            throw RunError(.io, "\(error)")
        }
        var counter = TokenCounter(tokenizer: tok, template: template)
        var stats = TokenStatistics()
        var failed = 0
        do {
            try SourceScanner.scan(format, paths: [file]) { item in
                switch item {
                case .record(let record):
                    do {
                        stats.add(try counter.count(record))
                    } catch {
                        failed += 1
                        problems.append("\(file):\(record.lineage.origins.first?.line ?? 0): \(error)")
                    }
                case .quarantined(let q):
                    failed += 1
                    problems.append(q.description)
                }
            }
        } catch {
            throw RunError(.io, "\(error)")
        }
        return Output(
            report: report(stats, tokenizer: tokenizer, templated: template != nil), problems: problems,
            failedRecords: failed)
    }

    static func report(_ s: TokenStatistics, tokenizer: String, templated: Bool) -> String {
        func pct(_ a: Int, _ b: Int) -> String { b == 0 ? "-" : String(format: "%.1f%%", 100 * Double(a) / Double(b)) }
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        var out = "tokenizer: \(tokenizer)\(templated ? " (with chat template)" : "")\n"
        out += "records: \(s.records)  total tokens: \(s.total)  mean/record: \(String(format: "%.1f", s.mean))"
        out += "  min: \(s.records == 0 ? 0 : s.minimum)  max: \(s.maximum)\n\n"
        let contentSum = s.byRole.values.reduce(0, +)
        out += "tokens by role\n"
        for role in s.byRole.keys.sorted() {
            let v = s.byRole[role] ?? 0
            out +=
                "  " + role.padding(toLength: 12, withPad: " ", startingAt: 0) + pad(String(v), 12) + "  " + pad(pct(v, contentSum), 7)
                + "\n"
        }
        let assistant = s.reasoning + s.answer
        out += "\nassistant tokens\n"
        out += "  reasoning   " + pad(String(s.reasoning), 12) + "  " + pad(pct(s.reasoning, assistant), 7) + "\n"
        out += "  answer      " + pad(String(s.answer), 12) + "  " + pad(pct(s.answer, assistant), 7) + "\n"
        out += "\ntokens per record\n"
        let peak = s.histogram.max() ?? 0
        let firstUsed = s.histogram.firstIndex { $0 > 0 } ?? 0
        for (k, n) in s.histogram.enumerated() where k >= firstUsed {
            let lo = k == 0 ? 0 : 1 << k, hi = (1 << (k + 1)) - 1
            let bar = String(repeating: "#", count: peak == 0 ? 0 : max(n > 0 ? 1 : 0, 40 * n / peak))
            out += "  " + pad("\(lo)–\(hi)", 13) + pad(String(n), 8) + "  " + bar + "\n"
        }
        return out
    }
}
