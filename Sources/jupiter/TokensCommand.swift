import ArgumentParser
import Jupiter

/// `jupiter tokens FILE --tokenizer PATH`: token statistics of a JSONL file of records.
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Count tokens in a JSONL file with a model's tokenizer (and chat template).",
        discussion: """
            Prints the total, tokens per role, reasoning versus answer tokens of assistant turns, and a \
            histogram of tokens per record. Records may be conversations ({"messages": …}), eval items \
            ({"input": …, "ideal": …}), documents ({"text": …}) or translation pairs ({"translation": …}). \
            With a chat template (tokenizer_config.json next to tokenizer.json, or chat_template.jinja \
            there, or --chat-template), conversation totals count the rendered text, turn markers included.
            """)

    @Argument(help: "JSONL file of records.")
    var file: String

    @Option(help: "tokenizer.json, or a model directory holding it.")
    var tokenizer: String

    @Option(help: "tokenizer_config.json or a .jinja file with the chat template (default: beside the tokenizer).")
    var chatTemplate: String?

    @Flag(help: "Count message texts only, without rendering a chat template.")
    var noTemplate = false

    func run() async throws {
        let output: TokenReport.Output
        do {
            output = try TokenReport.run(file: file, tokenizer: tokenizer, chatTemplate: chatTemplate, noTemplate: noTemplate)
        } catch {
            throw Terminal.fail("error: \(error)", error.exitCode)
        }
        for line in output.problems { Terminal.error(line) }
        print(output.report)
        if output.failedRecords > 0 {
            throw Terminal.fail("\(output.failedRecords) record(s) could not be counted", .stageFailed)
        }
    }
}
