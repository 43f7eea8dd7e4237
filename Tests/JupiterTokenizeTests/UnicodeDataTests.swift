import Foundation
import JupiterCore
import Testing

@testable import JupiterTokenize

/// Jupiter's Unicode classes (Swift's Unicode data) against the classes the `tokenizers` regex
/// engine (Oniguruma) uses, over every code point (goldens/unicode-classes.json).
@Suite struct UnicodeDataTests {
    static func points(_ v: JSONValue?) -> Set<UInt32> {
        var out = Set<UInt32>()
        for r in v?.arrayValue ?? [] {
            let a = r.arrayValue?.compactMap(\.intValue) ?? []
            if a.count == 2 { for c in a[0]...a[1] { out.insert(UInt32(c)) } }
        }
        return out
    }

    @Test func classesMatchOnigurumaOnEveryCodePoint() throws {
        let golden = try Fixtures.json("goldens/unicode-classes.json")
        var checks: [(String, (UInt32) -> Bool)] = [
            ("L", UnicodeClass.isLetter), ("N", UnicodeClass.isNumber), ("s", UnicodeClass.isWhitespace)
        ]
        for name in ["Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No"] {
            let mask = UnicodeClass.masks[name] ?? 0
            checks.append((name, { UnicodeClass.categoryBit($0) & mask != 0 }))
        }
        for (name, ours) in checks {
            let theirs = Self.points(golden[name])
            #expect(theirs.count > 10)
            var differ: [UInt32] = []
            for c in UInt32(1)..<0x110000 where !(0xD800...0xDFFF).contains(c) {
                if ours(c) != theirs.contains(c) { differ.append(c) }
            }
            #expect(differ.isEmpty, "\\p{\(name)}: \(differ.count) differ, e.g. \(differ.prefix(10).map { String($0, radix: 16) })")
        }
    }
}
