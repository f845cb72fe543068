import ModelIR
import Passes

/// Evaluates one ONNX node on constant inputs (injected: the reference interpreter lives in
/// another module). Returns the outputs, or nil when the node cannot be evaluated.
public typealias ConstantEvaluator = @Sendable (_ node: Node, _ inputs: [Tensor?], _ opsetImports: [OpsetImport]) -> [Tensor]?

/// What the raising knows about one source value.
struct RaisedValue {
    /// The TFLite tensor holding it (may be shared with other values: Identity, Transpose).
    var name: String
    /// Semantic (ONNX) dims, all fixed.
    var shape: [Int64]
    var type: DataType
    /// Stored axis i holds semantic axis perm[i].
    var perm: [Int]
    /// The value in semantic layout, when it is a constant.
    var constant: Tensor?

    var rank: Int { shape.count }
    var storedShape: [Int64] { Layout.stored(shape, perm) }
    /// The stored axis of semantic axis `a`.
    func storedAxis(_ a: Int) -> Int { Layout.inverse(perm)[a] }
}

/// Builds the `tflite`-dialect graph that replaces one ONNX graph.
final class RaisingContext {
    let opset: Int
    let opsetImports: [OpsetImport]
    let evaluator: ConstantEvaluator?
    private(set) var values: [String: RaisedValue] = [:]
    var nodes: [Node] = []
    var initializers: [Tensor] = []
    var valueInfos: [ValueInfo] = []
    private var names: UniqueNames
    /// Stored copies of values in other layouts: name → perm → tensor name.
    private var layouts: [String: [[Int]: String]] = [:]
    /// How many nodes read each source value (for fusing activations into their producer).
    let consumers: [String: Int]
    /// Graph output names (their producers may not take a fused activation that changes them).
    let outputNames: Set<String>
    /// Index in `nodes` of the node that wrote each TFLite tensor.
    var producer: [String: Int] = [:]
    /// The source node being raised (for names and errors).
    var current = Node(opType: "", inputs: [], outputs: [])
    /// The nodes that read each source value (for looking ahead at a QuantizeLinear).
    let readers: [String: [Node]]
    /// DequantizeLinear outputs still held as quantized tensors: a DEQUANTIZE is emitted only
    /// when an op that cannot run on the quantized tensor reads them (see `QuantRaisings`).
    var dequantized: [String: QuantizedValue] = [:]
    /// Quantization of source values held as int8 tensors (QuantizeLinear outputs, fused results).
    var quantization: [String: QuantParams] = [:]
    /// Scales of constants that came from a DequantizeLinear (weights, biases), semantic axis.
    var constantQuantization: [String: QuantParams] = [:]
    /// What the QDQ handling left as float ops, by ONNX op type (for the conversion report).
    var floatIslands: [String: Int] = [:]
    /// Int8 ops emitted from QDQ groups, by ONNX op type.
    var fusedOps: [String: Int] = [:]
    /// Declared dims of source values (graph inputs, outputs, value infos): which dims are dynamic.
    let sourceDims: [String: [Dim]]
    /// The node that writes each source value.
    let sourceProducers: [String: Node]
    /// Integer values computed at run time from the input's dims (`RuntimeShapeRaisings`), with
    /// their values at the sizes being raised.
    var runtimeShapes: [String: [Int64]] = [:]
    /// Unsqueezed run-time scalars held back for the Concat that packs them (source value → scalar).
    var pendingPackParts: [String: RaisedValue] = [:]
    /// Source values an earlier node's raising already wrote (a Squeeze taken into STRIDED_SLICE).
    var absorbed: Set<String> = []
    /// Graph inputs (not initializers) and state inputs read from variables, by source name.
    var graphInputs: Set<String>
    /// Quantization of graph inputs read by a DequantizeLinear (set on the TFLite input tensor).
    var inputQuantization: [String: QuantParams] = [:]
    /// Values of integer graph inputs given for the conversion (pads, split sizes, resize sizes):
    /// they fix the shapes that depend on them, like given inputs fix dynamic dims.
    var inputValues: [String: Tensor] = [:]
    /// Shapes fixed by `inputValues`, as notes for the conversion report.
    var specialized: [String] = []

