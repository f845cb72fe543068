import Foundation
import ModelIR

/// TFLite's hybrid kernels: float activations quantized on the fly against int8 weights, integer
/// accumulation, float rescaling (`BatchQuantizeFloats`, `HybridConv`, `HybridConvPerChannel`).
enum TFLiteHybrid {
    // MARK: Input quantization

    /// `SymmetricQuantizeFloats`: values in [-127, 127] and the scale `max|x| / 127`.
    static func symmetric(_ x: ArraySlice<Float>) -> (values: [Int32], scale: Float) {
        var lo = Float.greatestFiniteMagnitude, hi = -Float.greatestFiniteMagnitude
        for v in x { lo = min(lo, v); hi = max(hi, v) }
        let range = max(abs(lo), abs(hi))
        guard range != 0, !x.isEmpty else { return ([Int32](repeating: 0, count: x.count), 1) }
        let inverse = 127 / range
        return (x.map { TFLiteInts.clamp(TFLiteInts.saturating(Double(($0 * inverse).rounded())), -127, 127) }, range / 127)
    }

    /// `AsymmetricQuantizeFloats`: values in [-128, 127], the scale and the zero point (offset).
    static func asymmetric(_ x: ArraySlice<Float>) -> (values: [Int32], scale: Float, offset: Int32) {
        var lo = Float.greatestFiniteMagnitude, hi = -Float.greatestFiniteMagnitude
        for v in x { lo = min(lo, v); hi = max(hi, v) }
        let rmin = Double(min(0, x.isEmpty ? 0 : lo)), rmax = Double(max(0, x.isEmpty ? 0 : hi))
        guard rmin != rmax else { return ([Int32](repeating: 0, count: x.count), 1, 0) }
        let (qmin, qmax) = (-128.0, 127.0)
        let scale = (rmax - rmin) / (qmax - qmin)
        let fromMin = qmin - rmin / scale, fromMax = qmax - rmax / scale
        let errMin = abs(qmin) + abs(rmin / scale), errMax = abs(qmax) + abs(rmax / scale)
        let zp = errMin < errMax ? fromMin : fromMax
        let offset: Int32 = zp <= qmin ? -128 : (zp >= qmax ? 127 : Int32(zp.rounded()))
        let fscale = Float(scale)
        let inverse = 1 / fscale
        let values = x.map { TFLiteInts.clamp(TFLiteInts.saturating(Double((Float(offset) + $0 * inverse).rounded())), -128, 127) }
        return (values, fscale, offset)
    }

    /// Applies a fused activation to a hybrid kernel's float output (`ApplyActivationToVector`).
    static func activate(_ y: inout [Float], _ call: KernelCall) throws(InterpreterError) {
        switch call.fusedActivation {
        case 4: for i in y.indices { y[i] = Foundation.tanh(y[i]) }
        case 5: for i in y.indices { y[i] = y[i] < 0 ? 0 : 1 }
        default:
            let (lo, hi) = try call.floatActivationRange()
            for i in y.indices { y[i] = TFLiteFloats.clamp(y[i], lo, hi) }
        }
    }

    // MARK: FULLY_CONNECTED

    /// Hybrid FULLY_CONNECTED: each input row quantized (symmetric, or asymmetric with
    /// `asymmetric_quantize_inputs`), `out = bias + acc * row_scale * weight_scale`.
    static func fullyConnected(_ call: KernelCall, x: [Float], w: NDArray, bias: [Float]?, rows: Int, units: Int, depth: Int) throws(InterpreterError) -> [Float] {
        let wQ = try call.tflQuant(input: 1)
        let ws = try TFLiteInts.values(w, call).map { $0 - (w.dataType == .uint8 ? wQ.zeroPoint : 0) }
        let perChannel = wQ.scales.count > 1
        guard !perChannel || wQ.scales.count == units else { throw call.invalid("weights have \(wQ.scales.count) scales for \(units) units") }
        let isAsymmetric = call.int("asymmetric_quantize_inputs", default: 0) != 0
        var y = [Float](repeating: 0, count: rows * units)
        if let bias { for r in 0..<rows { for u in 0..<units { y[r * units + u] = bias[u] } } }
        if x.allSatisfy({ $0 == 0 }) {
            try activate(&y, call)
            return y
        }
        var rowSums = [Int32](repeating: 0, count: units)
        for u in 0..<units { for d in 0..<depth { rowSums[u] &+= ws[u * depth + d] } }
        for r in 0..<rows {
            let slice = x[(r * depth)..<((r + 1) * depth)]
            var (q, scale, offset): ([Int32], Float, Int32)
            if isAsymmetric { (q, scale, offset) = asymmetric(slice) } else { (q, scale) = symmetric(slice); offset = 0 }
            if !perChannel { scale *= wQ.scale }
            for u in 0..<units {
                var dot: Int32 = 0
                for d in 0..<depth { dot &+= ws[u * depth + d] &* q[d] }
                dot &-= rowSums[u] &* offset
                let s = perChannel ? scale * wQ.scales[u] : scale
                y[r * units + u] += Float(dot) * s
            }
        }
        try activate(&y, call)
        return y
    }

    // MARK: Convolutions

    /// Hybrid CONV_2D / DEPTHWISE_CONV_2D: per-channel weights quantize each batch asymmetrically
    /// (`HybridConvPerChannel`), per-tensor weights symmetrically (`HybridConv`).
    static func conv(_ call: KernelCall, _ spec: TFLiteConvKernels.ConvSpec, x: [Float], w: NDArray, bias: [Float]?) throws(InterpreterError) -> [Float] {
        let wQ = try call.tflQuant(input: 1)
        guard w.dataType == .int8 || w.dataType == .int4 else { throw call.unsupported(w.dataType) }
        let channels = spec.outC
        let scales = wQ.scales.count == channels ? wQ.scales : [Float](repeating: wQ.scale, count: channels)
        let perChannel = spec.depthMultiplier > 0 || (wQ.scales.count > 1 && wQ.scales.contains { $0 != wQ.scales[0] })
        let g = spec.window
        let perBatch = g.inH * g.inW * g.inC
        var q = [Int64](repeating: 0, count: x.count)
        var batchScale = [Float](repeating: 1, count: g.batches)
        for b in 0..<g.batches {
            let slice = x[(b * perBatch)..<((b + 1) * perBatch)]
            if perChannel {
                let r = asymmetric(slice)
                for i in 0..<perBatch { q[b * perBatch + i] = Int64(r.values[i] - r.offset) }
                batchScale[b] = r.scale
            } else {
                let r = symmetric(slice)
                for i in 0..<perBatch { q[b * perBatch + i] = Int64(r.values[i]) }
                batchScale[b] = r.scale * wQ.scale
            }
        }
        let ws = try TFLiteInts.values(w, call).map { Int64($0) }
        let acc = spec.depthMultiplier > 0 ? TFLiteConvKernels.depthwiseInt(spec, q, ws) : TFLiteConvKernels.convInt(spec, q, ws)
        let perImage = g.outH * g.outW * channels
        var y = [Float](repeating: 0, count: acc.count)
        for i in acc.indices {
            let c = i % channels, b = i / max(perImage, 1)
            let a = Float(Int32(truncatingIfNeeded: acc[i]))
            var v: Float
            if spec.depthMultiplier > 0 {
                v = a * (scales[c] * batchScale[b])
            } else if perChannel {
                v = a * scales[c] * batchScale[b]
            } else {
                v = a * batchScale[b]
            }
            if let bias { v += bias[c] }
            y[i] = v
        }
        try activate(&y, call)
        return y
    }
}
