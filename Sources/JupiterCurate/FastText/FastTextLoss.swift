#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The output layer of a fastText classifier and how it turns the averaged input vector into
/// label scores, each exactly as the reference library predicts (including its `log(p + 1e-5)`
/// scores, so reported probabilities are `p + 1e-5` just like fastText's).
enum FastTextLoss: Sendable {
    /// Hierarchical softmax (`-loss hs`, used by `lid.176`): a Huffman tree over label counts.
    case hierarchicalSoftmax(HuffmanTree)
    /// Plain softmax (`-loss softmax`, used by GlotLID).
    case softmax
    /// Independent sigmoids (`-loss ova` and `-loss ns`), through fastText's sigmoid table.
    case sigmoid(SigmoidTable)

    /// fastText's `std_log`: `log(x + 1e-5)` in double, returned as float.
    @inline(__always)
    static func stdLog(_ x: Float) -> Float { Float(log(Double(x) + 1e-5)) }

    /// The Huffman tree fastText builds from label counts (labels sorted by decreasing count).
    struct HuffmanTree: Sendable {
        let osz: Int
        let left: [Int32]
        let right: [Int32]

        init(counts: [Int64]) {
            let osz = counts.count
            self.osz = osz
            let n = max(2 * osz - 1, 0)
            var left = [Int32](repeating: -1, count: n)
            var right = [Int32](repeating: -1, count: n)
            var count = [Int64](repeating: 1_000_000_000_000_000, count: n)
            for i in 0..<osz { count[i] = counts[i] }
            var leaf = osz - 1
            var node = osz
            var i = osz
            while i < n {
                var mini: (Int, Int) = (0, 0)
                for j in 0..<2 {
                    let pick: Int
                    if leaf >= 0 && count[leaf] < count[node] {
                        pick = leaf; leaf -= 1
                    } else {
                        pick = node; node += 1
                    }
                    if j == 0 { mini.0 = pick } else { mini.1 = pick }
                }
                left[i] = Int32(mini.0)
                right[i] = Int32(mini.1)
                count[i] = count[mini.0] &+ count[mini.1]
                i += 1
            }
            self.left = left
            self.right = right
        }
    }

    /// fastText's 512-step sigmoid lookup table.
    struct SigmoidTable: Sendable {
        static let size = 512
        static let maxSigmoid: Float = 8
        let values: [Float]

        init() {
            var v: [Float] = []
            v.reserveCapacity(Self.size + 1)
            for i in 0...Self.size {
                let x = Float(i * 2 * 8) / Float(Self.size) - Self.maxSigmoid
                v.append(Float(1.0 / (1.0 + Double(expf(-x)))))
            }
            values = v
        }

        func callAsFunction(_ x: Float) -> Float {
            if x < -Self.maxSigmoid { return 0 }
            if x > Self.maxSigmoid { return 1 }
            let i = Int((x + Self.maxSigmoid) * Float(Self.size) / Self.maxSigmoid / 2)
            return values[min(max(i, 0), Self.size)]
        }
    }
}

/// The k best (score, label) pairs, as fastText's min-heap keeps them.
struct TopK {
    let k: Int
    /// Sorted by decreasing score.
    private(set) var items: [(score: Float, label: Int)] = []

    init(k: Int) {
        self.k = k
        items.reserveCapacity(k + 1)
    }

    var isFull: Bool { items.count == k }
    /// The smallest kept score (the heap's front).
    var minScore: Float { items.last?.score ?? -.infinity }

    /// Adds a candidate; on a tie with the current minimum the newer one is kept (as std::pop_heap
    /// does in fastText's heap).
    mutating func push(_ score: Float, _ label: Int) {
        var pos = items.count
        while pos > 0 && items[pos - 1].score <= score { pos -= 1 }
        items.insert((score, label), at: pos)
        if items.count > k { items.removeLast() }
    }
}
