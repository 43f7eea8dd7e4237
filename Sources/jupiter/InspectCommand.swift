import ArgumentParser
import Foundation
import Jupiter

/// `jupiter inspect FILE`: what a data file holds, read with the same rules a run uses.
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what a data file holds: format, counts, roles, turns, lengths, reasoning share.",
        discussion: """
            The format is detected from the file name and first record unless --format is given. \
            Gzip files are read transparently. Lines that cannot be read are counted as quarantined \
            and the first few are listed with file:line and the reason. Lengths are in characters \
            (Unicode scalars).

            Formats: \(Format.allCases.map(\.rawValue).joined(separator: ", ")).

            Exit codes: 0 success; 2 bad usage (unknown format, format not detectable); 3 the file \
            could not be read.
            """)

    @Argument(help: "The data file (Moses: the source-language file, with --second for the other).")
    var file: String

    @Option(help: "Read as this format instead of detecting it.")
    var format: String?

    @Option(help: "Moses only: the second (target-language) file.")
    var second: String?

    @Option(help: "Languages of a parallel source, comma-separated (e.g. en,cy).")
    var langs: String = "src,tgt"

    @Option(help: "Field holding the text of a documents JSONL.")
    var textField: String = "text"

    @Option(help: "Lines longer than this many bytes are quarantined.")
    var maxLineBytes: Int = 16 << 20

    @Option(help: "Decoding tasks (default: all cores).")
    var parallelism: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let request = Inspection.Request(
            file: file, format: format, second: second,
            languages: langs.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) },
            textField: textField, maxLineBytes: maxLineBytes, parallelism: parallelism, json: json)
        do {
            print(try await Inspection.run(request), terminator: "")
        } catch {
            throw Terminal.fail("jupiter inspect: \(error)", error.exitCode)
        }
    }
}
