import ConverterTestSupport
import Foundation
import Testing

/// End-to-end tests of the `modelconv` executable.
@Suite("CLI")
struct CLITests {
    // MARK: Help

    @Test("--help explains each command", arguments: [
        ([], "convert"), (["convert"], "--external-data"), (["inspect"], "--format"),
    ])
    func help(command: [String], mentions: String) throws {
        let r = try CLIRunner.run(command + ["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("USAGE"))
        #expect(r.stdout.contains(mentions))
    }

    @Test("the top-level help documents the exit codes")
    func exitCodesDocumented() throws {
        let r = try CLIRunner.run(["--help"])
        #expect(r.stdout.contains("Exit codes"))
    }

    // MARK: Inspect

    @Test("inspect's text output matches the pinned snapshot")
    func inspectSnapshot() throws {
        let r = try CLIRunner.run(["inspect", "SampleModels/logreg_iris.onnx", "--nodes"], in: Fixtures.packageRoot)
        #expect(r.status == 0, "\(r.stderr)")
        try Snapshot.assertMatches(r.stdout, named: "logreg_iris.inspect.txt")
    }

    @Test("inspect --json prints a JSON document with the documented keys")
    func inspectJSON() throws {
        let r = try CLIRunner.run(["inspect", Fixtures.sample("silero_vad_16k_op15.onnx"), "--json"])
        #expect(r.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        for key in ["format", "inputs", "outputs", "ops", "parameters", "subgraphs", "opsets", "metadata"] {
            #expect(object?[key] != nil, "missing key \(key)")
        }
    }

    @Test("inspect --format dot prints a Graphviz digraph")
    func inspectDot() throws {
        let r = try CLIRunner.run(["inspect", Fixtures.sample("logreg_iris.onnx"), "--format", "dot"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("digraph"))
    }

    // MARK: Run

    @Test("run --profile --json lists each op type with its calls per run")
    func runProfileJSON() throws {
        let r = try CLIRunner.run(["run", Fixtures.sample("logreg_iris.onnx"), "--repeat", "3", "--profile", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let ops = (object?["profile"] as? [[String: Any]]) ?? []
        #expect(!ops.isEmpty)
        #expect(ops.allSatisfy { ($0["calls"] as? Int ?? 0) % 3 == 0 && ($0["seconds"] as? Double ?? -1) >= 0 })
        let text = try CLIRunner.run(["run", Fixtures.sample("logreg_iris.onnx"), "--profile"])
        #expect(text.stdout.contains("µs/run"))
    }

    // MARK: Convert

    @Test("convert writes a model that inspects like the source, and leaves no temporary files")
    func convertRoundTrip() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out.onnx").path
        let r = try CLIRunner.run(["convert", Fixtures.sample("silero_vad_16k_op15.onnx"), out, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(report?["readBackIdentical"] as? Bool == true)
        let a = try CLIRunner.run(["inspect", Fixtures.sample("silero_vad_16k_op15.onnx"), "--json"])
        let b = try CLIRunner.run(["inspect", out, "--json"])
        #expect(Self.dropPathAndSize(a.stdout) == Self.dropPathAndSize(b.stdout))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["out.onnx"])
    }

    static func dropPathAndSize(_ json: String) -> String {
        json.split(separator: "\n").filter { !$0.contains("\"path\"") && !$0.contains("\"fileBytes\"") }.joined(separator: "\n")
    }

    // MARK: Errors

    @Test("bad input gives one error line on stderr and exit code 1", arguments: [
        "missing", "folder", "empty", "random", "truncated",
    ])
    func badInput(kind: String) throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("\(kind).onnx").path
        switch kind {
        case "folder": try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        case "empty": FileManager.default.createFile(atPath: path, contents: Data())
        case "random": FileManager.default.createFile(atPath: path, contents: Data((0..<999).map { UInt8(($0 * 7919 + 13) % 251) }))
        case "truncated":
            let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.sample("silero_vad_16k_op15.onnx")))
            FileManager.default.createFile(atPath: path, contents: data.prefix(5000))
        default: break
        }
        for args in [["inspect", path], ["convert", path, folder.appendingPathComponent("o.onnx").path]] {
            let r = try CLIRunner.run(args)
            #expect(r.status == 1, "\(args): \(r.stderr)")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("error: ") && lines[0].contains(path), "\(r.stderr)")
        }
    }

    @Test("damaged operators in a readable .tflite are refused by convert and run, naming the file and the problem",
          arguments: [
              ("operator_without_outputs.tflite", "has no outputs"),
              ("zero_point_out_of_range.tflite", "zero point 3000000000, outside the range of its int8 type"),
          ])
    func damagedOperators(file: String, message: String) throws {
        let path = Fixtures.packageRoot.appendingPathComponent("Tests/TFLiteFormatTests/Fixtures/\(file)").path
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("o.onnx").path
        for args in [["convert", path, out], ["run", path]] {
            let r = try CLIRunner.run(args)
            #expect(r.status == 1, "\(args): \(r.stderr)")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("error: ") && lines[0].contains(path), "\(r.stderr)")
            if args[0] == "convert" || file.hasPrefix("zero") { #expect(r.stderr.contains(message), "\(r.stderr)") }
        }
        // Converting the second one succeeds, but the source cannot run to validate it: the report says so.
        if file.hasPrefix("zero") {
            #expect(try CLIRunner.run(["convert", path, out]).stderr.contains("was written but could not be validated"))
        } else {
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        }
    }

    @Test("convert refuses to overwrite its input")
    func refusesInputAsOutput() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("m.onnx").path
        try FileManager.default.copyItem(atPath: Fixtures.sample("logreg_iris.onnx"), toPath: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let r = try CLIRunner.run(["convert", path, path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("refusing to overwrite"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }
}

/// Acceptance (TFLite → ONNX): unsupported ops are listed before any work, with a non-zero exit and nothing written.
@Suite("CLI pre-flight")
struct CLIPreflightTests {
    static let model = Fixtures.packageRoot.appendingPathComponent("Tests/TFLiteFormatTests/Fixtures/unsupported_ops.tflite").path

    @Test("convert lists every unconvertible node, exits 2 and writes nothing")
    func convertRefuses() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out.onnx").path
        let r = try CLIRunner.run(["convert", Self.model, out])
        #expect(r.status == 2)
        #expect(r.stderr.contains("CUSTOM:NotARealOp") && r.stderr.contains("SVDF"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test("ops --target onnx lists the same nodes, and the supported table without a model")
    func opsCommand() throws {
        let r = try CLIRunner.run(["ops", "--target", "onnx", Self.model])
        #expect(r.status == 2)
        #expect(r.stdout.contains("CUSTOM:NotARealOp") && r.stdout.contains("SVDF"))
        let table = try CLIRunner.run(["ops", "--target", "onnx"])
        #expect(table.status == 0)
        for op in ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "HARD_SWISH", "QUANTIZE"] { #expect(table.stdout.contains(op)) }
    }

    @Test("a TFLite model converts to ONNX and validates against the source")
    func tfliteToONNX() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("speech.onnx").path
        let r = try CLIRunner.run(["convert", Fixtures.sample("mltk_tflite_micro_speech.tflite"), out, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect((report?["passes"] as? [String])?.contains("tflite-lowering (int8 exact)") == true)
        let outputs = (report?["validation"] as? [String: Any])?["outputs"] as? [[String: Any]]
        // The exact int8 form reproduces the TFLite kernels: not a step of difference.
        #expect(outputs?.first?["maxAbsError"] as? Double == 0, "\(String(describing: outputs))")
    }
}
