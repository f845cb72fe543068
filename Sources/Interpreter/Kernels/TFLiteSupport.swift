import ModelIR

/// Per-tensor affine quantization of a TFLite value: `real = scale * (q - zeroPoint)`.
struct TFLiteQuant {
    var scale: Float
    var zeroPoint: Int32
    /// Per-channel scales (one entry when per tensor).
    var scales: [Float]
    /// The quantized dimension of per-channel scales.
    var axis: Int

    init(_ q: QuantParams) {
        scale = q.scales.first ?? 1
        zeroPoint = Int32(clamping: q.zeroPoints.first ?? 0)
        scales = q.scales
        axis = q.axis
    }
}

// MARK: Call helpers for the tflite dialect

extension KernelCall {
    /// The quantization of input `i`; an error names the node when it has none.
    func tflQuant(input i: Int) throws(InterpreterError) -> TFLiteQuant {
        guard let q = inputQuantization(i) else { throw invalid("input \(i) needs quantization parameters") }
        return try checked(q, type: optionalTensor(i)?.dataType, "input \(i)")
    }

    /// The quantization of output `i`; an error names the node when it has none.
    func tflQuant(output i: Int) throws(InterpreterError) -> TFLiteQuant {
        guard let q = outputQuantization(i) else { throw invalid("output \(i) needs quantization parameters") }
        return try checked(q, type: outputElementType(i), "output \(i)")
    }

    /// `q` as kernels use it, after checking what they rely on: positive finite scales, and a zero
    /// point inside the range of the value's integer type (LiteRT's kernels refuse the others too).
    private func checked(_ q: QuantParams, type: DataType?, _ what: String) throws(InterpreterError) -> TFLiteQuant {
        guard q.scales.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw invalid("\(what) has quantization scale \(q.scales.first ?? 0); scales must be positive and finite")
        }
        let zeroPoint = q.zeroPoints.first ?? 0
        let range: ClosedRange<Int64>? = switch type {
        case .int8?: -128...127
        case .uint8?: 0...255
        case .int16?: -32768...32767
        default: nil
        }
        guard range.map({ $0.contains(zeroPoint) }) ?? (Int64(Int32.min)...Int64(Int32.max)).contains(zeroPoint) else {
            throw invalid("\(what) has zero point \(zeroPoint), outside the range of its \(type?.name ?? "integer") type")
        }
        return TFLiteQuant(q)
    }

    /// The `fused_activation_function` option (0 NONE, 1 RELU, 2 RELU_N1_TO_1, 3 RELU6, 4 TANH, 5 SIGN_BIT).
    var fusedActivation: Int { int("fused_activation_function", default: 0) }

    /// The clamp range of the fused activation on a quantized output of `type`.
    func quantizedActivationRange(_ out: TFLiteQuant, type: DataType) throws(InterpreterError) -> (min: Int32, max: Int32) {
        guard let r = TFLiteFixedPoint.activationRange(fusedActivation, scale: out.scale, zeroPoint: out.zeroPoint, type: type) else {
            throw .invalidAttribute(node: label, attribute: "fused_activation_function",
                                    reason: "activation \(fusedActivation) is not supported on \(type.name) outputs")
        }
        return r
    }

    /// The clamp range of the fused activation on a float output.
    func floatActivationRange() throws(InterpreterError) -> (min: Float, max: Float) {
        guard let r = TFLiteFixedPoint.floatActivationRange(fusedActivation) else {
            throw .invalidAttribute(node: label, attribute: "fused_activation_function",
                                    reason: "activation \(fusedActivation) is not supported")
        }
        return r
    }

    /// The element type of output `i`: declared, else `fallback`.
    func tflOutputType(_ i: Int = 0, fallback: DataType) -> DataType { outputElementType(i) ?? fallback }

    /// Input `i` as Int32 values (int32/int64 tensors, for shapes, axes and sizes).
    func tflInts(_ i: Int) throws(InterpreterError) -> [Int] {
        let t = try tensor(i)
        switch t.storage {
        case .int32, .int64, .int16, .int8, .uint8: return t.ints
        default: throw invalid("input \(i) must be an integer tensor")
        }
    }
}

// MARK: Integer tensors

/// Conversions between quantized integer storage and the Int32 values the kernels compute with.
enum TFLiteInts {
    /// Whether `t` is one of the quantized integer types the kernels handle.
    static func isQuantizedType(_ t: DataType) -> Bool { t == .int8 || t == .uint8 || t == .int16 }

    /// The elements of an integer tensor widened to Int32.
    static func values(_ a: NDArray, _ call: KernelCall) throws(InterpreterError) -> [Int32] {
        switch a.storage {
        case .int8(let v): return v.map { Int32($0) }
        case .uint8(let v): return v.map { Int32($0) }
        case .int16(let v): return v.map { Int32($0) }
        case .int32(let v): return v
        default: throw call.unsupported(a.dataType)
        }
    }

