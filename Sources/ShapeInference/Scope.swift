import ModelIR
import OpSet

/// The values visible while a graph is inferred; a subgraph's scope sees its parents'.
final class Scope {
    var values: [String: InferredValue] = [:]
    let parent: Scope?

    init(parent: Scope?) { self.parent = parent }

    /// The value called `name` here or in an enclosing scope; `.some(nil)` when defined but untyped.
    func lookup(_ name: String) -> InferredValue?? {
        if let v = values[name] { return .some(v) }
        if defined.contains(name) { return .some(nil) }
        return parent?.lookup(name)
    }

    /// Names defined here whose type is unknown.
    var defined: Set<String> = []

    func define(_ name: String, _ value: InferredValue?) {
        if let value { values[name] = value } else { values[name] = nil; defined.insert(name) }
    }
}
