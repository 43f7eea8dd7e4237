import JupiterCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One label predicted by a ``FastTextModel``.
public struct FastTextPrediction: Sendable, Hashable {
    /// The label without fastText's `__label__` prefix (e.g. `cy`, or `cym_Latn` for GlotLID).
    public var label: String
    /// The probability fastText reports (for softmax and hierarchical softmax models, the
    /// model's probability plus fastText's `1e-5` smoothing, exactly as the library prints it).
    public var probability: Float

    /// Creates a prediction.
    public init(label: String, probability: Float) {
        self.label = label
        self.probability = probability
    }
}

/// A fastText text classifier read from a `.bin` (dense) or `.ftz` (quantized) model file, such
/// as the `lid.176` language identifier or GlotLID. Prediction follows the reference library
/// step by step (whitespace tokenisation, `</s>` at the end of the line, word and character
/// n-gram rows hashed with fastText's FNV-1a variant, averaged in float, hierarchical softmax,
/// softmax or one-vs-all output) so labels and probabilities match `fasttext.predict`.
///
/// Immutable and `Sendable`: one instance serves every thread (see ``FastTextModelCache``).
public final class FastTextModel: Sendable {
    /// The file it was read from.
    public let path: String
    /// SHA-256 of the model file: the model's identity in fingerprints and manifests.
    public let sha256: String
    /// Vector dimension.
    public let dimension: Int
    /// Every label the model can predict, without the `__label__` prefix, in the model's order.
    public let labels: [String]
    /// True for a quantized (`.ftz`) model.
    public let isQuantized: Bool

    let dictionary: FastTextDictionary
    let input: FastTextMatrix
    let output: FastTextMatrix
    let loss: FastTextLoss

    /// fastText's file magic number and the newest format version.
    static let magic: UInt32 = 793_712_314
    static let version: Int32 = 12

