import JupiterCore

/// Expands `*`, `?` and `**` patterns in recipe paths (relative to a base directory), sorted
/// bytewise so runs see files in the same order everywhere.
enum Glob {
    static func hasWildcards(_ pattern: String) -> Bool { pattern.contains("*") || pattern.contains("?") }

    /// Paths (as written: relative when the pattern is relative) matching `pattern`.
    static func expand(_ pattern: String, base: String) -> [String] {
        guard hasWildcards(pattern) else { return [pattern] }
        let absolute = pattern.hasPrefix("/")
        let parts = pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var results: [String] = []
        walk(parts[...], prefix: absolute ? "/" : "", base: base, into: &results)
        return results.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    private static func resolve(_ rel: String, _ base: String) -> String {
        if rel.hasPrefix("/") { return rel }
        let dir = rel.isEmpty ? "." : rel
        return base.isEmpty || base == "." ? dir : base + "/" + dir
    }

    private static func join(_ prefix: String, _ name: String) -> String {
        prefix.isEmpty ? name : (prefix.hasSuffix("/") ? prefix + name : prefix + "/" + name)
    }

    private static func walk(_ parts: ArraySlice<String>, prefix: String, base: String, into out: inout [String]) {
        guard let part = parts.first else {
            if FileSystem.exists(resolve(prefix, base)) && !FileSystem.isDirectory(resolve(prefix, base)) {
                out.append(prefix)
            }
            return
        }
        let rest = parts.dropFirst()
        if part == "**" {
            walk(rest, prefix: prefix, base: base, into: &out)
            for name in FileSystem.list(resolve(prefix, base)) ?? [] where !name.hasPrefix(".") {
                let p = join(prefix, name)
                if FileSystem.isRealDirectory(resolve(p, base)) { walk(parts, prefix: p, base: base, into: &out) }
            }
            return
        }
        if !hasWildcards(part) {
            walk(rest, prefix: join(prefix, part), base: base, into: &out)
            return
        }
        for name in FileSystem.list(resolve(prefix, base)) ?? [] where matches(Array(name.utf8)[...], Array(part.utf8)[...]) {
            if name.hasPrefix(".") && !part.hasPrefix(".") { continue }
            walk(rest, prefix: join(prefix, name), base: base, into: &out)
        }
    }

    /// Shell-style match of one path component (`*` any run, `?` one byte).
    static func matches(_ s: ArraySlice<UInt8>, _ p: ArraySlice<UInt8>) -> Bool {
        guard let c = p.first else { return s.isEmpty }
        if c == UInt8(ascii: "*") {
            var i = s.startIndex
            while true {
                if matches(s[i...], p.dropFirst()) { return true }
                if i == s.endIndex { return false }
                i += 1
            }
        }
        guard let sc = s.first else { return false }
        return (c == UInt8(ascii: "?") || c == sc) && matches(s.dropFirst(), p.dropFirst())
    }
}
