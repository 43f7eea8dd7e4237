import ArgumentParser
import JupiterCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    var parallelism: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    /// Prints one line to stderr and exits with `code`.
    func fail(_ message: String, code: Int32) -> ExitCode {
        var line = "jupiter inspect: " + message + "\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
        return ExitCode(code)
    }

    func run() async throws {
        let chosen: Format
        var detected = false
        if let name = format {
            guard let f = Format(rawValue: name) else {
                throw fail("unknown format '\(name)' (known: \(Format.allCases.map(\.rawValue).joined(separator: ", ")))",
                           code: 2)
            }
            chosen = f
        } else {
            guard FileSystem.exists(file) else { throw fail("\(file): No such file or directory", code: 3) }
            let guess: Format?
            do { guess = try SourceFormats.detect(path: file) } catch { throw fail(error.description, code: 3) }
            guard let guess else {
                throw fail("\(file): cannot detect the format; give it with --format", code: 2)
            }
            chosen = guess
            detected = true
        }
        var paths = [file]
        if chosen == .moses {
            guard let second else { throw fail("format 'moses' needs --second FILE", code: 2) }
            paths.append(second)
        } else if second != nil {
            throw fail("--second is only for format 'moses'", code: 2)
        }
        guard maxLineBytes > 0, parallelism > 0 else {
            throw fail("--max-line-bytes and --parallelism must be positive", code: 2)
        }
        let options = FormatOptions(languages: langs.split(separator: ",").map { String($0).trimmingWhitespace() },
                                    textField: textField, maxLineBytes: maxLineBytes)
        let stats: DatasetStats
        do {
            stats = try await DatasetStats.collect(chosen, detected: detected, paths: paths, options: options,
                                                   parallelism: parallelism)
        } catch let error as IOError {
            throw fail(error.description, code: 3)
        } catch {
            throw fail("\(error)", code: 3)
        }
        print(json ? JSONWriter.pretty(stats.json) : stats.table, terminator: "")
    }
}
