#if canImport(Glibc)
import Glibc
#endif

/// Owns every C allocation made while building a protobuf-c message tree; frees them all at once.
public final class CArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    public init() {}

    deinit { for b in blocks { free(b) } }

    /// A zeroed C array of `count` elements (nil when empty).
    public func array<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T>? {
        guard count > 0 else { return nil }
        guard let raw = calloc(count, MemoryLayout<T>.stride) else { fatalError("out of memory allocating \(count) C elements") }
        blocks.append(raw)
        return raw.bindMemory(to: T.self, capacity: count)
    }

    /// One message, initialized by the protobuf-c init function `initialize`.
    public func message<T>(_ initialize: (UnsafeMutablePointer<T>) -> Void) -> UnsafeMutablePointer<T> {
        let p = array(T.self, count: 1)!
        initialize(p)
        return p
    }

    /// A copy of `values` as a C array with its count.
    public func copy<T>(_ values: [T]) -> (Int, UnsafeMutablePointer<T>?) {
        guard let p = array(T.self, count: values.count) else { return (0, nil) }
        for (i, v) in values.enumerated() { (p + i).initialize(to: v) }
        return (values.count, p)
    }

    /// A nul-terminated copy of `s` (nil stays nil: the field is left absent).
    public func string(_ s: String?) -> UnsafeMutablePointer<CChar>? {
        guard let s else { return nil }
        let utf8 = Array(s.utf8)
        let p = array(CChar.self, count: utf8.count + 1)!
        for (i, b) in utf8.enumerated() { p[i] = CChar(bitPattern: b) }
        return p
    }

    /// A C array of nul-terminated strings.
    public func strings(_ values: [String]) -> (Int, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
        copy(values.map { string($0) })
    }
}

extension Array where Element == CChar {
    /// The text of a nul-terminated C message buffer.
    public var cMessage: String {
        String(decoding: prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
