/// ONNX Resize's interpolation taps: the weights of the input samples around one output position
/// (shared by the interpreter's kernel and the TFLite raising, which emits the same taps).
public enum ResizeInterpolation {
    /// Tap weights at fractional position `r` in (0, 1] for `mode` "linear" or "cubic" (Keys'
    /// coefficient `cubicA`); with `antialias` the kernel is stretched by 1 / scale when downsampling.
    public static func coefficients(ratio r: Double, scale: Double, mode: String, cubicA a: Double, antialias: Bool) -> [Double] {
        if antialias {
            let s = min(scale, 1)
            if mode == "linear" {
                let start = Int((-1 / s).rounded(.down)) + 1
                return normalized((0..<(2 - 2 * start)).map { k in min(max(1 - abs((Double(start + k) - r) * s), 0), 1) })
            }
            let start = Int((-2 / s).rounded(.down)) + 1
            return normalized((start..<(2 - start)).map { i in keys(abs(s * (Double(i) - r)), a) })
        }
        if mode == "linear" { return [1 - r, r] }
        return [keys(1 + r, a), keys(r, a), keys(1 - r, a), keys(2 - r, a)]
    }

    /// Keys' cubic convolution kernel with coefficient `a` at distance `x` ≥ 0.
    public static func keys(_ x: Double, _ a: Double) -> Double {
        if x <= 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        return 0
    }

    /// `c` scaled to sum 1 (unchanged when it sums to 0).
    public static func normalized(_ c: [Double]) -> [Double] {
        let sum = c.reduce(0, +)
        return sum == 0 ? c : c.map { $0 / sum }
    }
}
