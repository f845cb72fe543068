import Foundation
import Interpreter
import ZIPFoundation

/// Reads and writes numpy `.npz` archives: a zip of `<key>.npy` members (stored or deflated).
public enum NPZArchive {
    /// Every array of the archive at `path`, by key (member name without `.npy`).
    public static func read(path: String) throws(NPYFormat.Failure) -> [String: NDArray] {
        let archive: Archive
        do { archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch {
            throw NPYFormat.Failure(description: "\(path): not a readable .npz archive (\(error))")
        }
        var out: [String: NDArray] = [:]
        for entry in archive where entry.type == .file {
            guard entry.path.hasSuffix(".npy") else { continue }
            guard entry.uncompressedSize < 8 << 30 else {
                throw NPYFormat.Failure(description: "\(path): member \(entry.path) is implausibly large")
            }
            var data = Data()
            do { _ = try archive.extract(entry, skipCRC32: false) { data.append($0) } } catch {
                throw NPYFormat.Failure(description: "\(path): cannot extract \(entry.path): \(error)")
            }
            let key = String(entry.path.dropLast(4))
            out[key] = try NPYFormat.read(data, label: "\(path):\(entry.path)")
        }
        return out
    }

    /// Writes `arrays` as an uncompressed `.npz` at `path` (replacing it).
    public static func write(_ arrays: [(String, NDArray)], to path: String) throws(NPYFormat.Failure) {
        let url = URL(fileURLWithPath: path)
        try? FileManager.default.removeItem(at: url)
        do {
            let archive = try Archive(url: url, accessMode: .create)
            for (key, array) in arrays {
                let data = try NPYFormat.write(array)
                try archive.addEntry(with: key + ".npy", type: .file, uncompressedSize: Int64(data.count),
                                     compressionMethod: .none) { position, size in
                    data.subdata(in: Int(position)..<Int(position) + size)
                }
            }
        } catch let failure as NPYFormat.Failure {
            throw failure
        } catch {
            throw NPYFormat.Failure(description: "\(path): cannot write .npz: \(error)")
        }
    }
}