    init(source: Graph, opset: Int, opsetImports: [OpsetImport], evaluator: ConstantEvaluator?) {
        self.opset = opset
        self.opsetImports = opsetImports
        self.evaluator = evaluator
        // Nodes of If branches count too: an inlined branch is raised with this context.
        let branches = source.nestedGraphs
        let allNodes = source.nodes + branches.flatMap(\.nodes)
        var taken = Set(allNodes.flatMap { $0.inputs + $0.outputs })
        for g in [source] + branches {
            taken.formUnion(g.inputs.map(\.name))
            taken.formUnion(g.initializers.compactMap(\.name))
        }
        self.names = UniqueNames(taken: taken)
        var counts: [String: Int] = [:]
        for n in allNodes { for i in n.inputs where !i.isEmpty { counts[i, default: 0] += 1 } }
        for g in branches { for o in g.outputs { counts[o.name, default: 0] += 1 } }  // read by the If
        self.consumers = counts
        var readers: [String: [Node]] = [:]
        for n in allNodes { for i in Set(n.inputs) where !i.isEmpty { readers[i, default: []].append(n) } }
        self.readers = readers
        self.outputNames = Set(source.outputs.map(\.name))
        var dims: [String: [Dim]] = [:]
        for v in source.inputs + source.outputs + source.valueInfos { if let d = v.type?.tensorType?.shape { dims[v.name] = d } }
        self.sourceDims = dims
        var producers: [String: Node] = [:]
        for n in allNodes { for o in n.outputs where !o.isEmpty { producers[o] = n } }
        self.sourceProducers = producers
        self.graphInputs = Set(source.inputs.map(\.name)).subtracting(source.initializers.compactMap(\.name))
    }

    // MARK: Errors

    func unsupported(_ reason: String) -> PassError { .unsupportedOp(node: current.label, op: current.opType, reason: reason) }
    func invalid(_ reason: String) -> PassError { .invalid(node: current.label, reason: reason) }

    /// `node`'s `axis` attribute (`fallback` when absent), negative ones counted from the end, as an
    /// index into `rank` axes (or `rank + 1` positions with `orEnd`); out of range is an error.
    func axis(of node: Node, default fallback: Int64, rank: Int, orEnd: Bool = false) throws(PassError) -> Int {
        var axis = Int(node.intAttribute("axis") ?? fallback)
        if axis < 0 { axis += rank }
        guard axis >= 0, axis < rank + (orEnd ? 1 : 0) else { throw invalid("axis \(axis) is out of range for rank \(rank)") }
        return axis
    }

    // MARK: Values

    /// The raised value of source value `name`.
    func value(_ name: String) throws(PassError) -> RaisedValue {
        if let v = values[name] { return v }
        if let q = dequantized[name] { return dequantize(name, q) }
        throw invalid("input '\(name)' has no known type and shape")
    }

    /// Emits the DEQUANTIZE that makes quantized `q` available as float source value `name`.
    private func dequantize(_ name: String, _ q: QuantizedValue) -> RaisedValue {
        let y = define(name, shape: q.value.shape, type: .float, perm: q.value.perm)
        emit("DEQUANTIZE", [q.value.name], [y])
        floatIslands["DEQUANTIZE", default: 0] += 1
        return values[name] ?? q.value
    }

    /// The element type of source value `name` as the raising holds it (dequantized values are
    /// float32), without emitting anything; nil when unknown.
    func elementType(of name: String) -> DataType? {
        values[name]?.type ?? (dequantized[name] != nil ? .float : nil)
    }

    /// The graph input (or state input) whose tensor `v` is: `source` itself, or the input an
    /// Identity chain made `source` a view of; nil for computed values.
    func graphInput(holding v: RaisedValue, source: String) -> String? {
        if graphInputs.contains(source) { return source }
        guard v.constant == nil else { return nil }
        return graphInputs.sorted().first { values[$0]?.name == v.name && values[$0]?.perm == v.perm }
    }

    /// Removes the binding of a source value (a temporary quantized view ends).
    func unbind(_ name: String) { values[name] = nil }

    /// Input `i` of the current node, or nil when absent.
    func input(_ i: Int) throws(PassError) -> RaisedValue? {
        guard i < current.inputs.count, !current.inputs[i].isEmpty else { return nil }
        return try value(current.inputs[i])
    }

    /// Input `i`, which must be present.
    func required(_ i: Int) throws(PassError) -> RaisedValue {
        guard let v = try input(i) else { throw invalid("input \(i) is missing") }
        return v
    }

    /// Records a graph input or a constant under its own name.
    func bind(_ name: String, _ value: RaisedValue) { values[name] = value }

