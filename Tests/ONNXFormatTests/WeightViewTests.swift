import ConverterTestSupport
import Foundation
import ModelIR
import ONNXFormat
import Testing

@Suite("Weights stay views")
struct WeightViewTests {
    @Test("raw_data initializers of a real model are views into the mapped file, not copies")
    func rawDataIsMapped() throws {
        let model = try ONNXReader().read(path: Fixtures.sample("silero_vad_16k_op15.onnx"))
        let big = model.allTensors.filter { $0.byteCount >= 4096 }
        #expect(!big.isEmpty)
        for t in big { #expect(t.byteView?.isMapped == true, "\(t.name ?? "?") was copied") }
    }

    @Test("a written model reads back with the same tensors, bit for bit")
    func builtModelRoundTrips() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("m.onnx").path
        let model = GraphBuilder.addRelu()
        try ONNXWriter().write(model, to: path)
        let back = try ONNXReader().read(path: path)
        #expect(back == model)
        #expect(back.graph.initializers.first?.byteView?.bytes == model.graph.initializers.first?.byteView?.bytes)
    }

    @Test("external data is written next to the model and read back equal")
    func externalDataRoundTrips() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("m.onnx").path
        let model = try ONNXReader().read(path: Fixtures.sample("silero_vad_16k_op15.onnx"))
        try ONNXWriter(options: ONNXWriteOptions(externalData: true, externalDataThreshold: 1024)).write(model, to: path)
        #expect(FileManager.default.fileExists(atPath: path + ".data"))
        let back = try ONNXReader().read(path: path)
        #expect(back == model)
        let external = back.allTensors.filter { $0.byteView?.owner.filePath?.hasSuffix("m.onnx.data") == true }
        #expect(!external.isEmpty)
    }
}
