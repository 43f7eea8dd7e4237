/// A fastText weight matrix: dense (`.bin`) or product-quantized (`.ftz`), with the two
/// operations prediction needs (add a row to a vector, dot a row with a vector), each summing in
/// the same order as the reference library so results agree to the last bits.
enum FastTextMatrix: Sendable {
    /// Rows × columns floats, row-major.
    case dense(rows: Int, cols: Int, data: [Float])
    /// Quantized rows, optionally with quantized row norms.
    case quantized(QuantizedMatrix)

    /// A quantized matrix as stored in `.ftz` files.
    struct QuantizedMatrix: Sendable {
        let rows: Int
        let cols: Int
        let codes: [UInt8]
        let pq: ProductQuantizer
        /// One norm code per row (when `qnorm`), decoded by `npq`.
        let normCodes: [UInt8]?
        let npq: ProductQuantizer?

        /// The decoded norm of each row (1 when norms are not quantized).
        func norm(_ i: Int) -> Float {
            guard let normCodes, let npq else { return 1 }
            return npq.centroids[npq.centroidOffset(0, normCodes[i])]
        }
    }

    var rows: Int {
        switch self {
        case .dense(let r, _, _): r
        case .quantized(let q): q.rows
        }
    }

    var cols: Int {
        switch self {
        case .dense(_, let c, _): c
        case .quantized(let q): q.cols
        }
    }

    /// Reads a dense matrix (`int64 m, int64 n, float[m*n]`).
    static func readDense(_ r: inout ModelByteReader) throws(FastTextModelError) -> FastTextMatrix {
        let m = try r.int64()
        let n = try r.int64()
        guard m >= 0, n > 0, m <= Int64(Int32.max), n <= 1 << 20, m.multipliedReportingOverflow(by: n).overflow == false
        else {
            throw FastTextModelError(path: r.path, .invalid("\(r.section): impossible matrix size \(m) × \(n)"))
        }
        let data = try r.floats(Int(m * n))
        return .dense(rows: Int(m), cols: Int(n), data: data)
    }

    /// Reads a quantized matrix (`bool qnorm, int64 m, int64 n, int32 codesize, codes, pq,
    /// [norm codes, norm pq]`).
    static func readQuantized(_ r: inout ModelByteReader) throws(FastTextModelError) -> FastTextMatrix {
        let qnorm = try r.bool()
        let m = try r.int64()
        let n = try r.int64()
        let codesize = try r.int32()
        guard m >= 0, n > 0, m <= Int64(Int32.max), n <= 1 << 20, codesize >= 0 else {
            throw FastTextModelError(path: r.path, .invalid("\(r.section): impossible matrix size \(m) × \(n)"))
        }
        let codes = try r.rawBytes(Int(codesize))
        let pq = try ProductQuantizer(reading: &r)
        guard pq.dim == Int(n), Int(codesize) == Int(m) * pq.nsubq else {
            throw FastTextModelError(
                path: r.path,
                .invalid(
                    "\(r.section): quantizer of dimension \(pq.dim) with \(pq.nsubq) codes per row does not fit a "
                        + "\(m) × \(n) matrix with \(codesize) codes"))
        }
        var normCodes: [UInt8]?
        var npq: ProductQuantizer?
        if qnorm {
            normCodes = try r.rawBytes(Int(m))
            let p = try ProductQuantizer(reading: &r)
            guard p.dim == 1, p.nsubq == 1 else {
                throw FastTextModelError(path: r.path, .invalid("\(r.section): norm quantizer must be 1-dimensional"))
            }
            npq = p
        }
        return .quantized(
            QuantizedMatrix(
                rows: Int(m), cols: Int(n), codes: codes, pq: pq, normCodes: normCodes,
                npq: npq))
    }

    /// Calls `body` with a kernel that adds rows to a vector of `cols` floats.
    @inline(__always)
    func withRowAdder<R>(_ body: (_ add: (_ x: UnsafeMutablePointer<Float>, _ row: Int) -> Void) -> R) -> R {
        switch self {
        case .dense(_, let cols, let data):
            return data.withUnsafeBufferPointer { buf in
                let base = buf.baseAddress.unsafelyUnwrapped
                return body { x, row in
                    let src = base + row * cols
                    for j in 0..<cols { x[j] += src[j] }
                }
            }
        case .quantized(let q):
            return q.codes.withUnsafeBufferPointer { codes in
                q.pq.centroids.withUnsafeBufferPointer { cents in
                    let codeBase = codes.baseAddress.unsafelyUnwrapped
                    let centBase = cents.baseAddress.unsafelyUnwrapped
                    let nsubq = q.pq.nsubq
                    return body { x, row in
                        q.pq.addCode(x, code: codeBase + nsubq * row, alpha: q.norm(row), centroids: centBase)
                    }
                }
            }
        }
    }

    /// `dot(row i, x)`, summed in fastText's order.
    func dotRow(_ x: UnsafePointer<Float>, _ i: Int) -> Float {
        switch self {
        case .dense(_, let cols, let data):
            return data.withUnsafeBufferPointer { buf in
                let src = buf.baseAddress.unsafelyUnwrapped + i * cols
                var d: Float = 0
                for j in 0..<cols { d += src[j] * x[j] }
                return d
            }
        case .quantized(let q):
            return q.codes.withUnsafeBufferPointer { codes in
                q.pq.centroids.withUnsafeBufferPointer { cents in
                    q.pq.mulCode(
                        x, code: codes.baseAddress.unsafelyUnwrapped + q.pq.nsubq * i, alpha: q.norm(i),
                        centroids: cents.baseAddress.unsafelyUnwrapped)
                }
            }
        }
    }
}
