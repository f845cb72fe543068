import CFlatTFLite
import ModelFiles
import ModelIR

// MARK: Sparse constants (TACO encoding) → dense

extension TFLiteReadContext {
    /// The dense bytes of a sparse constant: dims traversed in `traversal_order`, each DENSE
    /// (`dense_size` entries) or SPARSE_CSR (segments + indices); the buffer holds the values in order.
    func densify(_ s: Int, _ t: Int, values: ByteView, dataType: DataType, shape: [Int32], element: String) throws(TFLiteError) -> ByteView {
        var sp = tfl_sparsity()
        try check(tfl_tensor_sparsity(handle, s, t, &sp, &err, err.count))
        let order = sp.traversal_order.map { Array(UnsafeBufferPointer(start: $0, count: sp.traversal_order_count)) } ?? []
        guard sp.block_map_count == 0, order.count == shape.count, Set(order) == Set(0..<Int32(shape.count)),
              sp.dim_metadata_count == shape.count else {
            throw .unsupported(path: path, element: element, reason: "block-sparse tensors are not supported (only per-dimension DENSE/CSR)")
        }
        var levels: [(dense: Int, segments: [Int], indices: [Int])] = []
        for d in 0..<sp.dim_metadata_count {
            var m = tfl_dim_metadata()
            try check(tfl_tensor_dim_metadata(handle, s, t, d, &m, &err, err.count))
            if m.format == 0 {
                levels.append((Int(m.dense_size), [], []))
            } else {
                levels.append((0, Self.indexVector(m.segments, m.segments_count, m.segments_type),
                               Self.indexVector(m.indices, m.indices_count, m.indices_type)))
            }
        }
        let elementSize = (dataType.bitsPerElement ?? 0) / 8
        let count = shape.reduce(1) { $0 * Int($1) }
        guard elementSize > 0, values.count % elementSize == 0 else {
            throw .unsupported(path: path, element: element, reason: "sparse \(dataType) tensors are not supported")
        }
        let strides = shape.map(Int.init).rowMajorStrides
        var dense = [UInt8](repeating: 0, count: count * elementSize)
        var failure: String? = nil
        values.withUnsafeBytes { raw in
            let valueCount = raw.count / elementSize
            var coords = [Int](repeating: 0, count: shape.count)
            func visit(_ level: Int, _ position: Int) {
                guard failure == nil else { return }
                if level == levels.count {
                    guard position < valueCount else { failure = "value index \(position) out of range (\(valueCount) values)"; return }
                    let offset = zip(coords, strides).reduce(0) { $0 + $1.0 * $1.1 }
                    for b in 0..<elementSize { dense[offset * elementSize + b] = raw[position * elementSize + b] }
                    return
                }
                let axis = Int(order[level]), lvl = levels[level]
                if lvl.segments.isEmpty {
                    for i in 0..<lvl.dense where i < Int(shape[axis]) {
                        coords[axis] = i
                        visit(level + 1, position * lvl.dense + i)
                    }
                } else {
                    guard position + 1 < lvl.segments.count, lvl.segments[position] <= lvl.segments[position + 1],
                          lvl.segments[position + 1] <= lvl.indices.count else { failure = "segment \(position) out of range"; return }
                    for k in lvl.segments[position]..<lvl.segments[position + 1] {
                        let i = lvl.indices[k]
                        guard i >= 0, i < Int(shape[axis]) else { failure = "index \(i) out of range for dim \(shape[axis])"; return }
                        coords[axis] = i
                        visit(level + 1, k)
                    }
                }
            }
            visit(0, 0)
        }
        if let failure { throw .invalid(path: path, reason: "\(element): sparse tensor: \(failure)") }
        return ByteView(copying: dense)
    }

    static func indexVector(_ p: UnsafeRawPointer?, _ n: Int, _ type: Int32) -> [Int] {
        guard let p else { return [] }
        switch type {
        case TFL_SPARSE_INDEX_INT32: return UnsafeBufferPointer(start: p.assumingMemoryBound(to: Int32.self), count: n).map(Int.init)
        case TFL_SPARSE_INDEX_UINT16: return UnsafeBufferPointer(start: p.assumingMemoryBound(to: UInt16.self), count: n).map(Int.init)
        case TFL_SPARSE_INDEX_UINT8: return UnsafeBufferPointer(start: p.assumingMemoryBound(to: UInt8.self), count: n).map(Int.init)
        default: return []
        }
    }
}
