import ModelIR

/// Ops that build outputs from per-axis source tables or row runs: Pad, ReverseSequence, Trilu.
enum PadKernels {
    static var table: [String: Kernel] {
        [
            "Pad": pad,
            "ReverseSequence": reverseSequence,
            "Trilu": trilu,
        ]
    }

    // MARK: Pad

    static let pad: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        let mode = call.string("mode", default: "constant")
        let (pads, axes) = try padSpec(call, rank: x.rank)
        guard pads.allSatisfy({ $0 >= -maxGeneratedElements && $0 <= maxGeneratedElements }) else { throw call.invalid("pads \(pads) are too large") }
        let constant = try padValue(call, like: x)
        var tables: [[Int]] = []
        var shape: [Int] = []
        let strides = x.strides
        for d in 0..<x.rank {
            let n = x.shape[d]
            let (before, after) = axes.firstIndex(of: d).map { (pads[$0], pads[$0 + axes.count]) } ?? (0, 0)
            let out = n + before + after
            guard out >= 0 else { throw call.invalid("pads \(pads) remove more than dimension \(d) holds") }
            guard n > 0 || out == 0 || mode == "constant" else {
                throw call.invalid("\(mode) padding of an empty dimension")
            }
            shape.append(out)
            try call.checkShape(shape)
            tables.append((0..<out).map { o in
                guard let i = padSource(o - before, n: n, mode: mode) else { return -1 }
                return i * strides[d]
            })
        }
        let indices = composeIndexMap(tables, fill: x.count)
        guard let result = NDArray.combining([x, constant], shape: shape, IndexGather(indices: indices)) else {
            throw call.invalid("constant_value type does not match the data")
        }
        return [.tensor(result)]
    }

    /// Pads (begins then ends) and the axes they apply to, from attributes or inputs by opset.
    static func padSpec(_ call: KernelCall, rank: Int) throws(InterpreterError) -> (pads: [Int], axes: [Int]) {
        let pads: [Int]
        if call.opset >= 11 {
            pads = try call.numericTensor(1).ints
        } else {
            pads = call.ints(call.opset < 2 ? "paddings" : "pads") ?? []
        }
        let axes = try call.axes(call.opset >= 18 ? (try call.intsInput(3) ?? Array(0..<rank)) : Array(0..<rank), rank: rank)
        guard pads.count == 2 * axes.count else {
            throw call.invalid("pads has \(pads.count) values, expected \(2 * axes.count)")
        }
        return (pads, axes)
    }

    /// The fill value of constant mode as a one-element array of the data's type.
    static func padValue(_ call: KernelCall, like x: NDArray) throws(InterpreterError) -> NDArray {
        if call.opset >= 11 {
            guard let v = call.optionalTensor(2), v.count > 0 else { return NDArray.scalar(x.dataType, 0) }
            if v.dataType == x.dataType { return v.reshaped([]) }
            return NDArray.scalar(x.dataType, v.doubles.first ?? 0)
        }
        return NDArray.scalar(x.dataType, Double(call.float("value", default: 0)))
    }

    /// The source coordinate of padded coordinate `i` (relative to the data start), or nil for the fill.
    static func padSource(_ i: Int, n: Int, mode: String) -> Int? {
        if i >= 0 && i < n { return i }
        switch mode {
        case "edge": return i < 0 ? 0 : n - 1
        case "wrap": return ((i % n) + n) % n
        case "reflect":
            if n == 1 { return 0 }
            let period = 2 * (n - 1)
            let m = ((i % period) + period) % period
            return m < n ? m : period - m
        default: return nil
        }
    }

    // MARK: ReverseSequence

    static let reverseSequence: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        let lengths = try call.numericTensor(1).ints
        let timeAxis = call.int("time_axis", default: 0), batchAxis = call.int("batch_axis", default: 1)
        guard x.rank >= 2, Set([timeAxis, batchAxis]) == [0, 1] else {
            throw call.invalid("ReverseSequence needs rank >= 2 with time and batch axes 0 and 1")
        }
        let (time, batch) = (x.shape[timeAxis], x.shape[batchAxis])
        guard lengths.count == batch, lengths.allSatisfy({ $0 >= 0 && $0 <= time }) else {
            throw call.invalid("sequence_lens \(lengths) must give a length in 0...\(time) per batch entry")
        }
        let inner = NDArray.count(of: Array(x.shape[2...]))
        var runs: [Run] = []
        runs.reserveCapacity(time * batch)
        for i0 in 0..<x.shape[0] {
            for i1 in 0..<x.shape[1] {
                let (t, b) = timeAxis == 0 ? (i0, i1) : (i1, i0)
                let source = t < lengths[b] ? lengths[b] - 1 - t : t
                let flat = timeAxis == 0 ? source * x.shape[1] + i1 : i0 * x.shape[1] + source
                runs.append(Run(source: 0, start: flat * inner, count: inner))
            }
        }
        return [.tensor(NDArray.combining([x], shape: x.shape, RunCopy(runs: runs, total: x.count)) ?? x)]
    }

    // MARK: Trilu

    static let trilu: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        guard x.rank >= 2 else { throw call.invalid("Trilu needs rank >= 2") }
        let k = call.optionalTensor(1)?.scalarInt ?? 0
        let upper = call.int("upper", default: 1) != 0
        let (rows, cols) = (x.shape[x.rank - 2], x.shape[x.rank - 1])
        let matrices = rows * cols == 0 ? 0 : x.count / (rows * cols)
        let zeros = NDArray.filled(NDArray.scalar(x.dataType, 0), shape: [cols])
        var runs: [Run] = []
        runs.reserveCapacity(matrices * rows * 2)
        for m in 0..<matrices {
            for i in 0..<rows {
                let rowStart = (m * rows + i) * cols
                // Clamped without overflow for extreme k.
                let edge = k > cols ? cols : (k < -rows - 1 ? -1 : i + k)
                if upper {
                    let lo = min(max(edge, 0), cols)
                    runs += [Run(source: 1, start: 0, count: lo), Run(source: 0, start: rowStart + lo, count: cols - lo)]
                } else {
                    let hi = min(max(edge + 1, 0), cols)
                    runs += [Run(source: 0, start: rowStart, count: hi), Run(source: 1, start: 0, count: cols - hi)]
                }
            }
        }
        return [.tensor(NDArray.combining([x, zeros], shape: x.shape, RunCopy(runs: runs, total: x.count)) ?? x)]
    }
}

/// For every element of the grid spanned by `tables` (row-major), the sum of the per-axis
/// entries, or `fill` when any entry is negative.
func composeIndexMap(_ tables: [[Int]], fill: Int) -> [Int] {
    var current = [0]
    for table in tables {
        var next: [Int] = []
        next.reserveCapacity(current.count * table.count)
        for base in current {
            if base < 0 {
                next.append(contentsOf: repeatElement(-1, count: table.count))
            } else {
                for t in table { next.append(t < 0 ? -1 : base + t) }
            }
        }
        current = next
    }
    return current.map { $0 < 0 ? fill : $0 }
}
