import CProtobufONNX

// MARK: Reading C values

/// A Swift string from an optional C string (nil stays nil: absent field).
@inline(__always)
func cString(_ p: UnsafeMutablePointer<CChar>?) -> String? {
    guard let p else { return nil }
    return String(cString: p)
}

/// The elements of a C array given as count + pointer.
@inline(__always)
func cArray<T>(_ count: Int, _ p: UnsafeMutablePointer<T>?) -> UnsafeBufferPointer<T> {
    guard let p, count > 0 else { return UnsafeBufferPointer(start: nil, count: 0) }
    return UnsafeBufferPointer(start: p, count: count)
}

/// The non-null messages of a C array of message pointers.
@inline(__always)
func cMessages<T>(_ count: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<T>?>?) -> [UnsafeMutablePointer<T>] {
    cArray(count, p).compactMap { $0 }
}

/// The bytes of a protobuf-c binary field.
@inline(__always)
func cBytes(_ b: ProtobufCBinaryData) -> UnsafeRawBufferPointer {
    guard b.len > 0, let data = b.data else { return UnsafeRawBufferPointer(start: nil, count: 0) }
    return UnsafeRawBufferPointer(start: data, count: b.len)
}
