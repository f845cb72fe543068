import Interpreter
import ModelIR
import Testing

/// The interpreter's fast paths (constant folding, depthwise convolution, affine quantization,
/// bulk float16 conversion) give bit-for-bit the results of the straightforward definitions.
@Suite("Interpreter fast paths")
struct FastPathTests {
    /// Runs a one-node model; `constants` become initializers, `inputs` graph inputs.
    func run(_ op: String, inputs: [NDArray], constants: [NDArray] = [], attributes: [Attribute] = [],
             opset: Int64 = 21) throws -> NDArray {
        let inputNames = inputs.indices.map { "x\($0)" }, constantNames = constants.indices.map { "c\($0)" }
        let node = Node(opType: op, inputs: inputNames + constantNames, outputs: ["y"], attributes: attributes)
        let graph = Graph(inputs: inputNames.map { ValueInfo(name: $0, type: nil) }, outputs: [ValueInfo(name: "y", type: nil)],
                          initializers: zip(constantNames, constants).map { $1.toTensor(name: $0) }, nodes: [node])
        let model = Model(opsetImports: [OpsetImport(domain: "", version: opset)], graph: graph)
        let feeds = Dictionary(uniqueKeysWithValues: zip(inputNames, inputs.map { RuntimeValue.tensor($0) }))
        return try #require(try Interpreter(model: model).run(inputs: feeds).output("y")?.tensor)
    }

    /// A deterministic pseudo-random generator (xorshift), so failures reproduce.
    struct Numbers {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
        mutating func float() -> Float { Float(Int(next() % 20001) - 10000) / 997 }
    }

    func bits(_ a: NDArray) -> [UInt32] {
        guard case .float(let v) = a.storage else { return [] }
        return v.map(\.bitPattern)
    }

    // MARK: Constant folding

    @Test func foldedNodesKeepTheirValuesAndTraceOrder() throws {
        let w = NDArray(shape: [2], floats: [1.5, -2])
        let nodes = [
            Node(opType: "Neg", inputs: ["w"], outputs: ["nw"]),
            Node(opType: "Add", inputs: ["x", "nw"], outputs: ["y"]),
        ]
        let graph = Graph(inputs: [ValueInfo(name: "x", type: nil)], outputs: [ValueInfo(name: "y", type: nil)],
                          initializers: [w.toTensor(name: "w")], nodes: nodes)
        let model = Model(opsetImports: [OpsetImport(domain: "", version: 21)], graph: graph)
        let interpreter = Interpreter(model: model)
        for x: Float in [1, 10] {
            let r = try interpreter.run(inputs: ["x": .tensor(NDArray(shape: [2], floats: [x, x]))], keepIntermediates: true)
            #expect(r.output("y")?.tensor?.storage == .float([x - 1.5, x + 2]))
            #expect(r.order == ["nw", "y"])
            #expect(r.intermediates["nw"]?.tensor?.storage == .float([-1.5, 2]))
            #expect(r.intermediates["w"]?.tensor == w)
        }
    }

    @Test func initializersThatAreInputsAreNotFolded() throws {
        let w = NDArray(shape: [1], floats: [3])
        let graph = Graph(inputs: [ValueInfo(name: "w", type: nil)], outputs: [ValueInfo(name: "y", type: nil)],
                          initializers: [w.toTensor(name: "w")], nodes: [Node(opType: "Neg", inputs: ["w"], outputs: ["y"])])
        let interpreter = Interpreter(model: Model(opsetImports: [OpsetImport(domain: "", version: 21)], graph: graph))
        #expect(try interpreter.run(inputs: [:]).output("y")?.tensor?.storage == .float([-3]))
        let given = try interpreter.run(inputs: ["w": .tensor(NDArray(shape: [1], floats: [5]))])
        #expect(given.output("y")?.tensor?.storage == .float([-5]))
    }

