/// Unicode category tests shared by the basic and conversation rules.
enum CharacterCategories {
    /// A letter (general categories L*: Python `str.isalpha` on one character).
    static func isLetter(_ c: Unicode.Scalar) -> Bool { PythonText.isAlpha(c.value) }

    /// Punctuation, symbols and control characters (general categories P*, S*, Cc).
    static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol,
            .control:
            return true
        default:
            return false
        }
    }
}
