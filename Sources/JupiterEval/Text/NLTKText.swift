import JupiterCore

/// The parts of NLTK (3.10, whose patterns run on the `regex` module) that IFEval's checkers use:
/// `RegexpTokenizer(r"\w+")` word counting, `NLTKWordTokenizer` (what `word_tokenize` applies to
/// each sentence), and a sentence splitter following Punkt's decision rules.
enum NLTKText {
    /// `nltk.tokenize.RegexpTokenizer(r"\w+").tokenize(text)` (IFEval's `count_words`): runs of
    /// the `regex` module's word characters, so a letter with a combining accent stays one word.
    static func words(_ text: String) -> [String] { wordRegex.findall(text) }

    private static let wordRegex = compile("\\w+")

    static func compile(_ pattern: String) -> PyRegex {
        do { return try PyRegex(pattern, flags: .regexModule) } catch { fatalError("NLTK pattern \(pattern): \(error)") }
    }

    // MARK: - NLTKWordTokenizer

    private static let startingQuotes: [(PyRegex, String)] = [
        (compile("([«“‘„]|[`]+)"), " \\1 "),
        (compile("^\\\""), "``"),
        (compile("(``)"), " \\1 "),
        (compile("([ \\(\\[{<])(\\\"|\\'{2})"), "\\1 `` "),
        (compile("(?i)(?<!\\w)(\\')(?!(?:re|ve|ll|m|t|s|d|n)\\b)(?=\\w)"), "\\1 ")
    ]
    private static let endingQuotes: [(PyRegex, String)] = [
        (compile("([»”’])"), " \\1 "),
        (compile("''"), " '' "),
        (compile("\""), " '' "),
        (compile("\\s+"), " "),
        (compile("([^' ])('[sS]|'[mM]|'[dD]|') "), "\\1 \\2 "),
        (compile("([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) "), "\\1 \\2 ")
    ]
    private static let punctuation: [(PyRegex, String)] = [
        (compile("([^\\.])(\\.)([\\]\\)}>\"\\'»”’ ]*+)\\s*$"), "\\1 \\2 \\3 "),
        (compile("([:,])([^\\d])"), " \\1 \\2"),
        (compile("([:,])$"), " \\1 "),
        (compile("\\.{2,}"), " \\g<0> "),
        (compile("[;@#$%&]"), " \\g<0> "),
        (compile("[\\u2012-\\u2015]"), " \\g<0> "),
        (compile("([^\\.])(\\.)([\\]\\)}>\"\\']*)\\s*$"), "\\1 \\2\\3 "),
        (compile("[?!]"), " \\g<0> "),
        (compile("([^'])' "), "\\1 ' "),
        (compile("[*]"), " \\g<0> ")
    ]
    private static let parensBrackets = (compile("[\\]\\[\\(\\)\\{\\}\\<\\>]"), " \\g<0> ")
    private static let doubleDashes = (compile("--"), " -- ")
    private static let contractions2: [PyRegex] = [
        "(?i)\\b(can)(?#X)(not)\\b", "(?i)\\b(d)(?#X)('ye)\\b", "(?i)\\b(gim)(?#X)(me)\\b", "(?i)\\b(gon)(?#X)(na)\\b",
        "(?i)\\b(got)(?#X)(ta)\\b", "(?i)\\b(lem)(?#X)(me)\\b", "(?i)\\b(more)(?#X)('n)\\b", "(?i)\\b(wan)(?#X)(na)(?=\\s)"
    ].map(compile)
    private static let contractions3: [PyRegex] = ["(?i) ('t)(?#X)(is)\\b", "(?i) ('t)(?#X)(was)\\b"].map(compile)

    /// `NLTKWordTokenizer().tokenize(sentence)`.
    static func treebankTokenize(_ sentence: String) -> [String] {
        var text = sentence
        for (r, t) in startingQuotes { text = r.sub(t, text) }
        for (r, t) in punctuation { text = r.sub(t, text) }
        text = parensBrackets.0.sub(parensBrackets.1, text)
        text = doubleDashes.0.sub(doubleDashes.1, text)
        text = " " + text + " "
        for (r, t) in endingQuotes { text = r.sub(t, text) }
        for r in contractions2 { text = r.sub(" \\1 \\2 ", text) }
        for r in contractions3 { text = r.sub(" \\1 \\2 ", text) }
        return PythonText.split(text)
    }

    // MARK: - Sentences

