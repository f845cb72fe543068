import OpSet
import ModelIR

/// Whether a TFLite resize variant reproduces an ONNX Resize, decided by comparing both mappings
/// from output positions to input coordinates over the actual sizes; and ONNX's interpolation taps
/// per axis (for the exact GATHER-based form when no variant does).
///
/// ONNX side: the reference semantics (the coordinate uses the scale, and `scale × input` as the
/// output length, in double precision; out-of-range coordinates clamp). TFLite side: the
/// reference kernels (float32; `align_corners` scales by (in − 1)/(out − 1), `half_pixel_centers`
/// offsets by a half pixel; nearest floors, or rounds half away from zero with `align_corners`).
enum ResizeMapping {
    /// The ONNX attributes that decide the mapping.
    struct Spec {
        var mode: String
        var ctm: String
        var rounding: String
        /// Resize before opset 11 and Upsample: asymmetric coordinates, opset 10 nearest rounding.
        var legacy: Bool
        var cubicA: Double
        var excludeOutside: Bool
        var antialias: Bool

        init(_ node: Node, opset: Int) {
            legacy = opset < 11 || node.opType == "Upsample"
            let m = node.stringAttribute("mode") ?? "nearest"
            mode = m == "bilinear" ? "linear" : m
            ctm = legacy ? "asymmetric" : (node.stringAttribute("coordinate_transformation_mode") ?? "half_pixel")
            rounding = legacy ? "simple" : (node.stringAttribute("nearest_mode") ?? "round_prefer_floor")
            cubicA = Double(node.floatAttribute("cubic_coeff_a") ?? -0.75)
            excludeOutside = (node.intAttribute("exclude_outside") ?? 0) != 0
            antialias = (node.intAttribute("antialias") ?? 0) != 0
        }

        /// Whether a TFLite resize op can be considered at all (else only taps).
        var hasTFLiteOp: Bool { (mode == "nearest" || mode == "linear") && !antialias }

        /// The attributes, for messages.
        var describe: String {
            let c = legacy ? "opset 10 (asymmetric) coordinates" : "coordinate_transformation_mode '\(ctm)'"
            return mode == "nearest" ? "\(c) with nearest_mode '\(rounding)'" : c
        }
    }

    /// Output sizes and the scales ONNX uses, per axis.
    struct Geometry {
        var sizes: [Int64]
        var scales: [Double]
    }

    /// A TFLite variant over a pair of axes.
    struct Variant {
        var axes: [Int]
        var align: Bool
        var half: Bool
    }

    /// The geometry from scales or sizes for `axes` (all when nil); nil when they do not fit.
    /// `policy` is keep_aspect_ratio_policy (sizes only): not_larger / not_smaller use one scale.
    static func geometry(input: [Int64], axes: [Int64]?, values: [Double], sizes: Bool, policy: String = "stretch") -> Geometry? {
        let rank = input.count
        let listed = (axes ?? (0..<Int64(rank)).map { $0 }).map { Int($0 < 0 ? $0 + Int64(rank) : $0) }
        // (Sizes and scales from a damaged file may be anything: no geometry rather than a trap below.)
        guard values.count == listed.count, listed.allSatisfy({ (0..<rank).contains($0) }),
              values.allSatisfy({ $0.isFinite && abs($0) < 1e12 }), input.allSatisfy({ abs($0) < 1 << 40 }) else { return nil }
        var g = Geometry(sizes: input, scales: [Double](repeating: 1, count: rank))
        for (k, a) in listed.enumerated() {
            if sizes {
                g.sizes[a] = Int64(values[k])
                g.scales[a] = input[a] == 0 ? 1 : values[k] / Double(input[a])
            } else {
                g.scales[a] = values[k]
                g.sizes[a] = Int64((values[k] * Double(input[a])).rounded(.down))
            }
        }
        if sizes, policy == "not_larger" || policy == "not_smaller" {
            let chosen = listed.map { g.scales[$0] }
            let s = (policy == "not_larger" ? chosen.min() : chosen.max()) ?? 1
            for a in listed {
                g.scales[a] = s
                g.sizes[a] = Int64(s * Double(input[a]) + 0.5)
            }
        }
        return g.sizes.allSatisfy({ $0 > 0 }) && g.scales.allSatisfy({ $0 > 0 && $0.isFinite }) ? g : nil
    }

