import ModelIR
import Passes

/// Integer operands that decide output shapes (pads, split sizes, resize sizes).
extension RaisingContext {
    /// Integer values of input `i` at conversion time, nil when the input is absent.
    ///
    /// A constant gives its values. A graph input whose value was given for the conversion gives
    /// that value and `runtime` (the TFLite tensor still carries it where the TFLite op takes a
    /// run-time operand); the shapes that follow are fixed to it and noted in the report.
    func shapeInts(_ i: Int, _ what: String) throws(PassError) -> (values: [Int64], runtime: RaisedValue?)? {
        guard let v = try input(i) else { return nil }
        if let t = v.constant {
            guard let values = ConstantData.ints(t) else { throw unsupported("\(what) must be an integer tensor") }
            return (values, nil)
        }
        let name = current.inputs[i]
        guard let given = inputValues[name], let values = ConstantData.ints(given) else {
            throw unsupported("\(what) ('\(name)') is computed at run time; TFLite shapes are static, so it must fold to a "
                              + "constant, or be a graph input whose value is given with --input/--inputs")
        }
        let note = "\(current.label): \(what) from input '\(name)' = \(values)"
        if !specialized.contains(note) { specialized.append(note) }
        return (values, v)
    }

    /// `v` (an integer tensor) as int32, CAST when it is wider.
    func int32Tensor(_ v: RaisedValue) throws(PassError) -> String {
        let source = try plain(v)
        if v.type == .int32 { return source }
        let out = temporary("int32", v.shape, .int32)
        emit("CAST", [source], [out])
        return out
    }
}
