import Testing

@testable import JupiterTokenize

/// The regex engine and the hand-written splitters agree, and behave as Oniguruma does.
@Suite struct SplitRegexTests {
    static func matches(_ r: TokenRegex, _ s: String) -> [String] {
        let b = Array(s.utf8)
        var out: [String] = []
        b.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress else { return }
            r.forEachMatch(base, 0, p.count) { s, e in out.append(String(decoding: p[s..<e], as: UTF8.self)) }
        }
        return out
    }

    static func fastMatches(_ f: FastSplitter, _ s: String) -> [String] {
        let b = Array(s.utf8)
        var out: [String] = []
        b.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress else { return }
            f.forEachMatch(base, 0, p.count) { s, e in out.append(String(decoding: p[s..<e], as: UTF8.self)) }
        }
        return out
    }

    static let extra = [
        "", " ", "a", "  \n\t x", "it's 'S 'LL 'll 'Ve 'x 'ſ 'K", "123456789 ١٢٣", "a\u{301}b \u{301}",
        "x  \r\n\r\n  y \u{a0}\u{3000}z", "\u{1F44D}\u{1F3FD} 👨‍👩‍👧", "((x)) ?!... \n\n"
    ]

    @Test(arguments: [FastSplitter.gpt2Pattern, FastSplitter.llama3Pattern, FastSplitter.qwen2Pattern])
    func fastSplitterEqualsRegexEngine(pattern: String) throws {
        let regex = try TokenRegex(pattern)
        guard let fast = FastSplitter.forPattern(pattern) else { Issue.record("no fast path"); return }
        var checked = 0
        // The shared eval text when present; the committed corpus always (a fresh clone has no shared/).
        for u in Fixtures.corpusUnits + Fixtures.committedUnits + Self.extra {
            let a = Self.matches(regex, u), b = Self.fastMatches(fast, u)
            #expect(a == b, "\(u.debugDescription)")
            #expect(a.joined() == u)
            checked += 1
        }
        #expect(checked >= Fixtures.committedUnits.count + (Fixtures.hasEvals ? 9972 : 0))
    }

    @Test func backtrackingSemantics() throws {
        #expect(Self.matches(try TokenRegex(#"\s+(?!\S)|\s+"#), "a   b") == ["  ", " "])
        #expect(Self.matches(try TokenRegex(#"\p{N}{1,3}"#), "12345") == ["123", "45"])
        #expect(Self.matches(try TokenRegex(#"(?i:'s|'ll)"#), "'S 'Ll 'ſ") == ["'S", "'Ll", "'ſ"])
        #expect(Self.matches(try TokenRegex(#"a+?b|a"#), "aaab") == ["aaab"])
        #expect(Self.matches(try TokenRegex(#"[^\s\p{L}]+"#), "ab, cd!!") == [",", "!!"])
        #expect(Self.matches(try TokenRegex(#"x*"#), "axxb").filter { !$0.isEmpty } == ["xx"])
        #expect(Self.matches(try TokenRegex(#"^\w+$"#), "ab\ncd") == ["ab", "cd"])
    }

    @Test func unsupportedSyntaxIsRefusedByName() {
        for (p, word) in [
            ("(?<=a)b", "lookbehind"), ("a++", "possessive"), ("[[:alpha:]]", "POSIX"), (#"\bx"#, "\\b"),
            ("(a", "unterminated"), ("a)", "unbalanced"), (#"\p{Greek}"#, "Greek"), ("(a*)*", "empty")
        ] {
            do { _ = try TokenRegex(p); Issue.record("compiled \(p)") } catch {
                #expect(error.description.contains(word), "\(p): \(error)")
            }
        }
    }
}
