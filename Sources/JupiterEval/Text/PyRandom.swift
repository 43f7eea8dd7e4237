#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// CPython's `random.Random` (MT19937), bit for bit: `seed(int)`, `random()`, `gauss()`,
/// `getrandbits(k)` for k ≤ 32 and `choice()` (through `_randbelow`). Language detection uses it
/// so its seeded random walk takes the same steps as Python's langdetect.
struct PyRandom {
    private var mt = [UInt32](repeating: 0, count: 624)
    private var index = 625
    private var gaussNext: Double?

    /// `random.Random(seed)` for a non-negative integer seed.
    init(seed: UInt64) { self.seed(seed) }

    /// `Random.seed(n)`: `init_by_array` with the 32-bit words of `n` (one zero word for 0), and
    /// the stored Gaussian cleared.
    mutating func seed(_ n: UInt64) {
        var key: [UInt32] = []
        var v = n
        repeat { key.append(UInt32(truncatingIfNeeded: v)); v >>= 32 } while v != 0
        initByArray(key)
        gaussNext = nil
    }

    private mutating func initGenrand(_ s: UInt32) {
        mt[0] = s
        for i in 1..<624 {
            mt[i] = 1_812_433_253 &* (mt[i - 1] ^ (mt[i - 1] >> 30)) &+ UInt32(i)
        }
        index = 624
    }

    private mutating func initByArray(_ key: [UInt32]) {
        initGenrand(19_650_218)
        var i = 1, j = 0
        for _ in 0..<max(624, key.count) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) &* 1_664_525)) &+ key[j] &+ UInt32(j)
            i += 1; j += 1
            if i >= 624 { mt[0] = mt[623]; i = 1 }
            if j >= key.count { j = 0 }
        }
        for _ in 0..<623 {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) &* 1_566_083_941)) &- UInt32(i)
            i += 1
            if i >= 624 { mt[0] = mt[623]; i = 1 }
        }
        mt[0] = 0x8000_0000
    }

    /// One tempered 32-bit output (`genrand_uint32`).
    mutating func next32() -> UInt32 {
        if index >= 624 {
            for k in 0..<624 {
                let y = (mt[k] & 0x8000_0000) | (mt[(k + 1) % 624] & 0x7FFF_FFFF)
                mt[k] = mt[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1) != 0 ? 0x9908_B0DF : 0)
            }
            index = 0
        }
        var y = mt[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// `random()`: 53 random bits in [0, 1).
    mutating func random() -> Double {
        let a = Double(next32() >> 5), b = Double(next32() >> 6)
        return (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `gauss(mu, sigma)` (Box–Muller with the second value kept for the next call).
    mutating func gauss(_ mu: Double = 0, _ sigma: Double = 1) -> Double {
        var z = gaussNext
        gaussNext = nil
        if z == nil {
            let x2pi = random() * (2.0 * Double.pi)  // math.tau
            let g2rad = sqrt(-2.0 * log(1.0 - random()))
            z = cos(x2pi) * g2rad
            gaussNext = sin(x2pi) * g2rad
        }
        return mu + z! * sigma
    }

    /// `getrandbits(k)` for 1 ≤ k ≤ 32.
    mutating func getrandbits(_ k: Int) -> UInt32 { next32() >> UInt32(32 - k) }

    /// `_randbelow(n)` (rejection sampling on `n.bit_length()` bits), n < 2³².
    mutating func randbelow(_ n: Int) -> Int {
        let k = Int.bitWidth - n.leadingZeroBitCount
        var r = Int(getrandbits(k))
        while r >= n { r = Int(getrandbits(k)) }
        return r
    }
}
