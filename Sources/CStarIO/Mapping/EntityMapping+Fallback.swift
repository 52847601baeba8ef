/// Stand-ins (`fallbackFor`): a mapping of another layout of the same data (the XML or CSV export), used only when
/// the mapping it stands in for, or any that one stands in for in turn, found no files.
extension EntityMapping {
    /// The entities this one stands in for, nearest first (`tickets-csv` → `tickets-xml` → `tickets`).
    public func standsInFor(in all: [EntityMapping]) -> [String] {
        var out: [String] = []
        var next = fallbackFor
        while let name = next, !out.contains(name), name != entity {
            out.append(name)
            next = all.first { $0.entity == name }?.fallbackFor
        }
        return out
    }

    /// The entity whose files make this stand-in unnecessary, if one found files.
    public func supersededBy(withFiles: Set<String>, in all: [EntityMapping]) -> String? {
        standsInFor(in: all).first { withFiles.contains($0) }
    }

    /// For each entity, the stand-ins whose records count as its own for `ref` (a ticket's `ref: customers` finds
    /// the customer `customers-xml` mapped from the XML export).
    static func refAliases(_ all: [EntityMapping]) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for m in all {
            for primary in m.standsInFor(in: all) { out[primary, default: []].append(m.entity) }
        }
        return out
    }
}
