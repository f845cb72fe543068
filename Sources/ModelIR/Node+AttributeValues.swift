/// Typed reads of a node's attributes: nil when the attribute is absent or of another kind.
extension Node {
    /// An integer attribute.
    public func intAttribute(_ name: String) -> Int64? {
        if case .int(let v)? = attribute(name)?.value { return v }
        return nil
    }

    /// A float attribute.
    public func floatAttribute(_ name: String) -> Float? {
        if case .float(let v)? = attribute(name)?.value { return v }
        return nil
    }

    /// An integer-list attribute.
    public func intsAttribute(_ name: String) -> [Int64]? {
        if case .ints(let v)? = attribute(name)?.value { return v }
        return nil
    }

    /// A string attribute, decoded as UTF-8.
    public func stringAttribute(_ name: String) -> String? {
        if case .string(let v)? = attribute(name)?.value { return String(decoding: v, as: UTF8.self) }
        return nil
    }
}
