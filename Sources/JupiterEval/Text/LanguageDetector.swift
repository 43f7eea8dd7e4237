import Foundation
import JupiterCore

/// Language identification as the Python package `langdetect` 1.0.9 does it (Nakatani Shuyo's
/// n-gram naive Bayes, ported from Java), with its seeded random walk: for equal input the same
/// language comes out as `langdetect.detect` with `DetectorFactory.seed = 0`.
///
/// Why a port with the original profiles: IFEval's `language:response_language`,
/// `change_case:english_capital` and `change_case:english_lowercase` verdicts are defined by
/// `langdetect.detect(text)`. The algorithm samples n-grams at random (seeded), and its answer
/// depends on every loaded profile (the most probable of all 55 languages wins), so only the same
/// profiles, the same normalisation and the same pseudo-random sequence (CPython's Mersenne
/// Twister, ``PyRandom``) give the same verdicts. The profiles (2.3 MB of JSON, Apache-2.0, in the
/// `langdetect` PyPI package) are read at run time from the package's directory rather than
/// committed: pass the folder holding `profiles/` and `utils/messages.properties` (e.g.
/// `.venv/lib/python3.11/site-packages/langdetect`), or set `JUPITER_LANGDETECT_DIR`.
///
/// Languages are loaded in sorted file-name order (Python uses `os.listdir` order; the order only
/// changes the rounding of a sum, never seen to change a result).
public final class LanguageDetector: Sendable {
    /// Loaded language codes, in index order.
    public let languages: [String]
    private let table: [UInt64: [(Int, Double)]]
    private let latin1Excluded: Set<Unicode.Scalar>
    private let cjkMap: [Unicode.Scalar: Unicode.Scalar]
    private let viAlphabet: [Unicode.Scalar]
    private let viMarks: [Unicode.Scalar]
    private let viNormalized: [[Unicode.Scalar]]
    private let urlRegex: PyRegex
    private let mailRegex: PyRegex
    /// The seed (`DetectorFactory.seed`).
    public let seed: UInt64

    private static let alphaDefault = 0.5, alphaWidth = 0.05, iterationLimit = 1000
    private static let probThreshold = 0.1, convThreshold = 0.99999, baseFreq = 10000.0, trials = 7

    /// Loads the profiles from a langdetect package directory.
    public init(directory: String, seed: UInt64 = 0) throws(EvalError) {
        let fm = FileManager.default
        let profileDir = directory + "/profiles"
        guard let names = try? fm.contentsOfDirectory(atPath: profileDir) else {
            throw EvalError(.languageProfiles, "no langdetect profiles folder at \(profileDir)")
        }
        let files = names.filter { !$0.hasPrefix(".") }.sorted()
        guard files.count >= 2 else { throw EvalError(.languageProfiles, "fewer than 2 profiles in \(profileDir)") }
        var langs: [String] = []
        var table: [UInt64: [(Int, Double)]] = [:]
        for (index, name) in files.enumerated() {
            let path = profileDir + "/" + name
            guard let data = fm.contents(atPath: path) else { throw EvalError(.languageProfiles, "cannot read \(path)") }
            let json: JSONValue
            do { json = try JSONParser.parse([UInt8](data)) } catch {
                throw EvalError(.languageProfiles, "profile \(path) is not JSON: \(error)")
            }
            guard let lang = json["name"]?.stringValue, let freq = json["freq"]?.objectValue,
                let nWords = json["n_words"]?.arrayValue?.compactMap(\.intValue), nWords.count == 3
            else { throw EvalError(.languageProfiles, "profile \(path) lacks name, freq or n_words") }
            if langs.contains(lang) { throw EvalError(.languageProfiles, "duplicate profile \(lang)") }
            langs.append(lang)
            for entry in freq {
                let scalars = Array(entry.key.unicodeScalars)
                guard (1...3).contains(scalars.count), let count = entry.value.doubleValue else { continue }
                table[Self.key(scalars[...]), default: []].append((index, 1.0 * count / Double(nWords[scalars.count - 1])))
            }
        }
        let ordered = try Self.readMessages(directory + "/utils/messages.properties")
        let messages = Dictionary(ordered, uniquingKeysWith: { _, last in last })
        func string(_ key: String) throws(EvalError) -> [Unicode.Scalar] {
            guard let v = messages[key] else { throw EvalError(.languageProfiles, "messages.properties lacks \(key)") }
            return v
        }
        var cjk: [Unicode.Scalar: Unicode.Scalar] = [:]
        for (key, value) in ordered where key.hasPrefix("NGram.KANJI_") {
            guard let rep = value.first else { continue }
            for c in value { cjk[c] = rep }
        }
        self.languages = langs
        self.table = table
        self.latin1Excluded = Set(try string("NGram.LATIN1_EXCLUDE"))
        self.cjkMap = cjk
        self.viAlphabet = try string("TO_NORMALIZE_VI_CHARS")
        self.viMarks = try string("DMARK_CLASS")
        var vi: [[Unicode.Scalar]] = []
        for m in ["0300", "0301", "0303", "0309", "0323"] { vi.append(try string("NORMALIZED_VI_CHARS_\(m)")) }
        self.viNormalized = vi
        self.urlRegex = try PyRegex("https?://[-_.?&~;+=/#0-9A-Za-z]{1,2076}")
        self.mailRegex = try PyRegex("[-_.0-9A-Za-z]{1,64}@[-_0-9A-Za-z]{1,255}[-_.0-9A-Za-z]{1,255}")
        self.seed = seed
    }

