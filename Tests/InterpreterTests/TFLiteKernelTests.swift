import Interpreter
import ModelIR
import Testing

/// TFLite's fixed-point helpers and a few tflite-dialect kernels on values whose reference results
/// are known exactly.
@Suite("TFLite kernels")
struct TFLiteKernelTests {
    typealias FP = TFLiteFixedPoint

    // MARK: Fixed point

    @Test func quantizeMultiplierSplitsSignificandAndExponent() {
        #expect(FP.quantizeMultiplier(0.5) == (1 << 30, 0))
        #expect(FP.quantizeMultiplier(1.0) == (1 << 30, 1))
        #expect(FP.quantizeMultiplier(0.75) == (1_610_612_736, 0))
        #expect(FP.quantizeMultiplier(-0.5) == (-(1 << 30), 0))
        #expect(FP.quantizeMultiplier(0.0) == (0, 0))
        // A significand that rounds up to 2^31 moves to the next exponent.
        #expect(FP.quantizeMultiplier(1 - 0x1p-40) == (1 << 30, 1))
        // Multipliers below 2^-32 flush to zero.
        #expect(FP.quantizeMultiplier(0x1p-40) == (0, 0))
        // 0.1 = 0.8 * 2^-3; 0.8 * 2^31 = 1717986918.4 rounds down.
        #expect(FP.quantizeMultiplier(0.1) == (1_717_986_918, -3))
    }

    @Test func roundingDivideByPOTRoundsHalvesAwayFromZero() {
        #expect(FP.roundingDivideByPOT(3, 1) == 2)
        #expect(FP.roundingDivideByPOT(-3, 1) == -2)
        #expect(FP.roundingDivideByPOT(-1, 1) == -1)
        #expect(FP.roundingDivideByPOT(5, 2) == 1)
        #expect(FP.roundingDivideByPOT(-5, 2) == -1)
        #expect(FP.roundingDivideByPOT(-6, 2) == -2)
        #expect(FP.roundingDivideByPOT(-7, 2) == -2)
        #expect(FP.roundingDivideByPOT(Int32.min, 31) == -1)
        #expect(FP.roundingDivideByPOT(42, 0) == 42)
    }

    @Test func doublingHighMulRoundsNegativeHalvesUp() {
        #expect(FP.roundingDoublingHighMul(Int32.min, Int32.min) == Int32.max)
        #expect(FP.roundingDoublingHighMul(1 << 30, 1 << 30) == 1 << 29)
        // a * b / 2^31 = ±0.5 and ±1.5: positive halves round up, negative halves toward zero.
        #expect(FP.roundingDoublingHighMul(1, 1 << 30) == 1)
        #expect(FP.roundingDoublingHighMul(-1, 1 << 30) == 0)
        #expect(FP.roundingDoublingHighMul(3, 1 << 30) == 2)
        #expect(FP.roundingDoublingHighMul(-3, 1 << 30) == -1)
        #expect(FP.roundingDoublingHighMul16(Int16.min, Int16.min) == Int16.max)
        #expect(FP.roundingDoublingHighMul16(-3, 1 << 14) == -1)
        #expect(FP.doublingHighMul16(-3, 1 << 14) == -1)
        #expect(FP.doublingHighMul16(3, 1 << 14) == 1)
    }

    @Test func multiplyByQuantizedMultiplierRoundsTwice() {
        #expect(FP.multiply(Int32(100), by: 1 << 30, shift: 0) == 50)
        #expect(FP.multiply(Int32(100), by: 1 << 30, shift: 2) == 200)
        // -3 * 0.5 = -1.5 rounds to -1 in the high multiply, then -1 / 2 = -0.5 rounds to -1.
        #expect(FP.multiply(Int32(-3), by: 1 << 30, shift: 0) == -1)
        #expect(FP.multiply(Int32(-3), by: 1 << 30, shift: -1) == -1)
        // Double rounding: 11 * 0.75 = 8.25 → 8, then 8 / 4 = 2; once rounded, 8.25 / 4 = 2.06 → 2.
        // 13 * 0.75 = 9.75 → 10, then 10 / 4 = 2.5 → 3, where single rounding gives round(2.4375) = 2.
        #expect(FP.multiply(Int32(13), by: 1_610_612_736, shift: -2) == 3)
        // The 64-bit form reduces the multiplier to 16 bits and rounds once.
        #expect(FP.multiply(Int64(100), by: 1 << 30, shift: 0) == 50)
        #expect(FP.multiply(Int64(-3), by: 1 << 30, shift: 0) == -1)
        #expect(FP.multiply(Int64(13), by: 1_610_612_736, shift: -2) == 2)
    }

