import ModelIR
import TFLiteFormat

extension Model {
    /// A TFLite-dialect model with NHWC rank-4 inputs/outputs (`--nhwc-io`) wrapped to take and give
    /// NCHW, so it validates against its NCHW source on the same inputs. Used for validation only.
    func nchwAdapted() -> Model {
        var g = graph
        func int32s(_ name: String, _ v: [Int32]) -> Tensor {
            Tensor(name: name, dataType: .int32, dims: [Int64(v.count)], contents: .bytes(v.withUnsafeBytes { ByteView(copying: $0) }))
        }
        func transpose(_ input: String, _ output: String, _ perm: [Int32]) -> Node {
            g.initializers.append(int32s(output + "/perm", perm))
            return Node(name: "adapt_" + output, opType: "TRANSPOSE", domain: TFLiteDialect.domain,
                        inputs: [input, output + "/perm"], outputs: [output],
                        attributes: [Attribute(name: TFLiteDialect.versionAttribute, value: .int(1))])
        }
        func rank4(_ v: ValueInfo) -> [Dim]? {
            guard let s = v.type?.tensorType?.shape, s.count == 4 else { return nil }
            return s
        }
        var prefix: [Node] = []
        for (i, input) in g.inputs.enumerated() {
            guard let s = rank4(input), let t = input.type?.tensorType else { continue }
            let inner = input.name + "/nhwc"
            for k in g.nodes.indices { g.nodes[k].inputs = g.nodes[k].inputs.map { $0 == input.name ? inner : $0 } }
            g.valueInfos.append(ValueInfo(name: inner, type: input.type))
            g.inputs[i].type = ValueType(.tensor(TensorType(elementType: t.elementType, shape: [s[0], s[3], s[1], s[2]])))
            prefix.append(transpose(input.name, inner, [0, 2, 3, 1]))
        }
        var suffix: [Node] = []
        for (i, output) in g.outputs.enumerated() {
            guard let s = rank4(output), let t = output.type?.tensorType else { continue }
            let inner = output.name + "/nhwc"
            for k in g.nodes.indices {
                g.nodes[k].outputs = g.nodes[k].outputs.map { $0 == output.name ? inner : $0 }
                g.nodes[k].inputs = g.nodes[k].inputs.map { $0 == output.name ? inner : $0 }
            }
            g.valueInfos = g.valueInfos.map { v in var v = v; if v.name == output.name { v.name = inner }; return v }
            if !g.valueInfos.contains(where: { $0.name == inner }) { g.valueInfos.append(ValueInfo(name: inner, type: output.type)) }
            g.outputs[i].type = ValueType(.tensor(TensorType(elementType: t.elementType, shape: [s[0], s[3], s[1], s[2]])))
            suffix.append(transpose(inner, output.name, [0, 3, 1, 2]))
        }
        g.nodes = prefix + g.nodes + suffix
        var m = self
        m.graph = g
        return m
    }
}
