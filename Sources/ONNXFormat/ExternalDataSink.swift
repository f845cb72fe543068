import ModelFiles
import ModelIR

/// Appends tensor bytes to an external data file, 64-byte aligned.
final class ExternalDataSink {
    /// The file name recorded in each tensor's `location`.
    let location: String
    let threshold: Int
    let file: AtomicFile
    private var position = 0

    init(location: String, destination: String, threshold: Int) throws(ONNXError) {
        self.location = location
        self.threshold = threshold
        do { file = try AtomicFile(destination: destination) } catch {
            throw .writeFailed(path: destination, reason: error.description)
        }
    }

    /// Writes `view` and returns its offset in the external file.
    func append(_ view: ByteView) throws(ONNXError) -> Int {
        let padding = (64 - position % 64) % 64
        do throws(FileWriteError) {
            if padding > 0 {
                try file.write([UInt8](repeating: 0, count: padding))
                position += padding
            }
            let offset = position
            try file.write(view)
            position += view.count
            return offset
        } catch {
            throw .writeFailed(path: file.destination, reason: error.description)
        }
    }
}
