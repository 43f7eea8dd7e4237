/// The compact per-document state of MinHash dedup: one 64-bit key per LSH band and a one-byte
/// sketch per MinHash value (b-bit minwise hashing with b = 8, for estimating Jaccard similarity
/// of the pairs it reports). Texts are never kept.
///
/// Memory: `8 × bands + bands × rows + 4` bytes per document while indexing and clustering
/// (keys, sketch, union-find parent; 228 bytes with the 14 × 8 defaults), plus 16 bytes per
/// document of scratch for one band at a time while clustering, plus one bit per document
/// (documents without shingles). See ``bytesPerDocument``.
public struct MinHashIndex: Sendable {
    /// The settings.
    public let parameters: MinHashParameters
    /// Documents added (with or without a signature).
    public private(set) var count: Int = 0
    /// Band keys, one array per band, in document order (unsigned documents hold 0).
    var keys: [[UInt64]]
    /// One byte of each MinHash value, document-major.
    var sketches: [UInt8] = []
    /// Bit set of documents that have no signature (fewer words than the shingle size).
    var unsigned: [UInt64] = []

    /// Creates an empty index.
    public init(parameters: MinHashParameters, capacity: Int = 0) {
        self.parameters = parameters
        keys = (0..<parameters.bands).map { _ in
            var a: [UInt64] = []
            a.reserveCapacity(capacity)
            return a
        }
        sketches.reserveCapacity(capacity * parameters.hashCount)
    }

    /// Bytes of index state per document with these parameters (steady state plus the
    /// clustering scratch; Swift array headers and one-bit flags not counted).
    public static func bytesPerDocument(_ p: MinHashParameters) -> Int {
        8 * p.bands + p.hashCount + 4 + 16
    }

    /// Adds the next document: its band keys and signature, or `nil` for a document without
    /// shingles.
    public mutating func append(signature: [UInt64]?, hasher: MinHasher) {
        if let signature {
            let keys = hasher.bandKeys(signature)
            keys.withUnsafeBufferPointer { k in
                signature.withUnsafeBufferPointer { s in append(bandKeys: k, signature: s) }
            }
        } else {
            append(bandKeys: nil, signature: nil)
        }
    }

    /// Adds the next document from raw buffers (`bands` keys and at least `hashCount` values).
    mutating func append(bandKeys: UnsafeBufferPointer<UInt64>?, signature: UnsafeBufferPointer<UInt64>?) {
        let doc = count
        if doc / 64 >= unsigned.count { unsigned.append(0) }
        if let bandKeys, let signature {
            for band in 0..<parameters.bands { keys[band].append(bandKeys[band]) }
            for k in 0..<parameters.hashCount { sketches.append(UInt8(truncatingIfNeeded: signature[k])) }
        } else {
            for band in 0..<parameters.bands { keys[band].append(0) }
            sketches.append(contentsOf: repeatElement(0, count: parameters.hashCount))
            unsigned[doc / 64] |= 1 << UInt64(doc % 64)
        }
        count += 1
    }

    /// Adds documents computed elsewhere: `bandKeys` document-major (`bands` per document),
    /// `sketches` document-major (`hashCount` per document), `signed` one flag per document.
    mutating func append(bandKeys: [UInt64], sketches newSketches: [UInt8], signed: [Bool]) {
        let bands = parameters.bands
        for (i, isSigned) in signed.enumerated() {
            let doc = count
            if doc / 64 >= unsigned.count { unsigned.append(0) }
            for band in 0..<bands { keys[band].append(bandKeys[i * bands + band]) }
            if !isSigned { unsigned[doc / 64] |= 1 << UInt64(doc % 64) }
            count += 1
        }
        sketches.append(contentsOf: newSketches)
    }

    /// True when document `i` has a signature.
    public func isSigned(_ i: Int) -> Bool { unsigned[i / 64] & (1 << UInt64(i % 64)) == 0 }

    /// Estimated Jaccard similarity of two signed documents from their 8-bit sketches:
    /// `(m − 2⁻⁸) / (1 − 2⁻⁸)` where `m` is the fraction of equal bytes (Li & König, b-bit
    /// minwise hashing), clamped to [0, 1].
    public func estimatedJaccard(_ i: Int, _ j: Int) -> Double {
        let h = parameters.hashCount
        var equal = 0
        sketches.withUnsafeBufferPointer { s in
            for k in 0..<h where s[i * h + k] == s[j * h + k] { equal += 1 }
        }
        return Self.estimatedJaccard(equal: equal, of: h)
    }

