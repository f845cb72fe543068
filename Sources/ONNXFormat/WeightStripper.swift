import ModelIR

/// Walks the protobuf wire format of an ONNX model before protobuf-c parses it.
///
/// It checks that every length-delimited field fits in its parent and that messages do not nest
/// deeper than `maxDepth`, and it replaces each `TensorProto.raw_data` of at least `threshold`
/// bytes by a 20-byte marker. protobuf-c copies every bytes field it parses; with the markers in
/// place the parsed model stays small and the weights remain views into the mapped file.
struct WeightStripper {
    /// Message kinds whose fields the walk knows.
    enum Kind {
        case model, graph, node, attribute, tensor, sparseTensor, function, trainingInfo
        case valueInfo, typeProto, typeTensor, typeSequence, typeMap, typeOptional

        /// The kind of the message stored in field `number`, if it is a message the walk follows.
        func child(_ number: UInt64) -> Kind? {
            switch (self, number) {
            case (.model, 7): return .graph
            case (.model, 25): return .function
            case (.model, 20): return .trainingInfo
            case (.graph, 1): return .node
            case (.graph, 5): return .tensor
            case (.graph, 15): return .sparseTensor
            case (.graph, 11), (.graph, 12), (.graph, 13): return .valueInfo
            case (.node, 5): return .attribute
            case (.attribute, 5), (.attribute, 10): return .tensor
            case (.attribute, 6), (.attribute, 11): return .graph
            case (.attribute, 22), (.attribute, 23): return .sparseTensor
            case (.attribute, 14), (.attribute, 15): return .typeProto
            case (.function, 7): return .node
            case (.function, 11): return .attribute
            case (.function, 12): return .valueInfo
            case (.trainingInfo, 1), (.trainingInfo, 2): return .graph
            case (.sparseTensor, 1), (.sparseTensor, 2): return .tensor
            case (.valueInfo, 2): return .typeProto
            case (.typeProto, 1), (.typeProto, 8): return .typeTensor
            case (.typeProto, 4): return .typeSequence
            case (.typeProto, 5): return .typeMap
            case (.typeProto, 9): return .typeOptional
            case (.typeSequence, 1), (.typeMap, 2), (.typeOptional, 1): return .typeProto
            default: return nil
            }
        }
    }

    /// A problem in the wire format, with the byte offset where it was found.
    struct Failure: Error {
        let offset: Int
        let reason: String
    }

    static let markerMagic: [UInt8] = Array("MCv1".utf8)
    static let markerSize = 20
    static let maxDepth = 100

    let base: UnsafeRawPointer
    let count: Int
    let threshold: Int
    let nonce: UInt64
    /// File ranges of the stripped payloads, indexed by marker number.
    private(set) var regions: [(offset: Int, count: Int)] = []
    /// Called with file ranges the walk has passed, so their pages can be released.
    var release: (Int, Int) -> Void = { _, _ in }
    private var releasedUpTo = 0
    private static let releaseStep = 32 << 20

    init(base: UnsafeRawPointer, count: Int, threshold: Int, nonce: UInt64) {
        self.base = base
        self.count = count
        self.threshold = threshold
        self.nonce = nonce
    }

    /// Returns the rewritten model bytes, or nil when nothing was stripped (use the file as is).
    mutating func run() throws(Failure) -> [UInt8]? {
        try rewrite(start: 0, end: count, kind: .model, depth: 0)
    }

    /// Decodes a marker written by `run`, returning its region index.
    func regionIndex(ofMarker bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count == Self.markerSize, Array(bytes.prefix(4)) == Self.markerMagic else { return nil }
        let n = bytes.loadUnaligned(fromByteOffset: 4, as: UInt64.self)
        let i = bytes.loadUnaligned(fromByteOffset: 12, as: UInt64.self)
        guard n == nonce, i < UInt64(regions.count) else { return nil }
        return Int(i)
    }

    // MARK: Walk

    private mutating func rewrite(start: Int, end: Int, kind: Kind, depth: Int) throws(Failure) -> [UInt8]? {
        guard depth <= Self.maxDepth else {
            throw Failure(offset: start, reason: "messages nested more than \(Self.maxDepth) deep")
        }
        var out: [UInt8]? = nil
        var copiedUpTo = start  // bytes before this offset are already in `out` (when out != nil)
        var p = start
        while p < end {
            let fieldStart = p
            let tag = try readVarint(&p, end: end)
            let number = tag >> 3
            guard number != 0 else { throw Failure(offset: fieldStart, reason: "field number 0") }
            switch tag & 7 {
            case 0: _ = try readVarint(&p, end: end)
            case 1: try skip(&p, 8, end: end)
            case 5: try skip(&p, 4, end: end)
            case 2:
                let len = try readVarint(&p, end: end)
                guard len <= UInt64(end - p) else {
                    throw Failure(offset: fieldStart, reason: "field \(number) claims \(len) bytes but only \(end - p) remain")
                }
                let payloadStart = p
                let payloadEnd = p + Int(len)
                p = payloadEnd
                var replacement: [UInt8]? = nil
                if kind == .tensor && number == 9 {
                    if Int(len) >= threshold { replacement = makeMarker(offset: payloadStart, count: Int(len)) }
                    if p - releasedUpTo >= Self.releaseStep {
                        release(releasedUpTo, fieldStart - releasedUpTo)
                        releasedUpTo = fieldStart
                    }
                } else if let child = kind.child(number) {
                    replacement = try rewrite(start: payloadStart, end: payloadEnd, kind: child, depth: depth + 1)
                }
                if let replacement {
                    if out == nil { out = [] ; out!.reserveCapacity(min(end - start, 1 << 20)) }
                    append(&out!, from: copiedUpTo, to: fieldStart)
                    appendVarint(&out!, tag)
                    appendVarint(&out!, UInt64(replacement.count))
                    out!.append(contentsOf: replacement)
                    copiedUpTo = payloadEnd
                }
            default:
                throw Failure(offset: fieldStart, reason: "unsupported wire type \(tag & 7) for field \(number)")
            }
        }
        guard var result = out else { return nil }
        append(&result, from: copiedUpTo, to: end)
        return result
    }

    private mutating func makeMarker(offset: Int, count: Int) -> [UInt8] {
        let index = UInt64(regions.count)
        regions.append((offset, count))
        var m = Self.markerMagic
        withUnsafeBytes(of: nonce.littleEndian) { m.append(contentsOf: $0) }
        withUnsafeBytes(of: index.littleEndian) { m.append(contentsOf: $0) }
        return m
    }

    // MARK: Primitives

    private func readVarint(_ p: inout Int, end: Int) throws(Failure) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let start = p
        while true {
            guard p < end else { throw Failure(offset: start, reason: "truncated varint") }
            let byte = base.load(fromByteOffset: p, as: UInt8.self)
            p += 1
            guard shift < 64 else { throw Failure(offset: start, reason: "varint longer than 10 bytes") }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    private func skip(_ p: inout Int, _ n: Int, end: Int) throws(Failure) {
        guard end - p >= n else { throw Failure(offset: p, reason: "truncated fixed-size field") }
        p += n
    }

    private func append(_ out: inout [UInt8], from: Int, to: Int) {
        guard to > from else { return }
        out.append(contentsOf: UnsafeRawBufferPointer(start: base + from, count: to - from))
    }

    private func appendVarint(_ out: inout [UInt8], _ value: UInt64) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }
}