    @Test func gemmlowpExpAndReciprocal() {
        #expect(FP.expOnNegativeValues(0, integerBits: 5) == Int32.max)
        // exp(-1) * 2^31 = 790015084.4 (the polynomial is good to about 3e-7).
        let e = FP.expOnNegativeValues(-(1 << 26), integerBits: 5)
        #expect(abs(Int64(e) - 790_015_084) <= 400)
        #expect(FP.expOnNegativeValues(-(1 << 27), integerBits: 5) < e)
        // Values below -32 are clamped to 0 only for more than 5 integer bits.
        #expect(FP.expOnNegativeValues(Int32.min, integerBits: 6) == 0)
        // 1 / (1 + 0) saturates to one; 1 / (1 + 1) = 0.5.
        #expect(abs(Int64(FP.oneOverOnePlusX(0)) - Int64(Int32.max)) <= 2)
        #expect(abs(Int64(FP.oneOverOnePlusX(Int32.max)) - (1 << 30)) <= 8)
        // 4 in Q12.19 is 2^21 raw: 1/4 comes back as one scaled down by 2 bits.
        let r = FP.reciprocal(4 << 19, integerDigits: 12)
        #expect(r.bitsOverUnit == 2)
        #expect(abs(Int64(r.value) - Int64(Int32.max)) <= 2)
        // 3 = 1.5 * 2^1: 1/1.5 = 2/3 with one bit over unit.
        let t = FP.reciprocal(3 << 19, integerDigits: 12)
        #expect(t.bitsOverUnit == 1)
        #expect(abs(Int64(t.value) - 1_431_655_765) <= 8)
    }

    @Test func activationRangesQuantizeTheClampBounds() {
        let range = { (a: Int, scale: Float, zp: Int32, t: DataType) in FP.activationRange(a, scale: scale, zeroPoint: zp, type: t).map { [$0.min, $0.max] } }
        #expect(range(3, 0.05, -128, .int8) == [-128, -8])
        #expect(range(1, 0.05, 10, .int8) == [10, 127])
        #expect(range(2, 0.25, 0, .uint8) == [0, 4])
        #expect(range(4, 0.25, 0, .int8) == nil)
    }

    // MARK: Kernels

    /// Runs a one-node tflite graph; values are (name, array, quantization).
    func run(_ op: String, _ inputs: [(String, NDArray, QuantParams?)], output: (DataType, QuantParams?),
             attributes: [Attribute] = []) throws -> NDArray {
        let node = Node(opType: op, domain: "tflite", inputs: inputs.map(\.0), outputs: ["y"], attributes: attributes)
        let infos = inputs.map { ValueInfo(name: $0.0, type: ValueType(.tensor(TensorType(elementType: $0.1.dataType, shape: nil))), quantization: $0.2) }
        let out = ValueInfo(name: "y", type: ValueType(.tensor(TensorType(elementType: output.0, shape: nil))), quantization: output.1)
        let graph = Graph(inputs: infos, outputs: [out], nodes: [node])
        let model = Model(opsetImports: [OpsetImport(domain: "tflite", version: 3)], graph: graph)
        let feeds = Dictionary(uniqueKeysWithValues: inputs.map { ($0.0, RuntimeValue.tensor($0.1)) })
        return try #require(try Interpreter(model: model).run(inputs: feeds).output("y")?.tensor)
    }

    func int8(_ v: [Int8], _ shape: [Int]) -> NDArray { NDArray(dataType: .int8, shape: shape, storage: .int8(v)) }

    @Test func averagePoolRoundsNegativeHalvesAwayFromZero() throws {
        let q = QuantParams(scales: [0.1], zeroPoints: [0])
        let attrs = [Attribute(name: "filter_width", value: .int(2)), Attribute(name: "filter_height", value: .int(1)),
                     Attribute(name: "stride_w", value: .int(2)), Attribute(name: "stride_h", value: .int(1)),
                     Attribute(name: "padding", value: .int(1))]
        let y = try run("AVERAGE_POOL_2D", [("x", int8([-1, -2, 1, 2, -1, 1], [1, 1, 6, 1]), q)], output: (.int8, q), attributes: attrs)
        #expect(y.storage == .int8([-2, 2, 0]))
    }

