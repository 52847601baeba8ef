import CStarHash
import Foundation
import Logging

/// Lookups and children from the run's on-disk index; references and members through the sink.
final class PipelineResolver: MappingResolver {
    let index: RunIndex
    let sink: any BatchSink
    /// What mapping counted for the summary (used from the pipeline's task only).
    private(set) var notes: [String: Int] = [:]

    func note(_ text: String, count: Int) { notes[text, default: 0] += count }

    func latest(entity: String, key: String) throws -> SourceLocation? { try index.latest(entity: entity, key: key) }

    /// Stand-ins whose keys count as an entity's own (`customers-xml` for `customers`).
    let refAliases: [String: [String]]

    init(index: RunIndex, sink: any BatchSink, refAliases: [String: [String]] = [:]) {
        self.index = index
        self.sink = sink
        self.refAliases = refAliases
    }

    func lookup(index name: String, key: String) throws -> JSONObject? { try index.sourceRecord(index: name, key: key) }

    func ref(entity: String, key: String) throws -> JSONValue? {
        for e in [entity] + (refAliases[entity] ?? []) {
            if let canonical = try index.canonicalKey(entity: e, key: key) { return try sink.reference(entity: e, key: canonical) }
        }
        return nil
    }

    func member(email: String) throws -> JSONValue? { try sink.member(email: email) }

    func children(of entity: String, child: String, parentKey: String) throws -> [Record] {
        try index.children(entity: entity, child: child, parentKey: parentKey)
    }
}
