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

    @Test func classesMatchOnigurumaExceptNewlyAssignedCharacters() throws {
        let golden = try Fixtures.json("goldens/unicode-classes.json")
        let checks: [(String, (UInt32) -> Bool)] = [
            ("L", UnicodeClass.isLetter), ("N", UnicodeClass.isNumber), ("s", UnicodeClass.isWhitespace),
        ]
        for (name, ours) in checks {
            let theirs = Self.points(golden[name])
            #expect(theirs.count > (name == "s" ? 20 : 1000))
            var differ: [UInt32] = []
            for c in UInt32(1)..<0x110000 where !(0xD800...0xDFFF).contains(c) {
                if ours(c) != theirs.contains(c) { differ.append(c) }
            }
            // Every difference must be a character that one side does not know yet: one whose
            // Unicode age is after 15.0 in Swift's data, or unassigned in Swift's data.
            let unexplained = differ.filter { c in
                guard let s = Unicode.Scalar(c), let age = s.properties.age else { return false }
                return age.major < 15 || (age.major == 15 && age.minor == 0)
            }
            #expect(unexplained.isEmpty, "\(name): \(unexplained.prefix(10).map { String($0, radix: 16) })")
            print("\\p{\(name)}: \(differ.count) code points differ from Oniguruma, all assigned after Unicode 15.0")
        }
    }
}
