/// The special cases of spaCy's blank English tokenizer (`spacy.blank("en").tokenizer.rules`):
/// strings that are split in a fixed way (`don't` → `do` `n't`, `5pm` → `5` `pm`) or kept whole
/// (`e.g.`, `Mr.`, `:-)`). Only the token texts matter to the quality rules, so only those are
/// kept. Built by the same steps as spaCy 3.8's `lang/tokenizer_exceptions.py` and
/// `lang/en/tokenizer_exceptions.py` (MIT licence): the base exceptions, the English
/// contractions, abbreviations and times, minus the excluded words, plus a copy of every entry
/// with `'` written `’`. `QualityParityTests` checks the table against spaCy's own.
enum EnglishTokenizerExceptions {
    /// Special case → token texts (concatenated, they give the special case).
    static func table() -> [String: [String]] {
        var base: [String: [String]] = [:]
        for s in [" ", "\t", "\\t", "\n", "\\n", "\u{2014}", "\u{00A0}"] { base[s] = [s] }
        var whole = ["'", "\\\")", "<space>", "''", "C++"]
        whole += "abcdefghijklmnopqrstuvwxyzäöü".map { "\($0)." }
        whole += emoticons.split(separator: " ").map(String.init)
        for s in whole { base[s] = [s] }
        for u in "cfkCFK" { base["°\(u)."] = ["°", "\(u)", "."] }

        var exc: [String: [String]] = [:]
        func add(_ parts: String...) { exc[parts.joined()] = parts }
        func cases(_ w: String) -> [String] { [w, w.prefix(1).uppercased() + w.dropFirst()] }

        for orth in cases("i") {
            add(orth, "'m"); add(orth, "m"); add(orth, "'m", "a"); add(orth, "m", "a")
        }
        for pron in ["i", "you", "he", "she", "it", "we", "they"] {
            for orth in cases(pron) {
                add(orth, "'ll"); add(orth, "ll"); add(orth, "'ll", "'ve"); add(orth, "ll", "ve")
                add(orth, "'d"); add(orth, "d"); add(orth, "'d", "'ve"); add(orth, "d", "ve")
            }
        }
        for pron in ["i", "you", "we", "they"] {
            for orth in cases(pron) { add(orth, "'ve"); add(orth, "ve") }
        }
        for pron in ["you", "we", "they"] {
            for orth in cases(pron) { add(orth, "'re"); add(orth, "re") }
        }
        for pron in ["he", "she", "it"] {
            for orth in cases(pron) { add(orth, "'s"); add(orth, "s") }
        }
        // W-words, relative pronouns: (word, singular third person, plural third person).
        for (word, singular, plural) in [
            ("who", false, false), ("what", false, false), ("when", false, false),
            ("where", false, false), ("why", false, false), ("how", false, false),
            ("there", false, false), ("that", true, false), ("this", true, false),
            ("these", false, true), ("those", false, true)
        ] {
            for orth in cases(word) {
                if !plural { add(orth, "'s"); add(orth, "s") }
                add(orth, "'ll"); add(orth, "ll"); add(orth, "'ll", "'ve"); add(orth, "ll", "ve")
                if !singular { add(orth, "'re"); add(orth, "re"); add(orth, "'ve"); add(orth, "ve") }
                add(orth, "'d"); add(orth, "d"); add(orth, "'d", "'ve"); add(orth, "d", "ve")
            }
        }
        for verb in [
            "ca", "could", "do", "does", "did", "had", "may", "might", "must", "need", "ought", "sha",
            "should", "wo", "would"
        ] {
            for orth in cases(verb) {
                add(orth, "n't"); add(orth, "nt"); add(orth, "n't", "'ve"); add(orth, "nt", "ve")
            }
        }
        for verb in ["could", "might", "must", "should", "would"] {
            for orth in cases(verb) { add(orth, "'ve"); add(orth, "ve") }
        }
        for verb in ["ai", "are", "is", "was", "were", "have", "has", "dare"] {
            for orth in cases(verb) { add(orth, "n't"); add(orth, "nt") }
        }
        for word in ["doin", "goin", "nothin", "nuthin", "ol", "somethin"] {
            for orth in cases(word) { add(orth); add(orth + "'") }
        }
        for word in ["em", "ll", "nuff"] { add(word); add("'" + word) }
        for h in 1...12 {
            for period in ["a.m.", "am", "p.m.", "pm"] { add("\(h)", period) }
        }
        add("y'", "all"); add("y", "all"); add("how", "'d", "'y"); add("How", "'d", "'y")
        add("not", "'ve"); add("not", "ve"); add("Not", "'ve"); add("Not", "ve")
        add("can", "not"); add("Can", "not"); add("gon", "na"); add("Gon", "na"); add("got", "ta"); add("Got", "ta")
        add("let", "'s"); add("Let", "'s"); add("c'm", "on"); add("C'm", "on")
        for s in singleWords.split(separator: " ") { add(String(s)) }
        for s in [
            "Ill", "ill", "Its", "its", "Hell", "hell", "Shell", "shell", "Shed", "shed", "were", "Were",
            "Well", "well", "Whore", "whore"
        ] {
            exc[s] = nil
        }

        var all = base.merging(exc) { _, new in new }
        for (key, parts) in all where key.contains("'") {
            all[key.replacing("'", with: "’")] = parts.map { $0.replacing("'", with: "’") }
        }
        return all
    }

