import Foundation
import ModelIR

/// Reduce* (Sum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare), ArgMax and ArgMin.
enum ReduceKernels {
    static var table: [String: Kernel] {
        var t: [String: Kernel] = [
            "ArgMax": { call throws(InterpreterError) in try arg(call, max: true) },
            "ArgMin": { call throws(InterpreterError) in try arg(call, max: false) },
        ]
        for op in Op.allCases { t[op.rawValue] = kernel(op) }
        return t
    }

    /// The reductions, named by op type.
    enum Op: String, CaseIterable, Sendable {
        case sum = "ReduceSum", mean = "ReduceMean", max = "ReduceMax", min = "ReduceMin"
        case prod = "ReduceProd", l1 = "ReduceL1", l2 = "ReduceL2", logSum = "ReduceLogSum"
        case logSumExp = "ReduceLogSumExp", sumSquare = "ReduceSumSquare"

        /// Whether integer inputs can be reduced in their own type.
        var isIntegerNative: Bool { self != .l2 && self != .logSum && self != .logSumExp && self != .mean }
    }

    // MARK: Plan

    /// Which flat offsets feed each output element.
    struct Plan {
        var outShape: [Int]
        /// Base offset of each output element.
        var kept: [Int]
        /// Offsets, relative to the base, of the elements reduced into one output.
        var reduced: [Int]
    }

    /// The plan reducing `axes` (sorted, normalized) of `shape`.
    static func plan(shape: [Int], axes: [Int], keepDims: Bool) -> Plan {
        let strides = NDArray.strides(of: shape)
        var keptDims: [Int] = [], keptStrides: [Int] = [], redDims: [Int] = [], redStrides: [Int] = []
        var outShape: [Int] = []
        for d in 0..<shape.count {
            if axes.contains(d) {
                redDims.append(shape[d]); redStrides.append(strides[d])
                if keepDims { outShape.append(1) }
            } else {
                keptDims.append(shape[d]); keptStrides.append(strides[d])
                outShape.append(shape[d])
            }
        }
        return Plan(outShape: outShape, kept: gridOffsets(dims: keptDims, strides: keptStrides),
                    reduced: gridOffsets(dims: redDims, strides: redStrides))
    }

    /// The axes to reduce (nil: return the input unchanged), from the attribute or the input per opset.
    static func axes(_ call: KernelCall, op: Op, rank: Int) throws(InterpreterError) -> [Int]? {
        let fromInput = call.opset >= 18 || (op == .sum && call.opset >= 13)
        var axes: [Int] = []
        if fromInput {
            if let t = call.optionalTensor(1) { axes = t.ints }
            if axes.isEmpty && call.int("noop_with_empty_axes", default: 0) != 0 { return nil }
        } else {
            axes = call.ints("axes") ?? []
        }
        if axes.isEmpty { return Array(0..<rank) }
        return try call.normalizedAxes(axes, rank: rank)
    }

    // MARK: Reduce kernel

    /// The kernel of one reduction.
    static func kernel(_ op: Op) -> Kernel {
        let k: Kernel = { (call: KernelCall) throws(InterpreterError) -> [RuntimeValue] in try reduce(op, call) }
        return k
    }

    static func reduce(_ op: Op, _ call: KernelCall) throws(InterpreterError) -> [RuntimeValue] {
        let x = try call.tensor(0)
        guard let axes = try axes(call, op: op, rank: x.rank) else { return [.tensor(x)] }
        let p = plan(shape: x.shape, axes: axes, keepDims: call.int("keepdims", default: 1) != 0)
        let storage: NDArray.Storage
        switch x.storage {
        case .float(let a): storage = .float(floating(a, p, op))
        case .double(let a): storage = .double(floating(a, p, op))
        case .float16, .bfloat16: storage = Float.storage(floating(Float.values(of: x), p, op), as: x.dataType)
        case .int8(let a) where op.isIntegerNative: storage = .int8(integer(a, p, op))
        case .int16(let a) where op.isIntegerNative: storage = .int16(integer(a, p, op))
        case .int32(let a) where op.isIntegerNative: storage = .int32(integer(a, p, op))
        case .int64(let a) where op.isIntegerNative: storage = .int64(integer(a, p, op))
        case .uint8(let a) where op.isIntegerNative: storage = .uint8(integer(a, p, op))
        case .uint16(let a) where op.isIntegerNative: storage = .uint16(integer(a, p, op))
        case .uint32(let a) where op.isIntegerNative: storage = .uint32(integer(a, p, op))
        case .uint64(let a) where op.isIntegerNative: storage = .uint64(integer(a, p, op))
        case .bool(let a) where op == .max || op == .min:
            storage = .bool(integer(a.map { $0 ? UInt8(1) : 0 }, p, op).map { $0 != 0 })
        case .string, .bool: throw call.unsupported(x.dataType)
        default: storage = NDArray.storage(x.dataType, floating(x.doubles, p, op))
        }
        return [.tensor(NDArray(dataType: x.dataType, shape: p.outShape, storage: storage))]
    }

    /// Reduces floating values, accumulating sums in Double.
    static func floating<T: NNFloat>(_ x: [T], _ p: Plan, _ op: Op) -> [T] {
        var out = [T](repeating: 0, count: p.kept.count)
        let n = p.reduced.count
        let x = x.isEmpty ? [0] : x  // an empty input reduces nothing; keep a valid base address
        x.withUnsafeBufferPointer { xp in
            p.reduced.withUnsafeBufferPointer { rp in
                out.withUnsafeMutableBufferPointer { op_ in
                    for o in 0..<p.kept.count {
                        let base = xp.baseAddress! + p.kept[o]
                        op_[o] = reduceOne(base, rp, n, op)
                    }
                }
            }
        }
        return out
    }

