import ArgumentParser
import Jupiter

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The CLI's only way to the terminal: stderr for diagnostics and progress, stdout for results,
/// and the documented exit codes (``ExitStatus``).
enum Terminal {
    /// True when stderr is an interactive terminal (progress bars) rather than a log file or pipe.
    static let stderrIsTTY = isatty(STDERR_FILENO) == 1

    /// Writes a line to stderr.
    static func error(_ text: String) {
        raw(text + "\n")
    }

    /// Writes text to stderr as is (unbuffered, so progress and errors interleave correctly).
    static func raw(_ text: String) {
        write(STDERR_FILENO, text)
    }

    /// Writes text to stdout at once (unbuffered, so a program reading a pipe sees each line).
    static func out(_ text: String) {
        write(STDOUT_FILENO, text)
    }

    private static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { buf -> Int in
                guard let base = buf.baseAddress else { return 0 }
                #if canImport(Glibc)
                return Glibc.write(fd, base + offset, buf.count - offset)
                #else
                return Darwin.write(fd, base + offset, buf.count - offset)
                #endif
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

    /// The exit for a documented status.
    static func exit(_ status: ExitStatus) -> ExitCode { ExitCode(status.rawValue) }

    /// Prints `message` to stderr and returns the exit for `status`.
    static func fail(_ message: String, _ status: ExitStatus) -> ExitCode {
        error(message)
        return exit(status)
    }

    /// Prints a run error to stderr and returns its documented exit.
    static func fail(_ runError: RunError) -> ExitCode { fail("error: \(runError)", runError.exitCode) }
}
