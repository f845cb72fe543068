#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import ModelIR

/// A file written under a temporary name in the destination's folder and renamed into place on `commit`.
///
/// Until `commit`, the destination is untouched; dropping an uncommitted file removes the temporary.
public final class AtomicFile {
    public let destination: String
    public let temporaryPath: String
    /// The open file descriptor to write to.
    public private(set) var descriptor: Int32
    private var committed = false

    /// Creates the temporary file next to `destination`.
    public init(destination: String) throws(FileWriteError) {
        self.destination = destination
        let url = URL(fileURLWithPath: destination)
        let folder = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw .folderMissing(path: destination, folder: folder)
        }
        var template = Array("\(folder)/.\(url.lastPathComponent).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw .cannotCreate(path: destination, reason: String(cString: strerror(errno))) }
        descriptor = fd
        temporaryPath = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        fchmod(fd, 0o644)
    }

    /// Writes all of `bytes` at the current position.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileWriteError) {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw .cannotWrite(path: destination, reason: String(cString: strerror(errno)))
            }
            done += n
        }
    }

    /// Writes the bytes of a view.
    public func write(_ view: ByteView) throws(FileWriteError) {
        let result = view.withUnsafeBytes { b in Result { () throws(FileWriteError) in try write(b) } }
        try result.get()
    }

    /// Writes an array of bytes.
    public func write(_ bytes: [UInt8]) throws(FileWriteError) {
        let result = bytes.withUnsafeBytes { b in Result { () throws(FileWriteError) in try write(b) } }
        try result.get()
    }

    /// The current write position.
    public var position: Int { Int(lseek(descriptor, 0, SEEK_CUR)) }

    /// Flushes, closes and renames the temporary file onto the destination.
    public func commit() throws(FileWriteError) {
        guard !committed else { return }
        if fsync(descriptor) != 0 && errno != EINVAL {
            throw .cannotWrite(path: destination, reason: String(cString: strerror(errno)))
        }
        close(descriptor)
        descriptor = -1
        guard rename(temporaryPath, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw .cannotWrite(path: destination, reason: "rename failed: \(reason)")
        }
        committed = true
    }

    deinit {
        if !committed {
            if descriptor >= 0 { close(descriptor) }
            unlink(temporaryPath)
        }
    }
}

/// Problems writing an output file.
public enum FileWriteError: Error, CustomStringConvertible, Equatable {
    case folderMissing(path: String, folder: String)
    case cannotCreate(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case wouldOverwriteInput(path: String)

    public var description: String {
        switch self {
        case .folderMissing(let path, let folder): return "\(path): output folder '\(folder)' does not exist"
        case .cannotCreate(let path, let reason): return "\(path): cannot create output: \(reason)"
        case .cannotWrite(let path, let reason): return "\(path): cannot write: \(reason)"
        case .wouldOverwriteInput(let path):
            return "\(path): refusing to overwrite an input of this conversion; choose another output path"
        }
    }
}

/// Path identity checks used to refuse overwriting inputs.
public enum FileIdentity {
    /// Whether `a` and `b` name the same existing file (same device and inode).
    public static func same(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }
}