    /// Records a constant source value (folded; written only where an op reads it).
    func bindConstant(_ name: String, _ tensor: Tensor) {
        var t = Float16Storage.widened(tensor)
        t.name = name
        values[name] = RaisedValue(name: name, shape: t.dims, type: t.dataType, perm: Layout.identity(t.dims.count), constant: t)
    }

    /// Declares source output `name` as a new TFLite tensor with the given semantic shape and layout.
    @discardableResult
    func define(_ name: String, shape: [Int64], type: DataType, perm: [Int]) -> String {
        let stored = outputNames.contains(name) ? fresh(name + "/stored") : name
        values[name] = RaisedValue(name: stored, shape: shape, type: type, perm: perm)
        declare(stored, Layout.stored(shape, perm), type)
        return stored
    }

    /// Makes source value `name` another view of an existing tensor (Identity, Transpose relabel).
    func alias(_ name: String, to value: RaisedValue, shape: [Int64]? = nil, perm: [Int]? = nil) {
        var v = value
        if let shape { v.shape = shape }
        if let perm { v.perm = perm }
        if let c = value.constant, shape == nil, perm == nil { v.constant = c }
        values[name] = v
    }

    /// A fresh tensor name derived from the current node's first output.
    func fresh(_ hint: String) -> String {
        let base = hint.isEmpty ? (current.outputs.first ?? "v") : hint
        return names.make(base)
    }

    /// Declares the stored type of a new TFLite tensor.
    func declare(_ name: String, _ dims: [Int64], _ type: DataType) {
        valueInfos.append(ValueInfo(name: name, type: ValueType(.tensor(TensorType(elementType: type, shape: dims.map { .fixed($0) })))))
    }

    /// A temporary tensor of the given stored dims.
    func temporary(_ hint: String, _ dims: [Int64], _ type: DataType) -> String {
        let name = fresh((current.outputs.first ?? "v") + "/" + hint)
        declare(name, dims, type)
        return name
    }

    // MARK: Emission

    /// Appends a TFLite builtin node.
    func emit(_ op: String, _ inputs: [String], _ outputs: [String], options: String? = nil, _ fields: [String: Attribute.Value] = [:], version: Int64 = 1) {
        var attrs = [Attribute(name: TFLiteDialect.versionAttribute, value: .int(version))]
        if let options { attrs.append(Attribute(name: TFLiteDialect.optionsAttribute, value: .string(Array(options.utf8)))) }
        for (k, v) in fields.sorted(by: { $0.key < $1.key }) { attrs.append(Attribute(name: k, value: v)) }
        for o in outputs { producer[o] = nodes.count }
        nodes.append(Node(name: "\(op)_\(outputs.first ?? "")", opType: op, domain: TFLiteDialect.domain,
                          inputs: inputs, outputs: outputs, attributes: attrs))
    }

    /// Appends a TFLite custom operator node (op type = custom code) with its options bytes.
    func emitCustom(_ code: String, _ inputs: [String], _ outputs: [String], options: [UInt8]) {
        let attrs = [Attribute(name: TFLiteDialect.versionAttribute, value: .int(1)),
                     Attribute(name: TFLiteDialect.customOptionsAttribute, value: .string(options)),
                     Attribute(name: TFLiteDialect.customOptionsFormatAttribute, value: .int(0))]
        for o in outputs { producer[o] = nodes.count }
        nodes.append(Node(name: "\(code)_\(outputs.first ?? "")", opType: code, domain: TFLiteDialect.customDomain,
                          inputs: inputs, outputs: outputs, attributes: attrs))
    }

    /// Adds a constant tensor (stored layout) and returns its name.
    func constant(_ hint: String, _ tensor: Tensor) -> String {
        let name = fresh((current.outputs.first ?? "c") + "/" + hint)
        var t = tensor
        t.name = name
        initializers.append(t)
        return name
    }

    func int32s(_ hint: String, _ values: [Int64], shape: [Int64]? = nil) -> String {
        constant(hint, ConstantData.int32Tensor(values.map { Int32(clamping: $0) }, dims: shape ?? [Int64(values.count)]))
    }

    func floats(_ hint: String, _ values: [Float], shape: [Int64]? = nil) -> String {
        constant(hint, ConstantData.floatTensor(values, dims: shape ?? [Int64(values.count)]))
    }

    // MARK: Layout changes