    /// Int32 values (already within the range of `type`) stored as `type`.
    static func array(_ v: [Int32], type: DataType, shape: [Int]) -> NDArray {
        let storage: NDArray.Storage
        switch type {
        case .int8: storage = .int8(v.map { Int8(truncatingIfNeeded: $0) })
        case .uint8: storage = .uint8(v.map { UInt8(truncatingIfNeeded: $0) })
        case .int16: storage = .int16(v.map { Int16(truncatingIfNeeded: $0) })
        default: storage = .int32(v)
        }
        return NDArray(dataType: type == .int8 || type == .uint8 || type == .int16 ? type : .int32, shape: shape, storage: storage)
    }

    /// C++ `std::min(std::max(v, lo), hi)`.
    @inline(__always)
    static func clamp(_ v: Int32, _ lo: Int32, _ hi: Int32) -> Int32 { min(max(v, lo), hi) }

    /// A (rounded) real value as Int32, saturating; NaN becomes 0 (C's conversion is undefined there).
    @inline(__always)
    static func saturating(_ d: Double) -> Int32 {
        guard !d.isNaN else { return 0 }
        return Int32(max(min(d, 2147483647), -2147483648))
    }
}

// MARK: Float helpers

enum TFLiteFloats {
    /// The elements of a float tensor (float32, or float16 widened).
    static func values(_ a: NDArray, _ call: KernelCall) throws(InterpreterError) -> [Float] {
        switch a.storage {
        case .float(let v): return v
        case .float16(let v): return v.map { Float($0) }
        default: throw call.unsupported(a.dataType)
        }
    }

    /// C++ `std::min(std::max(v, lo), hi)` (NaN passes through).
    @inline(__always)
    static func clamp(_ v: Float, _ lo: Float, _ hi: Float) -> Float {
        let a = v < lo ? lo : v
        return hi < a ? hi : a
    }
}

// MARK: Spatial padding

/// TFLite's SAME/VALID output sizes and paddings (`ComputeOutSize`, `ComputePaddingHeightWidth`).
enum TFLitePadding {
    /// The output size along one spatial dimension; `padding` is the schema enum (0 SAME, 1 VALID).
    static func outSize(padding: Int, input: Int, filter: Int, stride: Int, dilation: Int = 1) -> Int {
        let effective = (filter - 1) * dilation + 1
        guard stride > 0 else { return 0 }
        return padding == 1 ? (input + stride - effective) / stride : (input + stride - 1) / stride
    }

    /// The leading padding along one spatial dimension.
    static func pad(stride: Int, dilation: Int, input: Int, filter: Int, output: Int) -> Int {
        let effective = (filter - 1) * dilation + 1
        let p = ((output - 1) * stride + effective - input) / 2
        return max(p, 0)
    }
}

/// Geometry of an NHWC 2-D window op (convolution or pooling).
struct TFLiteWindow {
    var batches = 1, inH = 0, inW = 0, inC = 0
    var outH = 0, outW = 0
    var filterH = 0, filterW = 0
    var strideH = 1, strideW = 1, dilationH = 1, dilationW = 1
    var padH = 0, padW = 0

    /// Reads strides, dilations and padding from the call's options for an input of `shape`.
    init(_ call: KernelCall, input shape: [Int], filterH: Int, filterW: Int) throws(InterpreterError) {
        guard shape.count == 4 else { throw call.invalid("input must be 4-D NHWC, got shape \(shape)") }
        (batches, inH, inW, inC) = (shape[0], shape[1], shape[2], shape[3])
        (self.filterH, self.filterW) = (filterH, filterW)
        strideH = call.int("stride_h", default: 1)
        strideW = call.int("stride_w", default: 1)
        dilationH = call.int("dilation_h_factor", default: 1)
        dilationW = call.int("dilation_w_factor", default: 1)
        guard strideH > 0, strideW > 0, dilationH > 0, dilationW > 0, filterH > 0, filterW > 0 else {
            throw call.invalid("strides, dilations and window sizes must be positive")
        }
        let padding = call.int("padding", default: 0)
        outH = TFLitePadding.outSize(padding: padding, input: inH, filter: filterH, stride: strideH, dilation: dilationH)
        outW = TFLitePadding.outSize(padding: padding, input: inW, filter: filterW, stride: strideW, dilation: dilationW)
        guard outH > 0, outW > 0 else { throw call.invalid("the window does not fit the input \(shape)") }
        padH = TFLitePadding.pad(stride: strideH, dilation: dilationH, input: inH, filter: filterH, output: outH)
        padW = TFLitePadding.pad(stride: strideW, dilation: dilationW, input: inW, filter: filterW, output: outW)
    }
}
