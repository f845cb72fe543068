import ModelIR
import OpSet
import Passes

/// Turns Constant nodes into initializers (ONNX Runtime resolves them at load from .onnx, but
/// its `.ort` format has no Constant kernel).
struct ConstantsToInitializers: GraphPass {
    var name: String { "constants-to-initializers" }

    func run(_ model: inout Model) throws(PassError) -> Bool {
        Self.fold(&model.graph)
    }

    /// Moves the graph's Constant nodes (and those of its subgraphs) into initializers.
    static func fold(_ graph: inout Graph) -> Bool {
        var changed = false
        var kept: [Node] = []
        for var node in graph.nodes {
            node.updateSubgraphs { sub, _, _ in if fold(&sub) { changed = true } }
            guard node.normalizedDomain.isEmpty, node.opType == "Constant", let out = node.outputs.first,
                  let value = Self.tensor(node) else {
                kept.append(node)
                continue
            }
            var t = value
            t.name = out
            graph.initializers.append(t)
            changed = true
        }
        graph.nodes = kept
        return changed
    }

    static func tensor(_ node: Node) -> Tensor? {
        func bytes<T>(_ v: [T]) -> ByteView { v.withUnsafeBytes { ByteView(copying: $0) } }
        switch node.attributes.first?.value {
        case .tensor(let t)?: return t
        case .float(let f)?: return Tensor(name: nil, dataType: .float, dims: [], contents: .bytes(bytes([f])))
        case .floats(let f)?: return Tensor(name: nil, dataType: .float, dims: [Int64(f.count)], contents: .bytes(bytes(f)))
        case .int(let i)?: return Tensor(name: nil, dataType: .int64, dims: [], contents: .bytes(bytes([i])))
        case .ints(let i)?: return Tensor(name: nil, dataType: .int64, dims: [Int64(i.count)], contents: .bytes(bytes(i)))
        default: return nil
        }
    }
}

/// Computes float16 ops in float32: Casts around every op that reads float16 values, except ops
/// that only move data (ONNX Runtime's CPU kernels lack float16 for most compute ops; its own
/// converter inserts the same Casts).
struct Float16ComputeCasts: GraphPass {
    var name: String { "float16-compute-casts" }
    static let typeAgnostic: Set<String> = [
        "Cast", "CastLike", "Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Concat",
        "Slice", "Gather", "Shape", "Size", "Split", "Expand", "Tile", "Constant", "If", "Loop", "Scan",
    ]

    func run(_ model: inout Model) throws(PassError) -> Bool {
        let opsets = Dictionary(model.opsetImports.map { (($0.domain ?? "") == "ai.onnx" ? "" : ($0.domain ?? ""), Int($0.version ?? 1)) },
                                uniquingKeysWith: { a, _ in a })
        let types = ElementTypes().infer(model.graph, opsets: opsets)
        var nodes: [Node] = []
        var changed = false
        var counter = 0
        func fresh(_ base: String) -> String {
            counter += 1
            return "\(base)__fp32_\(counter)"
        }
        for var node in model.graph.nodes {
            let halfInputs = node.inputs.enumerated().filter { !$0.element.isEmpty && types[$0.element] == .float16 }
            guard node.normalizedDomain.isEmpty, !Self.typeAgnostic.contains(node.opType), !halfInputs.isEmpty else {
                nodes.append(node)
                continue
            }
            changed = true
            for (i, name) in halfInputs {
                let wide = fresh(name)
                nodes.append(Node(name: wide, opType: "Cast", inputs: [name], outputs: [wide],
                                  attributes: [Attribute(name: "to", value: .int(Int64(DataType.float.rawValue)))]))
                node.inputs[i] = wide
            }
            var finals: [(String, String)] = []
            for (i, out) in node.outputs.enumerated() where !out.isEmpty && types[out] == .float16 {
                let wide = fresh(out)
                node.outputs[i] = wide
                finals.append((wide, out))
            }
            nodes.append(node)
            for (wide, out) in finals {
                nodes.append(Node(name: fresh(out), opType: "Cast", inputs: [wide], outputs: [out],
                                  attributes: [Attribute(name: "to", value: .int(Int64(DataType.float16.rawValue)))]))
            }
        }
        model.graph.nodes = nodes
        return changed
    }
}

/// Expands ONNX function ops that onnxruntime only expands when it loads an `.onnx` file
/// (its `.ort` loader has no kernel for them): HardSwish(x) = x * HardSigmoid(x; 1/6, 0.5).
struct ExpandFunctionOps: GraphPass {
    var name: String { "expand-function-ops" }

    func run(_ model: inout Model) throws(PassError) -> Bool {
        var nodes: [Node] = []
        var changed = false
        for node in model.graph.nodes {
            guard node.normalizedDomain.isEmpty, node.opType == "HardSwish", let x = node.inputs.first, let y = node.outputs.first else {
                nodes.append(node)
                continue
            }
            let gate = "\(y)__hardsigmoid"
            nodes.append(Node(name: gate, opType: "HardSigmoid", inputs: [x], outputs: [gate], attributes: [
                Attribute(name: "alpha", value: .float(1.0 / 6.0)), Attribute(name: "beta", value: .float(0.5)),
            ]))
            nodes.append(Node(name: node.name, opType: "Mul", inputs: [x, gate], outputs: [y]))
            changed = true
        }
        model.graph.nodes = nodes
        return changed
    }
}
