import ModelIR

/// Scatter (the deprecated alias), ScatterElements and ScatterND, with optional reductions.
enum ScatterKernels {
    static var table: [String: Kernel] {
        [
            "Scatter": scatterElements,
            "ScatterElements": scatterElements,
            "ScatterND": scatterND,
        ]
    }

    /// How an update combines with the value already there.
    enum Reduction: String {
        case none, add, mul, max, min
    }

    // MARK: Kernels

    static let scatterElements: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        let indices = try call.numericTensor(1)
        let updates = try call.tensor(2)
        let axis = try call.axis(call.int("axis", default: 0), rank: x.rank)
        guard indices.rank == x.rank, updates.shape == indices.shape else {
            throw call.invalid("indices \(indices.shape) and updates \(updates.shape) must match in shape and have the data's rank")
        }
        let targets = try IndexingKernels.elementTargets(indices: indices, dataShape: x.shape, axis: axis, call: call)
        return [.tensor(try apply(x, updates, targets: targets, block: 1, call: call))]
    }

    static let scatterND: Kernel = { call throws(InterpreterError) in
        let x = try call.data()
        let indices = try call.numericTensor(1)
        let updates = try call.tensor(2)
        let plan = try IndexingKernels.ndPlan(dataShape: x.shape, indices: indices, batchDims: 0, call: call)
        let expected = Array(indices.shape.dropLast()) + Array(x.shape[plan.depth...])
        guard updates.shape == expected else {
            throw call.invalid("updates shape \(updates.shape) should be \(expected)")
        }
        return [.tensor(try apply(x, updates, targets: plan.offsets, block: plan.block, call: call))]
    }

    /// Writes (or reduces) update block `k` into `data` at flat offset `targets[k]`.
    static func apply(_ data: NDArray, _ updates: NDArray, targets: [Int], block: Int, call: KernelCall) throws(InterpreterError) -> NDArray {
        guard let reduction = Reduction(rawValue: call.string("reduction", default: "none")) else {
            throw call.invalid("unknown reduction '\(call.string("reduction", default: ""))'")
        }
        guard updates.dataType == data.dataType else { throw call.invalid("updates type differs from data type") }
        let result: NDArray?
        if reduction == .none {
            result = NDArray.combining([data, updates], shape: data.shape, Assign(targets: targets, block: block))
        } else {
            result = NDArray.numeric([data, updates], shape: data.shape, Reduce(targets: targets, block: block, reduction: reduction))
        }
        guard let result else { throw call.unsupported(data.dataType) }
        return result
    }

    // MARK: Bodies

    /// Plain assignment; with duplicate targets the last update wins.
    struct Assign: ElementBody {
        let targets: [Int]
        let block: Int

        func callAsFunction<T>(_ sources: [[T]]) -> [T] {
            var out = sources[0]
            let updates = sources[1]
            out.withUnsafeMutableBufferPointer { o in
                updates.withUnsafeBufferPointer { u in
                    for (k, t) in targets.enumerated() {
                        for j in 0..<block { o[t + j] = u[k * block + j] }
                    }
                }
            }
            return out
        }
    }

    /// Reduction into the existing values (add, mul, max, min), in update order.
    struct Reduce: NumericBody {
        let targets: [Int]
        let block: Int
        let reduction: Reduction

        func callAsFunction<T: KernelNumeric>(_ sources: [[T]]) -> [T] {
            var out = sources[0]
            let updates = sources[1]
            out.withUnsafeMutableBufferPointer { o in
                updates.withUnsafeBufferPointer { u in
                    for (k, t) in targets.enumerated() {
                        for j in 0..<block {
                            let a = o[t + j], b = u[k * block + j]
                            switch reduction {
                            case .add: o[t + j] = T.add(a, b)
                            case .mul: o[t + j] = T.mul(a, b)
                            case .max: o[t + j] = Swift.max(a, b)
                            case .min: o[t + j] = Swift.min(a, b)
                            case .none: o[t + j] = b
                            }
                        }
                    }
                }
            }
            return out
        }
    }
}
