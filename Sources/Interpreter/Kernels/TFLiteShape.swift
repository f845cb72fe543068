import ModelIR

/// TFLite data movement ops: RESHAPE, SHAPE, PACK, STRIDED_SLICE, CONCATENATION, SPLIT, SPLIT_V, PAD,
/// PADV2, SQUEEZE, EXPAND_DIMS and TRANSPOSE. Elements are moved, never requantized, except by
/// CONCATENATION when an input's quantization differs from the output's.
enum TFLiteShapeKernels {
    static var table: [String: Kernel] {
        [
            "tflite::RESHAPE": reshape,
            "tflite::SHAPE": shape,
            "tflite::PACK": pack,
            "tflite::STRIDED_SLICE": stridedSlice,
            "tflite::CONCATENATION": concatenation,
            "tflite::SPLIT": { call throws(InterpreterError) in try split(call, input: 1, axisInput: 0, sizes: nil) },
            "tflite::SPLIT_V": { call throws(InterpreterError) in try split(call, input: 0, axisInput: 2, sizes: try call.tflInts(1)) },
            "tflite::PAD": pad,
            "tflite::PADV2": pad,
            "tflite::SQUEEZE": squeeze,
            "tflite::EXPAND_DIMS": expandDims,
            "tflite::TRANSPOSE": transpose,
        ]
    }

    // MARK: Shapes