    /// Reads a model file. Throws ``FastTextModelError`` naming the file and the problem when it is
    /// missing, unreadable, not a fastText model, truncated or inconsistent.
    public convenience init(contentsOf path: String) throws(FastTextModelError) {
        guard FileSystem.exists(path) else { throw FastTextModelError(path: path, .missing) }
        if FileSystem.isDirectory(path) { throw FastTextModelError(path: path, .unreadable("it is a directory")) }
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.read(path)
        } catch {
            throw FastTextModelError(path: path, .unreadable(error.reason))
        }
        try self.init(bytes: bytes, path: path)
    }

    /// Reads a model from the bytes of a model file (`path` is used in errors only).
    public init(bytes: [UInt8], path: String) throws(FastTextModelError) {
        var sha = SHA256()
        sha.update(bytes)
        sha256 = sha.hexDigest()
        var r = ModelByteReader(bytes: bytes, path: path)
        if bytes.count < 8 {
            if bytes.count >= 4, let m = try? r.uint32(), m != Self.magic {
                throw FastTextModelError(path: path, .wrongMagic(found: m))
            }
            throw FastTextModelError(path: path, .truncated(section: "header", offset: bytes.count))
        }
        let magic = try r.uint32()
        guard magic == Self.magic else { throw FastTextModelError(path: path, .wrongMagic(found: magic)) }
        let version = try r.int32()
        guard version == 11 || version == 12 else {
            throw FastTextModelError(path: path, .unsupportedVersion(version))
        }

        r.section = "arguments"
        let dim = Int(try r.int32())
        _ = try r.int32()  // ws
        _ = try r.int32()  // epoch
        _ = try r.int32()  // minCount
        _ = try r.int32()  // neg
        let wordNgrams = Int(try r.int32())
        let lossCode = try r.int32()
        let modelCode = try r.int32()
        let bucket = Int(try r.int32())
        let minn = Int(try r.int32())
        var maxn = Int(try r.int32())
        _ = try r.int32()  // lrUpdateRate
        _ = try r.double()  // t
        guard dim > 0, dim <= 1 << 16, bucket >= 0, minn >= 0, maxn >= 0, maxn <= 64, wordNgrams >= 0,
            wordNgrams <= 64
        else {
            throw FastTextModelError(
                path: path,
                .invalid(
                    "impossible arguments (dim \(dim), bucket \(bucket), minn \(minn), maxn \(maxn), wordNgrams \(wordNgrams))"))
        }
        guard (1...3).contains(modelCode) else {
            throw FastTextModelError(path: path, .invalid("unknown model type \(modelCode)"))
        }
        guard modelCode == 3 else {
            throw FastTextModelError(
                path: path,
                .notClassifier(
                    "it is a \(modelCode == 1 ? "cbow" : "skipgram") word-vector model"))
        }
        guard (1...4).contains(lossCode) else {
            throw FastTextModelError(path: path, .invalid("unknown loss \(lossCode)"))
        }
        // Format 11 supervised models were trained without character n-grams.
        if version == 11 { maxn = 0 }

        let dict = try FastTextDictionary(
            reading: &r, minn: minn, maxn: maxn, bucket: bucket,
            wordNgrams: wordNgrams)
        guard dict.nlabels > 0 else { throw FastTextModelError(path: path, .notClassifier("it has no labels")) }

        r.section = "input matrix"
        let quantInput = try r.bool()
        let input = quantInput ? try FastTextMatrix.readQuantized(&r) : try FastTextMatrix.readDense(&r)
        if !quantInput && dict.prune != nil {
            throw FastTextModelError(path: path, .invalid("pruned dictionary with a dense input matrix"))
        }
        r.section = "output matrix"
        let qout = try r.bool()
        let output = quantInput && qout ? try FastTextMatrix.readQuantized(&r) : try FastTextMatrix.readDense(&r)

        guard input.cols == dim, output.cols == dim else {
            throw FastTextModelError(
                path: path,
                .invalid(
                    "matrix widths \(input.cols) and \(output.cols) do not match dimension \(dim)"))
        }
        guard input.rows > dict.maxInputRow, input.rows >= dict.nwords, input.rows > 0 else {
            throw FastTextModelError(
                path: path,
                .invalid(
                    "input matrix has \(input.rows) rows, the dictionary needs \(dict.maxInputRow + 1)"))
        }
        if let prune = dict.prune, prune.hasNegativeValue {
            throw FastTextModelError(path: path, .invalid("negative row in the pruning map"))
        }
        guard output.rows >= dict.nlabels else {
            throw FastTextModelError(
                path: path,
                .invalid(
                    "output matrix has \(output.rows) rows for \(dict.nlabels) labels"))
        }

        self.path = path
        self.dimension = dim
        self.labels = dict.labels.map { Self.stripPrefix($0) }
        self.isQuantized = quantInput
        self.dictionary = dict
        self.input = input
        self.output = output
        switch lossCode {
        case 1: loss = .hierarchicalSoftmax(FastTextLoss.HuffmanTree(counts: dict.labelCounts))
        case 3: loss = .softmax
        default: loss = .sigmoid(FastTextLoss.SigmoidTable())
        }
    }

    static func stripPrefix(_ label: String) -> String {
        label.hasPrefix("__label__") ? String(label.dropFirst("__label__".count)) : label
    }

    /// The `k` most likely labels of one line of text, best first, keeping only probabilities
    /// ≥ `threshold` (fastText's `predict(text, k, threshold)`). Newlines are read as spaces (fastText
    /// predicts one line; datatrove and NeMo Curator replace newlines the same way).
    public func predict(_ text: String, k: Int = 1, threshold: Float = 0) -> [FastTextPrediction] {
        var text = text
        return text.withUTF8 { predict(utf8: $0, k: k, threshold: threshold) }
    }

    /// ``predict(_:k:threshold:)`` over UTF-8 bytes.
    public func predict(utf8 text: UnsafeBufferPointer<UInt8>, k: Int = 1, threshold: Float = 0)
        -> [FastTextPrediction]
    {
        guard k > 0 else { return [] }
        let dim = dimension
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: dim) { hiddenBuf in
            guard let hidden = hiddenBuf.baseAddress else { return [] }
            hidden.initialize(repeating: 0, count: dim)
            let rows: Int
            switch input {
            case .dense(_, let cols, let data):
                rows = data.withUnsafeBufferPointer { buf in
                    var acc = DenseRowAccumulator(base: buf.baseAddress.unsafelyUnwrapped, cols: cols)
                    return accumulate(text, into: hidden, &acc)
                }
            case .quantized(let q):
                rows = q.codes.withUnsafeBufferPointer { codes in
                    q.pq.centroids.withUnsafeBufferPointer { cents in
                        var acc = QuantRowAccumulator(
                            matrix: q, codes: codes.baseAddress.unsafelyUnwrapped,
                            centroids: cents.baseAddress.unsafelyUnwrapped)
                        return accumulate(text, into: hidden, &acc)
                    }
                }
            }
            guard rows > 0 else { return [] }
            let scale = Float(1.0 / Double(rows))
            for j in 0..<dim { hidden[j] *= scale }
            var top = TopK(k: k)
            scoreLabels(UnsafePointer(hidden), threshold: threshold, into: &top)
            return top.items.map { FastTextPrediction(label: labels[$0.label], probability: expf($0.score)) }
        }
    }

    /// Tokenises one line and adds the input row of every word, character n-gram and word n-gram
    /// to `hidden`, in fastText's order. Returns the number of rows added.
    private func accumulate<A: RowAccumulator>(
        _ text: UnsafeBufferPointer<UInt8>,
        into hidden: UnsafeMutablePointer<Float>, _ acc: inout A
    ) -> Int {
        let dict = dictionary
        var rows = 0
        var wordHashes: [Int32] = []
        let keepHashes = dict.wordNgrams > 1
        var scratch: [UInt8] = []
        dict.wordRows.withUnsafeBufferPointer { wordRows in
            func handle(_ token: UnsafeBufferPointer<UInt8>, isEOS: Bool) {
                let h = FastTextDictionary.hash(token)
                let wid = dict.find(token, hash: h)
                if wid >= dict.nwords { return }  // a known label: not a feature
                if wid < 0 && !isEOS && FastTextDictionary.isLabel(token) { return }  // unknown label
                if wid >= 0 {
                    for p in dict.wordRowStart[wid]..<dict.wordRowStart[wid + 1] {
                        acc.add(hidden, row: Int(wordRows[p]))
                        rows += 1
                    }
                } else if !isEOS {
                    scratch.removeAll(keepingCapacity: true)
                    scratch.append(UInt8(ascii: "<"))
                    scratch.append(contentsOf: token)
                    scratch.append(UInt8(ascii: ">"))
                    scratch.withUnsafeBufferPointer { w in
                        FastTextDictionary.forEachSubword(w, minn: dict.minn, maxn: dict.maxn, bucket: dict.bucket) {
                            if let row = dict.ngramRow($0) {
                                acc.add(hidden, row: Int(row))
                                rows += 1
                            }
                        }
                    }
                }
                if keepHashes { wordHashes.append(Int32(bitPattern: h)) }
            }

            var i = 0
            let n = text.count
            while i < n {
                while i < n && Self.isSeparator(text[i]) { i += 1 }
                if i >= n { break }
                let start = i
                while i < n && !Self.isSeparator(text[i]) { i += 1 }
                handle(UnsafeBufferPointer(rebasing: text[start..<i]), isEOS: false)
            }
            FastTextDictionary.eos.withUnsafeBufferPointer { handle($0, isEOS: true) }
        }
        if keepHashes && dict.bucket > 0 {
            let bucket = UInt64(dict.bucket)
            for i in 0..<wordHashes.count {
                var h = UInt64(bitPattern: Int64(wordHashes[i]))
                var j = i + 1
                while j < wordHashes.count && j < i + dict.wordNgrams {
                    h = h &* 116_049_371 &+ UInt64(bitPattern: Int64(wordHashes[j]))
                    if let row = dict.ngramRow(Int32(truncatingIfNeeded: h % bucket)) {
                        acc.add(hidden, row: Int(row))
                        rows += 1
                    }
                    j += 1
                }
            }
        }
        return rows
    }

    /// fastText's token separators: space, `\n`, `\r`, `\t`, `\v`, `\f`, NUL.
    @inline(__always)
    static func isSeparator(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 || c == 0x0B || c == 0x0C || c == 0x00
    }

    /// Scores labels from the averaged hidden vector into `top`.
    private func scoreLabels(_ hidden: UnsafePointer<Float>, threshold: Float, into top: inout TopK) {
        switch loss {
        case .hierarchicalSoftmax(let tree):
            let minScore = FastTextLoss.stdLog(threshold)
            tree.left.withUnsafeBufferPointer { left in
                tree.right.withUnsafeBufferPointer { right in
                    func dfs(_ node: Int, _ score: Float) {
                        if score < minScore { return }
                        if top.isFull && score < top.minScore { return }
                        if left[node] == -1 && right[node] == -1 {
                            top.push(score, node)
                            return
                        }
                        var f = output.dotRow(hidden, node - tree.osz)
                        f = Float(1.0 / Double(1 + expf(-f)))
                        dfs(Int(left[node]), score + FastTextLoss.stdLog(Float(1.0 - Double(f))))
                        dfs(Int(right[node]), score + FastTextLoss.stdLog(f))
                    }
                    dfs(2 * tree.osz - 2, 0)
                }
            }
        case .softmax:
            let n = dictionary.nlabels
            var out = [Float](repeating: 0, count: n)
            for i in 0..<n { out[i] = output.dotRow(hidden, i) }
            var maxv = out[0]
            for i in 0..<n { maxv = Swift.max(out[i], maxv) }
            var z: Float = 0
            for i in 0..<n {
                out[i] = Float(exp(Double(out[i] - maxv)))
                z += out[i]
            }
            for i in 0..<n { out[i] /= z }
            Self.findKBest(out, threshold: threshold, into: &top)
        case .sigmoid(let table):
            let n = dictionary.nlabels
            var out = [Float](repeating: 0, count: n)
            for i in 0..<n { out[i] = table(output.dotRow(hidden, i)) }
            Self.findKBest(out, threshold: threshold, into: &top)
        }
    }

    private static func findKBest(_ out: [Float], threshold: Float, into top: inout TopK) {
        for (i, p) in out.enumerated() {
            if p < threshold { continue }
            let s = FastTextLoss.stdLog(p)
            if top.isFull && s < top.minScore { continue }
            top.push(s, i)
        }
    }
}

/// Adds one input row to the hidden vector.
protocol RowAccumulator {
    func add(_ x: UnsafeMutablePointer<Float>, row: Int)
}

struct DenseRowAccumulator: RowAccumulator {
    let base: UnsafePointer<Float>
    let cols: Int
    @inline(__always)
    func add(_ x: UnsafeMutablePointer<Float>, row: Int) {
        let src = base + row * cols
        for j in 0..<cols { x[j] += src[j] }
    }
}

struct QuantRowAccumulator: RowAccumulator {
    let matrix: FastTextMatrix.QuantizedMatrix
    let codes: UnsafePointer<UInt8>
    let centroids: UnsafePointer<Float>
    @inline(__always)
    func add(_ x: UnsafeMutablePointer<Float>, row: Int) {
        matrix.pq.addCode(x, code: codes + matrix.pq.nsubq * row, alpha: matrix.norm(row), centroids: centroids)
    }
}
