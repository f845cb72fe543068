import ModelIR

/// Layout bookkeeping of the ONNX → TFLite raising.
///
/// Every raised value carries a permutation `perm`: stored axis `i` holds semantic (ONNX) axis
/// `perm[i]`. Channels-first activations are stored channels-last (`[0, 2, 3, 1]` for rank 4),
/// so the layout decision is made once, here, rather than by each op: convolutions and pools
/// produce NHWC values, element-wise ops keep their operands' layout, axis attributes are
/// remapped through `perm`, and Transpose ops become relabelings. A physical TRANSPOSE is only
/// emitted where a value must change layout (a reshape that mixes axes, or the model boundary).
enum Layout {
    // MARK: Permutations

    /// The identity permutation of `rank` axes.
    static func identity(_ rank: Int) -> [Int] { Array(0..<rank) }

    /// Channels-last storage of a channels-first value: `[0, 2, …, rank-1, 1]`.
    static func channelsLast(_ rank: Int) -> [Int] {
        rank < 3 ? identity(rank) : [0] + Array(2..<rank) + [1]
    }

    /// The inverse permutation: `inverse(p)[p[i]] == i`.
    static func inverse(_ p: [Int]) -> [Int] {
        var out = [Int](repeating: 0, count: p.count)
        for (i, a) in p.enumerated() { out[a] = i }
        return out
    }

    /// Whether `p` is a permutation of `0..<p.count`.
    static func isPermutation(_ p: [Int]) -> Bool { p.sorted() == identity(p.count) }

    /// The dims of a value stored with `perm`.
    static func stored(_ shape: [Int64], _ perm: [Int]) -> [Int64] { perm.map { shape[$0] } }

    /// The TRANSPOSE permutation that turns a value stored with `from` into one stored with `to`.
    static func transposePerm(from: [Int], to: [Int]) -> [Int] {
        let inv = inverse(from)
        return to.map { inv[$0] }
    }

    /// Whether changing storage from `from` to `to` only moves size-1 axes (a RESHAPE suffices).
    static func isReshapeOnly(_ shape: [Int64], from: [Int], to: [Int]) -> Bool {
        from.filter { shape[$0] != 1 } == to.filter { shape[$0] != 1 }
    }

    // MARK: Reshape layout

    /// Groups of input axes and output axes of a reshape whose products match, in order.
    /// Nil when the dims cannot be grouped (a size mismatch).
    static func reshapeGroups(_ input: [Int64], _ output: [Int64]) -> [(inAxes: [Int], outAxes: [Int])]? {
        var groups: [(inAxes: [Int], outAxes: [Int])] = []
        var i = 0, j = 0
        while i < input.count || j < output.count {
            var gi: [Int] = [], gj: [Int] = []
            var ps: Int64 = 1, pt: Int64 = 1
            if i < input.count { ps *= input[i]; gi.append(i); i += 1 }
            if j < output.count { pt *= output[j]; gj.append(j); j += 1 }
            while ps != pt {
                if ps < pt, i < input.count {
                    ps *= input[i]; gi.append(i); i += 1
                } else if pt < ps, j < output.count {
                    pt *= output[j]; gj.append(j); j += 1
                } else {
                    return nil
                }
            }
            groups.append((gi, gj))
        }
        return groups
    }

    /// For a reshape of a value stored with `perm`: the storage the input must have (equal to
    /// `perm` when no TRANSPOSE is needed) and the resulting output storage.
    ///
    /// A reshape runs on stored data, so it is valid when every group of semantic axes that merges
    /// or splits is contiguous and in order in storage; then the groups keep their stored order.
    static func reshapePlan(input: [Int64], perm: [Int], output: [Int64]) -> (inputPerm: [Int], outputPerm: [Int])? {
        guard let groups = reshapeGroups(input, output) else { return nil }
        var groupOf = [Int](repeating: 0, count: input.count)
        for (g, group) in groups.enumerated() { for a in group.inAxes { groupOf[a] = g } }
        // Groups in the order they first appear in storage (size-1 axes do not decide the order).
        var order: [Int] = []
        for a in perm where input[a] != 1 && !order.contains(groupOf[a]) { order.append(groupOf[a]) }
        for g in groups.indices where !order.contains(g) {
            // Groups made only of size-1 axes go where their semantic position puts them.
            let position = order.firstIndex { $0 > g } ?? order.count
            order.insert(g, at: position)
        }
        let inputPerm = order.flatMap { groups[$0].inAxes }
        let outputPerm = order.flatMap { groups[$0].outAxes }
        // Keep the current storage when it differs from the plan only in size-1 axes.
        let sameData = isReshapeOnly(input, from: perm, to: inputPerm)
        return (sameData ? perm : inputPerm, outputPerm)
    }