    /// The new shape from input 1 (or the `new_shape` option), with one -1 inferred.
    static let reshape: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0)
        var target: [Int]
        if let s = call.optionalTensor(1), s.count > 0 || call.ints("new_shape") == nil {
            target = s.ints
        } else {
            target = call.ints("new_shape") ?? []
        }
        if let i = target.firstIndex(of: -1) {
            let known = target.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
            guard known > 0, x.count % known == 0 else { throw call.invalid("cannot reshape \(x.shape) to \(target)") }
            target[i] = x.count / known
        }
        guard target.allSatisfy({ $0 >= 0 }), target.reduce(1, *) == x.count else {
            throw call.invalid("cannot reshape \(x.shape) to \(target)")
        }
        return [.tensor(x.reshaped(target))]
    }

    /// The input's shape as int32 (or int64 when `out_type` / the output type asks for it).
    static let shape: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0)
        let wide = call.outputElementType(0) == .int64 || call.int("out_type", default: 2) == 4
        let dims = x.shape.map { Int64($0) }
        return [.tensor(wide ? NDArray(shape: [dims.count], int64s: dims)
                        : NDArray(dataType: .int32, shape: [dims.count], storage: .int32(dims.map { Int32($0) })))]
    }

    /// Stacks equal-shaped inputs along a new `axis`.
    static let pack: Kernel = { call throws(InterpreterError) in
        let parts = try (0..<call.inputs.count).map { i throws(InterpreterError) in try call.tensor(i) }
        guard let first = parts.first, parts.allSatisfy({ $0.shape == first.shape && $0.dataType == first.dataType }) else {
            throw call.invalid("PACK needs inputs of one shape and type")
        }
        let rank = first.rank + 1
        var axis = call.int("axis", default: 0)
        if axis < 0 { axis += rank }
        guard axis >= 0, axis < rank else { throw call.invalid("axis out of range") }
        var outShape = first.shape
        outShape.insert(parts.count, at: axis)
        let inner = first.shape[axis...].reduce(1, *), outer = first.count / max(inner, 1)
        var indices: [Int] = []
        indices.reserveCapacity(first.count * parts.count)
        for o in 0..<outer { for p in parts.indices { for i in 0..<inner { indices.append(p * first.count + o * inner + i) } } }
        return [.tensor(try concatenated(parts, call).gathering(indices, shape: outShape))]
    }

    /// All inputs' elements in order, as one flat array of their shared type.
    static func concatenated(_ parts: [NDArray], _ call: KernelCall) throws(InterpreterError) -> NDArray {
        guard let first = parts.first else { throw call.invalid("needs at least one input") }
        var storage = first.storage
        for p in parts.dropFirst() {
            switch (storage, p.storage) {
            case (.float(let a), .float(let b)): storage = .float(a + b)
            case (.float16(let a), .float16(let b)): storage = .float16(a + b)
            case (.int8(let a), .int8(let b)): storage = .int8(a + b)
            case (.uint8(let a), .uint8(let b)): storage = .uint8(a + b)
            case (.int16(let a), .int16(let b)): storage = .int16(a + b)
            case (.int32(let a), .int32(let b)): storage = .int32(a + b)
            case (.int64(let a), .int64(let b)): storage = .int64(a + b)
            case (.bool(let a), .bool(let b)): storage = .bool(a + b)
            default: throw call.invalid("inputs must share one element type")
            }
        }
        return NDArray(dataType: first.dataType, shape: [storage.count], storage: storage)
    }

    // MARK: STRIDED_SLICE

    /// TF-style strided slice with begin/end/ellipsis/new-axis/shrink masks and the `offset` option.
    static let stridedSlice: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0)
        let begin = try call.tflInts(1), end = try call.tflInts(2)
        let strides = call.has(3) ? try call.tflInts(3) : [Int](repeating: 1, count: begin.count)
        guard begin.count == end.count, begin.count == strides.count, strides.allSatisfy({ $0 != 0 }) else {
            throw call.invalid("begin, end and strides must have one length and non-zero strides")
        }
        let masks = (begin: call.int("begin_mask", default: 0), end: call.int("end_mask", default: 0),
                     ellipsis: call.int("ellipsis_mask", default: 0), newAxis: call.int("new_axis_mask", default: 0),
                     shrink: call.int("shrink_axis_mask", default: 0))
        let offset = call.int("offset", default: 0) != 0
        let rank = x.rank
        // Dense per-axis spec: (begin, end, stride, beginMasked, endMasked, shrink).
        var dense = [(b: Int, e: Int, s: Int, bm: Bool, em: Bool, shrink: Bool)](repeating: (0, 0, 1, true, true, false), count: rank)
        var outShape: [Int] = []
        var axis = 0
        let sparse = begin.count
        let bit = { (mask: Int, i: Int) in mask & (1 << i) != 0 }
        let hasEllipsis = (0..<sparse).contains { bit(masks.ellipsis, $0) }
        var slots: [Int?] = []  // per output position before shrinking: dense axis, or nil for a new axis
        for i in 0..<sparse {
            if bit(masks.ellipsis, i) {
                let newAfter = ((i + 1)..<sparse).filter { bit(masks.newAxis, $0) }.count
                let next = min(rank - (sparse - i) + 1 + newAfter, rank)
                while axis < next { slots.append(axis); axis += 1 }
            } else if bit(masks.newAxis, i) {
                slots.append(nil)
            } else {
                guard axis < rank else { throw call.invalid("slice spec has more dimensions than the input (rank \(rank))") }
                dense[axis] = (begin[i], offset ? begin[i] + end[i] : end[i], strides[i], bit(masks.begin, i), bit(masks.end, i),
                               bit(masks.shrink, i))
                slots.append(axis)
                axis += 1
            }
        }
        if !hasEllipsis { while axis < rank { slots.append(axis); axis += 1 } }
        // Per dense axis: start, stop and the visited indices.
        var picks: [[Int]] = []
        for d in 0..<rank {
            let n = x.shape[d], spec = dense[d]
            var start = spec.b, stop = spec.e
            if spec.bm { start = spec.s > 0 ? Int(Int32.min) : Int(Int32.max) }
            if start < 0 { start += n }
            start = spec.s > 0 ? min(max(start, 0), n) : min(max(start, -1), n - 1)
            if spec.shrink {
                guard start >= 0, start < n else { throw call.invalid("shrunk index \(spec.b) is out of range for dim \(n)") }
                picks.append([start])
                continue
            }
            if spec.em { stop = spec.s > 0 ? Int(Int32.max) : Int(Int32.min) }
            if stop < 0 { stop += n }
            stop = spec.s > 0 ? min(max(stop, 0), n) : min(max(stop, -1), n - 1)
            picks.append(Array(stride(from: start, to: stop, by: spec.s)))
        }
        for slot in slots {
            if let d = slot { if !dense[d].shrink { outShape.append(picks[d].count) } } else { outShape.append(1) }
        }
        let strideOf = NDArray.strides(of: x.shape)
        var indices = [0]
        for d in 0..<rank {
            var next: [Int] = []
            next.reserveCapacity(indices.count * picks[d].count)
            for base in indices { for p in picks[d] { next.append(base + p * strideOf[d]) } }
            indices = next
        }
        if rank == 0 { indices = x.count > 0 ? [0] : [] }
        return [.tensor(x.gathering(indices, shape: outShape))]
    }

    // MARK: CONCATENATION

    /// Joins inputs along `axis`; quantized inputs whose parameters differ from the output's are
    /// rescaled with `round(q * in_scale / out_scale + bias)` as TFLite does.
    static let concatenation: Kernel = { call throws(InterpreterError) in
        var parts = try (0..<call.inputs.count).map { i throws(InterpreterError) in try call.tensor(i) }
        guard let first = parts.first else { throw call.invalid("needs at least one input") }
        let rank = first.rank
        var axis = call.int("axis", default: 0)
        if axis < 0 { axis += rank }
        guard axis >= 0, axis < max(rank, 1) else { throw call.invalid("axis out of range") }
        for p in parts where p.rank != rank || (0..<rank).contains(where: { $0 != axis && p.shape[$0] != first.shape[$0] }) {
            throw call.invalid("input shapes \(parts.map(\.shape)) do not concatenate on axis \(axis)")
        }
        if TFLiteInts.isQuantizedType(first.dataType), let outQ = call.outputQuantization(0).map(TFLiteQuant.init) {
            for (i, p) in parts.enumerated() {
                guard let q = call.inputQuantization(i).map(TFLiteQuant.init), q.scale != outQ.scale || q.zeroPoint != outQ.zeroPoint,
                      let (lo, hi) = TFLiteFixedPoint.range(of: p.dataType) else { continue }
                let scale = q.scale * (1 / outQ.scale), bias = -Float(q.zeroPoint) * scale
                let v = try TFLiteInts.values(p, call).map { v in
                    TFLiteInts.clamp(TFLiteInts.saturating(Double((Float(v) * scale + bias).rounded())) &+ outQ.zeroPoint, lo, hi)
                }
                parts[i] = TFLiteInts.array(v, type: p.dataType, shape: p.shape)
            }
        }
        var outShape = first.shape
        if rank > 0 { outShape[axis] = parts.reduce(0) { $0 + $1.shape[axis] } }
        let inner = rank > 0 ? first.shape[(axis + 1)...].reduce(1, *) : 1
        let outer = rank > 0 ? first.shape[..<axis].reduce(1, *) : 1
        var offsets: [Int] = [], acc = 0
        for p in parts { offsets.append(acc); acc += p.count }
        var indices: [Int] = []
        indices.reserveCapacity(acc)
        for o in 0..<outer {
            for (k, p) in parts.enumerated() {
                let chunk = (rank > 0 ? p.shape[axis] : 1) * inner
                for i in 0..<chunk { indices.append(offsets[k] + o * chunk + i) }
            }
        }
        var y = try concatenated(parts, call).gathering(indices, shape: outShape)
        if y.dataType == .float, call.fusedActivation != 0 {
            let (lo, hi) = try call.floatActivationRange()
            y = NDArray(shape: outShape, floats: y.floats.map { TFLiteFloats.clamp($0, lo, hi) })
        }
        return [.tensor(y)]
    }

    // MARK: SPLIT / SPLIT_V

    /// Splits along the scalar axis input into `num_splits` equal parts or the given sizes (one may be -1).
    static func split(_ call: KernelCall, input: Int, axisInput: Int, sizes given: [Int]?) throws(InterpreterError) -> [RuntimeValue] {
        let x = try call.tensor(input)
        guard let a = try call.tflInts(axisInput).first else { throw call.invalid("needs an axis") }
        let axis = a < 0 ? a + x.rank : a
        guard axis >= 0, axis < x.rank else { throw call.invalid("axis \(a) is out of range for rank \(x.rank)") }
        let n = x.shape[axis]
        var sizes: [Int]
        if var s = given {
            if let i = s.firstIndex(of: -1) { s[i] = n - s.enumerated().filter { $0.offset != i }.reduce(0) { $0 + $1.element } }
            sizes = s
        } else {
            let k = max(call.int("num_splits", default: call.node.outputs.count), 1)
            guard n % k == 0 else { throw call.invalid("dimension \(n) does not split into \(k) parts") }
            sizes = [Int](repeating: n / k, count: k)
        }
        guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == n else { throw call.invalid("split sizes \(sizes) do not add up to \(n)") }
        let inner = x.shape[(axis + 1)...].reduce(1, *), outer = x.shape[..<axis].reduce(1, *)
        var start = 0
        return sizes.map { size in
            var shape = x.shape
            shape[axis] = size
            var indices: [Int] = []
            indices.reserveCapacity(outer * size * inner)
            for o in 0..<outer { for j in 0..<(size * inner) { indices.append((o * n + start) * inner + j) } }
            start += size
            return .tensor(x.gathering(indices, shape: shape))
        }
    }

    // MARK: PAD / SQUEEZE / EXPAND_DIMS / TRANSPOSE

    /// Constant padding by the [rank, 2] paddings; the value is input 2 (PADV2), else zero (the output
    /// zero point for quantized tensors).
    static let pad: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0)
        let p = try call.tflInts(1)
        guard p.count == 2 * x.rank, p.allSatisfy({ $0 >= 0 && $0 <= maxGeneratedElements }) else {
            throw call.invalid("paddings must be [\(x.rank), 2], non-negative and at most \(maxGeneratedElements)")
        }
        let outShape = (0..<x.rank).map { (d: Int) -> Int in x.shape[d] + p[2 * d] + p[2 * d + 1] }
        try call.checkShape(outShape)
        let fill: NDArray
        if let v = call.optionalTensor(2), v.count == 1 {
            fill = v
        } else if TFLiteInts.isQuantizedType(x.dataType) {
            fill = TFLiteInts.array([call.outputQuantization(0).map { TFLiteQuant($0).zeroPoint } ?? 0], type: x.dataType, shape: [1])
        } else {
            fill = NDArray(dataType: x.dataType, shape: [1], doubles: [0])
        }
        guard fill.dataType == x.dataType else { throw call.invalid("the pad value must have the input's type") }
        // Gather from [x..., fill]: out-of-range positions read the fill element.
        let outStrides = NDArray.strides(of: outShape), inStrides = NDArray.strides(of: x.shape)
        let total = outShape.reduce(1, *)
        var indices = [Int](repeating: x.count, count: total)
        for o in 0..<total {
            var rest = o, src = 0, inside = true
            for d in 0..<x.rank {
                let i = rest / outStrides[d] - p[2 * d]
                rest %= outStrides[d]
                if i < 0 || i >= x.shape[d] { inside = false; break }
                src += i * inStrides[d]
            }
            if inside { indices[o] = src }
        }
        return [.tensor(try concatenated([x, fill.reshaped([1])], call).gathering(indices, shape: outShape))]
    }

    /// Removes the `squeeze_dims` axes (all size-1 axes when none are given).
    static let squeeze: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0)
        let dims = (call.ints("squeeze_dims") ?? []).map { $0 < 0 ? $0 + x.rank : $0 }
        let shape = x.shape.enumerated().filter { d, n in dims.isEmpty ? n != 1 : !(dims.contains(d) && n == 1) }.map(\.element)
        return [.tensor(x.reshaped(shape))]
    }

    /// Inserts a size-1 axis at the scalar axis input.
    static let expandDims: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0)
        guard var a = try call.tflInts(1).first else { throw call.invalid("needs an axis") }
        if a < 0 { a += x.rank + 1 }
        guard a >= 0, a <= x.rank else { throw call.invalid("axis out of range") }
        var shape = x.shape
        shape.insert(1, at: a)
        return [.tensor(x.reshaped(shape))]
    }

    /// Permutes axes by the permutation input.
    static let transpose: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0)
        let perm = try call.tflInts(1)
        guard perm.count == x.rank, Set(perm) == Set(0..<x.rank) else { throw call.invalid("invalid permutation \(perm)") }
        let outShape = perm.map { x.shape[$0] }
        let inStrides = NDArray.strides(of: x.shape), outStrides = NDArray.strides(of: outShape)
        let indices = (0..<x.count).map { o -> Int in
            var rest = o, src = 0
            for d in 0..<x.rank {
                src += (rest / outStrides[d]) * inStrides[perm[d]]
                rest %= outStrides[d]
            }
            return src
        }
        return [.tensor(x.gathering(indices, shape: outShape))]
    }
}
