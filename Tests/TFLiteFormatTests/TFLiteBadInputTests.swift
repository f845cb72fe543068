import ConverterTestSupport
import Foundation
import ModelIR
import TFLiteFormat
import Testing

/// Acceptance: malformed .tflite files give a clear error naming the problem, never a crash.
@Suite("TFLite bad input")
struct TFLiteBadInputTests {
    static func fixture(_ name: String) -> String {
        Fixtures.packageRoot.appendingPathComponent("Tests/TFLiteFormatTests/Fixtures/\(name)").path
    }

    @Test("each malformed file is refused with a message naming the problem", arguments: [
        ("wrong_identifier.tflite", "wrong file identifier 'ONNX'"),
        ("truncated.tflite", "verification failed"),
        ("bad_root_offset.tflite", "verification failed"),
        ("buffer_index_out_of_range.tflite", "buffer index 20 out of range"),
        ("opcode_index_out_of_range.tflite", "operator code index 4 out of range"),
        ("shape_buffer_mismatch.tflite", "holds 64 bytes but shape [32] of float32 needs 128"),
        ("subgraph_cycle.tflite", "cycle"),
        ("absurd_shape.tflite", "[1, 88, 2147483647, 8] describes more than 2^32 elements"),
    ])
    func refused(file: String, message: String) {
        do {
            let model = try TFLiteReader().read(path: Self.fixture(file))
            Issue.record("\(file) was accepted: \(model.subgraphs.count) subgraphs, \(model.subgraphs.map { $0.nodes.map(\.attributes) })")
        } catch {
            #expect(error.description.contains(message), "\(error)")
            #expect(error.description.contains(file))
        }
    }

    @Test("an empty file and a folder are refused")
    func emptyAndFolder() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let empty = folder.appendingPathComponent("empty.tflite").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        #expect(throws: TFLiteError.self) { try TFLiteReader().read(path: empty) }
        #expect(throws: TFLiteError.self) { try TFLiteReader().read(path: folder.path) }
    }
}
