import ModelIR

/// Resize (opsets 10–19) and Upsample: separable per-axis resampling. Nearest mode gathers
/// (every dtype); linear and cubic interpolate in Double and convert back (integers rounded
/// and saturated).
enum ResizeKernels {
    static var table: [String: Kernel] {
        [
            "Resize": resize,
            "Upsample": upsample,
        ]
    }

    /// Interpolation settings shared by every axis.
    struct Options {
        var mode = "nearest"
        var coordinates = "half_pixel"
        var nearestMode = "round_prefer_floor"
        var cubicA = -0.75
        var excludeOutside = false
        var extrapolation = 0.0
        var antialias = false
    }

    /// Output size, scale factor and region of interest of every axis.
    struct Geometry {
        var outShape: [Int]
        var scales: [Double]
        var roi: [(start: Double, end: Double)]?
    }

    // MARK: Kernels

    static let resize: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        var options = Options()
        options.mode = call.string("mode", default: "nearest")
        let geometry: Geometry
        if call.opset < 11 {
            options.coordinates = "asymmetric"
            options.nearestMode = "simple"
            geometry = try fromScales(try call.numericTensor(1).doubles, axes: nil, shape: x.shape, roi: nil, call: call)
        } else {
            options.coordinates = call.string("coordinate_transformation_mode", default: "half_pixel")
            options.nearestMode = call.string("nearest_mode", default: "round_prefer_floor")
            options.cubicA = Double(call.float("cubic_coeff_a", default: -0.75))
            options.excludeOutside = call.int("exclude_outside", default: 0) != 0
            options.extrapolation = Double(call.float("extrapolation_value", default: 0))
            options.antialias = call.int("antialias", default: 0) != 0
            let axes = try call.ints("axes").map { list throws(InterpreterError) in try call.axes(list, rank: x.rank) }
            let roi = call.optionalTensor(1).map(\.doubles).flatMap { $0.isEmpty ? nil : $0 }
            if let sizes = call.optionalTensor(3), sizes.count > 0 {
                geometry = try fromSizes(sizes.ints, axes: axes, shape: x.shape, roi: roi,
                                         policy: call.string("keep_aspect_ratio_policy", default: "stretch"), call: call)
            } else if let scales = call.optionalTensor(2), scales.count > 0 {
                geometry = try fromScales(scales.doubles, axes: axes, shape: x.shape, roi: roi, call: call)
            } else {
                throw call.invalid("Resize needs scales or sizes")
            }
        }
        return [.tensor(try resample(x, geometry, options, call: call))]
    }

    static let upsample: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        var options = Options()
        let mode = call.string("mode", default: "nearest")
        options.mode = mode == "bilinear" ? "linear" : mode
        options.coordinates = "asymmetric"
        options.nearestMode = "simple"
        let scales: [Double]
        if call.opset >= 9 {
            scales = try call.numericTensor(1).doubles
        } else if call.opset >= 7 {
            scales = (call.floats("scales") ?? []).map(Double.init)
        } else {
            scales = [1, 1, Double(call.float("height_scale", default: 1)), Double(call.float("width_scale", default: 1))]
        }
        let geometry = try fromScales(scales, axes: nil, shape: x.shape, roi: nil, call: call)
        return [.tensor(try resample(x, geometry, options, call: call))]
    }

    // MARK: Geometry

    /// Full-rank regions of interest from `roi` (starts then ends, for `axes` or all axes).
    static func regions(_ roi: [Double]?, axes: [Int]?, rank: Int, call: KernelCall) throws(InterpreterError) -> [(start: Double, end: Double)]? {
        guard let roi else { return nil }
        let listed = axes ?? Array(0..<rank)
        guard roi.count == 2 * listed.count else { throw call.invalid("roi has \(roi.count) values, expected \(2 * listed.count)") }
        var out = [(start: Double, end: Double)](repeating: (0, 1), count: rank)
        for (i, a) in listed.enumerated() { out[a] = (roi[i], roi[i + listed.count]) }
        return out
    }

    static func fromScales(_ given: [Double], axes: [Int]?, shape: [Int], roi: [Double]?, call: KernelCall) throws(InterpreterError) -> Geometry {
        let listed = axes ?? Array(0..<shape.count)
        guard given.count == listed.count else { throw call.invalid("scales has \(given.count) values, expected \(listed.count)") }
        var scales = [Double](repeating: 1, count: shape.count)
        var out = shape
        for (i, a) in listed.enumerated() {
            let s = given[i]
            guard s > 0, s.isFinite, s * Double(shape[a]) < 1e12 else { throw call.invalid("invalid scale \(s)") }
            scales[a] = s
            out[a] = Int(s * Double(shape[a]))
        }
        return Geometry(outShape: out, scales: scales, roi: try regions(roi, axes: axes, rank: shape.count, call: call))
    }

    static func fromSizes(_ sizes: [Int], axes: [Int]?, shape: [Int], roi: [Double]?, policy: String, call: KernelCall) throws(InterpreterError) -> Geometry {
        let listed = axes ?? Array(0..<shape.count)
        guard sizes.count == listed.count, sizes.allSatisfy({ $0 >= 0 && $0 <= maxGeneratedElements }) else {
            throw call.invalid("sizes \(sizes) must give one non-negative size per resized axis")
        }
        var scales = [Double](repeating: 1, count: shape.count)
        var out = shape
        for (i, a) in listed.enumerated() {
            out[a] = sizes[i]
            scales[a] = shape[a] == 0 ? 1 : Double(sizes[i]) / Double(shape[a])
        }
        if policy == "not_larger" || policy == "not_smaller" {
            let chosen = listed.map { scales[$0] }
            let s = (policy == "not_larger" ? chosen.min() : chosen.max()) ?? 1
            for a in listed {
                scales[a] = s
                out[a] = Int(s * Double(shape[a]) + 0.5)
            }
        }
        return Geometry(outShape: out, scales: scales, roi: try regions(roi, axes: axes, rank: shape.count, call: call))
    }

    // MARK: Resampling

    /// Resamples `x` to the geometry's output shape.
    static func resample(_ x: NDArray, _ g: Geometry, _ o: Options, call: KernelCall) throws(InterpreterError) -> NDArray {
        try call.checkShape(g.outShape)
        for d in 0..<x.rank where x.shape[d] == 0 && g.outShape[d] > 0 {
            throw call.invalid("cannot resize an empty axis to \(g.outShape[d])")
        }
        guard ["nearest", "linear", "cubic"].contains(o.mode) else { throw call.invalid("unknown mode '\(o.mode)'") }
        if o.mode == "nearest" { return nearest(x, g, o) }
        guard x.dataType != .string, x.dataType != .bool else { throw call.unsupported(x.dataType) }
        var values = x.doubles
        var shape = x.shape
        for axis in 0..<x.rank where !isIdentity(axis, x.shape, g) {
            let taps = Taps(axis: axis, inDim: shape[axis], outDim: g.outShape[axis], scale: g.scales[axis],
                            roi: g.roi?[axis] ?? (0, 1), options: o)
            values = taps.apply(values, shape: shape, axis: axis, extrapolation: o.extrapolation)
            shape[axis] = g.outShape[axis]
        }
        return x.with(shape: shape, doubles: saturated(values, x.dataType))
    }

    /// Whether resampling leaves `axis` unchanged (scale 1, same size, full region).
    static func isIdentity(_ axis: Int, _ shape: [Int], _ g: Geometry) -> Bool {
        guard abs(g.scales[axis] - 1) <= 1e-9, g.outShape[axis] == shape[axis] else { return false }
        guard let r = g.roi?[axis] else { return true }
        return abs(r.start) <= 1e-9 && abs(r.end - 1) <= 1e-9
    }

    /// Nearest-neighbour resampling as a gather (extrapolated positions take the extrapolation value).
    static func nearest(_ x: NDArray, _ g: Geometry, _ o: Options) -> NDArray {
        let strides = x.strides
        var tables: [[Int]] = []
        for axis in 0..<x.rank {
            let inDim = x.shape[axis], outDim = g.outShape[axis]
            if isIdentity(axis, x.shape, g) {
                tables.append((0..<outDim).map { $0 * strides[axis] })
                continue
            }
            let roi = g.roi?[axis] ?? (0, 1)
            tables.append((0..<outDim).map { y in
                let c = sourceCoordinate(y, o.coordinates, scale: g.scales[axis], inDim: inDim, outDim: outDim, roi: roi)
                if o.coordinates == "tf_crop_and_resize" && (c < 0 || c > Double(inDim - 1)) { return -1 }
                let i = nearestIndex(c, mode: o.nearestMode, downsampling: g.scales[axis] < 1)
                return min(max(i, 0), inDim - 1) * strides[axis]
            })
        }
        let map = composeIndexMap(tables, fill: x.count)
        let fill = NDArray.scalar(x.dataType, o.extrapolation)
        return NDArray.combining([x, fill], shape: g.outShape, IndexGather(indices: map)) ?? x
    }

    /// The input coordinate output position `y` maps to.
    static func sourceCoordinate(_ y: Int, _ mode: String, scale: Double, inDim: Int, outDim: Int, roi: (start: Double, end: Double)) -> Double {
        let outWidth = scale * Double(inDim)
        let yd = Double(y), last = Double(inDim - 1)
        switch mode {
        case "align_corners":
            return outWidth == 1 ? 0 : yd * last / (outWidth - 1)
        case "asymmetric":
            return yd / scale
        case "tf_crop_and_resize":
            let span = roi.end - roi.start
            let base = outWidth == 1 ? span * last / 2 : yd * span * last / (outWidth - 1)
            // The start offset in single precision, as onnxruntime and the reference compute it.
            return base + Double(Float(roi.start) * Float(inDim - 1))
        case "pytorch_half_pixel":
            return outWidth == 1 ? -0.5 : (yd + 0.5) / scale - 0.5
        case "half_pixel_symmetric":
            let offset = Double(inDim) / 2 * (1 - Double(outDim) / outWidth)
            return offset + (yd + 0.5) / scale - 0.5
        case "tf_half_pixel_for_nn":
            return (yd + 0.5) / scale
        default:
            return (yd + 0.5) / scale - 0.5
        }
    }

    /// The nearest input index of coordinate `c` under `mode` ("simple" is opset 10's rule).
    static func nearestIndex(_ c: Double, mode: String, downsampling: Bool) -> Int {
        guard c.isFinite else { return 0 }
        let floor = c.rounded(.down)
        let f = Int(max(min(floor, 1e15), -1e15))
        if c == floor { return f }
        let ratio = c - floor
        switch mode {
        case "round_prefer_ceil": return ratio < 0.5 ? f : f + 1
        case "floor": return f
        case "ceil": return f + 1
        case "simple": return downsampling ? f + 1 : f
        default: return ratio <= 0.5 ? f : f + 1
        }
    }

    /// Values rounded and clamped to an integer dtype's range (unchanged for float types).
    static func saturated(_ values: [Double], _ type: DataType) -> [Double] {
        let range: (Double, Double)
        switch type {
        case .int8: range = (-128, 127)
        case .uint8: range = (0, 255)
        case .int16: range = (-32768, 32767)
        case .uint16: range = (0, 65535)
        case .int32: range = (-2147483648, 2147483647)
        case .uint32: range = (0, 4294967295)
        case .int64: range = (-9.2e18, 9.2e18)
        case .uint64: range = (0, 1.8e19)
        default: return values
        }
        return values.map { min(max($0.rounded(.toNearestOrEven), range.0), range.1) }
    }
}
