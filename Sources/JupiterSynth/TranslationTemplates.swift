import JupiterCore

/// Instruction templates for translation conversations. `{source}` and `{target}` are language
/// names, `{text}` the text to translate. Templates are grouped by the language they are
/// written in: `instructions(writtenIn: "cy")` are Welsh-language prompts.
public enum TranslationTemplates {
    /// Display names of languages, in English and in Welsh (extend via recipe `language_names`).
    public static let names: [String: (en: String, cy: String)] = [
        "en": ("English", "Saesneg"), "cy": ("Welsh", "Cymraeg"), "ga": ("Irish", "Gwyddeleg"),
        "gd": ("Scottish Gaelic", "Gaeleg yr Alban"), "br": ("Breton", "Llydaweg"), "kw": ("Cornish", "Cernyweg"),
        "fr": ("French", "Ffrangeg"), "de": ("German", "Almaeneg"), "es": ("Spanish", "Sbaeneg")
    ]

    /// Single-pair instructions written in English (at least 8).
    public static let singleEnglish: [String] = [
        "Translate the following text from {source} into {target}:\n\n{text}",
        "Please translate this {source} sentence into {target}.\n\n{text}",
        "What is the {target} translation of the following?\n\n{text}",
        "Render this in {target}:\n{text}",
        "{text}\n\nTranslate the above into {target}.",
        "Can you give me a {target} version of this {source} text?\n\n\"{text}\"",
        "I need this translated into {target}, please. Keep the meaning and register.\n\n{text}",
        "Translate into {target}. Reply with the translation only.\n\n{text}",
        "How would you say this in {target}?\n\n{text}"
    ]

    /// Single-pair instructions written in Welsh (at least 8). `{target_cy}`/`{source_cy}` are the
    /// Welsh names of the languages.
    public static let singleWelsh: [String] = [
        "Cyfieithwch y testun canlynol o'r {source_cy} i'r {target_cy}:\n\n{text}",
        "Wnei di gyfieithu hwn i'r {target_cy}, os gweli di'n dda?\n\n{text}",
        "Beth yw'r cyfieithiad {target_cy} o'r canlynol?\n\n{text}",
        "Trosa hwn i'r {target_cy}:\n{text}",
        "{text}\n\nCyfieithwch yr uchod i'r {target_cy}.",
        "Rho fersiwn {target_cy} o'r testun {source_cy} hwn i mi.\n\n\"{text}\"",
        "Mae angen cyfieithiad {target_cy} o hwn arnaf. Cadwch yr ystyr a'r cywair.\n\n{text}",
        "Cyfieithwch i'r {target_cy}. Rhowch y cyfieithiad yn unig.\n\n{text}",
        "Sut fyddech chi'n dweud hyn yn {target_cy}?\n\n{text}"
    ]

    /// Series openers (multi-turn, one sentence at a time), English.
    public static let seriesEnglish: [String] = [
        "I'm going to give you some {source} sentences one at a time. Translate each one into {target}. Here's the first:\n\n{text}",
        "Let's translate a short passage from {source} into {target}, one sentence at a time. First sentence:\n\n{text}",
        "Translate each sentence I send into {target}. We'll go one by one.\n\n{text}",
        "Please act as a {source}–{target} translator for the next few sentences. Start with this one:\n\n{text}"
    ]

    /// Series openers, Welsh.
    public static let seriesWelsh: [String] = [
        "Dw i am roi brawddegau {source_cy} i ti un ar y tro. Cyfieithwch bob un i'r {target_cy}. Dyma'r gyntaf:\n\n{text}",
        "Gadewch i ni gyfieithu darn byr o'r {source_cy} i'r {target_cy}, fesul brawddeg. Y frawddeg gyntaf:\n\n{text}",
        "Cyfieithwch bob brawddeg a anfonaf i'r {target_cy}, un ar y tro.\n\n{text}",
        "Bydd yn gyfieithydd {source_cy}–{target_cy} i mi am yr ychydig frawddegau nesaf. Dechreua gyda hon:\n\n{text}"
    ]

    /// Fills a template.
    public static func fill(_ template: String, text: String, source: String, target: String) -> String {
        let sn = names[source] ?? (source, source)
        let tn = names[target] ?? (target, target)
        return
            template
            .replacingAll("{source_cy}", with: sn.cy).replacingAll("{target_cy}", with: tn.cy)
            .replacingAll("{source}", with: sn.en).replacingAll("{target}", with: tn.en)
            .replacingAll("{text}", with: text)
    }
}

extension String {
    /// Replaces every occurrence of `pattern` (no Foundation needed).
    func replacingAll(_ pattern: String, with replacement: String) -> String {
        guard !pattern.isEmpty, contains(pattern) else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: pattern) {
            out += rest[rest.startIndex..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }
}
