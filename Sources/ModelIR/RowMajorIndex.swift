// MARK: Walking a shape in row-major order

extension Array where Element == Int {
    /// Steps this multi-index to the next position of `shape` in row-major order (last axis fastest);
    /// after the last position it wraps to all zeros. `count` must equal `shape.count`.
    @inlinable
    public mutating func advance(within shape: [Int]) {
        var d = count - 1
        while d >= 0 {
            self[d] += 1
            if self[d] < shape[d] { return }
            self[d] = 0
            d -= 1
        }
    }
}

extension Array where Element == Int {
    /// The row-major strides of this shape (last axis 1), in elements.
    public var rowMajorStrides: [Int] {
        var s = [Int](repeating: 1, count: count)
        var acc = 1
        for i in stride(from: count - 1, through: 0, by: -1) {
            s[i] = acc
            acc *= self[i]
        }
        return s
    }
}