    // MARK: Damaged parameters (found by fuzzing): errors naming the node, not traps

    @Test func aPaddingBeyondAnySaneSizeIsRefused() throws {
        let paddings = NDArray(shape: [2, 2], int64s: [0, 0, 0, 1 << 40])
        #expect(throws: InterpreterError.self) {
            try run("PAD", [("x", NDArray(shape: [2, 2], floats: [1, 2, 3, 4]), nil), ("p", paddings, nil)], output: (.float, nil))
        }
    }

    @Test func zeroPointsOutsideTheTypeAndBadScalesAreRefused() throws {
        for q in [QuantParams(scales: [0.1], zeroPoints: [3_000_000_000]), QuantParams(scales: [0.1], zeroPoints: [200]),
                  QuantParams(scales: [.nan], zeroPoints: [0]), QuantParams(scales: [0], zeroPoints: [0])] {
            do {
                _ = try run("SOFTMAX", [("x", int8([1, 2], [1, 2]), q)], output: (.int8, QuantParams(scales: [1.0 / 256], zeroPoints: [-128])))
                Issue.record("accepted \(q)")
            } catch {
                #expect("\(error)".contains("input 0 has"), "\(error)")
            }
        }
    }

    @Test func softmaxOfEqualInputsIsUniform() throws {
        let y = try run("SOFTMAX", [("x", int8([5, 5, 5, 5, -100, 127, -100, -100], [2, 4]), QuantParams(scales: [0.1], zeroPoints: [0]))],
                        output: (.int8, QuantParams(scales: [1.0 / 256], zeroPoints: [-128])))
        // 1/4 = 64/256 → -64; a dominant logit saturates at 127 and the others underflow to -128.
        #expect(y.storage == .int8([-64, -64, -64, -64, -128, 127, -128, -128]))
    }

    @Test func quantizeRoundsTiesAwayFromZeroAndRequantizes() throws {
        let x = NDArray(shape: [4], floats: [0.25, -0.25, 0.75, 100])
        let y = try run("QUANTIZE", [("x", x, nil)], output: (.int8, QuantParams(scales: [0.5], zeroPoints: [1])))
        #expect(y.storage == .int8([2, 0, 3, 127]))
        let u = try run("QUANTIZE", [("x", int8([-128, 0, 127], [3]), QuantParams(scales: [0.5], zeroPoints: [-128]))],
                        output: (.uint8, QuantParams(scales: [0.5], zeroPoints: [0])))
        #expect(u.storage == .uint8([0, 128, 255]))
    }

    @Test func variablesStartFromTheirInitialValueInEveryRun() throws {
        let handle = [Attribute(name: "shared_name", value: .string(Array("v".utf8)))]
        let one = Tensor(name: "one", dataType: .int32, dims: [], contents: .bytes(ByteView(copying: [1, 0, 0, 0] as [UInt8])))
        let initGraph = Graph(initializers: [one], nodes: [
            Node(opType: "VAR_HANDLE", domain: "tflite", inputs: [], outputs: ["h0"], attributes: handle),
            Node(opType: "ASSIGN_VARIABLE", domain: "tflite", inputs: ["h0", "one"], outputs: []),
        ])
        let main = Graph(inputs: [ValueInfo(name: "x", type: nil)], outputs: [ValueInfo(name: "y", type: nil)], nodes: [
            Node(opType: "CALL_ONCE", domain: "tflite", inputs: [], outputs: [], attributes: [Attribute(name: "init_subgraph_index", value: .int(1))]),
            Node(opType: "VAR_HANDLE", domain: "tflite", inputs: [], outputs: ["h"], attributes: handle),
            Node(opType: "READ_VARIABLE", domain: "tflite", inputs: ["h"], outputs: ["old"]),
            Node(opType: "ADD", domain: "tflite", inputs: ["old", "x"], outputs: ["y"]),
            Node(opType: "ASSIGN_VARIABLE", domain: "tflite", inputs: ["h", "y"], outputs: []),
        ])
        let model = Model(opsetImports: [OpsetImport(domain: "tflite", version: 3)], graph: main, subgraphs: [initGraph])
        let interpreter = Interpreter(model: model)
        let x = NDArray(dataType: .int32, shape: [], storage: .int32([41]))
        for _ in 0..<2 {
            let y = try #require(try interpreter.run(inputs: ["x": .tensor(x)]).output("y")?.tensor)
            #expect(y.storage == .int32([42]))
        }
    }
}