    /// The first pair of axes and TFLite variant that reproduce ONNX's mapping.
    static func variant(_ spec: Spec, input: [Int64], geometry g: Geometry) -> Variant? {
        let resized = changedAxes(input, g)
        guard spec.hasTFLiteOp, resized.count <= 2, input.count == 4 else { return nil }
        var pairs = [[2, 3], [1, 2]]
        for a in 0..<4 { for b in (a + 1)..<4 where !pairs.contains([a, b]) { pairs.append([a, b]) } }
        for pair in pairs where resized.allSatisfy(pair.contains) {
            for (align, half) in [(false, true), (false, false), (true, false)]
            where pair.allSatisfy({ matches(spec, input: input[$0], output: g.sizes[$0], scale: g.scales[$0], align: align, half: half) }) {
                return Variant(axes: pair, align: align, half: half)
            }
        }
        return nil
    }

    static func changedAxes(_ input: [Int64], _ g: Geometry) -> [Int] {
        input.indices.filter { g.sizes[$0] != input[$0] || abs(g.scales[$0] - 1) > 1e-9 }
    }

    /// Modes whose mapping agrees with a TFLite variant for every size (sizes given, so the scale is the size ratio).
    static func exactForAllSizes(_ spec: Spec) -> Bool {
        if spec.legacy { return false }
        if spec.mode == "linear" { return ["align_corners", "asymmetric", "half_pixel", "half_pixel_symmetric"].contains(spec.ctm) }
        let pairs: Set<String> = ["asymmetric/floor", "align_corners/round_prefer_ceil", "half_pixel/round_prefer_ceil",
                                  "half_pixel_symmetric/round_prefer_ceil", "tf_half_pixel_for_nn/floor"]
        return pairs.contains(spec.ctm + "/" + spec.rounding)
    }

    // MARK: Taps

    /// The input taps of one axis: `count` (index, weight) pairs per output position.
    struct Taps {
        var count: Int
        var indices: [Int64]
        var weights: [Double]
    }

    /// ONNX's taps for one axis (nearest: one tap of weight 1; linear: 2; cubic: 4; antialias: wider),
    /// out-of-range taps clamped to the edge or, with exclude_outside, dropped and the rest renormalized.
    static func taps(_ spec: Spec, input: Int64, output: Int64, scale: Double) -> Taps? {
        var t = Taps(count: 0, indices: [], weights: [])
        for y in 0..<output {
            guard let c = onnxCoordinate(y, spec.ctm, scale: scale, input: input, output: output), c.isFinite else { return nil }
            if spec.mode == "nearest" {
                guard let n = onnxNearest(c, spec.rounding, downsampling: scale < 1) else { return nil }
                t.count = 1
                t.indices.append(min(max(n, 0), input - 1))
                t.weights.append(1)
                continue
            }
            let floor = c.rounded(.down)
            let integral = c == floor
            var coeffs = coefficients(ratio: integral ? 1 : c - floor, scale: scale, spec)
            let n = coeffs.count
            let first = Int64(floor) - Int64(n / 2) + (integral ? 0 : 1)
            if spec.excludeOutside {
                for k in 0..<n where first + Int64(k) < 0 || first + Int64(k) >= input { coeffs[k] = 0 }
                coeffs = ResizeInterpolation.normalized(coeffs)
            }
            t.count = n
            for k in 0..<n {
                t.indices.append(min(max(first + Int64(k), 0), input - 1))
                t.weights.append(coeffs[k])
            }
        }
        return t
    }