    /// The tensor holding `v` stored with `perm`: itself, a permuted constant, or a RESHAPE/TRANSPOSE.
    func stored(_ v: RaisedValue, perm: [Int]) throws(PassError) -> String {
        if v.perm == perm { return try materialized(v) }
        if let cached = layouts[v.name]?[perm] { return cached }
        let name: String
        if let c = v.constant {
            guard let t = ConstantData.transpose(c, perm) else { throw unsupported("cannot rearrange constant \(v.name) of type \(v.type)") }
            name = constant("permuted", t)
        } else {
            name = temporary(v.name.split(separator: "/").last.map(String.init) ?? "v", Layout.stored(v.shape, perm), v.type)
            relayout(v, to: perm, into: name)
        }
        layouts[v.name, default: [:]][perm] = name
        return name
    }

    /// Emits a RESHAPE of tensor `input` to the constant stored `dims` (given as input and as the
    /// new_shape option) into `output`.
    func reshape(_ input: String, to dims: [Int64], into output: String) {
        emit("RESHAPE", [input, int32s("shape", dims)], [output], options: "ReshapeOptions", ["new_shape": .ints(dims)])
    }

    /// Emits the RESHAPE (only size-1 axes move) or TRANSPOSE that stores `v` with `perm` in `output`.
    func relayout(_ v: RaisedValue, to perm: [Int], into output: String) {
        if Layout.isReshapeOnly(v.shape, from: v.perm, to: perm) {
            let dims = Layout.stored(v.shape, perm)
            reshape(v.name, to: dims, into: output)
        } else {
            let p = Layout.transposePerm(from: v.perm, to: perm).map { Int64($0) }
            emit("TRANSPOSE", [v.name, int32s("perm", p)], [output], options: "TransposeOptions")
        }
    }

    /// The tensor of `v` in its own layout (constants are written as initializers on first use).
    func materialized(_ v: RaisedValue) throws(PassError) -> String {
        guard let c = v.constant else { return v.name }
        if let cached = layouts[v.name]?[v.perm] { return cached }
        guard let t = ConstantData.transpose(c, v.perm) else { throw unsupported("cannot store constant \(v.name) of type \(v.type)") }
        let name = constant("const", t)
        layouts[v.name, default: [:]][v.perm] = name
        return name
    }

    /// `v` in channels-last storage (for convolutions and pools).
    func channelsLast(_ v: RaisedValue) throws(PassError) -> String { try stored(v, perm: Layout.channelsLast(v.rank)) }

    /// `v` with the semantic layout (for ops whose axes are not remapped).
    func plain(_ v: RaisedValue) throws(PassError) -> String { try stored(v, perm: Layout.identity(v.rank)) }

    /// A constant operand of an element-wise op whose result has semantic rank `rank`, stored with `perm`.
    func broadcastConstant(_ c: RaisedValue, rank: Int, perm: [Int]) throws(PassError) -> String {
        guard let t = c.constant else { return c.name }
        let count = t.dims.reduce(1, *)
        if count == 1 && t.dims.count <= rank { return try materialized(c) }  // a scalar broadcasts in any layout
        var padded = t
        padded.dims = [Int64](repeating: 1, count: max(0, rank - t.dims.count)) + t.dims
        let v = RaisedValue(name: c.name + "@\(rank)", shape: padded.dims, type: c.type, perm: Layout.identity(rank), constant: padded)
        return try stored(v, perm: perm)
    }

    // MARK: Fused activations

    /// Fuses an activation (ActivationFunctionType code) into the op that produced `v` when it is
    /// the value's only reader (not CONCATENATION: XNNPACK ignores its fused activation); returns false when it cannot.
    func fuseActivation(_ code: Int64, into v: RaisedValue, source: String) -> Bool {
        guard v.constant == nil, consumers[source] == 1, !outputNames.contains(source),
              let index = producer[v.name], nodes[index].outputs == [v.name] else { return false }
        let fusable: Set<String> = ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "ADD", "SUB", "MUL", "DIV",
                                    "AVERAGE_POOL_2D", "MAX_POOL_2D"]
        guard fusable.contains(nodes[index].opType),
              let i = nodes[index].attributes.firstIndex(where: { $0.name == "fused_activation_function" }),
              nodes[index].attributes[i].value == .int(0) else { return false }
        nodes[index].attributes[i].value = .int(code)
        return true
    }
}