    /// Entries kept as one token (abbreviations, state names, clipped words).
    static let singleWords = """
        'S 's \u{2018}S \u{2018}s and/or w/o 're 'Cause 'cause 'cos 'Cos 'coz 'Coz 'cuz 'Cuz 'bout ma'am Ma'am \
        o'clock O'clock lovin' Lovin' lovin Lovin havin' Havin' havin Havin doin' Doin' doin Doin goin' Goin' goin \
        Goin Mt. Ak. Ala. Apr. Ariz. Ark. Aug. Calif. Colo. Conn. Dec. Del. Feb. Fla. Ga. Ia. Id. Ill. Ind. Jan. \
        Jul. Jun. Kan. Kans. Ky. La. Mar. Mass. Mich. Minn. Miss. N.C. N.D. N.H. N.J. N.M. N.Y. Neb. Nebr. Nev. \
        Nov. Oct. Okla. Ore. Pa. S.C. Sep. Sept. Tenn. Va. Wash. Wis. 'd a.m. Adm. Bros. co. Co. Corp. D.C. Dr. \
        e.g. E.g. E.G. Gen. Gov. i.e. I.e. I.E. Inc. Jr. Ltd. Md. Messrs. Mo. Mont. Mr. Mrs. Ms. p.m. Ph.D. Prof. \
        Rep. Rev. Sen. St. vs. v.s.
        """

    /// spaCy's emoticons (each kept as one token).
    static let emoticons = """
        :) :-) :)) :-)) :))) :-))) (: (-: =) (= :] :-] [: [-: [= =] :o) (o: :} :-} 8) 8-) (-8 ;) ;-) (; (-; :( \
        :-( :(( :-(( :((( :-((( ): )-: =( >:( :') :'-) :'( :'-( :/ :-/ =/ =| :| :-| ]= =[ :1 :P :-P :p :-p :O :-O \
        :o :-o :0 :-0 :() >:o :* :-* :3 :-3 =3 :> :-> :X :-X :x :-x :D :-D ;D ;-D =D xD XD xDD XDD 8D 8-D ^_^ \
        ^__^ ^___^ >.< >.> <.< ._. ;_; -_- -__- v.v V.V v_v V_V o_o o_O O_o O_O 0_o o_0 0_0 o.O O.o O.O o.o 0.0 \
        o.0 0.o @_@ <3 <33 <333 </3 (^_^) (-_-) (._.) (>_<) (*_*) (\u{AC}_\u{AC}) \u{CA0}_\u{CA0} \
        \u{CA0}\u{FE35}\u{CA0} (\u{CA0}_\u{CA0}) \u{AF}\\(\u{30C4})/\u{AF} \
        (\u{256F}\u{B0}\u{25A1}\u{B0}\u{FF09}\u{256F}\u{FE35}\u{253B}\u{2501}\u{253B} ><(((*>
        """
}
