#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ModelIR

/// A read-only memory mapping of a whole file; unmapped when the last view goes away.
public final class MappedFile: ByteOwner, @unchecked Sendable {
    public let path: String
    public var filePath: String? { path }
    public let baseAddress: UnsafeRawPointer?
    public let byteCount: Int

    /// Maps `path` read-only. Empty files map to an empty region.
    public init(path: String) throws(MappedFileError) {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw .isDirectory(path: path) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw .notRegularFile(path: path) }
        let size = Int(st.st_size)
        byteCount = size
        if size == 0 {
            baseAddress = nil
            return
        }
        let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else {
            throw .cannotOpen(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        baseAddress = UnsafeRawPointer(p)
    }

    /// Drops the resident pages inside the range (page-aligned interior only); the mapping is
    /// read-only and never written, so the bytes are refetched from the file when read again.
    public func releasePages(offset: Int, count: Int) {
        guard let baseAddress, count > 0, offset >= 0, offset + count <= byteCount else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (Int(bitPattern: baseAddress) + offset + page - 1) / page * page
        let end = (Int(bitPattern: baseAddress) + offset + count) / page * page
        guard end > start, let p = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(p, end - start, Int32(MADV_DONTNEED))
    }

    /// Drops every resident page of the mapping.
    public func releaseAllPages() { releasePages(offset: 0, count: byteCount) }

    deinit {
        if let baseAddress, byteCount > 0 {
            munmap(UnsafeMutableRawPointer(mutating: baseAddress), byteCount)
        }
    }
}

/// Errors from mapping a file.
public enum MappedFileError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case isDirectory(path: String)
    case notRegularFile(path: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "\(path): cannot open: \(reason)"
        case .isDirectory(let path): return "\(path): is a folder, expected a model file"
        case .notRegularFile(let path): return "\(path): not a regular file"
        }
    }
}

