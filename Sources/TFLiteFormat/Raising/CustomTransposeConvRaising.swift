import ModelIR
import Passes

/// ConvTranspose back to MediaPipe's custom `Convolution2DTransposeBias`, when the TFLite lowering
/// recorded that it came from one (`TFLiteProvenance`) and the node still computes what that op
/// computes; otherwise `ConvTransposeRaisings` raises it as the builtin TRANSPOSE_CONV.
///
/// The custom op (12 bytes of options: int32 padding 1 SAME / 2 VALID, stride_w, stride_h) reads an
/// NHWC input, [O, H, W, I] weights and a bias of O; its output is input × stride (SAME) or
/// (input − 1) × stride + kernel (VALID), with the window starting half the excess before it.
extension ConvTransposeRaisings {
    static let customCode = "Convolution2DTransposeBias"

    /// The custom op's options: (padding, stride_w, stride_h), when `bytes` hold them.
    static func customOptions(_ bytes: [UInt8]) -> (padding: Int64, strideW: Int64, strideH: Int64)? {
        guard bytes.count >= 12 else { return nil }
        func word(_ i: Int) -> Int64 {
            Int64(Int32(bitPattern: UInt32(bytes[4 * i]) | UInt32(bytes[4 * i + 1]) << 8 | UInt32(bytes[4 * i + 2]) << 16 | UInt32(bytes[4 * i + 3]) << 24))
        }
        return (word(0), word(1), word(2))
    }

    /// Emits the custom op for `node` and returns true, or returns false (nothing emitted) when the
    /// node has no such provenance or does not compute what the custom op computes.
    static func raiseAsCustom(_ ctx: RaisingContext, _ node: Node, x: RaisedValue, w: RaisedValue) throws(PassError) -> Bool {
        guard TFLiteProvenance.customCode(of: node) == customCode, let bytes = TFLiteProvenance.customOptions(of: node),
              let options = customOptions(bytes), options.padding == 1 || options.padding == 2,
              options.strideW > 0, options.strideH > 0,
              x.rank == 4, w.rank == 4, x.type == .float, w.type == .float, (node.intAttribute("group") ?? 1) == 1 else { return false }
        let axes: [Axis]
        do { axes = try windowAxes(ctx, node, x: x, w: w) } catch { return false }
        // The custom op's window per axis must be the one ONNX defines for this node.
        for (a, stride) in zip(axes, [options.strideH, options.strideW]) {
            let output = options.padding == 2 ? (a.input - 1) * stride + a.kernel : a.input * stride
            let padBegin = max(0, ((a.input - 1) * stride + a.kernel - output) / 2)
            guard a.stride == stride, a.dilation == 1, a.output == output, a.padBegin == padBegin else { return false }
        }
        let cOut = w.shape[1]
        if let b = try ctx.input(2), b.shape.reduce(1, *) != cOut || b.type != .float { return false }
        let input = try ctx.channelsLast(x)
        let filter = groupFilters(ctx, try weights(ctx, node, w, axes: axes), groups: 1)[0]
        let bias = groupBiases(ctx, try bias(ctx, cOut), groups: 1)[0]
        let y = ctx.define(node.outputs[0], shape: [x.shape[0], cOut] + axes.map(\.output), type: .float, perm: Layout.channelsLast(4))
        ctx.emitCustom(customCode, [input, filter, bias], [y], options: bytes)
        return true
    }
}
