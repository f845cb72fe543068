import ModelIR

/// Index-driven selection: Gather, GatherElements, GatherND, Compress, NonZero.
enum IndexingKernels {
    static var table: [String: Kernel] {
        [
            "Gather": gather,
            "GatherElements": gatherElements,
            "GatherND": gatherND,
            "Compress": compress,
            "NonZero": nonZero,
        ]
    }

    /// `index` (possibly negative) checked against `dim`.
    @inline(__always)
    static func checked(_ index: Int, _ dim: Int, _ call: KernelCall) throws(InterpreterError) -> Int {
        let i = index < 0 ? index + dim : index
        guard i >= 0 && i < dim else { throw call.invalid("index \(index) out of range for dimension \(dim)") }
        return i
    }

    // MARK: Gather

    static let gather: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        let indices = try call.numericTensor(1)
        guard x.rank > 0 else { throw call.invalid("Gather needs rank >= 1 data") }
        let axis = try call.axis(call.int("axis", default: 0), rank: x.rank)
        let dim = x.shape[axis]
        var picks: [Int] = []
        picks.reserveCapacity(indices.count)
        for i in indices.ints { picks.append(try checked(i, dim, call)) }
        return [.tensor(take(x, axis: axis, indices: picks, indexShape: indices.shape))]
    }

    /// Entries `indices` of `x` along `axis`; the axis is replaced by `indexShape`.
    static func take(_ x: NDArray, axis: Int, indices: [Int], indexShape: [Int]) -> NDArray {
        let (outer, inner) = outerInner(x.shape, axis)
        let dim = x.shape[axis]
        let shape = Array(x.shape[..<axis]) + indexShape + Array(x.shape[(axis + 1)...])
        if inner == 1 {
            var flat: [Int] = []
            flat.reserveCapacity(outer * indices.count)
            for o in 0..<outer { for i in indices { flat.append(o * dim + i) } }
            return x.gathering(flat, shape: shape)
        }
        var runs: [Run] = []
        runs.reserveCapacity(outer * indices.count)
        for o in 0..<outer {
            for i in indices { runs.append(Run(source: 0, start: (o * dim + i) * inner, count: inner)) }
        }
        return NDArray.combining([x], shape: shape, RunCopy(runs: runs, total: NDArray.count(of: shape))) ?? x
    }

    // MARK: GatherElements

    static let gatherElements: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        let indices = try call.numericTensor(1)
        let axis = try call.axis(call.int("axis", default: 0), rank: x.rank)
        guard indices.rank == x.rank else { throw call.invalid("indices must have the data's rank") }
        let map = try elementTargets(indices: indices, dataShape: x.shape, axis: axis, call: call)
        return [.tensor(x.gathering(map, shape: indices.shape))]
    }

    /// For each element of `indices`, the flat data index it designates along `axis`
    /// (GatherElements / ScatterElements addressing).
    static func elementTargets(indices: NDArray, dataShape: [Int], axis: Int, call: KernelCall) throws(InterpreterError) -> [Int] {
        let shape = indices.shape
        let dataStrides = NDArray.strides(of: dataShape)
        let dim = dataShape[axis]
        for d in 0..<shape.count where d != axis && shape[d] > dataShape[d] {
            throw call.invalid("indices shape \(shape) exceeds data shape \(dataShape)")
        }
        let values = indices.ints
        var out = [Int](repeating: 0, count: values.count)
        var coord = [Int](repeating: 0, count: shape.count)
        var base = 0
        for flat in 0..<values.count {
            let i = try checked(values[flat], dim, call)
            out[flat] = base + i * dataStrides[axis]
            var d = shape.count - 1
            while d >= 0 {
                coord[d] += 1
                if d != axis { base += dataStrides[d] }
                if coord[d] < shape[d] { break }
                if d != axis { base -= dataStrides[d] * shape[d] }
                coord[d] = 0
                d -= 1
            }
        }
        return out
    }

    // MARK: GatherND

    static let gatherND: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        let indices = try call.numericTensor(1)
        let batchDims = call.int("batch_dims", default: 0)
        let plan = try ndPlan(dataShape: x.shape, indices: indices, batchDims: batchDims, call: call)
        let shape = Array(indices.shape.dropLast()) + Array(x.shape[(batchDims + plan.depth)...])
        let runs = plan.offsets.map { Run(source: 0, start: $0, count: plan.block) }
        return [.tensor(NDArray.combining([x], shape: shape, RunCopy(runs: runs, total: NDArray.count(of: shape))) ?? x)]
    }

    /// GatherND / ScatterND addressing: each index tuple's flat data offset and the block it spans.
    static func ndPlan(dataShape: [Int], indices: NDArray, batchDims: Int, call: KernelCall) throws(InterpreterError) -> (offsets: [Int], block: Int, depth: Int) {
        guard indices.rank >= 1, batchDims >= 0, batchDims < indices.rank, batchDims <= dataShape.count else {
            throw call.invalid("invalid indices rank \(indices.rank) for batch_dims \(batchDims)")
        }
        let depth = indices.shape[indices.rank - 1]
        guard batchDims + depth <= dataShape.count,
              Array(indices.shape[..<batchDims]) == Array(dataShape[..<batchDims]) else {
            throw call.invalid("indices shape \(indices.shape) does not fit data shape \(dataShape)")
        }
        let strides = NDArray.strides(of: dataShape)
        let block = NDArray.count(of: Array(dataShape[(batchDims + depth)...]))
        let batchCount = NDArray.count(of: Array(dataShape[..<batchDims]))
        let batchStride = batchDims == 0 ? 0 : strides[batchDims - 1]
        let tuples = depth == 0 ? indices.count : indices.count / depth
        let perBatch = batchCount == 0 ? 0 : NDArray.count(of: Array(indices.shape[batchDims..<(indices.rank - 1)]))
        let values = indices.ints
        var offsets: [Int] = []
        offsets.reserveCapacity(tuples)
        for t in 0..<(batchCount * perBatch) {
            var offset = (t / max(perBatch, 1)) * batchStride
            for j in 0..<depth {
                let d = batchDims + j
                offset += try checked(values[t * depth + j], dataShape[d], call) * strides[d]
            }
            offsets.append(offset)
        }
        return (offsets, block, depth)
    }

    // MARK: Compress and NonZero

    static let compress: Kernel = { call throws(InterpreterError) in
        var x = try call.data()
        let condition = try call.numericTensor(1).doubles.map { $0 != 0 }
        var axis = 0
        if let given = call.int("axis") {
            axis = try call.axis(given, rank: x.rank)
        } else {
            x = x.reshaped([x.count])
        }
        let dim = x.shape[axis]
        let picks = (0..<min(dim, condition.count)).filter { condition[$0] }
        return [.tensor(take(x, axis: axis, indices: picks, indexShape: [picks.count]))]
    }

    static let nonZero: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        let nonzero: [Bool]
        if case .string(let s) = x.storage { nonzero = s.map { !$0.isEmpty } } else { nonzero = x.doubles.map { $0 != 0 } }
        let shape = x.rank == 0 ? [1] : x.shape
        let strides = NDArray.strides(of: shape)
        let hits = nonzero.indices.filter { nonzero[$0] }
        var out = [Int64](repeating: 0, count: shape.count * hits.count)
        for (k, flat) in hits.enumerated() {
            for d in 0..<shape.count where x.rank > 0 {
                out[d * hits.count + k] = Int64((flat / strides[d]) % shape[d])
            }
        }
        return [.tensor(NDArray(shape: [shape.count, hits.count], int64s: out))]
    }
}
