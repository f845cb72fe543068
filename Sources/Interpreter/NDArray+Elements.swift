import ModelIR

// MARK: Typed element access shared by kernels

extension NDArray {
    /// Elements as Float (integers and bools converted; strings empty).
    public var floats: [Float] {
        if case .float(let a) = storage { return a }
        return doubles.map { Float($0) }
    }

    /// Elements as Int64 (floats truncated toward zero; bools 0/1; strings empty).
    public var int64s: [Int64] {
        switch storage {
        case .int64(let a): return a
        case .int32(let a): return a.map(Int64.init)
        case .int8(let a): return a.map(Int64.init)
        case .int16(let a): return a.map(Int64.init)
        case .uint8(let a): return a.map(Int64.init)
        case .uint16(let a): return a.map(Int64.init)
        case .uint32(let a): return a.map(Int64.init)
        case .uint64(let a): return a.map { Int64(truncatingIfNeeded: $0) }
        case .bool(let a): return a.map { $0 ? 1 : 0 }
        case .string: return []
        default:
            return doubles.map { $0.isFinite ? Int64(max(min($0, 9.2e18), -9.2e18)) : 0 }
        }
    }

    /// Elements as Int (for shapes, indices and axes).
    public var ints: [Int] { int64s.map { Int($0) } }

    /// An array of `dataType` holding `values` converted from Double (rounding toward zero for
    /// integers, saturating like C casts do not: values out of range wrap via truncation).
    public init(dataType: DataType, shape: [Int], doubles values: [Double]) {
        self.init(dataType: dataType, shape: shape, storage: NDArray.storage(dataType, values))
    }

    /// An array of the same dtype as `self` with new shape and values given as Double.
    public func with(shape: [Int], doubles values: [Double]) -> NDArray {
        NDArray(dataType: dataType, shape: shape, doubles: values)
    }

    static func storage(_ t: DataType, _ v: [Double]) -> Storage {
        @inline(__always) func int<T: FixedWidthInteger>(_: T.Type) -> [T] {
            v.map { d in
                guard d.isFinite else { return 0 }
                let i = Int64(exactly: d.rounded(.towardZero)) ?? (d < 0 ? Int64.min : Int64.max)
                return T(truncatingIfNeeded: i)
            }
        }
        switch t {
        case .float, .float8e4m3fn, .float8e4m3fnuz, .float8e5m2, .float8e5m2fnuz: return .float(v.map { Float($0) })
        case .double: return .double(v)
        case .float16: return .float16(v.map { Float16(Float($0)) })
        case .bfloat16: return .bfloat16(v.map { BFloat16.bits(Float($0)) })
        case .int8, .int4: return .int8(int(Int8.self))
        case .int16: return .int16(int(Int16.self))
        case .int32: return .int32(int(Int32.self))
        case .int64: return .int64(int(Int64.self))
        case .uint8, .uint4: return .uint8(int(UInt8.self))
        case .uint16: return .uint16(int(UInt16.self))
        case .uint32: return .uint32(int(UInt32.self))
        case .uint64: return .uint64(v.map { $0 >= 0 && $0.isFinite ? UInt64(min($0, 1.8e19)) : UInt64(bitPattern: Int64(max($0.isFinite ? $0 : 0, -9.2e18))) })
        case .bool: return .bool(v.map { $0 != 0 })
        default: return .double(v)
        }
    }

    /// The element at flat index `i` as Double.
    public func double(at i: Int) -> Double {
        switch storage {
        case .float(let a): return Double(a[i])
        case .double(let a): return a[i]
        case .int64(let a): return Double(a[i])
        case .int32(let a): return Double(a[i])
        default: return doubles[i]
        }
    }

    /// A scalar or one-element array's value as Int.
    public var scalarInt: Int? { count == 1 ? ints.first : nil }

    /// Elements reordered by `indices` (flat gather), keeping the dtype; `shape` is the result's shape.
    public func gathering(_ indices: [Int], shape newShape: [Int]) -> NDArray {
        func g<T>(_ a: [T]) -> [T] { indices.map { a[$0] } }
        let s: Storage
        switch storage {
        case .float(let a): s = .float(g(a))
        case .double(let a): s = .double(g(a))
        case .float16(let a): s = .float16(g(a))
        case .bfloat16(let a): s = .bfloat16(g(a))
        case .int8(let a): s = .int8(g(a))
        case .int16(let a): s = .int16(g(a))
        case .int32(let a): s = .int32(g(a))
        case .int64(let a): s = .int64(g(a))
        case .uint8(let a): s = .uint8(g(a))
        case .uint16(let a): s = .uint16(g(a))
        case .uint32(let a): s = .uint32(g(a))
        case .uint64(let a): s = .uint64(g(a))
        case .bool(let a): s = .bool(g(a))
        case .string(let a): s = .string(g(a))
        }
        return NDArray(dataType: dataType, shape: newShape, storage: s)
    }

    /// The same elements with a new shape (element count must match).
    public func reshaped(_ newShape: [Int]) -> NDArray {
        NDArray(dataType: dataType, shape: newShape, storage: storage)
    }
}

/// bfloat16 bit conversions.
public enum BFloat16 {
    /// Round-to-nearest-even truncation of a Float to bfloat16 bits.
    public static func bits(_ f: Float) -> UInt16 {
        if f.isNaN { return 0x7fc0 }
        let b = f.bitPattern
        let rounding = ((b >> 16) & 1) + 0x7fff
        return UInt16((b &+ rounding) >> 16)
    }
    public static func float(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }
}

// MARK: Broadcasting

/// Numpy-style multidirectional broadcasting.
public enum Broadcast {
    /// The broadcast shape of `shapes`, or nil when they are incompatible.
    public static func shape(_ shapes: [[Int]]) -> [Int]? {
        let rank = shapes.map { $0.count }.max() ?? 0
        var out = [Int](repeating: 1, count: rank)
        for s in shapes {
            let offset = rank - s.count
            for (i, d) in s.enumerated() {
                let j = i + offset
                if out[j] == 1 { out[j] = d } else if d != 1 && d != out[j] { return nil }
            }
        }
        return out
    }

    /// For each element of `target`, the flat index of the element of an array of `shape` it reads.
    public static func indexMap(from shape: [Int], to target: [Int]) -> [Int] {
        let total = NDArray.count(of: target)
        if shape == target { return Array(0..<total) }
        let rank = target.count
        let padded = [Int](repeating: 1, count: rank - shape.count) + shape
        let srcStrides = NDArray.strides(of: padded)
        var map = [Int](repeating: 0, count: total)
        var index = [Int](repeating: 0, count: rank)
        for flat in 0..<total {
            var src = 0
            for d in 0..<rank where padded[d] != 1 { src += index[d] * srcStrides[d] }
            map[flat] = src
            index.advance(within: target)
        }
        return map
    }

    /// `array` expanded to `target` (which must be a valid broadcast of its shape).
    public static func expand(_ array: NDArray, to target: [Int]) -> NDArray {
        if array.shape == target { return array }
        return array.gathering(indexMap(from: array.shape, to: target), shape: target)
    }
}
