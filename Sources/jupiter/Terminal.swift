#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import JupiterCore

/// Writing to the terminal: stderr for diagnostics and progress, stdout for results.
enum Terminal {
    /// True when stderr is an interactive terminal (progress bars) rather than a log file or pipe.
    static let stderrIsTTY = isatty(STDERR_FILENO) == 1

    /// Writes a line to stderr.
    static func error(_ text: String) {
        raw(text + "\n")
    }

    /// Writes text to stderr as is (unbuffered, so progress and errors interleave correctly).
    static func raw(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { buf -> Int in
                guard let base = buf.baseAddress else { return 0 }
                return write(STDERR_FILENO, base + offset, buf.count - offset)
            }
            if n <= 0 { return }
            offset += n
        }
        bytes.removeAll()
    }

    /// Prints diagnostics (`file:line: error: message`) to stderr.
    static func report(_ diagnostics: [Diagnostic]) {
        for d in diagnostics { error(d.description) }
    }

    /// Formats an integer with thousands separators.
    static func count(_ n: Int) -> String { NumberText.grouped(n) }
}

/// Documented exit codes.
enum Exit {
    /// The run failed while processing (a stage error).
    static let runFailed = ExitCode(1)
    /// Bad usage or an invalid recipe.
    static let usage = ExitCode(2)
    /// An input or output file could not be read or written.
    static let io = ExitCode(3)
    /// A model endpoint could not be used.
    static let model = ExitCode(4)
    /// Interrupted (SIGINT/SIGTERM); rerun to resume.
    static let interrupted = ExitCode(130)
}
