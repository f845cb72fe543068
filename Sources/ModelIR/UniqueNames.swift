// MARK: Fresh value names

/// Hands out value names not yet taken in a graph: `base` when free, else `base_<n>` with one counter for all bases.
public struct UniqueNames: Sendable {
    private var taken: Set<String>
    private var counter = 0

    /// Starts with `taken` (the names the graph already uses) reserved.
    public init(taken: Set<String>) { self.taken = taken }

    /// `base` if free, else `base_<n>` for the next counter value that is free; the name is then taken.
    public mutating func make(_ base: String) -> String {
        var name = base
        while taken.contains(name) {
            counter += 1
            name = "\(base)_\(counter)"
        }
        taken.insert(name)
        return name
    }
}