    /// Tap weights at fractional position `r` in (0, 1].
    static func coefficients(ratio r: Double, scale: Double, _ spec: Spec) -> [Double] {
        ResizeInterpolation.coefficients(ratio: r, scale: scale, mode: spec.mode, cubicA: spec.cubicA, antialias: spec.antialias)
    }

    // MARK: One axis

    /// Whether the TFLite variant reproduces ONNX's mapping on one axis.
    static func matches(_ spec: Spec, input: Int64, output: Int64, scale: Double, align: Bool, half: Bool) -> Bool {
        let last = Double(input - 1)
        for i in 0..<output {
            guard let c = onnxCoordinate(i, spec.ctm, scale: scale, input: input, output: output) else { return false }
            if spec.mode == "linear" {
                // Both interpolate between the clamped neighbours: equal clamped coordinates give equal results.
                let t = Double(tfliteCoordinate(i, input: input, output: output, align: align, half: half))
                if abs(min(max(c, 0), last) - min(max(t, 0), last)) > 1e-4 * max(1, last) { return false }
            } else {
                guard let n = onnxNearest(c, spec.rounding, downsampling: scale < 1) else { return false }
                if min(max(n, 0), input - 1) != tfliteNearest(i, input: input, output: output, align: align, half: half) { return false }
            }
        }
        return true
    }

    /// ONNX's source coordinate of output position `i`.
    static func onnxCoordinate(_ i: Int64, _ ctm: String, scale: Double, input: Int64, output: Int64) -> Double? {
        let y = Double(i), length = scale * Double(input)
        switch ctm {
        case "half_pixel": return (y + 0.5) / scale - 0.5
        case "pytorch_half_pixel": return length == 1 ? -0.5 : (y + 0.5) / scale - 0.5
        case "align_corners": return length == 1 ? 0 : y * Double(input - 1) / (length - 1)
        case "asymmetric": return y / scale
        case "tf_half_pixel_for_nn": return (y + 0.5) / scale
        case "half_pixel_symmetric": return Double(input) / 2 * (1 - Double(output) / length) + (y + 0.5) / scale - 0.5
        default: return nil
        }
    }

    /// ONNX's nearest index of a coordinate under `nearest_mode` ("simple": opset 10, ceil when downsampling).
    static func onnxNearest(_ c: Double, _ mode: String, downsampling: Bool) -> Int64? {
        let f = c.rounded(.down)
        let floor = Int64(f)
        if c == f { return floor }
        let ratio = c - f
        switch mode {
        case "round_prefer_floor": return ratio <= 0.5 ? floor : floor + 1
        case "round_prefer_ceil": return ratio < 0.5 ? floor : floor + 1
        case "floor": return floor
        case "ceil": return floor + 1
        case "simple": return downsampling ? floor + 1 : floor
        default: return nil
        }
    }

    /// TFLite's source coordinate (RESIZE_BILINEAR) of output position `i`.
    static func tfliteCoordinate(_ i: Int64, input: Int64, output: Int64, align: Bool, half: Bool) -> Float {
        let scale = align && output > 1 ? Float(input - 1) / Float(output - 1) : Float(input) / Float(output)
        return half ? (Float(i) + 0.5) * scale - 0.5 : Float(i) * scale
    }

    /// TFLite's source index (RESIZE_NEAREST_NEIGHBOR) of output position `i`.
    static func tfliteNearest(_ i: Int64, input: Int64, output: Int64, align: Bool, half: Bool) -> Int64 {
        let scale = align && output > 1 ? Float(input - 1) / Float(output - 1) : Float(input) / Float(output)
        let v = (Float(i) + (half ? 0.5 : 0)) * scale
        let index = min(Int64(align ? v.rounded(.toNearestOrAwayFromZero) : v.rounded(.down)), input - 1)
        return half ? max(0, index) : index
    }
}
