import Foundation
import Interpreter
import ModelIR

/// Reads and writes numpy `.npy` arrays (versions 1–3, little-endian, C order).
public enum NPYFormat {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    // MARK: Reading

    /// Parses one `.npy` payload; `label` names it in errors.
    public static func read(_ data: Data, label: String) throws(Failure) -> NDArray {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw Failure(description: "\(label): not a .npy array (bad magic)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw Failure(description: "\(label): truncated .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw Failure(description: "\(label): unsupported .npy version \(major)")
        }
        guard headerStart + headerLength <= bytes.count else { throw Failure(description: "\(label): truncated .npy header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard let descr = value(of: "descr", in: header)?.trimmingCharacters(in: CharacterSet(charactersIn: "'\" ")),
              let shapeText = value(of: "shape", in: header)
        else { throw Failure(description: "\(label): .npy header lacks descr or shape: \(header)") }
        if value(of: "fortran_order", in: header)?.contains("True") == true {
            throw Failure(description: "\(label): Fortran-ordered arrays are not supported; save with C order")
        }
        let shape = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
            .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw Failure(description: "\(label): negative dim in shape \(shape)") }
        let count = shape.reduce(1, *)
        let payload = Data(bytes[(headerStart + headerLength)...])
        if descr.hasPrefix("<U") || descr.hasPrefix("|U") {
            guard let width = Int(descr.dropFirst(2)), payload.count >= count * width * 4 else {
                throw Failure(description: "\(label): bad unicode array \(descr)")
            }
            var strings: [String] = []
            for i in 0..<count {
                var scalars = String.UnicodeScalarView()
                for j in 0..<width {
                    let o = (i * width + j) * 4
                    let v = UInt32(payload[o]) | UInt32(payload[o + 1]) << 8 | UInt32(payload[o + 2]) << 16 | UInt32(payload[o + 3]) << 24
                    if v == 0 { break }
                    if let s = Unicode.Scalar(v) { scalars.append(s) }
                }
                strings.append(String(scalars))
            }
            return NDArray(dataType: .string, shape: shape, storage: .string(strings))
        }
        guard let dataType = dataType(for: descr) else {
            throw Failure(description: "\(label): unsupported dtype '\(descr)'")
        }
        guard let needed = dataType.byteCount(elements: count), payload.count >= needed else {
            throw Failure(description: "\(label): data holds \(payload.count) bytes, shape \(shape) of \(descr) needs more")
        }
        let tensor = Tensor(name: label, dataType: dataType, dims: shape.map { Int64($0) },
                            contents: .bytes(ByteView(copying: [UInt8](payload.prefix(needed)))))
        do { return try NDArray(tensor: tensor) } catch { throw Failure(description: "\(label): \(error)") }
    }

    /// The value text after `'key':` in a header dict.
    private static func value(of key: String, in header: String) -> String? {
        guard let r = header.range(of: "'\(key)':") else { return nil }
        let rest = header[r.upperBound...]
        if key == "shape" {
            guard let open = rest.firstIndex(of: "("), let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[open...close])
        }
        return String(rest.prefix { $0 != "," && $0 != "}" }).trimmingCharacters(in: .whitespaces)
    }

    static func dataType(for descr: String) -> DataType? {
        let code = descr.replacingOccurrences(of: "<", with: "").replacingOccurrences(of: "|", with: "").replacingOccurrences(of: "=", with: "")
        if descr.hasPrefix(">") { return nil }
        switch code {
        case "f4": return .float
        case "f8": return .double
        case "f2": return .float16
        case "i1": return .int8
        case "i2": return .int16
        case "i4": return .int32
        case "i8": return .int64
        case "u1": return .uint8
        case "u2": return .uint16
        case "u4": return .uint32
        case "u8": return .uint64
        case "b1": return .bool
        default: return nil
        }
    }

    // MARK: Writing

    /// Serializes an array as `.npy` version 1.0.
    public static func write(_ array: NDArray) throws(Failure) -> Data {
        let descr: String
        switch array.dataType {
        case .float: descr = "<f4"
        case .double: descr = "<f8"
        case .float16: descr = "<f2"
        case .int8: descr = "|i1"
        case .int16: descr = "<i2"
        case .int32: descr = "<i4"
        case .int64: descr = "<i8"
        case .uint8: descr = "|u1"
        case .uint16: descr = "<u2"
        case .uint32: descr = "<u4"
        case .uint64: descr = "<u8"
        case .bool: descr = "|b1"
        default: throw Failure(description: "cannot store \(array.dataType) arrays in .npy")
        }
        let shape = array.shape.count == 1 ? "(\(array.shape[0]),)" : "(\(array.shape.map(String.init).joined(separator: ", ")))"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = Data(magic + [1, 0])
        let n = header.utf8.count
        out.append(contentsOf: [UInt8(n & 0xff), UInt8(n >> 8)])
        out.append(contentsOf: Array(header.utf8))
        out.append(contentsOf: array.encodedBytes())
        return out
    }
}