    @Test func valuesReadOnlyBySubgraphsLiveUntilTheyRun() throws {
        // `a` is read only inside the If branches; a run without intermediates must keep it until then.
        func branch(_ name: String) -> Graph {
            Graph(outputs: [ValueInfo(name: name, type: nil)], nodes: [Node(opType: "Neg", inputs: ["a"], outputs: [name])])
        }
        let nodes = [
            Node(opType: "Abs", inputs: ["x"], outputs: ["a"]),
            Node(opType: "Identity", inputs: ["c"], outputs: ["c2"]),
            Node(opType: "If", inputs: ["c2"], outputs: ["y"], attributes: [
                Attribute(name: "then_branch", value: .graph(branch("t"))), Attribute(name: "else_branch", value: .graph(branch("e"))),
            ]),
        ]
        let graph = Graph(inputs: [ValueInfo(name: "x", type: nil), ValueInfo(name: "c", type: nil)],
                          outputs: [ValueInfo(name: "y", type: nil)], nodes: nodes)
        let interpreter = Interpreter(model: Model(opsetImports: [OpsetImport(domain: "", version: 21)], graph: graph))
        let r = try interpreter.run(inputs: ["x": .tensor(NDArray(shape: [2], floats: [-2, 3])), "c": .tensor(NDArray(shape: [], bools: [true]))])
        #expect(r.output("y")?.tensor?.storage == .float([-2, -3]))
    }

    // MARK: Depthwise convolution

    /// bias + Σ w·x over the taps inside the input, in (kh, kw) order, in Float.
    func depthwiseReference(_ x: [Float], _ w: [Float], _ b: [Float], c: Int, h: Int, wd: Int, k: (Int, Int),
                            s: (Int, Int), d: (Int, Int), p: (Int, Int), out: (Int, Int)) -> [Float] {
        var y: [Float] = []
        for ch in 0..<c {
            for oh in 0..<out.0 {
                for ow in 0..<out.1 {
                    var acc = b[ch]
                    for kh in 0..<k.0 {
                        let ih = oh * s.0 - p.0 + kh * d.0
                        guard ih >= 0 && ih < h else { continue }
                        for kw in 0..<k.1 {
                            let iw = ow * s.1 - p.1 + kw * d.1
                            guard iw >= 0 && iw < wd else { continue }
                            acc += w[(ch * k.0 + kh) * k.1 + kw] * x[(ch * h + ih) * wd + iw]
                        }
                    }
                    y.append(acc)
                }
            }
        }
        return y
    }

    @Test func depthwiseConvolutionMatchesTheDefinitionExactly() throws {
        var r = Numbers(state: 0x9e37_79b9_7f4a_7c15)
        for trial in 0..<300 {
            let c = r.int(1...3), h = r.int(1...9), wd = r.int(1...11)
            let k = (r.int(1...5), r.int(1...5)), s = (r.int(1...3), r.int(1...3)), d = (r.int(1...2), r.int(1...2))
            let pb = (r.int(0...2), r.int(0...2)), pe = (r.int(0...2), r.int(0...2))
            let span = (h + pb.0 + pe.0 - (k.0 - 1) * d.0 - 1, wd + pb.1 + pe.1 - (k.1 - 1) * d.1 - 1)
            guard span.0 >= 0, span.1 >= 0 else { continue }
            let out = (span.0 / s.0 + 1, span.1 / s.1 + 1)
            let x = (0..<(c * h * wd)).map { _ in r.float() }
            var w = (0..<(c * k.0 * k.1)).map { _ in r.float() }
            var b = (0..<c).map { _ in r.float() }
            if trial % 5 == 1 { b[0] = -0.0 }                     // −0 bias: the direct path
            if trial % 7 == 2 { w[0] = .infinity }                // non-finite weight: the direct path
            if trial % 3 == 0 { b = b.map { _ in 0 } }            // zero bias: the padded path
            let attributes = [
                Attribute(name: "group", value: .int(Int64(c))),
                Attribute(name: "strides", value: .ints([Int64(s.0), Int64(s.1)])),
                Attribute(name: "dilations", value: .ints([Int64(d.0), Int64(d.1)])),
                Attribute(name: "pads", value: .ints([pb.0, pb.1, pe.0, pe.1].map { Int64($0) })),
            ]
            let y = try run("Conv", inputs: [NDArray(shape: [1, c, h, wd], floats: x)],
                            constants: [NDArray(shape: [c, 1, k.0, k.1], floats: w), NDArray(shape: [c], floats: b)],
                            attributes: attributes)
            let expected = depthwiseReference(x, w, b, c: c, h: h, wd: wd, k: k, s: s, d: d, p: pb, out: out)
            #expect(y.shape == [1, c, out.0, out.1])
            #expect(bits(y) == expected.map(\.bitPattern), "trial \(trial): c \(c) h \(h) w \(wd) k \(k) s \(s) d \(d) pads \(pb) \(pe)")
        }
    }

