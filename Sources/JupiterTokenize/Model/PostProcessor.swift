/// A post-processor from tokenizer.json (`"post_processor"`): adds special tokens around a
/// single encoded sequence.
indirect enum PostProcessor: Sendable {
    /// `TemplateProcessing`: ids before and after the sequence (`$A`).
    case template(before: [Int32], after: [Int32])
    /// `ByteLevel` (offsets only; ids unchanged).
    case none
    case sequence([PostProcessor])

    /// Adds the special tokens to `ids`.
    func apply(_ ids: inout [Int32]) {
        switch self {
        case .none: break
        case .template(let before, let after):
            if !before.isEmpty { ids.insert(contentsOf: before, at: 0) }
            ids.append(contentsOf: after)
        case .sequence(let steps):
            for s in steps { s.apply(&ids) }
        }
    }

    /// Number of ids `apply` adds.
    var addedCount: Int {
        switch self {
        case .none: 0
        case .template(let b, let a): b.count + a.count
        case .sequence(let s): s.reduce(0) { $0 + $1.addedCount }
        }
    }
}
