/// Why a fastText model file could not be used. Every case names the file and says what is
/// wrong, so a recipe with a bad `model:` setting fails with one clear error before any record
/// is read.
public struct FastTextModelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// No file at the path.
        case missing
        /// The file exists but could not be read (permissions, a directory, an I/O error).
        case unreadable(String)
        /// The first four bytes are not fastText's magic number: not a fastText model.
        case wrongMagic(found: UInt32)
        /// A fastText file of a format version this reader does not know.
        case unsupportedVersion(Int32)
        /// The file ends in the middle of a section (a partial download or copy).
        case truncated(section: String, offset: Int)
        /// A value in the file is impossible (sizes that do not agree, unknown enum values).
        case invalid(String)
        /// A well-formed model of a kind that cannot classify text (e.g. a word-vector model).
        case notClassifier(String)
    }

    /// The model file.
    public var path: String
    /// What is wrong with it.
    public var kind: Kind

    /// Creates an error.
    public init(path: String, _ kind: Kind) {
        self.path = path
        self.kind = kind
    }

    /// One sentence naming the file and the problem.
    public var description: String {
        switch kind {
        case .missing:
            return "fastText model '\(path)': no such file"
        case .unreadable(let why):
            return "fastText model '\(path)': cannot be read (\(why))"
        case .wrongMagic(let found):
            let hex = String(found, radix: 16)
            return "fastText model '\(path)': not a fastText model file (magic number 0x\(hex), "
                + "expected 0x2f4f16ba)"
        case .unsupportedVersion(let v):
            return "fastText model '\(path)': unsupported format version \(v) (this reader knows 11 and 12)"
        case .truncated(let section, let offset):
            return "fastText model '\(path)': file is truncated (ends at byte \(offset) while reading \(section))"
        case .invalid(let why):
            return "fastText model '\(path)': corrupt model file (\(why))"
        case .notClassifier(let why):
            return "fastText model '\(path)': not a text classification model (\(why))"
        }
    }
}