    /// The directory named by `JUPITER_LANGDETECT_DIR`, when set.
    public static var environmentDirectory: String? {
        ProcessInfo.processInfo.environment["JUPITER_LANGDETECT_DIR"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `langdetect.detect(text)`: the most probable language code, or `unknown` when no language
    /// reaches probability 0.1; throws ``EvalError`` `.cannotDetect` when the text has no
    /// features (langdetect's `LangDetectException`).
    public func detect(_ text: String) throws(EvalError) -> String {
        let probs = try probabilities(text)
        return probs.first?.language ?? "unknown"
    }

    /// `langdetect.detect_langs(text)`: languages above probability 0.1, most probable first.
    public func probabilities(_ text: String) throws(EvalError) -> [(language: String, probability: Double)] {
        let chars = clean(prepare(text))
        let ngrams = extractNgrams(chars)
        guard !ngrams.isEmpty else { throw EvalError(.cannotDetect, "No features in text.") }
        // Dense rows for the n-grams of this text.
        var rows: [UInt64: [Double]] = [:]
        for g in ngrams where rows[g] == nil {
            var row = [Double](repeating: 0, count: languages.count)
            for (i, p) in table[g] ?? [] { row[i] = p }
            rows[g] = row
        }
        var langprob = [Double](repeating: 0, count: languages.count)
        var rng = PyRandom(seed: seed)
        for _ in 0..<Self.trials {
            var prob = [Double](repeating: 1.0 / Double(languages.count), count: languages.count)
            let alpha = Self.alphaDefault + rng.gauss(0.0, 1.0) * Self.alphaWidth
            var i = 0
            while true {
                let g = ngrams[rng.randbelow(ngrams.count)]
                let weight = alpha / Self.baseFreq
                if let row = rows[g] { for k in 0..<prob.count { prob[k] *= weight + row[k] } }
                if i % 5 == 0 {
                    if Self.normalize(&prob) > Self.convThreshold || i >= Self.iterationLimit { break }
                }
                i += 1
            }
            for j in 0..<langprob.count { langprob[j] += prob[j] / Double(Self.trials) }
        }
        var result: [(language: String, probability: Double, index: Int)] = []
        for (i, p) in langprob.enumerated() where p > Self.probThreshold { result.append((languages[i], p, i)) }
        result.sort { $0.probability != $1.probability ? $0.probability > $1.probability : $0.index < $1.index }
        return result.map { ($0.language, $0.probability) }
    }

    private static func normalize(_ prob: inout [Double]) -> Double {
        var maxp = 0.0, sump = 0.0
        for p in prob { sump += p }
        for i in 0..<prob.count {
            let p = prob[i] / sump
            if maxp < p { maxp = p }
            prob[i] = p
        }
        return maxp
    }

    /// `Detector.append`: URLs and e-mail addresses become spaces, Vietnamese letters with
    /// combining marks are composed, runs of spaces collapse, at most 10,000 characters.
    private func prepare(_ text: String) -> [Unicode.Scalar] {
        var t = urlRegex.sub(" ", text)
        t = mailRegex.sub(" ", t)
        let s = normalizeVietnamese(Array(t.unicodeScalars))
        var out: [Unicode.Scalar] = []
        var pre: Unicode.Scalar = "\0"
        for ch in s.prefix(10000) {
            if ch != " " || pre != " " { out.append(ch) }
            pre = ch
        }
        return out
    }

    private func normalizeVietnamese(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if i + 1 < s.count, let a = viAlphabet.firstIndex(of: s[i]), let m = viMarks.firstIndex(of: s[i + 1]) {
                out.append(viNormalized[m][a])
                i += 2
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    /// `Detector.cleaning_text`: drops Latin letters when non-Latin letters dominate.
    private func clean(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var latin = 0, nonLatin = 0
        for ch in s {
            if ch.value >= 0x41 && ch.value <= 0x7A {
                latin += 1
            } else if ch.value >= 0x300 && !(ch.value >= 0x1E00 && ch.value <= 0x1EFF) {
                nonLatin += 1
            }
        }
        guard latin * 2 < nonLatin else { return s }
        return s.filter { $0.value < 0x41 || $0.value > 0x7A }
    }

    /// `NGram.normalize` of one character.
    private func normalize(_ ch: Unicode.Scalar) -> Unicode.Scalar {
        let v = ch.value
        switch v {
        case 0...0x7F:
            return (v < 0x41 || (v > 0x5A && v < 0x61) || v > 0x7A) ? " " : ch
        case 0x80...0xFF: return latin1Excluded.contains(ch) ? " " : ch
        case 0x180...0x24F:
            if v == 0x219 { return "\u{15F}" }
            if v == 0x21B { return "\u{163}" }
            return ch
        case 0x2000...0x206F: return " "
        case 0x600...0x6FF: return v == 0x6CC ? "\u{64A}" : ch
        case 0x1E00...0x1EFF: return v >= 0x1EA0 ? "\u{1EC3}" : ch
        case 0x3040...0x309F: return "\u{3042}"
        case 0x30A0...0x30FF: return "\u{30A2}"
        case 0x3100...0x312F, 0x31A0...0x31BF: return "\u{3105}"
        case 0x4E00...0x9FFF: return cjkMap[ch] ?? ch
        case 0xAC00...0xD7AF: return "\u{AC00}"
        default: return ch
        }
    }

    private static func isUpper(_ c: Unicode.Scalar) -> Bool {
        let p = c.properties
        return p.isUppercase && !p.isLowercase && p.generalCategory != .titlecaseLetter
    }

    /// `Detector._extract_ngrams` with `NGram.add_char`.
    private func extractNgrams(_ text: [Unicode.Scalar]) -> [UInt64] {
        var result: [UInt64] = []
        var grams: [Unicode.Scalar] = [" "]
        var capitalword = false
        for raw in text {
            let ch = normalize(raw)
            let last = grams[grams.count - 1]
            var skip = false
            if last == " " {
                grams = [" "]
                capitalword = false
                if ch == " " { skip = true }
            } else if grams.count >= 3 {
                grams.removeFirst()
            }
            if !skip {
                grams.append(ch)
                if Self.isUpper(ch) {
                    if Self.isUpper(last) { capitalword = true }
                } else {
                    capitalword = false
                }
            }
            if capitalword { continue }
            for n in 1...3 {
                if grams.count < n { break }
                let w = grams[(grams.count - n)...]
                if n == 1 && w.first == " " { continue }
                let k = Self.key(w)
                if table[k] != nil { result.append(k) }
            }
        }
        return result
    }

    /// Up to three code points packed into one key (each stored plus one; 0 = absent).
    private static func key(_ s: ArraySlice<Unicode.Scalar>) -> UInt64 {
        var k: UInt64 = 0
        for c in s { k = (k << 21) | UInt64(c.value + 1) }
        return k
    }

    /// `messages.properties`: `key=value` lines with `\uXXXX` escapes.
    /// Keys in file order (the kanji classes are applied in that order, later ones winning, as
    /// langdetect's `CJK_CLASS` list does).
    private static func readMessages(_ path: String) throws(EvalError) -> [(String, [Unicode.Scalar])] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvalError(.languageProfiles, "cannot read \(path)")
        }
        var out: [(String, [Unicode.Scalar])] = []
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard let eq = trimmed.firstIndex(of: "=") else { continue }
            let key = String(trimmed[..<eq])
            let raw = Array(trimmed[trimmed.index(after: eq)...].unicodeScalars)
            var value: [Unicode.Scalar] = []
            var i = 0
            while i < raw.count {
                if raw[i] == "\\", i + 5 < raw.count + 0, raw[i + 1] == "u",
                    let v = UInt32(PythonText.string(raw[(i + 2)..<min(i + 6, raw.count)]), radix: 16), let s = Unicode.Scalar(v)
                {
                    value.append(s); i += 6
                } else {
                    value.append(raw[i]); i += 1
                }
            }
            out.append((key, value))
        }
        return out
    }
}
