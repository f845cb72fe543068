import ModelIR

/// Tensor sequences (SequenceEmpty ... SequenceMap) and optionals.
enum SequenceKernels {
    static var table: [String: Kernel] {
        [
            "SequenceEmpty": sequenceEmpty,
            "SequenceConstruct": sequenceConstruct,
            "SequenceInsert": sequenceInsert,
            "SequenceAt": sequenceAt,
            "SequenceErase": sequenceErase,
            "SequenceLength": sequenceLength,
            "SplitToSequence": splitToSequence,
            "ConcatFromSequence": concatFromSequence,
            "SequenceMap": sequenceMap,
            "Optional": optional,
            "OptionalHasElement": optionalHasElement,
            "OptionalGetElement": optionalGetElement,
        ]
    }

    // MARK: Helpers

    /// Input `i` as a sequence: its element type and tensors.
    static func sequence(_ call: KernelCall, _ i: Int) throws(InterpreterError) -> (DataType, [NDArray]) {
        guard i < call.inputs.count, let v = call.inputs[i] else { throw call.invalid("input \(i) (a sequence) is required") }
        guard case .sequence(let type, let items) = v else { throw call.invalid("input \(i) must be a sequence") }
        return (type, items)
    }

    /// The optional `position` input `i` resolved against `count`; `allowEnd` accepts `count` itself.
    static func position(_ call: KernelCall, _ i: Int, count: Int, allowEnd: Bool) throws(InterpreterError) -> Int? {
        guard let t = call.optionalTensor(i) else { return nil }
        guard t.count == 1, let p = t.ints.first else { throw call.invalid("position must be a single integer") }
        let resolved = p < 0 ? p + count : p
        guard resolved >= 0, resolved < count || (allowEnd && resolved == count) else {
            throw call.invalid("position \(p) is out of range for a sequence of \(count) tensors")
        }
        return resolved
    }

    // MARK: Construction and editing

    /// An empty sequence of the `dtype` attribute's element type (default float).
    static let sequenceEmpty: Kernel = { call throws(InterpreterError) in
        let type = DataType(rawValue: Int32(call.int("dtype", default: Int(DataType.float.rawValue))))
        return [.sequence(elementType: type, [])]
    }

    /// A sequence of the (same-typed) input tensors.
    static let sequenceConstruct: Kernel = { call throws(InterpreterError) in
        var items: [NDArray] = []
        for i in 0..<call.inputs.count { items.append(try call.tensor(i)) }
        guard let type = items.first?.dataType else { throw call.invalid("SequenceConstruct needs at least one tensor") }
        guard items.allSatisfy({ $0.dataType == type }) else { throw call.invalid("all tensors must have the same element type") }
        return [.sequence(elementType: type, items)]
    }

    /// Inserts a tensor at `position` (default: the end; negative counts from the back).
    static let sequenceInsert: Kernel = { call throws(InterpreterError) in
        var (type, items) = try sequence(call, 0)
        let t = try call.tensor(1)
        if items.isEmpty { type = t.dataType }
        guard t.dataType == type else { throw call.invalid("tensor type \(t.dataType.name) differs from the sequence's \(type.name)") }
        let at = try position(call, 2, count: items.count, allowEnd: true) ?? items.count
        items.insert(t, at: at)
        return [.sequence(elementType: type, items)]
    }

    /// The tensor at `position` (negative counts from the back).
    static let sequenceAt: Kernel = { call throws(InterpreterError) in
        let (_, items) = try sequence(call, 0)
        guard let at = try position(call, 1, count: items.count, allowEnd: false) else { throw call.invalid("position is required") }
        return [.tensor(items[at])]
    }

    /// Removes the tensor at `position` (default: the last one).
    static let sequenceErase: Kernel = { call throws(InterpreterError) in
        var (type, items) = try sequence(call, 0)
        guard !items.isEmpty else { throw call.invalid("cannot erase from an empty sequence") }
        let at = try position(call, 1, count: items.count, allowEnd: false) ?? items.count - 1
        items.remove(at: at)
        return [.sequence(elementType: type, items)]
    }

    /// The number of tensors as an int64 scalar.
    static let sequenceLength: Kernel = { call throws(InterpreterError) in
        let (_, items) = try sequence(call, 0)
        return [ControlArrays.int64(items.count)]
    }

    // MARK: Split and concatenate

