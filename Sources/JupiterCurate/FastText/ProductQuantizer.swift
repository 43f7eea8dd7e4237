/// fastText's product quantizer, as stored in `.ftz` files: a vector of `dim` floats is cut into
/// `nsubq` sub-vectors of `dsub` floats (the last one `lastdsub`), each replaced by the index of
/// one of 256 centroids.
struct ProductQuantizer: Sendable {
    /// Centroids per sub-quantizer (fixed by the format).
    static let ksub = 256
    let dim: Int
    let nsubq: Int
    let dsub: Int
    let lastdsub: Int
    let centroids: [Float]

    init(reading r: inout ModelByteReader) throws(FastTextModelError) {
        dim = Int(try r.int32())
        nsubq = Int(try r.int32())
        dsub = Int(try r.int32())
        lastdsub = Int(try r.int32())
        guard dim > 0, nsubq > 0, dsub > 0, lastdsub > 0, lastdsub <= dsub,
            (nsubq - 1) * dsub + lastdsub == dim, dim <= 1 << 20
        else {
            throw FastTextModelError(
                path: r.path,
                .invalid(
                    "\(r.section): product quantizer sizes do not agree (dim \(dim), nsubq \(nsubq), "
                        + "dsub \(dsub), lastdsub \(lastdsub))"))
        }
        centroids = try r.floats(dim * Self.ksub)
    }

    /// Offset in `centroids` of centroid `i` of sub-quantizer `m`.
    @inline(__always)
    func centroidOffset(_ m: Int, _ i: UInt8) -> Int {
        m == nsubq - 1 ? m * Self.ksub * dsub + Int(i) * lastdsub : (m * Self.ksub + Int(i)) * dsub
    }

    /// `x += alpha * decode(code)`, summed in fastText's order.
    @inline(__always)
    func addCode(
        _ x: UnsafeMutablePointer<Float>, code: UnsafePointer<UInt8>, alpha: Float,
        centroids c: UnsafePointer<Float>
    ) {
        var d = dsub
        for m in 0..<nsubq {
            let cm = c + centroidOffset(m, code[m])
            if m == nsubq - 1 { d = lastdsub }
            let xm = x + m * dsub
            for n in 0..<d { xm[n] += alpha * cm[n] }
        }
    }

    /// `alpha * dot(x, decode(code))`, summed in fastText's order.
    @inline(__always)
    func mulCode(
        _ x: UnsafePointer<Float>, code: UnsafePointer<UInt8>, alpha: Float,
        centroids c: UnsafePointer<Float>
    ) -> Float {
        var res: Float = 0
        var d = dsub
        for m in 0..<nsubq {
            let cm = c + centroidOffset(m, code[m])
            if m == nsubq - 1 { d = lastdsub }
            let xm = x + m * dsub
            for n in 0..<d { res += xm[n] * cm[n] }
        }
        return res * alpha
    }
}
