import Interpreter
import ModelIR
import Testing

/// The int8 GEMM path of ConvInteger/QLinearConv (8-bit activations, int8 weights) gives exactly the
/// sums of the definition, Σ (x − x_zero)(w − w_zero), for every shape the packing has edges in:
/// K not a multiple of 4, output widths that leave part of a 16-column panel, row counts that are
/// not multiples of 4, padding (which must read as the zero point), strides, groups, int8 and
/// uint8 activations, per-channel weight zero points.
@Suite("Interpreter: integer convolution on the int8 GEMM")
struct IntegerConvTests {
    struct Case: CustomStringConvertible, Sendable {
        var n = 1, c = 3, h = 5, w = 6, m = 5, kernel = 3, stride = 1, pad = 0, group = 1
        var signedInput = false
        var perChannelZero = false
        var description: String { "n\(n) c\(c) \(h)x\(w) m\(m) k\(kernel) s\(stride) p\(pad) g\(group)\(signedInput ? " int8" : "")\(perChannelZero ? " zw" : "")" }
    }

    static let cases: [Case] = [
        Case(),
        Case(n: 2, c: 5, h: 7, w: 9, m: 9, kernel: 3, stride: 2, pad: 1),
        Case(c: 6, h: 4, w: 5, m: 4, kernel: 1, group: 2),
        Case(c: 4, h: 6, w: 6, m: 4, kernel: 3, pad: 1, group: 4, signedInput: true),
        Case(c: 7, h: 9, w: 11, m: 13, kernel: 2, stride: 1, pad: 1, signedInput: true, perChannelZero: true),
        Case(c: 33, h: 3, w: 17, m: 6, kernel: 1),
    ]

    @Test("ConvInteger equals the definition", arguments: cases)
    func convInteger(_ t: Case) throws {
        var numbers = FastPathTests.Numbers(state: UInt64(t.c * 131 + t.m * 7 + t.kernel))
        let xCount = t.n * t.c * t.h * t.w, wCount = t.m * (t.c / t.group) * t.kernel * t.kernel
        let xs = (0..<xCount).map { _ in numbers.int(t.signedInput ? -128...127 : 0...255) }
        let ws = (0..<wCount).map { _ in numbers.int(-128...127) }
        let xZero = t.signedInput ? -3 : 131
        let wZeros = t.perChannelZero ? (0..<t.m).map { _ in numbers.int(-5...5) } : [0]
        let x = t.signedInput ? NDArray(dataType: .int8, shape: [t.n, t.c, t.h, t.w], storage: .int8(xs.map { Int8($0) }))
                              : NDArray(dataType: .uint8, shape: [t.n, t.c, t.h, t.w], storage: .uint8(xs.map { UInt8($0) }))
        let w = NDArray(dataType: .int8, shape: [t.m, t.c / t.group, t.kernel, t.kernel], storage: .int8(ws.map { Int8($0) }))
        let xz = t.signedInput ? NDArray(dataType: .int8, shape: [], storage: .int8([Int8(xZero)]))
                               : NDArray(dataType: .uint8, shape: [], storage: .uint8([UInt8(xZero)]))
        let wz = NDArray(dataType: .int8, shape: wZeros.count == 1 ? [] : [t.m], storage: .int8(wZeros.map { Int8($0) }))
        let attributes = [Attribute(name: "strides", value: .ints([Int64(t.stride), Int64(t.stride)])),
                          Attribute(name: "pads", value: .ints([Int64](repeating: Int64(t.pad), count: 4))),
                          Attribute(name: "group", value: .int(Int64(t.group)))]
        let y = try FastPathTests().run("ConvInteger", inputs: [x, w, xz, wz], attributes: attributes)
        #expect(y.storage == .int32(Self.reference(t, xs, ws, xZero, wZeros)))
    }

    /// Σ (x − xZero)(w − wZero[m]) by the definition (padding contributes nothing).
    static func reference(_ t: Case, _ x: [Int], _ w: [Int], _ xZero: Int, _ wZero: [Int]) -> [Int32] {
        let oh = (t.h + 2 * t.pad - t.kernel) / t.stride + 1, ow = (t.w + 2 * t.pad - t.kernel) / t.stride + 1
        let cg = t.c / t.group, mg = t.m / t.group
        var out: [Int32] = []
        for b in 0..<t.n {
            for m in 0..<t.m {
                let g = m / mg, zw = wZero.count == 1 ? wZero[0] : wZero[m]
                for i in 0..<oh {
                    for j in 0..<ow {
                        var sum = 0
                        for c in 0..<cg {
                            for ki in 0..<t.kernel {
                                for kj in 0..<t.kernel {
                                    let yy = i * t.stride - t.pad + ki, xx = j * t.stride - t.pad + kj
                                    guard yy >= 0, yy < t.h, xx >= 0, xx < t.w else { continue }
                                    let xv = x[((b * t.c + g * cg + c) * t.h + yy) * t.w + xx]
                                    let wv = w[((m * cg + c) * t.kernel + ki) * t.kernel + kj]
                                    sum += (xv - xZero) * (wv - zw)
                                }
                            }
                        }
                        out.append(Int32(sum))
                    }
                }
            }
        }
        return out
    }
}