    /// Splits along `axis` into chunks of a scalar size, of listed sizes, or of one element
    /// (squeezing the axis unless keepdims) when `split` is absent.
    static let splitToSequence: Kernel = { call throws(InterpreterError) in
        let x = try call.tensor(0)
        guard let axis = ControlArrays.axis(call.int("axis", default: 0), rank: x.rank) else {
            throw .invalidAttribute(node: call.label, attribute: "axis", reason: "out of range for rank \(x.rank)")
        }
        let dim = x.shape[axis]
        var sizes: [Int]
        var squeeze = false
        if let split = call.optionalTensor(1) {
            let values = split.ints
            if split.rank == 0 {
                guard let size = values.first, size > 0 else { throw call.invalid("split must be positive") }
                sizes = Array(repeating: size, count: dim / size)
                if dim % size != 0 { sizes.append(dim % size) }
            } else {
                sizes = values
                guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == dim else {
                    throw call.invalid("split sizes \(sizes) must be non-negative and sum to \(dim)")
                }
            }
        } else {
            sizes = Array(repeating: 1, count: dim)
            squeeze = call.int("keepdims", default: 1) == 0
        }
        var items: [NDArray] = []
        var start = 0
        for size in sizes {
            var part = ControlArrays.slice(x, axis: axis, start: start, length: size)
            if squeeze { part.shape.remove(at: axis) }
            items.append(part)
            start += size
        }
        return [.sequence(elementType: x.dataType, items)]
    }

    /// Concatenates (or with new_axis=1 stacks) the tensors of a sequence along `axis`.
    static let concatFromSequence: Kernel = { call throws(InterpreterError) in
        let (_, items) = try sequence(call, 0)
        guard let first = items.first else { throw call.invalid("cannot concatenate an empty sequence") }
        guard let rawAxis = call.int("axis") else {
            throw .invalidAttribute(node: call.label, attribute: "axis", reason: "is required")
        }
        let stack = call.int("new_axis", default: 0) != 0
        guard let axis = ControlArrays.axis(rawAxis, rank: first.rank + (stack ? 1 : 0)) else {
            throw .invalidAttribute(node: call.label, attribute: "axis", reason: "\(rawAxis) is out of range")
        }
        let out = stack ? ControlArrays.stack(items, axis: axis) : ControlArrays.concat(items, axis: axis)
        guard let out else { throw call.invalid("sequence tensors have incompatible shapes or types") }
        return [.tensor(out)]
    }

    // MARK: SequenceMap

    /// Runs `body` once per element of the first sequence; other sequence inputs are indexed
    /// alongside, tensor inputs are passed unchanged. Each body output becomes a sequence.
    static let sequenceMap: Kernel = { call throws(InterpreterError) in
        let body = try call.graph("body")
        let (_, first) = try sequence(call, 0)
        var perInput: [(RuntimeValue?, [NDArray]?)] = []
        for i in 0..<call.inputs.count {
            guard let v = call.inputs[i] else { throw call.invalid("input \(i) is missing") }
            if case .sequence(_, let items) = v {
                guard items.count == first.count else { throw call.invalid("sequence input \(i) has \(items.count) elements, expected \(first.count)") }
                perInput.append((nil, items))
            } else {
                perInput.append((v, nil))
            }
        }
        var outputs = [[NDArray]](repeating: [], count: body.outputs.count)
        for n in 0..<first.count {
            let args = perInput.map { fixed, items in fixed ?? .tensor(items?[n] ?? first[n]) }
            let outs = try call.runSubgraph(body, args)
            guard outs.count == body.outputs.count else { throw call.invalid("body returned \(outs.count) values") }
            for (k, o) in outs.enumerated() {
                guard let t = o.tensor else { throw call.invalid("body output \(k) must be a tensor") }
                outputs[k].append(t)
            }
        }
        return outputs.enumerated().map { k, items in
            let declared = body.outputs[k].type?.tensorType?.elementType
            return .sequence(elementType: items.first?.dataType ?? declared ?? .float, items)
        }
    }

    // MARK: Optionals

    /// Wraps the input in an optional, or makes an empty optional when there is none.
    static let optional: Kernel = { call throws(InterpreterError) in
        guard call.has(0), let v = call.inputs[0] else { return [.optional(nil)] }
        return [.optional(v)]
    }

    /// True for a non-empty optional or any tensor or sequence; false for an empty or absent input.
    static let optionalHasElement: Kernel = { call throws(InterpreterError) in
        guard call.has(0), let v = call.inputs[0] else { return [ControlArrays.bool(false)] }
        if case .optional(let inner) = v { return [ControlArrays.bool(inner != nil)] }
        return [ControlArrays.bool(true)]
    }

    /// The optional's element; tensors and sequences pass through.
    static let optionalGetElement: Kernel = { call throws(InterpreterError) in
        guard call.has(0), let v = call.inputs[0] else { throw call.invalid("input is required") }
        if case .optional(let inner) = v {
            guard let inner else { throw call.invalid("the optional holds no element") }
            return [inner]
        }
        return [v]
    }
}
