import JupiterCore

/// Which evaluation items were found in the training data: returned by
/// ``DecontaminateStage/runWithReport(_:context:emit:)`` for the run manifest.
public struct DecontaminationReport: Sendable, Hashable {
    /// One matched evaluation item.
    public struct MatchedItem: Sendable, Hashable {
        /// 0-based index in its set.
        public var index: Int
        /// Item id.
        public var id: String
        /// Highest overlap with any training record.
        public var maxOverlap: Double
        /// Training records whose overlap exceeded the threshold (all of them counted, the first
        /// ``DecontaminationReport/maxRecordIDs`` ids kept).
        public var recordCount: Int
        /// Ids of the first matching training records, in input order.
        public var recordIDs: [String]
    }

    /// One evaluation set.
    public struct SetSummary: Sendable, Hashable {
        /// Name as written in the recipe.
        public var name: String
        /// SHA-256 of the eval file.
        public var sha256: String
        /// Items in the set.
        public var items: Int
        /// Items with fewer words than the n-gram size, which cannot match (with
        /// `short_items: skip`).
        public var skippedShortItems: Int
        /// Matched items, by index.
        public var matched: [MatchedItem]
    }

    /// Record ids kept per matched item.
    public static let maxRecordIDs = 20

    /// N-gram size used.
    public var ngramSize: Int
    /// Overlap threshold (a match needs overlap > threshold).
    public var threshold: Double
    /// Training records checked.
    public var recordsChecked: Int
    /// Training records dropped.
    public var recordsDropped: Int
    /// Per evaluation set.
    public var sets: [SetSummary]

    /// The JSON form for the manifest.
    public var json: JSONValue {
        .object([
            "ngram_size": .int(ngramSize), "threshold": .double(threshold),
            "records_checked": .int(recordsChecked), "records_dropped": .int(recordsDropped),
            "eval_sets": .array(
                sets.map { s in
                    .object([
                        "name": .string(s.name), "sha256": .string(s.sha256), "items": .int(s.items),
                        "skipped_short_items": .int(s.skippedShortItems), "matched_items": .int(s.matched.count),
                        "matched": .array(
                            s.matched.map { m in
                                .object([
                                    "index": .int(m.index), "id": .string(m.id), "max_overlap": .double(m.maxOverlap),
                                    "training_records": .int(m.recordCount), "record_ids": .array(m.recordIDs.map { .string($0) })
                                ])
                            })
                    ])
                })
        ])
    }
}