    /// Sentence boundaries by Punkt's rules (NLTK's `PunktSentenceTokenizer`), without NLTK's
    /// trained English parameters: `english.pickle`/`punkt_tab` come from NLTK's data download,
    /// which no package provides offline. What is kept of Punkt:
    ///
    /// - a candidate ends a whitespace-separated token in `.`, `?` or `!` (closing quotes and
    ///   brackets may follow) and is followed by another token; `?` and `!` always break;
    /// - a token ending in `.` does not break when, lowercased and without the period, it (or its
    ///   part after the last hyphen) is a known abbreviation (``abbreviations``) — unless the next
    ///   token is capitalised and a frequent sentence starter (``sentenceStarters``);
    /// - an ellipsis (`..`) breaks only before a capitalised sentence starter;
    /// - an initial (one letter and a period) never breaks; a number with a period (`##number##`)
    ///   does not break before a lowercase word;
    /// - other periods break (Punkt's orthographic heuristic, with no learned context, never
    ///   overrides them).
    ///
    /// The learned orthographic context and collocations of NLTK's English model are not
    /// reproduced, so counts can differ from NLTK's on rare abbreviation and initial cases.
    static func sentenceCount(_ text: String) -> Int {
        let tokens = PythonText.split(text)
        guard !tokens.isEmpty else { return 0 }
        var count = 1
        for (i, tok) in tokens.enumerated() where i + 1 < tokens.count {
            if isBreak(tok, next: tokens[i + 1]) { count += 1 }
        }
        return count
    }

    private static let closers: Set<Unicode.Scalar> = ["\"", "'", ")", "]", "}", "”", "’", "»"]

    private static func isBreak(_ token: String, next: String) -> Bool {
        var s = Array(token.unicodeScalars)
        while let last = s.last, closers.contains(last), s.count > 1 { s.removeLast() }
        guard let end = s.last, end == "." || end == "?" || end == "!" else { return false }
        if end != "." { return true }
        let nextScalars = Array(next.unicodeScalars.drop { closers.contains($0) || $0 == "(" || $0 == "[" })
        let firstUpper = nextScalars.first.map { $0.properties.isUppercase } ?? false
        let firstLower = nextScalars.first.map { $0.properties.isLowercase } ?? false
        let nextType = PythonText.lower(PythonText.string(nextScalars)).trimmingSentencePeriod()
        let starter = firstUpper && sentenceStarters.contains(nextType)
        if s.count >= 2 && s[s.count - 2] == "." { return starter }  // ellipsis
        let body = PythonText.lower(PythonText.string(s.dropLast()))
        let lastPart = PythonText.split(body, separator: "-").last ?? body
        if abbreviations.contains(body) || abbreviations.contains(lastPart) { return starter }
        let bodyScalars = Array(body.unicodeScalars)
        if bodyScalars.count == 1, let c = bodyScalars.first, PythonText.isAlpha(c) { return false }  // initial
        if isNumber(body) && firstLower { return false }
        return true
    }

    private static func isNumber(_ s: String) -> Bool {
        let a = Array(s.unicodeScalars)
        guard let first = a.firstIndex(where: { PythonText.isDecimal($0) }) else { return false }
        let head = a[..<first]
        guard head.count <= 2, head.allSatisfy({ $0 == "-" || $0 == "." || $0 == "," }) else { return false }
        return a[first...].allSatisfy { PythonText.isDecimal($0) || $0 == "," || $0 == "." || $0 == "-" }
    }

    /// Common English abbreviations (lowercase, without the final period).
    static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "inc", "ltd", "co", "corp", "vs", "etc", "e.g", "i.e",
        "u.s", "u.k", "a.m", "p.m", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
        "dec", "no", "nos", "fig", "figs", "vol", "vols", "approx", "dept", "est", "gov", "gen", "rev", "sen",
        "rep", "mt", "ave", "blvd", "capt", "col", "lt", "sgt", "cf", "al", "ed", "eds", "pp", "ch", "sec", "op",
        "ft", "univ", "assn", "bros", "messrs", "mme", "mlle", "ph.d", "b.a", "m.a", "b.sc", "m.sc", "d.c", "n.y",
        "u.n", "e.u"
    ]

    /// Capitalised words that usually start a sentence (lowercase).
    static let sentenceStarters: Set<String> = [
        "the", "a", "an", "in", "it", "he", "she", "they", "we", "i", "this", "that", "these", "those", "but",
        "and", "however", "there", "if", "when", "as", "for", "on", "at", "after", "while", "so", "then", "his",
        "her", "their", "our", "my", "you", "your", "what", "why", "how", "yet", "also", "although", "because"
    ]
}

extension String {
    /// Punkt's `type_no_sentperiod`: one final period removed.
    fileprivate func trimmingSentencePeriod() -> String {
        hasSuffix(".") ? String(dropLast()) : self
    }
}
