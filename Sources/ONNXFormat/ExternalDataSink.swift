import ModelFiles
import ModelIR

/// Appends tensor bytes to an external data file, 64-byte aligned.
/// The file is created on the first append, so a model with no large tensor gets no data file.
final class ExternalDataSink {
    /// The file name recorded in each tensor's `location`.
    let location: String
    let threshold: Int
    let destination: String
    private var file: AtomicFile?
    private var position = 0

    init(location: String, destination: String, threshold: Int) {
        self.location = location
        self.threshold = threshold
        self.destination = destination
    }

    /// Writes `view` and returns its offset in the external file.
    func append(_ view: ByteView) throws(ONNXError) -> Int {
        do throws(FileWriteError) {
            let out: AtomicFile
            if let file { out = file } else { out = try AtomicFile(destination: destination) }
            file = out
            let padding = (64 - position % 64) % 64
            if padding > 0 {
                try out.write([UInt8](repeating: 0, count: padding))
                position += padding
            }
            let offset = position
            try out.write(view)
            position += view.count
            return offset
        } catch {
            throw .writeFailed(path: destination, reason: error.description)
        }
    }

    /// Renames the data file into place, if anything was written.
    func commit() throws(FileWriteError) {
        try file?.commit()
    }
}
