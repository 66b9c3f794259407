import Foundation

/// The one seeded random number generator (xoshiro256**): the same seed gives the same rows,
/// query vectors, hot/cold plans and resampled intervals on every machine and every run.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        // Expand the seed with SplitMix64, as the xoshiro authors recommend.
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    /// Seeded from a text (its FNV-1a hash), e.g. a compared metric's `step.metric`.
    public init(text: String) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        self.init(seed: h)
    }

    public mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }

    /// Uniform in [0, 1) with 24 bits, like a float32 from numpy's rand.
    public mutating func unitFloat() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform in [0, 1) with 53 bits.
    public mutating func unitDouble() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    /// Uniform in (0, 1): never 0, so its logarithm is finite.
    public mutating func openUnit() -> Double { (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992 }

    /// Uniform in 0..<n.
    public mutating func index(below n: Int) -> Int { Int(next() % UInt64(n)) }

    /// Standard normal (Box–Muller; the second value of each pair is kept in `spare` for the next call).
    public mutating func gaussian(spare: inout Double?) -> Double {
        if let s = spare { spare = nil; return s }
        var u = 0.0
        repeat { u = unitDouble() } while u <= .ulpOfOne
        let v = unitDouble()
        let r = (-2 * log(u)).squareRoot()
        spare = r * sin(2 * .pi * v)
        return r * cos(2 * .pi * v)
    }

    /// Standard normal, one value per call (Box–Muller's cosine half).
    public mutating func normal() -> Double { (-2 * log(openUnit())).squareRoot() * cos(2 * .pi * openUnit()) }

    /// Gamma(shape, 1) by Marsaglia and Tsang; shapes below 1 by the usual boost.
    public mutating func gamma(_ shape: Double) -> Double {
        if shape < 1 { return gamma(shape + 1) * pow(openUnit(), 1 / shape) }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat { x = normal(); v = 1 + c * x } while v <= 0
            v = v * v * v
            let u = openUnit()
            if u < 1 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// Beta(a, b).
    public mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(a), y = gamma(b)
        return x / (x + y)
    }
}
