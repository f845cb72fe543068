import CProtobufONNX
import ModelFiles

extension CArena {
    /// Binary data pointing at a copy of `bytes`.
    func bytes(_ bytes: [UInt8]) -> ProtobufCBinaryData {
        let (n, p) = copy(bytes)
        return ProtobufCBinaryData(len: n, data: p)
    }
}
