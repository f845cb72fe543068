import ConverterTestSupport
import Foundation
import Interpreter
import ModelIR
import ONNXFormat
import Testing

/// Acceptance: the ONNX operator suite (node tests of Debian's libonnx-testdata) runs through the
/// interpreter with the suite's own inputs and expected outputs (rtol 1e-3, atol 1e-7).
@Suite("ONNX node conformance")
struct NodeConformanceTests {
    @Test("node tests pass, except the allow-listed ones")
    func nodeTests() throws {
        let (root, tests, filtered) = Fixtures.nodeTests()
        #expect(filtered || tests.count > 900, "libonnx-testdata is missing: install it (apt-get install libonnx-testdata)")
        let allowList = Fixtures.allowList("Tests/InterpreterTests/node-allowlist.txt")

        var passed = 0, allowListed = 0
        var failures: [String] = [], stale: [String] = []
        for test in tests {
            let outcome = NodeTestCase(folder: root.appendingPathComponent(test)).run()
            switch (outcome, allowList[test]) {
            case (nil, nil): passed += 1
            case (nil, .some): stale.append(test)
            case (.some, .some): allowListed += 1
            case (.some(let why), nil): failures.append("\(test): \(why)")
            }
        }
        print("ONNX node tests: \(passed) passed / \(failures.count) failed / \(allowListed) allow-listed (of \(tests.count))")
        if ProcessInfo.processInfo.environment["MODELCONV_NODE_VERBOSE"] != nil {
            for f in failures { print("FAIL \(f)") }
        }
        #expect(failures.count == 0, "\(failures.count) node tests failed:\n\(failures.prefix(40).joined(separator: "\n"))")
        #expect(stale.isEmpty, "allow-listed tests that now pass (remove them from node-allowlist.txt): \(stale)")
        if !filtered {
            #expect(Double(passed) >= 0.9 * Double(tests.count), "fewer than 90% of node tests pass")
        }
    }
}
