import ModelIR

/// Constant and Identity.
enum ConstantKernels {
    static var table: [String: Kernel] {
        [
            "Constant": constant,
            "Identity": { call throws(InterpreterError) in [call.inputs.first.flatMap { $0 } ?? .optional(nil)] },
        ]
    }

    static let constant: Kernel = { call throws(InterpreterError) in
        let node = call.node
        guard let attr = node.attributes.first else {
            throw .invalidInput(node: call.label, reason: "Constant needs a value attribute")
        }
        switch attr.value {
        case .tensor(let t): return [.tensor(try NDArray(tensor: t))]
        case .float(let f): return [.tensor(NDArray(shape: [], floats: [f]))]
        case .floats(let f): return [.tensor(NDArray(shape: [f.count], floats: f))]
        case .int(let i): return [.tensor(NDArray(shape: [], int64s: [i]))]
        case .ints(let i): return [.tensor(NDArray(shape: [i.count], int64s: i))]
        case .string(let s):
            return [.tensor(NDArray(dataType: .string, shape: [], storage: .string([String(decoding: s, as: UTF8.self)])))]
        case .strings(let s):
            return [.tensor(NDArray(dataType: .string, shape: [s.count], storage: .string(s.map { String(decoding: $0, as: UTF8.self) })))]
        case .sparseTensor(let s):
            return [.tensor(try densify(s, node: call.label))]
        default:
            throw .invalidAttribute(node: call.label, attribute: attr.name, reason: "unsupported Constant value kind \(attr.value.kind)")
        }
    }

    /// Expands a COO sparse tensor (indices [nnz, rank] or linear [nnz]) into a dense array.
    static func densify(_ s: SparseTensor, node: String) throws(InterpreterError) -> NDArray {
        let values = try NDArray(tensor: s.values)
        let indices = try NDArray(tensor: s.indices)
        let shape = s.dims.map { Int($0) }
        let count = NDArray.count(of: shape)
        guard case .int64(let idx) = indices.storage else {
            throw .invalidInput(node: node, reason: "sparse indices must be int64")
        }
        let strides = NDArray.strides(of: shape)
        let nnz = values.count
        var linear: [Int] = []
        if indices.rank == 1 {
            linear = idx.map { Int($0) }
        } else {
            for i in 0..<nnz {
                var l = 0
                for d in 0..<shape.count { l += Int(idx[i * shape.count + d]) * strides[d] }
                linear.append(l)
            }
        }
        guard linear.allSatisfy({ $0 >= 0 && $0 < count }) else {
            throw .invalidInput(node: node, reason: "sparse index out of range")
        }
        func scatter<T>(_ v: [T], zero: T) -> [T] {
            var out = [T](repeating: zero, count: count)
            for (i, l) in linear.enumerated() { out[l] = v[i] }
            return out
        }
        switch values.storage {
        case .float(let v): return NDArray(dataType: values.dataType, shape: shape, storage: .float(scatter(v, zero: 0)))
        case .double(let v): return NDArray(dataType: values.dataType, shape: shape, storage: .double(scatter(v, zero: 0)))
        case .int64(let v): return NDArray(dataType: values.dataType, shape: shape, storage: .int64(scatter(v, zero: 0)))
        case .int32(let v): return NDArray(dataType: values.dataType, shape: shape, storage: .int32(scatter(v, zero: 0)))
        default: throw .unsupportedType(op: "Constant", node: node, type: values.dataType.name)
        }
    }
}
