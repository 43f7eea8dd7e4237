/// Stop-word lists for the Gopher `min_stop_words` rule, by language code.
///
/// `en` is Gopher's own list as datatrove ships it (`STOP_WORDS` in
/// `datatrove/pipeline/filters/gopher_quality_filter.py`): the, be, to, of, and, that, have, with.
/// Gopher's rule ("at least two of these words") is English-specific; a Welsh document has none of
/// them, so Welsh recipes must set `language: cy` (or their own `stop_words`).
///
/// `cy` is this project's list: the most frequent Welsh function words (articles, the
/// linking/aspect particle `yn`, conjunctions, common prepositions, the verb `bod` "to be" in its
/// commonest forms), chosen the way Gopher chose its English list. The tests check that every
/// Welsh passage of the shared data with at least 50 words passes the rule with it.
public enum StopWords {
    /// Gopher's English stop words (datatrove's default).
    public static let english: Set<String> = ["the", "be", "to", "of", "and", "that", "have", "with"]

    /// Welsh function words.
    public static let welsh: Set<String> = [
        "y", "yr", "'r", "a", "ac", "yn", "i", "o", "ar", "am", "at", "gan", "gyda", "mewn", "wedi",
        "mae", "oedd", "bod", "fod", "ei", "eu", "ond", "neu", "fel", "hyn", "hynny", "sy", "sydd"
    ]

    /// The list for a language code, or nil when none ships.
    public static func list(for language: String) -> Set<String>? {
        switch language.lowercased() {
        case "en", "eng", "english": english
        case "cy", "cym", "welsh": welsh
        default: nil
        }
    }
}