    /// One output element of a floating reduction.
    @inline(__always)
    static func reduceOne<T: NNFloat>(_ base: UnsafePointer<T>, _ rp: UnsafeBufferPointer<Int>, _ n: Int, _ op: Op) -> T {
        switch op {
        case .max, .min:
            var acc: T = op == .max ? -.infinity : .infinity
            for r in 0..<n {
                let v = base[rp[r]]
                if v.isNaN { return v }
                if op == .max ? v > acc : v < acc { acc = v }
            }
            return acc
        case .logSumExp:
            var m = -T.infinity
            for r in 0..<n where base[rp[r]] > m { m = base[rp[r]] }
            if m.isInfinite { return m }
            var s = 0.0
            for r in 0..<n { s += Double(T.nnExp(base[rp[r]] - m)) }
            return m + T(Foundation.log(s))
        case .prod:
            var acc = 1.0
            for r in 0..<n { acc *= Double(base[rp[r]]) }
            return T(acc)
        default:
            var acc = 0.0
            switch op {
            case .l1: for r in 0..<n { acc += Swift.abs(Double(base[rp[r]])) }
            case .l2, .sumSquare: for r in 0..<n { let v = Double(base[rp[r]]); acc += v * v }
            default: for r in 0..<n { acc += Double(base[rp[r]]) }
            }
            switch op {
            case .mean: return T(acc / Double(n))
            case .l2: return T(acc.squareRoot())
            case .logSum: return T(Foundation.log(acc))
            default: return T(acc)
            }
        }
    }

    /// Reduces integers in their own type (wrapping arithmetic).
    static func integer<T: FixedWidthInteger>(_ x: [T], _ p: Plan, _ op: Op) -> [T] {
        var out = [T](repeating: 0, count: p.kept.count)
        let n = p.reduced.count
        let x = x.isEmpty ? [0] : x  // an empty input reduces nothing; keep a valid base address
        x.withUnsafeBufferPointer { xp in
            p.reduced.withUnsafeBufferPointer { rp in
                for o in 0..<p.kept.count {
                    let base = xp.baseAddress! + p.kept[o]
                    var acc: T
                    switch op {
                    case .max:
                        acc = T.min
                        for r in 0..<n { acc = Swift.max(acc, base[rp[r]]) }
                    case .min:
                        acc = T.max
                        for r in 0..<n { acc = Swift.min(acc, base[rp[r]]) }
                    case .prod:
                        acc = 1
                        for r in 0..<n { acc = acc &* base[rp[r]] }
                    case .sumSquare:
                        acc = 0
                        for r in 0..<n { acc = acc &+ base[rp[r]] &* base[rp[r]] }
                    case .l1:
                        acc = 0
                        for r in 0..<n { let v = base[rp[r]]; acc = acc &+ (v < 0 ? 0 &- v : v) }
                    default:
                        acc = 0
                        for r in 0..<n { acc = acc &+ base[rp[r]] }
                    }
                    out[o] = acc
                }
            }
        }
        return out
    }

    // MARK: ArgMax / ArgMin

    static func arg(_ call: KernelCall, max: Bool) throws(InterpreterError) -> [RuntimeValue] {
        let x = try call.tensor(0)
        let axis = try call.normalizedAxis(call.int("axis", default: 0), rank: x.rank)
        let keep = call.int("keepdims", default: 1) != 0
        let last = call.int("select_last_index", default: 0) != 0
        guard x.rank > 0 else { return [.tensor(NDArray(shape: [], int64s: [0]))] }
        guard x.shape[axis] > 0 else { throw call.invalid("cannot take ArgMax/ArgMin over an empty axis") }
        let result: [Int64]
        switch x.storage {
        case .float(let a): result = argIndices(a, x.shape, axis, max, last)
        case .double(let a): result = argIndices(a, x.shape, axis, max, last)
        case .float16, .bfloat16: result = argIndices(Float.values(of: x), x.shape, axis, max, last)
        case .uint64(let a): result = argIndices(a, x.shape, axis, max, last)
        case .string: throw call.unsupported(x.dataType)
        default: result = argIndices(x.int64s, x.shape, axis, max, last)
        }
        var shape = x.shape
        if keep { shape[axis] = 1 } else { shape.remove(at: axis) }
        return [.tensor(NDArray(shape: shape, int64s: result))]
    }

    /// Index of the extreme element along `axis` for every other position.
    static func argIndices<T: Comparable>(_ x: [T], _ shape: [Int], _ axis: Int, _ max: Bool, _ last: Bool) -> [Int64] {
        let (outer, n, inner) = splitAround(shape, axis: axis)
        var out = [Int64](repeating: 0, count: outer * inner)
        x.withUnsafeBufferPointer { xp in
            for o in 0..<outer {
                for i in 0..<inner {
                    let base = o * n * inner + i
                    var best = xp[base]
                    var bestIndex = 0
                    for k in 1..<Swift.max(n, 1) {
                        let v = xp[base + k * inner]
                        let better = max ? (last ? v >= best : v > best) : (last ? v <= best : v < best)
                        if better { best = v; bestIndex = k }
                    }
                    out[o * inner + i] = Int64(bestIndex)
                }
            }
        }
        return out
    }
}