    /// ``estimatedJaccard(_:_:)`` of two sketches of the same length.
    static func estimatedJaccard(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Double {
        var equal = 0
        for (x, y) in zip(a, b) where x == y { equal += 1 }
        return estimatedJaccard(equal: equal, of: a.count)
    }

    /// The estimate from `equal` equal bytes of `h`.
    static func estimatedJaccard(equal: Int, of h: Int) -> Double {
        let m = Double(equal) / Double(h)
        let c = 1.0 / 256.0
        return min(1, max(0, (m - c) / (1 - c)))
    }

    /// Clusters the documents: documents sharing a band key are joined (union-find); each
    /// cluster is represented by its first document in input order. With `minJaccard > 0`, a
    /// candidate pair is joined only when its estimated Jaccard similarity reaches it (a
    /// false-positive check like NeMo Curator's; datatrove has none, so the default is off).
    public func cluster(minJaccard: Double = 0) -> MinHashClusters {
        var uf = UnionFind(count: count)
        var scratch: [KeyDoc] = []
        scratch.reserveCapacity(count)
        for band in 0..<parameters.bands {
            scratch.removeAll(keepingCapacity: true)
            keys[band].withUnsafeBufferPointer { k in
                for doc in 0..<count where isSigned(doc) { scratch.append(KeyDoc(key: k[doc], doc: UInt32(doc))) }
            }
            scratch.sort()
            var runStart = 0
            while runStart < scratch.count {
                var runEnd = runStart + 1
                while runEnd < scratch.count, scratch[runEnd].key == scratch[runStart].key { runEnd += 1 }
                let first = Int(scratch[runStart].doc)
                for r in (runStart + 1)..<max(runStart + 1, runEnd) {
                    let other = Int(scratch[r].doc)
                    if minJaccard > 0, estimatedJaccard(first, other) < minJaccard { continue }
                    uf.union(first, other)
                }
                runStart = runEnd
            }
        }
        return MinHashClusters(index: self, unionFind: uf)
    }
}

/// A band key and the document that has it; ordered by key, then document.
struct KeyDoc: Comparable {
    var key: UInt64
    var doc: UInt32
    static func < (x: KeyDoc, y: KeyDoc) -> Bool { x.key < y.key || (x.key == y.key && x.doc < y.doc) }
}

/// The outcome of MinHash clustering: for each document, the first document (in input order) of
/// its cluster.
public struct MinHashClusters: Sendable {
    /// Representative (first member) of each document's cluster; `-1` for documents without a
    /// signature.
    public let representatives: [Int32]
    /// Number of documents that have an earlier near-duplicate.
    public let duplicateCount: Int
    let index: MinHashIndex

    init(index: MinHashIndex, unionFind: UnionFind) {
        var uf = unionFind
        var reps = [Int32](repeating: -1, count: index.count)
        var dups = 0
        for i in 0..<index.count where index.isSigned(i) {
            let r = uf.find(i)
            reps[i] = Int32(r)
            if r != i { dups += 1 }
        }
        representatives = reps
        duplicateCount = dups
        self.index = index
    }

    /// The representative of document `i`'s cluster (`i` itself when it is first or alone), or
    /// `nil` when the document has no signature.
    public func representative(of i: Int) -> Int? {
        let r = representatives[i]
        return r < 0 ? nil : Int(r)
    }

    /// Estimated Jaccard similarity of two signed documents.
    public func estimatedJaccard(_ i: Int, _ j: Int) -> Double { index.estimatedJaccard(i, j) }

    /// Clusters with more than one member, each listed in input order; clusters ordered by their
    /// first member.
    public var multiMemberClusters: [[Int]] {
        var members: [Int: [Int]] = [:]
        for (i, r) in representatives.enumerated() where r >= 0 { members[Int(r), default: []].append(i) }
        return members.values.filter { $0.count > 1 }.sorted { $0[0] < $1[0] }
    }
}

/// Disjoint sets over `0..<count` whose root is always the smallest member (so a cluster's root
/// is its first document in input order), with path halving.
struct UnionFind: Sendable {
    private var parent: [UInt32]

    init(count: Int) { parent = (0..<count).map { UInt32($0) } }

    mutating func find(_ x: Int) -> Int {
        var x = x
        while Int(parent[x]) != x {
            let p = Int(parent[x])
            parent[x] = parent[p]
            x = p
        }
        return x
    }

    mutating func union(_ a: Int, _ b: Int) {
        let ra = find(a), rb = find(b)
        if ra == rb { return }
        if ra < rb { parent[rb] = UInt32(ra) } else { parent[ra] = UInt32(rb) }
    }
}
