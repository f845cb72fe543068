import ModelIR
import Passes

/// float16 in the ONNX → TFLite raising: compute is float32, float16 data is only stored.
///
/// - float16 constants are widened to float32 when bound (every raising sees float32 weights);
///   Cast to float16 inside the graph is an identity (the value stays float32).
/// - A float16 graph input is DEQUANTIZEd to float32 right after the input; a float16 graph output
///   is a CAST of the float32 result.
/// - With `float16Weights` (the source had float16 weights, or `--float16`), float32 weight
///   tensors are stored as float16 and expanded by a DEQUANTIZE, as TFLite's float16 quantization does.
enum Float16Storage {
    /// Weights with fewer elements stay float32 (scalars of element-wise ops).
    static let minimumElements: Int64 = 2

    /// `t` as float32 when it is float16 (exact), else unchanged.
    static func widened(_ t: Tensor) -> Tensor {
        guard t.dataType == .float16, let view = t.byteView else { return t }
        let values: [Float] = view.withUnsafeBytes { raw in
            (0..<(raw.count / 2)).map { Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) }
        }
        return ConstantData.floatTensor(values, dims: t.dims).named(t.name)
    }

    /// A float16 tensor of float32 `t` (rounded to nearest).
    static func narrowed(_ t: Tensor) -> Tensor? {
        guard let values = ConstantData.floats(t) else { return nil }
        let bits = values.map { Float16($0).bitPattern }
        return Tensor(name: t.name, dataType: .float16, dims: t.dims, contents: .bytes(bits.withUnsafeBytes { ByteView(copying: $0) }))
    }

    /// Whether the model stores float16 weights or activations.
    static func usesFloat16(_ g: Graph) -> Bool {
        g.initializers.contains { $0.dataType == .float16 }
            || (g.inputs + g.outputs + g.valueInfos).contains { $0.type?.tensorType?.elementType == .float16 }
    }

    /// A small float16 tensor of the source by dims and bits: one the raising stores as float16 too.
    struct SmallWeight: Hashable {
        var dims: [Int64]
        var bits: [UInt8]
    }

    /// The source's float16 initializers of fewer than `minimumElements` elements (a bias of one
    /// channel): stored as float16 again when a weight of the result has the same dims and value.
    static func smallWeights(of g: Graph) -> Set<SmallWeight> {
        Set(g.initializers.compactMap { t in
            guard t.dataType == .float16, t.dims.reduce(1, *) < minimumElements, let view = t.byteView else { return nil }
            return SmallWeight(dims: t.dims, bits: view.withUnsafeBytes { Array($0) })
        })
    }

    /// Stores every float32 weight of at least `minimumElements` elements as float16 behind a
    /// DEQUANTIZE, and smaller ones that equal a float16 tensor of the source (`smallWeights`: exact,
    /// and the scalars the raising adds stay float32). Returns how many weights were converted.
    @discardableResult
    static func storeWeightsAsFloat16(_ g: inout Graph, sourceSmallWeights: Set<SmallWeight> = []) -> Int {
        var dequantizes: [Node] = []
        var used = Set(g.nodes.flatMap { $0.inputs + $0.outputs }).union(g.initializers.compactMap(\.name))
        /// A small weight is narrowed only when it is exact in float16 and the source stored it so.
        func isSourceHalf(_ t: Tensor, _ half: Tensor) -> Bool {
            guard let view = half.byteView, ConstantData.floats(widened(half)) == ConstantData.floats(t) else { return false }
            return sourceSmallWeights.contains(SmallWeight(dims: half.dims, bits: view.withUnsafeBytes { Array($0) }))
        }
        for i in g.initializers.indices {
            let t = g.initializers[i]
            guard t.dataType == .float, let name = t.name, var half = narrowed(t),
                  t.dims.reduce(1, *) >= minimumElements || isSourceHalf(t, half) else { continue }
            var stored = name + "/float16"
            var k = 0
            while used.contains(stored) { k += 1; stored = name + "/float16_\(k)" }
            used.insert(stored)
            half.name = stored
            g.initializers[i] = half
            g.valueInfos.append(ValueInfo(name: name, type: ValueType(.tensor(TensorType(elementType: .float, shape: t.dims.map { .fixed($0) })))))
            dequantizes.append(Node(name: "DEQUANTIZE_\(name)", opType: "DEQUANTIZE", domain: TFLiteDialect.domain, inputs: [stored], outputs: [name],
                                    attributes: [Attribute(name: TFLiteDialect.versionAttribute, value: .int(2))]))
        }
        g.nodes.insert(contentsOf: dequantizes, at: 0)
        return dequantizes.count
    }
}
