#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: Owners

/// Something that keeps a range of bytes alive: a mapped file or an owned buffer.
public protocol ByteOwner: AnyObject, Sendable {
    /// The first byte; valid for `byteCount` bytes while the owner lives.
    var baseAddress: UnsafeRawPointer? { get }
    var byteCount: Int { get }
    /// The file the bytes are mapped from, if any.
    var filePath: String? { get }
    /// Tells the owner the range was read and its memory may be given back (mapped files drop
    /// the resident pages; the kernel refetches them if they are read again).
    func releasePages(offset: Int, count: Int)
}

extension ByteOwner {
    public var filePath: String? { nil }
    public func releasePages(offset: Int, count: Int) {}
}

/// A heap buffer owned by the IR (made by a pass or decoded from typed fields).
public final class OwnedBytes: ByteOwner, @unchecked Sendable {
    private let storage: UnsafeMutableRawPointer?
    public let byteCount: Int
    public var baseAddress: UnsafeRawPointer? { UnsafeRawPointer(storage) }

    /// Copies `bytes` into a new buffer.
    public init(copying bytes: UnsafeRawBufferPointer) {
        byteCount = bytes.count
        if bytes.count == 0 {
            storage = nil
        } else {
            storage = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 16)
            storage?.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        }
    }

    /// A zero-filled buffer filled in by `body`.
    public init(count: Int, _ body: (UnsafeMutableRawBufferPointer) -> Void) {
        byteCount = count
        if count == 0 {
            storage = nil
            body(UnsafeMutableRawBufferPointer(start: nil, count: 0))
        } else {
            let p = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 16)
            p.initializeMemory(as: UInt8.self, repeating: 0, count: count)
            storage = p
            body(UnsafeMutableRawBufferPointer(start: p, count: count))
        }
    }

    deinit { storage?.deallocate() }
}

// MARK: View

/// An immutable view of bytes inside an owner; copying a view never copies the bytes.
public struct ByteView: Sendable, Hashable, CustomStringConvertible {
    public let owner: any ByteOwner
    public let offset: Int
    public let count: Int

    /// A view of `count` bytes at `offset`; nil when the range does not fit in the owner.
    public init?(owner: any ByteOwner, offset: Int, count: Int) {
        guard offset >= 0, count >= 0, offset <= owner.byteCount, count <= owner.byteCount - offset else {
            return nil
        }
        self.owner = owner
        self.offset = offset
        self.count = count
    }

    /// A view of a new owned copy of `bytes`.
    public init(copying bytes: UnsafeRawBufferPointer) {
        let o = OwnedBytes(copying: bytes)
        self.owner = o
        self.offset = 0
        self.count = bytes.count
    }

    /// A view of a new owned copy of `bytes`.
    public init(copying bytes: [UInt8]) {
        self = bytes.withUnsafeBytes { ByteView(copying: $0) }
    }

    public static var empty: ByteView { ByteView(copying: UnsafeRawBufferPointer(start: nil, count: 0)) }

    /// Whether the bytes live in a memory-mapped file (no copy was made).
    public var isMapped: Bool { owner.filePath != nil }

    /// Calls `body` with the viewed bytes.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        guard count > 0, let base = owner.baseAddress else {
            return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        return try body(UnsafeRawBufferPointer(start: base + offset, count: count))
    }

    /// The bytes copied into an array (for small tensors and tests).
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Compares bytes in chunks, releasing mapped pages behind the comparison so that comparing
    /// two large mapped models does not keep both resident.
    public static func == (lhs: ByteView, rhs: ByteView) -> Bool {
        guard lhs.count == rhs.count else { return false }
        if lhs.owner === rhs.owner && lhs.offset == rhs.offset { return true }
        let chunk = 16 << 20
        return lhs.withUnsafeBytes { a in
            rhs.withUnsafeBytes { b in
                var done = 0
                while done < a.count {
                    let n = min(chunk, a.count - done)
                    if memcmp(a.baseAddress! + done, b.baseAddress! + done, n) != 0 { return false }
                    lhs.owner.releasePages(offset: lhs.offset + done, count: n)
                    rhs.owner.releasePages(offset: rhs.offset + done, count: n)
                    done += n
                }
                return true
            }
        }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        withUnsafeBytes { hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: $0.prefix(64))) }
    }

    public var description: String { "\(count) bytes\(isMapped ? " (mapped)" : "")" }
}
