import Interpreter
import ModelIR
import Testing

/// Semantics of the element-wise kernels that the ONNX node tests do not pin down.
@Suite("Element-wise kernels")
struct ElementwiseKernelTests {
    /// Runs a one-node model on `inputs` (named x0, x1, ...) and returns its single output.
    func run(_ op: String, _ inputs: [NDArray], attributes: [Attribute] = [], opset: Int64 = 17) throws -> NDArray {
        let names = inputs.indices.map { "x\($0)" }
        let node = Node(opType: op, inputs: names, outputs: ["y"], attributes: attributes)
        let graph = Graph(inputs: names.map { ValueInfo(name: $0, type: nil) }, outputs: [ValueInfo(name: "y", type: nil)], nodes: [node])
        let model = Model(opsetImports: [OpsetImport(domain: "", version: opset)], graph: graph)
        let feeds = Dictionary(uniqueKeysWithValues: zip(names, inputs.map { RuntimeValue.tensor($0) }))
        let result = try Interpreter(model: model).run(inputs: feeds)
        return try #require(result.output("y")?.tensor)
    }

    func ints(_ v: [Int32], _ shape: [Int]? = nil) -> NDArray {
        NDArray(dataType: .int32, shape: shape ?? [v.count], storage: .int32(v))
    }

    @Test func integerDivisionTruncatesAndModTakesDivisorSign() throws {
        let a = ints([7, -7, 7, -7, 5, Int32.min]), b = ints([2, 2, -2, -2, 0, -1])
        #expect(try run("Div", [a, b]).storage == .int32([3, -3, -3, 3, 0, Int32.min]))
        #expect(try run("Mod", [a, b]).storage == .int32([1, 1, -1, -1, 0, 0]))
        let fmod = Attribute(name: "fmod", value: .int(1))
        #expect(try run("Mod", [a, b], attributes: [fmod]).storage == .int32([1, -1, 1, -1, 0, 0]))
    }

    @Test func broadcastingMergesAndExpands() throws {
        let a = NDArray(shape: [2, 1, 3], floats: [1, 2, 3, 4, 5, 6])
        let b = NDArray(shape: [4, 1], floats: [10, 20, 30, 40])
        let y = try run("Add", [a, b])
        #expect(y.shape == [2, 4, 3])
        #expect(Array(y.floats.prefix(6)) == [11, 12, 13, 21, 22, 23])
        #expect(Array(y.floats.suffix(3)) == [44, 45, 46])
        let s = try run("Mul", [NDArray(shape: [], floats: [2]), a])
        #expect(s.floats == [2, 4, 6, 8, 10, 12] && s.shape == [2, 1, 3])
        #expect(throws: InterpreterError.self) { try run("Add", [a, NDArray(shape: [2], floats: [1, 2])]) }
    }

    @Test func integerPowStaysExact() throws {
        let y = try run("Pow", [NDArray(shape: [3], int64s: [3, 2, -2]), NDArray(shape: [3], int64s: [39, 62, 3])])
        #expect(y.storage == .int64([4052555153018976267, 4611686018427387904, -8]))
    }

    @Test func clipIntegerInputsAndOldAttributes() throws {
        let x = NDArray(dataType: .int8, shape: [4], storage: .int8([-128, -3, 4, 127]))
        let lo = NDArray(dataType: .int8, shape: [], storage: .int8([-5]))
        #expect(try run("Clip", [x, lo]).storage == .int8([-5, -3, 4, 127]))
        let attrs = [Attribute(name: "min", value: .float(-1)), Attribute(name: "max", value: .float(1))]
        let f = try run("Clip", [NDArray(shape: [3], floats: [-2, 0.5, 3])], attributes: attrs, opset: 6)
        #expect(f.floats == [-1, 0.5, 1])
    }

    @Test func castRoundsFloat8AndWrapsIntegers() throws {
        let x = NDArray(shape: [6], floats: [1.0625, 500, -.infinity, .nan, 0.3, -0.0])
        let to = { (t: DataType) in Attribute(name: "to", value: .int(Int64(t.rawValue))) }
        let e4 = try run("Cast", [x], attributes: [to(.float8e4m3fn)])
        #expect(e4.dataType == .float8e4m3fn)
        #expect(Array(e4.floats.prefix(3)) == [1.0, 448, -448] && e4.floats[3].isNaN && e4.floats[4] == 0.3125)
        let e5 = try run("Cast", [x], attributes: [to(.float8e5m2), Attribute(name: "saturate", value: .int(0))])
        #expect(e5.floats[1] == 512 && e5.floats[2] == -.infinity)
        let wide = NDArray(dataType: .int16, shape: [2], storage: .int16([200, -129]))
        #expect(try run("Cast", [wide], attributes: [to(.int8)]).storage == .int8([-56, 127]))
        let s = NDArray(dataType: .string, shape: [3], storage: .string([" 12", "-3", "7"]))
        #expect(try run("Cast", [s], attributes: [to(.int64)]).storage == .int64([12, -3, 7]))
        let u = NDArray(dataType: .uint64, shape: [1], storage: .uint64([UInt64.max]))
        #expect(try run("Cast", [u], attributes: [to(.double)]).storage == .double([1.8446744073709552e19]))
    }

    @Test func whereBroadcastsStrings() throws {
        let c = NDArray(shape: [2, 1], bools: [true, false])
        let x = NDArray(dataType: .string, shape: [2], storage: .string(["a", "b"]))
        let y = NDArray(dataType: .string, shape: [], storage: .string(["z"]))
        #expect(try run("Where", [c, x, y]).storage == .string(["a", "b", "z", "z"]))
    }

    @Test func roundingMatchesTheStandardLibrary() throws {
        var values: [Float] = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, -0.0, 0, 1e20, -1e20, 8_388_609, -8_388_607.5,
                               4_194_304.5, .infinity, -.infinity, .leastNonzeroMagnitude, -0.7, 0.7, -3, 3]
        values += (0..<2000).map { Float($0 - 1000) * 0.173 }
        let x = NDArray(shape: [values.count], floats: values)
        for (op, rule) in [("Round", FloatingPointRoundingRule.toNearestOrEven), ("Floor", .down), ("Ceil", .up)] {
            let got = try run(op, [x]).floats
            let want = values.map { $0.rounded(rule) }
            #expect(zip(got, want).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(op)")
            let d = try run(op, [NDArray(dataType: .double, shape: x.shape, storage: .double(values.map(Double.init)))])
            #expect(d.doubles == values.map { Double($0).rounded(rule) }, "\(op) double")
        }
        #expect(try run("Round", [NDArray(shape: [1], floats: [.nan])]).floats[0].isNaN)
    }

    @Test func legacyBroadcastAxisAndStringCastTarget() throws {
        let a = NDArray(shape: [2, 3, 2], floats: (0..<12).map(Float.init))
        let b = NDArray(shape: [3], floats: [100, 200, 300])
        let attrs = [Attribute(name: "broadcast", value: .int(1)), Attribute(name: "axis", value: .int(1))]
        let y = try run("Add", [a, b], attributes: attrs, opset: 6)
        #expect(y.shape == [2, 3, 2] && Array(y.floats.prefix(4)) == [100, 101, 202, 203])
        let c = try run("Cast", [a], attributes: [Attribute(name: "to", value: .string(Array("INT32".utf8)))], opset: 1)
        #expect(c.dataType == .int32 && c.count == 12)
    }
}