    // MARK: Broadcasting

    /// Numpy-style broadcast of two shapes; nil when they do not broadcast.
    static func broadcast(_ a: [Int64], _ b: [Int64]) -> [Int64]? {
        let r = max(a.count, b.count)
        let pa = [Int64](repeating: 1, count: r - a.count) + a
        let pb = [Int64](repeating: 1, count: r - b.count) + b
        var out: [Int64] = []
        for (x, y) in zip(pa, pb) {
            if x == y || y == 1 { out.append(x) } else if x == 1 { out.append(y) } else { return nil }
        }
        return out
    }
}

// MARK: Constant data

/// Element-wise rearrangement of constant tensors (weights are transposed at conversion time).
enum ConstantData {
    /// `tensor` transposed by `perm` (output axis i = input axis perm[i]); any fixed-size element type.
    static func transpose(_ tensor: Tensor, _ perm: [Int]) -> Tensor? {
        guard let view = tensor.byteView, let bits = tensor.dataType.bitsPerElement, bits % 8 == 0,
              perm.count == tensor.dims.count else { return nil }
        if perm == Layout.identity(perm.count) { return tensor }
        let size = bits / 8
        let dims = tensor.dims.map { Int($0) }
        let outDims = perm.map { dims[$0] }
        let count = dims.reduce(1, *)
        guard view.count == count * size else { return nil }
        var inStrides = [Int](repeating: 1, count: dims.count)
        for i in stride(from: dims.count - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * dims[i + 1] }
        let permStrides = perm.map { inStrides[$0] }
        let bytes = OwnedBytes(count: count * size) { out in
            view.withUnsafeBytes { src in
                var index = [Int](repeating: 0, count: outDims.count)
                for o in 0..<count {
                    var s = 0
                    for k in 0..<index.count { s += index[k] * permStrides[k] }
                    (out.baseAddress! + o * size).copyMemory(from: src.baseAddress! + s * size, byteCount: size)
                    index.advance(within: outDims)
                }
            }
        }
        guard let out = ByteView(owner: bytes, offset: 0, count: count * size) else { return nil }
        return Tensor(name: tensor.name, dataType: tensor.dataType, dims: outDims.map { Int64($0) }, contents: .bytes(out))
    }

    /// The elements of a float32 tensor.
    static func floats(_ t: Tensor) -> [Float]? {
        guard t.dataType == .float, let view = t.byteView else { return nil }
        return view.withUnsafeBytes { raw in (0..<(raw.count / 4)).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
    }

    /// The elements of an integer tensor (int8/16/32/64, uint8) as Int64.
    static func ints(_ t: Tensor) -> [Int64]? {
        guard let view = t.byteView else { return nil }
        return view.withUnsafeBytes { raw -> [Int64]? in
            switch t.dataType {
            case .int64: return (0..<(raw.count / 8)).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self) }
            case .int32: return (0..<(raw.count / 4)).map { Int64(raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) }
            case .int16: return (0..<(raw.count / 2)).map { Int64(raw.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self)) }
            case .int8: return raw.map { Int64(Int8(bitPattern: $0)) }
            case .uint8, .bool: return raw.map { Int64($0) }
            default: return nil
            }
        }
    }

    /// A float32 tensor of `values`.
    static func floatTensor(_ values: [Float], dims: [Int64]) -> Tensor {
        Tensor(name: nil, dataType: .float, dims: dims, contents: .bytes(values.withUnsafeBytes { ByteView(copying: $0) }))
    }

    /// An int32 tensor of `values`.
    static func int32Tensor(_ values: [Int32], dims: [Int64]) -> Tensor {
        Tensor(name: nil, dataType: .int32, dims: dims, contents: .bytes(values.withUnsafeBytes { ByteView(copying: $0) }))
    }
}
