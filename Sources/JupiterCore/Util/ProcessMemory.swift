import Foundation

/// This process's memory, as the kernel counts it.
public enum ProcessMemory {
    /// The peak resident set size of this process since it started, in KiB (Linux: `VmHWM` of
    /// `/proc/self/status`, the high-water mark of this program's own address space; nil where
    /// unavailable). Unlike `getrusage`'s `ru_maxrss`, it does not include the memory of the
    /// process that spawned this one (which `vfork`+`exec` passes on).
    public static func peakResidentKiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
        }
        return nil
    }
}
