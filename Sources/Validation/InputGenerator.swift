import Interpreter
import ModelIR

/// Makes deterministic inputs from a graph input's declared type: seeded, with sensible ranges per dtype.
public struct InputGenerator: Sendable {
    public var seed: UInt64
    /// Values for symbolic dims (`--dim name=value`); unknown dims default to 1.
    public var dims: [String: Int]

    public init(seed: UInt64 = 0, dims: [String: Int] = [:]) {
        self.seed = seed
        self.dims = dims
    }

    /// The concrete shape for a declared one.
    public func shape(for declared: [Dim]?) -> [Int] {
        (declared ?? []).map { d in
            switch d.value {
            case .fixed(let n): return n >= 0 ? Int(n) : 1
            case .symbolic(let s): return dims[s] ?? 1
            case .unknown: return 1
            }
        }
    }

    /// An array for the input `info` (the `index`-th input, which varies the seed).
    public func make(_ info: ValueInfo, index: Int) throws(ValidationError) -> NDArray {
        guard let t = info.type?.tensorType, let dtype = t.elementType else {
            throw .input("cannot generate a value for input '\(info.name)' of type \(info.type?.description ?? "?"); give it with --input")
        }
        let shape = shape(for: t.shape)
        guard let count = NDArray.count(of: shape.map { max($0, 0) }, atMost: 1 << 28) else {
            throw .input("input '\(info.name)' of shape \(shape) would have more than \(1 << 28) elements; fix its dims with --dim")
        }
        var rng = SeededGenerator(seed: seed &+ UInt64(index) &* 0x9E37_79B9)
        let values: [Double]
        switch dtype {
        case .float, .double, .float16, .bfloat16:
            values = (0..<count).map { _ in Double.random(in: -1...1, using: &rng) }
        case .int8: values = (0..<count).map { _ in Double(Int.random(in: -128...127, using: &rng)) }
        case .uint8: values = (0..<count).map { _ in Double(Int.random(in: 0...255, using: &rng)) }
        case .int16, .int32, .int64, .uint16, .uint32, .uint64:
            values = (0..<count).map { _ in Double(Int.random(in: 0...3, using: &rng)) }
        case .bool: values = (0..<count).map { _ in Bool.random(using: &rng) ? 1 : 0 }
        default:
            throw .input("cannot generate \(dtype) values for input '\(info.name)'; give it with --input")
        }
        return NDArray(dataType: dtype, shape: shape, doubles: values)
    }
}

/// SplitMix64: a small seeded generator, identical on every platform.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