    // MARK: Pooling

    /// A random 2-D pooling geometry over 2 channels (nil when the window does not fit the input).
    struct PoolGeometry {
        let h: Int, w: Int
        let k: (Int, Int), s: (Int, Int), d: (Int, Int), p: (Int, Int), out: (Int, Int)

        init?(_ r: inout Numbers, trial: Int) {
            (h, w) = (r.int(1...9), r.int(1...11))
            k = (r.int(1...3), r.int(1...3))
            s = (r.int(1...3), r.int(1...3))
            d = trial % 4 == 0 ? (2, r.int(1...2)) : (1, 1)
            p = (min(r.int(0...2), k.0 - 1), min(r.int(0...2), k.1 - 1))
            let span = (h + 2 * p.0 - (k.0 - 1) * d.0 - 1, w + 2 * p.1 - (k.1 - 1) * d.1 - 1)
            guard span.0 >= 0, span.1 >= 0 else { return nil }
            out = (span.0 / s.0 + 1, span.1 / s.1 + 1)
        }

        var count: Int { 2 * h * w }
        var shape: [Int] { [1, 2, h, w] }

        func attributes(dilated: Bool) -> [Attribute] {
            var a = [
                Attribute(name: "kernel_shape", value: .ints([Int64(k.0), Int64(k.1)])),
                Attribute(name: "strides", value: .ints([Int64(s.0), Int64(s.1)])),
                Attribute(name: "pads", value: .ints([p.0, p.1, p.0, p.1].map { Int64($0) })),
            ]
            if dilated { a.append(Attribute(name: "dilations", value: .ints([Int64(d.0), Int64(d.1)]))) }
            return a
        }

        /// For every output in order, the flat indices of its window's taps inside the input, in (kh, kw) order.
        func windows(dilated: Bool) -> [[Int]] {
            let (dh, dw) = dilated ? d : (1, 1)
            var result: [[Int]] = []
            for c in 0..<2 {
                for oh in 0..<out.0 {
                    for ow in 0..<out.1 {
                        var taps: [Int] = []
                        for kh in 0..<k.0 {
                            let ih = oh * s.0 - p.0 + kh * dh
                            guard ih >= 0 && ih < h else { continue }
                            for kw in 0..<k.1 {
                                let iw = ow * s.1 - p.1 + kw * dw
                                if iw >= 0 && iw < w { taps.append((c * h + ih) * w + iw) }
                            }
                        }
                        result.append(taps)
                    }
                }
            }
            return result
        }

        var description: String { "h \(h) w \(w) k \(k) s \(s) d \(d) pads \(p)" }
    }

    @Test func poolingMatchesTheDefinitionExactly() throws {
        var r = Numbers(state: 0x5eed)
        for trial in 0..<120 {
            guard let g = PoolGeometry(&r, trial: trial) else { continue }
            var x = (0..<g.count).map { _ in r.float() }
            if trial % 3 == 0 { x[0] = .nan; x[x.count - 1] = -0.0 }
            let isMax = trial % 2 == 0
            let y = try run(isMax ? "MaxPool" : "AveragePool", inputs: [NDArray(shape: g.shape, floats: x)],
                            attributes: g.attributes(dilated: isMax))
            let expected = g.windows(dilated: isMax).map { taps -> Float in
                var acc: Float = isMax ? -.infinity : 0
                for i in taps { if isMax { acc = x[i] > acc ? x[i] : acc } else { acc += x[i] } }
                return taps.isEmpty ? 0 : isMax ? acc : acc / Float(taps.count)
            }
            #expect(bits(y) == expected.map(\.bitPattern), "trial \(trial): \(g.description)")
        }
    }

