import Interpreter
import ModelIR
import Passes
import Testing

/// Small models with one onnxruntime quantized contrib op; the rewrite's structure is checked and,
/// where the interpreter can run the QDQ result, its numbers against the op's documented formula.
/// Scales are powers of two so the float arithmetic is exact and results compare bit for bit.
@Suite("QLinear contrib op decomposition")
struct QLinearDecompositionTests {
    // MARK: Building models

    static func tensor<T>(_ name: String, _ type: DataType, _ dims: [Int64], _ values: [T]) -> Tensor {
        Tensor(name: name, dataType: type, dims: dims, contents: .bytes(values.withUnsafeBytes { ByteView(copying: $0) }))
    }

    static func info(_ name: String, _ type: DataType, _ dims: [Int64]) -> ValueInfo {
        ValueInfo(name: name, type: ValueType(.tensor(TensorType(elementType: type, shape: dims.map { .fixed($0) }))))
    }

    static func contrib(_ op: String, _ inputs: [String], _ attributes: [Attribute] = []) -> Node {
        Node(name: "n", opType: op, domain: "com.microsoft", inputs: inputs, outputs: ["y"], attributes: attributes)
    }

    static func model(_ node: Node, inputs: [ValueInfo], output: ValueInfo, initializers: [Tensor], opset: Int64 = 17) -> Model {
        let graph = Graph(name: "g", inputs: inputs, outputs: [output], initializers: initializers, nodes: [node])
        return Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: opset), OpsetImport(domain: "com.microsoft", version: 1)],
                     graph: graph)
    }

    static func rewritten(_ m: Model) throws -> Model {
        var m = m
        #expect(try ContribOpDecomposition().run(&m))
        #expect(!m.graph.nodes.contains { $0.normalizedDomain == "com.microsoft" })
        #expect(m.graph.nodes.last?.outputs == ["y"])
        return m
    }

    static func run(_ m: Model, _ feeds: [String: NDArray]) throws -> NDArray {
        let result = try Interpreter(model: m).run(inputs: feeds.mapValues { .tensor($0) })
        return try #require(result.output("y")?.tensor)
    }

    /// ONNX QuantizeLinear of one value: round half to even, add the zero point, saturate.
    static func quantize(_ v: Float, scale: Float, zero: Int, range: ClosedRange<Int>) -> Int {
        min(max(Int((v / scale).rounded(.toNearestOrEven)) + zero, range.lowerBound), range.upperBound)
    }

    static func perm(_ n: Node) -> [Int64]? {
        if case .ints(let p)? = n.attribute("perm")?.value { return p }
        return nil
    }

    static func floats(_ t: Tensor?) -> [Float]? {
        t?.byteView?.withUnsafeBytes { raw in (0..<raw.count / 4).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
    }

    static let int8Range = -128...127

    // MARK: QLinearConv

    /// NHWC x [1, 3, 3, 2] int8 (scale 0.5, zero point 1); OIHW w [2, 2, 2, 2] per output channel
    /// (0.25, 0.125); int32 bias; y scale 1, zero point -3.
    static func channelsLastConv(extra: [Attribute] = [], opset: Int64 = 17) -> (Model, x: [Int8], w: [Int8], bias: [Int32]) {
        let x = (0..<18).map { Int8(($0 * 7) % 19 - 9) }
        let w = (0..<16).map { Int8(($0 * 5) % 11 - 5) }
        let bias: [Int32] = [4, -8]
        let node = contrib("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"], [
            Attribute(name: "kernel_shape", value: .ints([2, 2])), Attribute(name: "channels_last", value: .int(1)),
        ] + extra)
        let inits = [
            tensor("xs", .float, [], [Float(0.5)]), tensor("xz", .int8, [], [Int8(1)]),
            tensor("w", .int8, [2, 2, 2, 2], w), tensor("ws", .float, [2], [Float(0.25), 0.125]), tensor("wz", .int8, [2], [Int8(0), 0]),
            tensor("ys", .float, [], [Float(1)]), tensor("yz", .int8, [], [Int8(-3)]), tensor("b", .int32, [2], bias),
        ]
        let m = model(node, inputs: [info("x", .int8, [1, 3, 3, 2])], output: info("y", .int8, [1, 2, 2, 2]), initializers: inits, opset: opset)
        return (m, x, w, bias)
    }

    @Test("QLinearConv with channels_last: Transposes around DQ → Conv → Q, per-channel weight and bias scales on axis 0")
    func convStructure() throws {
        let m = try Self.rewritten(Self.channelsLastConv().0)
        let nodes = m.graph.nodes
        #expect(nodes.map(\.opType) == ["Transpose", "DequantizeLinear", "DequantizeLinear", "DequantizeLinear", "Conv", "QuantizeLinear", "Transpose"])
        #expect(Self.perm(nodes[0]) == [0, 3, 1, 2])
        #expect(Self.perm(nodes[6]) == [0, 2, 3, 1])
        #expect(nodes[1].inputs == [nodes[0].outputs[0], "xs", "xz"])
        #expect(nodes[2].inputs == ["w", "ws", "wz"])
        #expect(nodes[2].attribute("axis")?.value == .int(0))
        #expect(nodes[3].inputs.count == 2 && nodes[3].inputs[0] == "b")
        #expect(nodes[3].attribute("axis")?.value == .int(0))
        let biasScale = m.graph.initializers.first { $0.name == nodes[3].inputs[1] }
        #expect(Self.floats(biasScale) == [0.125, 0.0625])
        #expect(nodes[4].attribute("channels_last") == nil)
        #expect(nodes[4].attribute("kernel_shape")?.value == .ints([2, 2]))
        #expect(nodes[5].inputs.suffix(2) == ["ys", "yz"])
    }

    @Test("QLinearConv with channels_last computes the documented integer convolution")
    func convNumbers() throws {
        let (source, x, w, bias) = Self.channelsLastConv()
        let m = try Self.rewritten(source)
        let y = try Self.run(m, ["x": NDArray(dataType: .int8, shape: [1, 3, 3, 2], storage: .int8(x))])
        let scales: [Float] = [0.25, 0.125]
        var expected: [Int8] = []
        for oh in 0..<2 {
            for ow in 0..<2 {
                for o in 0..<2 {
                    var acc = Float(bias[o]) * 0.5 * scales[o]
                    for c in 0..<2 {
                        for kh in 0..<2 {
                            for kw in 0..<2 {
                                let xv = Float(Int(x[((oh + kh) * 3 + (ow + kw)) * 2 + c]) - 1) * 0.5
                                acc += xv * Float(w[((o * 2 + c) * 2 + kh) * 2 + kw]) * scales[o]
                            }
                        }
                    }
                    expected.append(Int8(Self.quantize(acc, scale: 1, zero: -3, range: Self.int8Range)))
                }
            }
        }
        #expect(y.shape == [1, 2, 2, 2])
        #expect(y.storage == .int8(expected))
    }

    @Test("an attribute the rewrite cannot map is refused, not dropped")
    func unknownAttribute() {
        var m = Self.channelsLastConv(extra: [Attribute(name: "activation", value: .string(Array("Relu".utf8)))]).0
        #expect(throws: PassError.self) { try ContribOpDecomposition().run(&m) }
        #expect(m.graph.nodes.map(\.opType) == ["QLinearConv"])
    }

    @Test("per-channel scales need opset 13 (DequantizeLinear axis): older models are refused with the reason")
    func perChannelBeforeOpset13() {
        var m = Self.channelsLastConv(opset: 12).0
        do {
            _ = try ContribOpDecomposition().run(&m)
            Issue.record("expected a refusal")
        } catch {
            #expect(error.isUnsupported)
            #expect(error.description.contains("opset 13"))
        }
    }

    // MARK: QGemm

    /// A [2, 3] uint8 (scale 0.5, zero point 2) × B [4, 3] int8 transposed, per-column scales,
    /// int32 bias [4], alpha 0.5; quantized output uint8 (scale 0.25, zero point 10) unless `floatOutput`.
    static func qGemm(floatOutput: Bool) -> (Model, a: [UInt8], b: [Int8], bias: [Int32]) {
        let a: [UInt8] = [0, 3, 7, 9, 2, 5]
        let b = (0..<12).map { Int8(($0 * 3) % 7 - 3) }
        let bias: [Int32] = [3, -5, 0, 8]
        let inputs = ["a", "as", "az", "b", "bs", "bz", "c"] + (floatOutput ? [] : ["ys", "yz"])
        let node = contrib("QGemm", inputs, [Attribute(name: "transB", value: .int(1)), Attribute(name: "alpha", value: .float(0.5))])
        var inits = [
            tensor("as", .float, [], [Float(0.5)]), tensor("az", .uint8, [], [UInt8(2)]),
            tensor("b", .int8, [4, 3], b), tensor("bs", .float, [4], [Float(1), 0.5, 0.25, 2]), tensor("bz", .int8, [4], [Int8](repeating: 0, count: 4)),
            tensor("c", .int32, [4], bias),
        ]
        if !floatOutput { inits += [tensor("ys", .float, [], [Float(0.25)]), tensor("yz", .uint8, [], [UInt8(10)])] }
        let m = model(node, inputs: [info("a", .uint8, [2, 3])], output: info("y", floatOutput ? .float : .uint8, [2, 4]), initializers: inits)
        return (m, a, b, bias)
    }

    /// alpha · (A·Bᵀ + C) in float, as onnxruntime's QGemm scales the integer sum.
    static func qGemmReference(a: [UInt8], b: [Int8], bias: [Int32]) -> [Float] {
        let bs: [Float] = [1, 0.5, 0.25, 2]
        var out: [Float] = []
        for i in 0..<2 {
            for j in 0..<4 {
                var acc = Float(bias[j]) * 0.5 * bs[j]
                for k in 0..<3 { acc += Float(Int(a[i * 3 + k]) - 2) * 0.5 * Float(b[j * 3 + k]) * bs[j] }
                out.append(0.5 * acc)
            }
        }
        return out
    }

    @Test("QGemm: B per column on axis 0 with transB, bias scaled by a_scale·b_scale, beta = alpha, then Q")
    func qGemmQuantized() throws {
        let (source, a, b, bias) = Self.qGemm(floatOutput: false)
        let m = try Self.rewritten(source)
        let nodes = m.graph.nodes
        #expect(nodes.map(\.opType) == ["DequantizeLinear", "DequantizeLinear", "DequantizeLinear", "Gemm", "QuantizeLinear"])
        #expect(nodes[1].attribute("axis")?.value == .int(0))
        #expect(nodes[2].attribute("axis")?.value == .int(0))
        #expect(Self.floats(m.graph.initializers.first { $0.name == nodes[2].inputs[1] }) == [0.5, 0.25, 0.125, 1])
        #expect(nodes[3].attribute("beta")?.value == .float(0.5))
        #expect(nodes[3].attribute("alpha")?.value == .float(0.5))
        let y = try Self.run(m, ["a": NDArray(dataType: .uint8, shape: [2, 3], storage: .uint8(a))])
        let expected = Self.qGemmReference(a: a, b: b, bias: bias).map { UInt8(Self.quantize($0, scale: 0.25, zero: 10, range: 0...255)) }
        #expect(y.storage == .uint8(expected))
    }

    @Test("QGemm without y_scale keeps its float32 output: no QuantizeLinear")
    func qGemmFloat() throws {
        let (source, a, b, bias) = Self.qGemm(floatOutput: true)
        let m = try Self.rewritten(source)
        #expect(m.graph.nodes.map(\.opType) == ["DequantizeLinear", "DequantizeLinear", "DequantizeLinear", "Gemm"])
        let y = try Self.run(m, ["a": NDArray(dataType: .uint8, shape: [2, 3], storage: .uint8(a))])
        #expect(y.storage == .float(Self.qGemmReference(a: a, b: b, bias: bias)))
    }

    // MARK: Element-wise and Concat

    @Test("QLinearAdd with no output zero point quantizes to the input's int8 type (not ONNX's uint8 default)")
    func qLinearAddInt8() throws {
        let node = Self.contrib("QLinearAdd", ["a", "as", "az", "b", "bs", "", "cs"])
        let inits = [Self.tensor("as", .float, [], [Float(0.5)]), Self.tensor("az", .int8, [], [Int8(-1)]),
                     Self.tensor("b", .int8, [1], [Int8(6)]), Self.tensor("bs", .float, [], [Float(0.25)]), Self.tensor("cs", .float, [], [Float(0.5)])]
        let source = Self.model(node, inputs: [Self.info("a", .int8, [5])], output: Self.info("y", .int8, [5]), initializers: inits)
        let m = try Self.rewritten(source)
        let nodes = m.graph.nodes
        #expect(nodes.map(\.opType) == ["DequantizeLinear", "DequantizeLinear", "Add", "QuantizeLinear"])
        #expect(nodes[1].inputs == ["b", "bs"])
        let zero = try #require(m.graph.initializers.first { $0.name == nodes[3].inputs.last })
        #expect(zero.dataType == .int8 && zero.dims.isEmpty)
        let a: [Int8] = [-128, -1, 0, 100, 127]
        let y = try Self.run(m, ["a": NDArray(dataType: .int8, shape: [5], storage: .int8(a))])
        let expected = a.map { Int8(Self.quantize(Float(Int($0) + 1) * 0.5 + 1.5, scale: 0.5, zero: 0, range: Self.int8Range)) }
        #expect(y.storage == .int8(expected))
    }

    @Test("QLinearMul multiplies the dequantized operands with broadcasting")
    func qLinearMul() throws {
        let node = Self.contrib("QLinearMul", ["a", "as", "az", "b", "bs", "bz", "cs", "cz"])
        let inits = [Self.tensor("as", .float, [], [Float(0.5)]), Self.tensor("az", .uint8, [], [UInt8(128)]),
                     Self.tensor("b", .uint8, [2, 1], [UInt8(130), 124]), Self.tensor("bs", .float, [], [Float(0.25)]), Self.tensor("bz", .uint8, [], [UInt8(128)]),
                     Self.tensor("cs", .float, [], [Float(0.125)]), Self.tensor("cz", .uint8, [], [UInt8(128)])]
        let m = try Self.rewritten(Self.model(node, inputs: [Self.info("a", .uint8, [1, 3])], output: Self.info("y", .uint8, [2, 3]), initializers: inits))
        #expect(m.graph.nodes.map(\.opType) == ["DequantizeLinear", "DequantizeLinear", "Mul", "QuantizeLinear"])
        let a: [UInt8] = [120, 128, 140]
        let y = try Self.run(m, ["a": NDArray(dataType: .uint8, shape: [1, 3], storage: .uint8(a))])
        var expected: [UInt8] = []
        for bv in [Float(0.5), -1] {
            for av in a { expected.append(UInt8(Self.quantize(Float(Int(av) - 128) * 0.5 * bv, scale: 0.125, zero: 128, range: 0...255))) }
        }
        #expect(y.shape == [2, 3])
        #expect(y.storage == .uint8(expected))
    }

    @Test("QLinearConcat requantizes every input to the output's parameters along the axis")
    func qLinearConcat() throws {
        let node = Self.contrib("QLinearConcat", ["ys", "yz", "p", "ps", "pz", "q", "qs", "qz"], [Attribute(name: "axis", value: .int(1))])
        let inits = [Self.tensor("ys", .float, [], [Float(0.5)]), Self.tensor("yz", .int8, [], [Int8(0)]),
                     Self.tensor("ps", .float, [], [Float(0.25)]), Self.tensor("pz", .int8, [], [Int8(2)]),
                     Self.tensor("q", .int8, [1, 1], [Int8(-7)]), Self.tensor("qs", .float, [], [Float(2)]), Self.tensor("qz", .int8, [], [Int8(0)])]
        let m = try Self.rewritten(Self.model(node, inputs: [Self.info("p", .int8, [1, 3])], output: Self.info("y", .int8, [1, 4]), initializers: inits))
        let nodes = m.graph.nodes
        #expect(nodes.map(\.opType) == ["DequantizeLinear", "DequantizeLinear", "Concat", "QuantizeLinear"])
        #expect(nodes[2].attribute("axis")?.value == .int(1))
        let y = try Self.run(m, ["p": NDArray(dataType: .int8, shape: [1, 3], storage: .int8([3, 4, 127]))])
        // (3-2)·0.25 = 0.25 → 0 (tie to even), (4-2)·0.25 = 0.5 → 1, 125·0.25 = 31.25 → 62, -7·2 = -14 → -28
        #expect(y.storage == .int8([0, 1, 62, -28]))
    }

    @Test("QLinearConcat with a broken input list is refused as invalid")
    func qLinearConcatMalformed() {
        var m = Self.model(Self.contrib("QLinearConcat", ["ys", "yz", "p", "ps"], [Attribute(name: "axis", value: .int(1))]),
                           inputs: [Self.info("p", .int8, [1, 3])], output: Self.info("y", .int8, [1, 3]), initializers: [])
        #expect(throws: PassError.self) { try ContribOpDecomposition().run(&m) }
    }

    // MARK: Single-input ops

    static func unary(_ op: String, _ attributes: [Attribute], dims: [Int64], outDims: [Int64], zeroPoints: Bool = true) -> Model {
        let node = contrib(op, zeroPoints ? ["x", "xs", "xz", "ys", "yz"] : ["x", "xs", "", "ys"], attributes)
        var inits = [tensor("xs", .float, [], [Float(0.5)]), tensor("ys", .float, [], [Float(0.25)])]
        if zeroPoints { inits += [tensor("xz", .uint8, [], [UInt8(100)]), tensor("yz", .uint8, [], [UInt8(50)])] }
        return model(node, inputs: [info("x", .uint8, dims)], output: info("y", .uint8, outDims), initializers: inits)
    }

    @Test("QLinearGlobalAveragePool with channels_last pools over the spatial axes of NHWC data")
    func globalAveragePoolChannelsLast() throws {
        let source = Self.unary("QLinearGlobalAveragePool", [Attribute(name: "channels_last", value: .int(1))], dims: [1, 2, 2, 3], outDims: [1, 1, 1, 3])
        let m = try Self.rewritten(source)
        let nodes = m.graph.nodes
        #expect(nodes.map(\.opType) == ["Transpose", "DequantizeLinear", "GlobalAveragePool", "QuantizeLinear", "Transpose"])
        #expect(nodes[2].attributes.isEmpty)
        let x: [UInt8] = [100, 104, 90, 102, 108, 90, 104, 112, 90, 106, 116, 90]
        let y = try Self.run(m, ["x": NDArray(dataType: .uint8, shape: [1, 2, 2, 3], storage: .uint8(x))])
        // channel means of (x - 100)·0.5: 1.5, 5, -5 → /0.25 + 50
        #expect(y.shape == [1, 1, 1, 3])
        #expect(y.storage == .uint8([56, 70, 30]))
    }

    @Test("QLinearAveragePool keeps its window attributes and drops only channels_last (0)")
    func averagePool() throws {
        let attrs = [Attribute(name: "kernel_shape", value: .ints([2])), Attribute(name: "strides", value: .ints([2])),
                     Attribute(name: "count_include_pad", value: .int(1)), Attribute(name: "channels_last", value: .int(0))]
        let m = try Self.rewritten(Self.unary("QLinearAveragePool", attrs, dims: [1, 1, 4], outDims: [1, 1, 2]))
        let pool = try #require(m.graph.nodes.first { $0.opType == "AveragePool" })
        #expect(Set(pool.attributes.map(\.name)) == ["kernel_shape", "strides", "count_include_pad"])
        let y = try Self.run(m, ["x": NDArray(dataType: .uint8, shape: [1, 1, 4], storage: .uint8([100, 101, 110, 111]))])
        // means of 0, 0.5 and 5, 5.5 → 0.25 → 1 (+50), 5.25 → 21 (+50)
        #expect(y.storage == .uint8([51, 71]))
    }

    @Test("QLinearLeakyRelu carries alpha; without an output zero point the type stays uint8")
    func leakyRelu() throws {
        let m = try Self.rewritten(Self.unary("QLinearLeakyRelu", [Attribute(name: "alpha", value: .float(0.25))], dims: [3], outDims: [3], zeroPoints: false))
        let act = try #require(m.graph.nodes.first { $0.opType == "LeakyRelu" })
        #expect(act.attribute("alpha")?.value == .float(0.25))
        #expect(m.graph.nodes.last?.inputs.count == 2)
        let y = try Self.run(m, ["x": NDArray(dataType: .uint8, shape: [3], storage: .uint8([0, 8, 255]))])
        // 0, 4, 127.5 → /0.25 → 0, 16, 510 (saturates at 255)
        #expect(y.storage == .uint8([0, 16, 255]))
    }

    @Test("QLinearSigmoid becomes DequantizeLinear → Sigmoid → QuantizeLinear")
    func sigmoid() throws {
        let m = try Self.rewritten(Self.unary("QLinearSigmoid", [], dims: [2], outDims: [2]))
        #expect(m.graph.nodes.map(\.opType) == ["DequantizeLinear", "Sigmoid", "QuantizeLinear"])
        let y = try Self.run(m, ["x": NDArray(dataType: .uint8, shape: [2], storage: .uint8([100, 0]))])
        // sigmoid(0) = 0.5 → 2 + 50; sigmoid(-50) ≈ 0 → 50
        #expect(y.storage == .uint8([52, 50]))
    }

    @Test("QLinearSoftmax: the axis is kept; a non-last axis under a different Softmax opset is refused")
    func softmax() throws {
        let attrs = { (opset: Int64, axis: Int64) in [Attribute(name: "opset", value: .int(opset)), Attribute(name: "axis", value: .int(axis))] }
        let m = try Self.rewritten(Self.unary("QLinearSoftmax", attrs(13, -1), dims: [2, 3], outDims: [2, 3]))
        #expect(m.graph.nodes[1].opType == "Softmax" && m.graph.nodes[1].attribute("axis")?.value == .int(-1))
        // Softmax-11 on axis 1 of [2, 3] is the last axis: same in opset 17
        _ = try Self.rewritten(Self.unary("QLinearSoftmax", attrs(11, 1), dims: [2, 3], outDims: [2, 3]))
        var coerced = Self.unary("QLinearSoftmax", attrs(11, 0), dims: [2, 3], outDims: [2, 3])
        #expect(throws: PassError.self) { try ContribOpDecomposition().run(&coerced) }
    }

    @Test("NhwcMaxPool pools int8 data channels-first between Transposes; before opset 12 in float32 between Casts")
    func nhwcMaxPool() throws {
        func source(_ opset: Int64) -> Model {
            let node = Self.contrib("NhwcMaxPool", ["x"], [Attribute(name: "kernel_shape", value: .ints([2, 2]))])
            return Self.model(node, inputs: [Self.info("x", .int8, [1, 2, 2, 2])], output: Self.info("y", .int8, [1, 1, 1, 2]), initializers: [], opset: opset)
        }
        let x = NDArray(dataType: .int8, shape: [1, 2, 2, 2], storage: .int8([-5, 9, 3, -128, 7, 1, -1, 2]))
        let m = try Self.rewritten(source(17))
        #expect(m.graph.nodes.map(\.opType) == ["Transpose", "MaxPool", "Transpose"])
        #expect(try Self.run(m, ["x": x]).storage == .int8([7, 9]))
        let old = try Self.rewritten(source(11))
        #expect(old.graph.nodes.map(\.opType) == ["Transpose", "Cast", "MaxPool", "Cast", "Transpose"])
        #expect(old.graph.nodes[3].attribute("to")?.value == .int(Int64(DataType.int8.rawValue)))
        #expect(try Self.run(old, ["x": x]).storage == .int8([7, 9]))
    }

    // MARK: QuantizeLinear / DequantizeLinear of com.microsoft

    @Test("com.microsoft DequantizeLinear moves to the default domain; int16 before opset 21 is refused")
    func contribDequantize() throws {
        func source(_ type: DataType, opset: Int64) -> Model {
            let node = Self.contrib("DequantizeLinear", ["x", "s", "z"], [Attribute(name: "axis", value: .int(0))])
            let zero = type == .int16 ? Self.tensor("z", type, [], [Int16(0)]) : Self.tensor("z", type, [], [Int8(0)])
            return Self.model(node, inputs: [Self.info("x", type, [2])], output: Self.info("y", .float, [2]),
                              initializers: [Self.tensor("s", .float, [], [Float(0.5)]), zero], opset: opset)
        }
        let m = try Self.rewritten(source(.int8, opset: 13))
        #expect(m.graph.nodes.map(\.qualifiedOpType) == ["DequantizeLinear"])
        #expect(m.graph.nodes[0].attributes.isEmpty)  // per tensor: axis has no effect
        var wide = source(.int16, opset: 17)
        #expect(throws: PassError.self) { try ContribOpDecomposition().run(&wide) }
        _ = try Self.rewritten(source(.int16, opset: 21))
    }

    // MARK: Refusals

    @Test("contrib ops without a rewrite are listed by name; rewritable ones are not")
    func unsupportedNodes() {
        let graph = Graph(name: "g", nodes: [
            Node(name: "gelu", opType: "Gelu", domain: "com.microsoft", inputs: ["x"], outputs: ["a"]),
            Self.contrib("QLinearSigmoid", ["a", "s", "", "s"]),
            Node(name: "nchwc", opType: "Conv", domain: "com.microsoft.nchwc", inputs: ["x", "w"], outputs: ["b"]),
        ])
        let found = ContribOpDecomposition.unsupportedNodes(in: Model(graph: graph))
        #expect(found.map(\.op) == ["com.microsoft::Gelu", "com.microsoft.nchwc::Conv"])
        #expect(found.map(\.node) == ["gelu", "nchwc"])
    }
}
