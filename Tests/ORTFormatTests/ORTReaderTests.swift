import ConverterTestSupport
import Foundation
import ModelIR
import ORTFormat
import Testing

@Suite("ORT reader")
struct ORTReaderTests {
    static var corpusModels: [URL] { Fixtures.files(under: Fixtures.corpus.appendingPathComponent("models/ort"), suffix: ".ort") }

    @Test("every corpus .ort reads, with nodes in dependency order and initializers as views")
    func corpus() throws {
        for url in Self.corpusModels {
            let model = try ORTReader().read(path: url.path)
            #expect(!model.graph.nodes.isEmpty)
            try model.graph.validateReferences()
            var seen = Set(model.graph.inputs.map(\.name) + model.graph.initializers.compactMap(\.name))
            for node in model.graph.nodes {
                for input in node.inputs where !input.isEmpty { #expect(seen.contains(input), "\(url.lastPathComponent): \(node.label) before \(input)") }
                seen.formUnion(node.outputs)
            }
            for t in model.graph.initializers where t.byteCount > 0 { #expect(t.byteView?.isMapped == true) }
        }
    }

    @Test("malformed .ort files are refused with a clear message", arguments: ["identifier", "truncated", "random", "offset"])
    func badInput(kind: String) throws {
        guard let source = Self.corpusModels.first else { return }
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var bytes = [UInt8](try Data(contentsOf: source))
        switch kind {
        case "identifier": bytes.replaceSubrange(4..<8, with: Array("TFL3".utf8))
        case "truncated": bytes = Array(bytes.prefix(bytes.count / 3))
        case "random":
            var rng = SystemRandomNumberGenerator()
            bytes = (0..<2048).map { _ in UInt8.random(in: 0...255, using: &rng) }
            bytes.replaceSubrange(4..<8, with: Array("ORTM".utf8))
        default:
            let root = UInt32(bytes.count + 100)
            withUnsafeBytes(of: root.littleEndian) { bytes.replaceSubrange(0..<4, with: $0) }
        }
        let path = folder.appendingPathComponent("bad.ort").path
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        do {
            _ = try ORTReader().read(path: path)
            Issue.record("\(kind): accepted")
        } catch {
            #expect(error.description.contains("bad.ort"))
            if kind == "identifier" { #expect(error.description.contains("wrong file identifier 'TFL3'")) }
        }
    }

    @Test("metadata of graph inputs and outputs (a converted variable's state role) survives a write and read")
    func valueMetadataRoundTrip() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let type = ValueType(.tensor(TensorType(elementType: .float, shape: [.fixed(2)])))
        let role = [MetadataEntry(key: "modelconv.role", value: "state")]
        let graph = Graph(name: "main", inputs: [ValueInfo(name: "state:v", type: type, metadata: role)],
                          outputs: [ValueInfo(name: "state:v:next", type: type, metadata: role)],
                          nodes: [Node(opType: "Relu", inputs: ["state:v"], outputs: ["state:v:next"])])
        let model = Model(irVersion: 8, opsetImports: [OpsetImport(domain: "", version: 17)], graph: graph,
                          metadata: [MetadataEntry(key: "author", value: "test")])
        let path = folder.appendingPathComponent("state.ort").path
        try ORTWriter().write(model, to: path)
        let back = try ORTReader().read(path: path)
        #expect(back.graph.inputs.first?.metadata == role)
        #expect(back.graph.outputs.first?.metadata == role)
        #expect(back.metadata == [MetadataEntry(key: "author", value: "test")])
    }
}