    @Test func convolutionsAskingForBillionsOfOutputsAreRefused() throws {
        // Pads a damaged file could hold: legal-looking, but the output would not fit in memory.
        let x = NDArray(shape: [1, 1, 4, 4], floats: [Float](repeating: 1, count: 16))
        let w = NDArray(shape: [1, 1, 1, 1], floats: [1])
        for op in ["Conv", "MaxPool"] {
            let attributes = [Attribute(name: "pads", value: .ints([0, 0, (1 << 29) - 1, (1 << 29) - 1])),
                              Attribute(name: "kernel_shape", value: .ints([1, 1]))]
            #expect(throws: InterpreterError.self) {
                try run(op, inputs: [x], constants: op == "Conv" ? [w] : [], attributes: attributes)
            }
        }
    }

    @Test func eightBitMaxPoolingMatchesTheDefinitionInItsOwnType() throws {
        var r = Numbers(state: 0xb17e)
        for trial in 0..<80 {
            guard let g = PoolGeometry(&r, trial: trial) else { continue }
            let x = (0..<g.count).map { _ in r.int(0...255) }
            for signed in [false, true] {
                let values = x.map { signed ? $0 - 128 : $0 }
                let input = signed ? NDArray(dataType: .int8, shape: g.shape, storage: .int8(values.map { Int8($0) }))
                                   : NDArray(dataType: .uint8, shape: g.shape, storage: .uint8(values.map { UInt8($0) }))
                let y = try run("MaxPool", inputs: [input], attributes: g.attributes(dilated: true))
                let expected = g.windows(dilated: true).map { taps in taps.map { values[$0] }.max() ?? 0 }
                #expect(y.dataType == input.dataType)
                #expect(y.doubles.map { Int($0) } == expected, "trial \(trial) signed \(signed): \(g.description)")
            }
        }
    }

    // MARK: Quantization

    @Test func quantizeLinearMatchesTheDefinition() throws {
        var r = Numbers(state: 12345)
        let specials: [Float] = [.nan, .infinity, -.infinity, 0, -0.0, 0.5, 1.5, 2.5, -0.5, -1.5, 1e30, -1e30, 127.5, 128.5, -128.5]
        let x = specials + (0..<300).map { _ in r.float() * 40 }
        let cases: [(DataType, NDArray.Storage, Double, Double)] = [
            (.uint8, .uint8([3]), 0, 255), (.int8, .int8([-2]), -128, 127),
            (.uint16, .uint16([40000]), 0, 65535), (.int16, .int16([-7]), -32768, 32767),
        ]
        // Scales 1 and 0.5 make the specials exact ties; the specials sit in the vectorized part.
        for (type, zpStorage, lo, hi) in cases {
            for scale: Float in [0.37, 1, 0.5] {
                let zp = NDArray(dataType: type, shape: [], storage: zpStorage)
                let y = try run("QuantizeLinear", inputs: [NDArray(shape: [x.count], floats: x)],
                                constants: [NDArray(shape: [], floats: [scale]), zp])
                let z = Float(zp.doubles[0])
                let expected = x.map { v -> Double in
                    let q = (v / scale).rounded(.toNearestOrEven) + z
                    return q.isNaN ? 0 : Double(min(max(q, Float(lo)), Float(hi)))
                }
                #expect(y.dataType == type)
                #expect(y.doubles == expected, "\(type) scale \(scale)")
            }
        }
    }

    @Test func perAxisQuantizationRoundTrips() throws {
        var r = Numbers(state: 777)
        let x = (0..<(2 * 3 * 4)).map { _ in r.float() * 30 }
        let scales: [Float] = [0.5, 0.25, 0.125], zps: [Int8] = [1, -3, 0]
        let q = try run("QuantizeLinear", inputs: [NDArray(shape: [2, 3, 4], floats: x)],
                        constants: [NDArray(shape: [3], floats: scales), NDArray(dataType: .int8, shape: [3], storage: .int8(zps))],
                        attributes: [Attribute(name: "axis", value: .int(1))])
        let expectedQ = x.indices.map { i -> Int8 in
            let ch = (i / 4) % 3
            let v = (x[i] / scales[ch]).rounded(.toNearestOrEven) + Float(zps[ch])
            return Int8(min(max(v, -128), 127))
        }
        #expect(q.storage == .int8(expectedQ))
        let dq = try run("DequantizeLinear", inputs: [q],
                         constants: [NDArray(shape: [3], floats: scales), NDArray(dataType: .int8, shape: [3], storage: .int8(zps))],
                         attributes: [Attribute(name: "axis", value: .int(1))])
        let expectedDQ = expectedQ.indices.map { i -> Float in (Float(expectedQ[i]) - Float(zps[(i / 4) % 3])) * scales[(i / 4) % 3] }
        #expect(bits(dq) == expectedDQ.map(\.bitPattern))
    }

    // MARK: float16

    @Test func float16ElementwiseOpsMatchPerElementConversion() throws {
        var r = Numbers(state: 99)
        let n = 2500  // several conversion chunks and a partial one
        let a = (0..<n).map { _ in Float16(r.float()) }, b = (0..<n).map { _ in Float16(r.float()) }
        func half(_ v: [Float16], _ shape: [Int]) -> NDArray { NDArray(dataType: .float16, shape: shape, storage: .float16(v)) }
        let cases: [(String, [NDArray], [Float16])] = [
            ("Add", [half(a, [n]), half(b, [n])], zip(a, b).map { Float16(Float($0) + Float($1)) }),
            ("Div", [half(a, [n]), half([b[0]], [])], a.map { Float16(Float($0) / Float(b[0])) }),
            ("Sub", [half([a[1]], [1]), half(b, [n])], b.map { Float16(Float(a[1]) - Float($0)) }),
            ("Relu", [half(a, [n])], a.map { Float16(max(Float($0), 0)) }),
            ("Clip", [half(a, [n]), half([-1], []), half([2], [])], a.map { Float16(min(max(Float($0), -1), 2)) }),
        ]
        for (op, inputs, expected) in cases {
            let y = try run(op, inputs: inputs)
            guard case .float16(let v) = y.storage else { Issue.record("\(op): not float16"); continue }
            #expect(v.map(\.bitPattern) == expected.map(\.bitPattern), "\(op)")
        }
    }

    @Test func float16BatchNormalizationMatchesPerElementConversion() throws {
        var r = Numbers(state: 5)
        let (c, inner) = (3, 1500)
        let x = (0..<(2 * c * inner)).map { _ in Float16(r.float()) }
        let params = (0..<4).map { i in (0..<c).map { _ in Float16(i == 3 ? abs(r.float()) + 0.5 : r.float()) } }
        func half(_ v: [Float16], _ shape: [Int]) -> NDArray { NDArray(dataType: .float16, shape: shape, storage: .float16(v)) }
        let y = try run("BatchNormalization", inputs: [half(x, [2, c, inner])], constants: params.map { half($0, [c]) })
        let f = params.map { $0.map { Float($0) } }
        let a = (0..<c).map { f[0][$0] / (f[3][$0] + Float(1e-5)).squareRoot() }, b = (0..<c).map { f[1][$0] - f[2][$0] * a[$0] }
        let expected = x.indices.map { i in Float16(Float(x[i]) * a[(i / inner) % c] + b[(i / inner) % c]) }
        guard case .float16(let v) = y.storage else { Issue.record("not float16"); return }
        #expect(v.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test func float16CastsMatchSwiftConversions() throws {
        let halves = (0...UInt16.max).map { Float16(bitPattern: $0) }
        let widened = try run("Cast", inputs: [NDArray(dataType: .float16, shape: [halves.count], storage: .float16(halves))],
                              attributes: [Attribute(name: "to", value: .int(Int64(DataType.float.rawValue)))])
        guard case .float(let f) = widened.storage else { Issue.record("not float"); return }
        for (h, v) in zip(halves, f) where !(h.isNaN && v.isNaN) { #expect(Float(h).bitPattern == v.bitPattern) }

        var r = Numbers(state: 4242)
        let floats = f + (0..<20000).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: r.next())) }
            + [65504, 65519.99, 65520, 1e-8, 2.98e-8, 2.99e-8, -0.0]
        let narrowed = try run("Cast", inputs: [NDArray(shape: [floats.count], floats: floats)],
                               attributes: [Attribute(name: "to", value: .int(Int64(DataType.float16.rawValue)))])
        guard case .float16(let n) = narrowed.storage else { Issue.record("not float16"); return }
        for (v, h) in zip(floats, n) {
            if v.isNaN { #expect(h.isNaN) } else { #expect(Float16(v).bitPattern == h.bitPattern, "\(v)") }
        }
    }
}
