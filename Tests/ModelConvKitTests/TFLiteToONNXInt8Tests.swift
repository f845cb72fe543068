import Interpreter
import ModelIR
import Passes
import Testing
@testable import TFLiteFormat

/// TFLite int8 → ONNX: the default exact form computes what TFLite's reference kernels compute,
/// bit for bit, where the QDQ form may round differently.
@Suite("TFLite int8 → ONNX (exact integer form)")
struct TFLiteToONNXInt8Tests {
    // MARK: A small int8 network in the tflite dialect

    /// A deterministic generator of int8 values.
    struct Values {
        var state: UInt64
        mutating func next(_ range: ClosedRange<Int>) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return range.lowerBound + Int((state >> 33) % UInt64(range.count))
        }
    }

    static func tensor(_ name: String, _ type: DataType, _ dims: [Int64], _ values: [Int]) -> Tensor {
        let bytes: [UInt8] = type == .int32
            ? values.flatMap { v in withUnsafeBytes(of: Int32(v).littleEndian) { Array($0) } }
            : values.map { UInt8(bitPattern: Int8($0)) }
        return Tensor(name: name, dataType: type, dims: dims, contents: .bytes(ByteView(copying: bytes)))
    }

    static func info(_ name: String, _ type: DataType, _ dims: [Int64], _ q: QuantParams?) -> ValueInfo {
        ValueInfo(name: name, type: ValueType(.tensor(TensorType(elementType: type, shape: dims.map { Dim.fixed($0) }))), quantization: q)
    }

    static func q(_ scale: Float, _ zp: Int64) -> QuantParams { QuantParams(scales: [scale], zeroPoints: [zp]) }

    static func ints(_ pairs: [(String, Int64)]) -> [Attribute] { pairs.map { Attribute(name: $0.0, value: .int($0.1)) } }

    /// conv (per-channel, RELU) → depthwise (VALID) → two average pools (2×2 and 3×3 SAME, border
    /// windows of unequal size) → ADD (RELU6) → MEAN over H, W → FULLY_CONNECTED; every value an output.
    static func network(seed: UInt64) -> Model {
        var r = Values(state: seed)
        func draw(_ n: Int, _ range: ClosedRange<Int>) -> [Int] { (0..<n).map { _ in r.next(range) } }
        let perChannel = QuantParams(scales: [0.01, 0.02, 0.015, 0.03], zeroPoints: [0, 0, 0, 0], axis: 0)
        let depthwiseQ = QuantParams(scales: [0.011, 0.019, 0.023, 0.017], zeroPoints: [0, 0, 0, 0], axis: 3)
        let initializers = [
            tensor("w", .int8, [4, 3, 3, 2], draw(72, -127...127)), tensor("b", .int32, [4], draw(4, -400...400)),
            tensor("dw", .int8, [1, 3, 3, 4], draw(36, -127...127)), tensor("db", .int32, [4], draw(4, -300...300)),
            tensor("axes", .int32, [2], [1, 2]),
            tensor("fw", .int8, [3, 4], draw(12, -127...127)), tensor("fb", .int32, [3], draw(3, -100...100)),
        ]
        let act = [("c1", 0.04, -128), ("d", 0.06, 5), ("p", 0.06, 5), ("p3", 0.06, 5), ("s", 0.09, -2), ("m", 0.05, 1), ("y", 0.07, -10)]
        let shapes: [String: [Int64]] = ["c1": [1, 6, 6, 4], "d": [1, 4, 4, 4], "p": [1, 2, 2, 4], "p3": [1, 2, 2, 4],
                                         "s": [1, 2, 2, 4], "m": [1, 4], "y": [1, 3]]
        let outputs = act.map { info($0.0, .int8, shapes[$0.0]!, q(Float($0.1), Int64($0.2))) }
        var infos = [info("w", .int8, [4, 3, 3, 2], perChannel), info("b", .int32, [4], nil), info("dw", .int8, [1, 3, 3, 4], depthwiseQ),
                     info("db", .int32, [4], nil), info("axes", .int32, [2], nil), info("fw", .int8, [3, 4], q(0.02, 0)),
                     info("fb", .int32, [3], nil)]
        infos += outputs
        let x = info("x", .int8, [1, 6, 6, 2], q(0.05, 3))
        infos.append(x)
        let pool2 = ints([("filter_height", 2), ("filter_width", 2), ("stride_h", 2), ("stride_w", 2), ("padding", 0)])
        let pool3 = ints([("filter_height", 3), ("filter_width", 3), ("stride_h", 2), ("stride_w", 2), ("padding", 0)])
        let nodes = [
            Node(opType: "CONV_2D", domain: "tflite", inputs: ["x", "w", "b"], outputs: ["c1"],
                 attributes: ints([("padding", 0), ("stride_h", 1), ("stride_w", 1), ("fused_activation_function", 1)])),
            Node(opType: "DEPTHWISE_CONV_2D", domain: "tflite", inputs: ["c1", "dw", "db"], outputs: ["d"],
                 attributes: ints([("padding", 1), ("stride_h", 1), ("stride_w", 1), ("depth_multiplier", 1)])),
            Node(opType: "AVERAGE_POOL_2D", domain: "tflite", inputs: ["d"], outputs: ["p"], attributes: pool2),
            Node(opType: "AVERAGE_POOL_2D", domain: "tflite", inputs: ["d"], outputs: ["p3"], attributes: pool3),
            Node(opType: "ADD", domain: "tflite", inputs: ["p", "p3"], outputs: ["s"], attributes: ints([("fused_activation_function", 3)])),
            Node(opType: "MEAN", domain: "tflite", inputs: ["s", "axes"], outputs: ["m"], attributes: ints([("keep_dims", 0)])),
            Node(opType: "FULLY_CONNECTED", domain: "tflite", inputs: ["m", "fw", "fb"], outputs: ["y"]),
        ]
        let graph = Graph(name: "main", inputs: [x], outputs: outputs, valueInfos: infos, initializers: initializers, nodes: nodes)
        return Model(opsetImports: [OpsetImport(domain: "tflite", version: 3)], graph: graph)
    }

    static func run(_ model: Model, _ x: NDArray) throws -> [String: NDArray] {
        let result = try Interpreter(model: model).run(inputs: ["x": .tensor(x)])
        var out: [String: NDArray] = [:]
        for o in result.outputs { out[o.name] = o.value.tensor }
        return out
    }

    // MARK: Specification

    @Test("every int8 value of the lowered network equals the TFLite kernels' value, over many inputs", arguments: [1, 2, 3, 4, 5] as [UInt64])
    func exactFormMatchesTheReferenceKernels(seed: UInt64) throws {
        let source = Self.network(seed: seed)
        var lowered = source
        _ = try TFLiteLowering(exactIntegers: true).run(&lowered)
        let ops = Set(lowered.graph.nodes.map(\.opType))
        #expect(ops.isSuperset(of: ["ConvInteger", "MatMulInteger", "ReduceSum"]))
        #expect(!ops.contains("QuantizeLinear") && !ops.contains("DequantizeLinear"))
        var r = Values(state: seed &* 7919)
        for _ in 0..<4 {
            let x = NDArray(dataType: .int8, shape: [1, 6, 6, 2], storage: .int8((0..<72).map { _ in Int8(r.next(-128...127)) }))
            let want = try Self.run(source, x), got = try Self.run(lowered, x)
            for name in ["c1", "d", "p", "p3", "s", "m", "y"] {
                #expect(got[name]?.storage == want[name]?.storage, "value \(name)")
            }
        }
    }

    @Test("the QDQ form (float requantization, ties to even) misses the kernels' values by a step on the same inputs")
    func qdqFormRoundsDifferently() throws {
        let source = Self.network(seed: 1)
        var lowered = source
        _ = try TFLiteLowering(exactIntegers: false).run(&lowered)
        let ops = lowered.graph.nodes.map(\.opType)
        #expect(ops.contains("QuantizeLinear") && ops.contains("DequantizeLinear"))
        #expect(!ops.contains("ConvInteger") && !ops.contains("MatMulInteger"))
        var r = Values(state: 7919)
        var differing = 0
        for _ in 0..<4 {
            let x = NDArray(dataType: .int8, shape: [1, 6, 6, 2], storage: .int8((0..<72).map { _ in Int8(r.next(-128...127)) }))
            let want = try Self.run(source, x), got = try Self.run(lowered, x)
            differing += ["c1", "d", "p", "p3", "s", "m", "y"].filter { got[$0]?.storage != want[$0]?.storage }.count
        }
        #expect(differing > 0)
    }

    @Test("average pool windows count the valid elements as TFLite does (SAME padding centred like SAME_UPPER)")
    func averagePoolWindowCounts() throws {
        #expect(IntegerLowerings.windowCounts(height: 5, width: 5, filter: (3, 3), stride: (2, 2), same: true)?.values
                == [4, 6, 4, 6, 9, 6, 4, 6, 4])
        #expect(IntegerLowerings.windowCounts(height: 4, width: 4, filter: (2, 2), stride: (2, 2), same: false)?.values == [4, 4, 4, 4])
    }
}
