import OpSet
import ModelIR

extension ResizeKernels {
    /// Linear or cubic interpolation weights of one axis: `count` taps per output position.
    struct Taps {
        var count = 0
        var indices: [Int] = []
        var weights: [Double] = []
        var extrapolated: [Bool] = []

        init(axis: Int, inDim: Int, outDim: Int, scale: Double, roi: (start: Double, end: Double), options o: Options) {
            extrapolated = [Bool](repeating: false, count: outDim)
            for y in 0..<outDim {
                let c = ResizeKernels.sourceCoordinate(y, o.coordinates, scale: scale, inDim: inDim, outDim: outDim, roi: roi)
                if o.coordinates == "tf_crop_and_resize" && (c < 0 || c > Double(inDim - 1)) { extrapolated[y] = true }
                let floor = c.isFinite ? c.rounded(.down) : 0
                let integral = c == floor
                let ratio = integral ? 1 : c - floor
                var coeffs = Taps.coefficients(ratio: ratio, scale: scale, options: o)
                let n = coeffs.count
                count = n
                let first = Int(max(min(floor, 1e15), -1e15)) - n / 2 + (integral ? 0 : 1)
                if o.excludeOutside {
                    for k in 0..<n where first + k < 0 || first + k >= inDim { coeffs[k] = 0 }
                    let sum = coeffs.reduce(0, +)
                    if sum != 0 { coeffs = coeffs.map { $0 / sum } }
                }
                for k in 0..<n {
                    indices.append(min(max(first + k, 0), inDim - 1))
                    weights.append(coeffs[k])
                }
            }
        }

        /// Tap weights for the fractional position `ratio` in (0, 1].
        static func coefficients(ratio r: Double, scale: Double, options o: Options) -> [Double] {
            ResizeInterpolation.coefficients(ratio: r, scale: scale, mode: o.mode, cubicA: o.cubicA, antialias: o.antialias)
        }

        /// Interpolates `values` (of `shape`) along `axis`.
        func apply(_ values: [Double], shape: [Int], axis: Int, extrapolation: Double) -> [Double] {
            let (outer, inner) = outerInner(shape, axis)
            let inDim = shape[axis], outDim = extrapolated.count
            var out = [Double](repeating: 0, count: outer * outDim * inner)
            values.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for o in 0..<outer {
                        for y in 0..<outDim {
                            let d = (o * outDim + y) * inner
                            if extrapolated[y] {
                                for i in 0..<inner { dst[d + i] = extrapolation }
                                continue
                            }
                            for k in 0..<count {
                                let w = weights[y * count + k]
                                if w == 0 { continue }
                                let s = (o * inDim + indices[y * count + k]) * inner
                                for i in 0..<inner { dst[d + i] += w * src[s + i] }
                            }
                        }
                    }
                }
            }
            return out
        }
    }
}
