import ModelIR

/// GridSample (2-D): samples X [N, C, H, W] at the normalized grid positions [N, Ho, Wo, 2].
enum GridSampleKernels {
    static var table: [String: Kernel] { ["GridSample": gridSample] }

    /// Interpolation, padding and coordinate conventions of one call.
    struct Sampler {
        enum Mode { case nearest, linear, cubic }
        enum Padding { case zeros, border, reflection }
        let mode: Mode
        let padding: Padding
        let alignCorners: Bool

        /// Grid value in [-1, 1] → pixel coordinate along a dim of `length`.
        func denormalize(_ v: Double, _ length: Int) -> Double {
            alignCorners ? (v + 1) / 2 * Double(length - 1) : ((v + 1) * Double(length) - 1) / 2
        }

        /// The border coordinates reflection mirrors at.
        func borders(_ length: Int) -> (Double, Double) {
            alignCorners ? (0, Double(length - 1)) : (-0.5, Double(length) - 0.5)
        }

        func reflect(_ x: Double, _ lo: Double, _ hi: Double) -> Double {
            let range = hi - lo
            guard range > 0 else { return lo }
            if x < lo {
                let d = lo - x
                let n = Int(d / range)
                let r = d - Double(n) * range
                return n % 2 == 0 ? lo + r : hi - r
            }
            if x > hi {
                let d = x - hi
                let n = Int(d / range)
                let r = d - Double(n) * range
                return n % 2 == 0 ? hi - r : lo + r
            }
            return x
        }

        /// Moves an out-of-border coordinate back in (border, reflection); zeros leaves it.
        func fold(_ x: Double, _ length: Int) -> Double {
            let (lo, hi) = borders(length)
            guard x < lo || x > hi else { return x }
            switch padding {
            case .zeros: return x
            case .border: return min(max(x, 0), Double(length - 1))
            case .reflection: return reflect(x, lo, hi)
            }
        }

        /// The pixel index to read for integer position `i`, or nil for a zero (outside, zeros padding).
        func index(_ i: Int, _ length: Int) -> Int? {
            if i >= 0 && i < length { return i }
            switch padding {
            case .zeros: return nil
            case .border: return min(max(i, 0), length - 1)
            case .reflection:
                let (lo, hi) = borders(length)
                return min(max(Int(reflect(Double(i), lo, hi)), 0), length - 1)
            }
        }

        static func cubic(_ t: Double) -> [Double] {
            let a = -0.75
            let x = abs(t)
            return [
                ((a * (x + 1) - 5 * a) * (x + 1) + 8 * a) * (x + 1) - 4 * a,
                ((a + 2) * x - (a + 3)) * x * x + 1,
                ((a + 2) * (1 - x) - (a + 3)) * (1 - x) * (1 - x) + 1,
                ((a * (2 - x) - 5 * a) * (2 - x) + 8 * a) * (2 - x) - 4 * a,
            ]
        }

        /// The value at real position (y, x) of one H×W plane.
        func sample(_ plane: UnsafeBufferPointer<Double>, _ h: Int, _ w: Int, _ y: Double, _ x: Double) -> Double {
            func at(_ r: Int, _ c: Int) -> Double {
                guard let rr = index(r, h), let cc = index(c, w) else { return 0 }
                return plane[rr * w + cc]
            }
            switch mode {
            case .nearest:
                return at(Int(y.rounded(.toNearestOrEven)), Int(x.rounded(.toNearestOrEven)))
            case .linear:
                let y0 = Int(y.rounded(.down)), x0 = Int(x.rounded(.down))
                let wy = y - Double(y0), wx = x - Double(x0)
                let top = (1 - wx) * at(y0, x0) + wx * at(y0, x0 + 1)
                let bottom = (1 - wx) * at(y0 + 1, x0) + wx * at(y0 + 1, x0 + 1)
                return (1 - wy) * top + wy * bottom
            case .cubic:
                let y0 = Int(y.rounded(.down)), x0 = Int(x.rounded(.down))
                let cy = Self.cubic(y - Double(y0)), cx = Self.cubic(x - Double(x0))
                var total = 0.0
                for i in 0..<4 {
                    var row = 0.0
                    for j in 0..<4 { row += cx[j] * at(y0 - 1 + i, x0 - 1 + j) }
                    total += cy[i] * row
                }
                return total
            }
        }
    }

    static let gridSample: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0), grid = try call.tensor(1)
        guard x.rank == 4, grid.rank == 4, grid.shape[3] == 2, grid.shape[0] == x.shape[0] else {
            throw call.invalid("GridSample supports X [N, C, H, W] with grid [N, Ho, Wo, 2]; got \(x.shape) and \(grid.shape)")
        }
        let modeName = call.string("mode", default: "bilinear")
        let mode: Sampler.Mode
        switch modeName {
        case "bilinear", "linear": mode = .linear
        case "nearest": mode = .nearest
        case "bicubic", "cubic": mode = .cubic
        default: throw .invalidAttribute(node: call.label, attribute: "mode", reason: "unknown mode '\(modeName)'")
        }
        let paddingName = call.string("padding_mode", default: "zeros")
        let padding: Sampler.Padding
        switch paddingName {
        case "zeros": padding = .zeros
        case "border": padding = .border
        case "reflection": padding = .reflection
        default: throw .invalidAttribute(node: call.label, attribute: "padding_mode", reason: "unknown padding mode '\(paddingName)'")
        }
        let sampler = Sampler(mode: mode, padding: padding, alignCorners: call.int("align_corners", default: 0) != 0)
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (ho, wo) = (grid.shape[1], grid.shape[2])
        let data = x.doubles, g = grid.doubles
        var out = [Double](repeating: 0, count: n * c * ho * wo)
        data.withUnsafeBufferPointer { all in
            for b in 0..<n {
                for p in 0..<(ho * wo) {
                    let gi = (b * ho * wo + p) * 2
                    let px = sampler.fold(sampler.denormalize(g[gi], w), w)
                    let py = sampler.fold(sampler.denormalize(g[gi + 1], h), h)
                    for ch in 0..<c {
                        let plane = UnsafeBufferPointer(rebasing: all[((b * c + ch) * h * w)..<((b * c + ch + 1) * h * w)])
                        out[(b * c + ch) * ho * wo + p] = sampler.sample(plane, h, w, py, px)
                    }
                }
            }
        }
        return [.tensor(x.with(shape: [n, c, ho, wo], doubles: out))]
    }
}
