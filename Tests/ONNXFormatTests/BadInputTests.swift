import ConverterTestSupport
import Foundation
import ModelIR
import ONNXFormat
import Testing

/// Acceptance: bad input gets a clear error, never a crash.
@Suite("ONNX bad input")
struct BadInputTests {
    let folder = Fixtures.temporaryFolder()

    private func file(_ name: String, _ bytes: [UInt8]) -> String {
        let path = folder.appendingPathComponent(name).path
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    private func readError(_ path: String) -> ONNXError? {
        do {
            _ = try ONNXReader().read(path: path)
            return nil
        } catch {
            return error
        }
    }

    @Test("a missing path names the file")
    func missingPath() {
        let e = readError(folder.appendingPathComponent("nope.onnx").path)
        #expect(e?.description.contains("nope.onnx") == true)
        #expect(e?.description.contains("No such file") == true)
    }

    @Test("a folder is refused")
    func folderPath() {
        #expect(readError(folder.path)?.description.contains("is a folder") == true)
    }

    @Test("an empty file is refused")
    func emptyFile() {
        #expect(readError(file("empty.onnx", [])) == .emptyFile(path: folder.appendingPathComponent("empty.onnx").path))
    }

    @Test("random bytes are refused")
    func randomBytes() {
        var rng = SplitMix64(seed: 42)
        let bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let e = readError(file("random.onnx", bytes))
        #expect(e != nil)
    }

    @Test("a truncated model is refused with the offset of the damage")
    func truncated() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.sample("silero_vad_16k_op15.onnx")))
        let e = readError(file("truncated.onnx", Array(data.prefix(data.count / 2))))
        guard case .malformed(_, let offset, _)? = e else {
            Issue.record("expected .malformed, got \(String(describing: e))")
            return
        }
        #expect(offset >= 0)
    }

    @Test("a node input that names no value is reported with the node")
    func undefinedInput() throws {
        var model = GraphBuilder.addRelu()
        model.graph.nodes[1].inputs = ["nowhere"]
        let path = folder.appendingPathComponent("undefined.onnx").path
        try ONNXWriter().write(model, to: path)
        let e = readError(path)
        #expect(e?.description.contains("node 'relu'") == true)
        #expect(e?.description.contains("'nowhere'") == true)
    }

    @Test("a tensor whose data size disagrees with its shape is refused")
    func sizeMismatch() throws {
        var model = GraphBuilder.addRelu()
        model.graph.initializers[0] = GraphBuilder.floatTensor("bias", dims: [1, 4], values: [1, 2, 3])
        let path = folder.appendingPathComponent("mismatch.onnx").path
        try ONNXWriter().write(model, to: path)
        let e = readError(path)
        #expect(e?.description.contains("tensor 'bias'") == true)
        #expect(e?.description.contains("12 bytes") == true)
    }

    @Test("negative dims are refused")
    func negativeDims() throws {
        var model = GraphBuilder.addRelu()
        model.graph.initializers[0] = GraphBuilder.floatTensor("bias", dims: [-1, 4], values: [])
        let path = folder.appendingPathComponent("negative.onnx").path
        try ONNXWriter().write(model, to: path)
        #expect(readError(path)?.description.contains("negative dim -1") == true)
    }

    @Test("external data outside the model's folder is refused")
    func externalOutsideFolder() throws {
        let sub = folder.appendingPathComponent("inner")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        let path = sub.appendingPathComponent("escape.onnx").path
        let options = ONNXWriteOptions(externalData: true, externalDataThreshold: 1, externalDataFileName: "../outside.data")
        try ONNXWriter(options: options).write(GraphBuilder.addRelu(), to: path)
        #expect(readError(path)?.description.contains("outside the model's folder") == true)
    }

    @Test("external data past the end of its file is refused")
    func externalPastEnd() throws {
        let path = folder.appendingPathComponent("short.onnx").path
        let options = ONNXWriteOptions(externalData: true, externalDataThreshold: 1)
        try ONNXWriter(options: options).write(GraphBuilder.addRelu(), to: path)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path + ".data"))
        try handle.truncate(atOffset: 8)
        try handle.close()
        #expect(readError(path)?.description.contains("past the end") == true)
    }

    @Test("the writer refuses to overwrite the file its weights come from")
    func refusesToOverwriteInput() throws {
        let path = folder.appendingPathComponent("self.onnx").path
        let original = try Data(contentsOf: URL(fileURLWithPath: Fixtures.sample("silero_vad_16k_op15.onnx")))
        FileManager.default.createFile(atPath: path, contents: original)
        let model = try ONNXReader().read(path: path)
        #expect(throws: ONNXError.refusingToOverwriteInput(path: path)) { try ONNXWriter().write(model, to: path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == original)
    }
}

/// A small seeded generator so "random" inputs are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
