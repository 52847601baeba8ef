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

    init(index: RunIndex, sink: any BatchSink) {
        self.index = index
        self.sink = sink
    }

    func lookup(index name: String, key: String) throws -> JSONObject? { try index.sourceRecord(index: name, key: key) }

    func ref(entity: String, key: String) throws -> JSONValue? {
        guard let canonical = try index.canonicalKey(entity: entity, key: key) else { return nil }
        return try sink.reference(entity: entity, key: canonical)
    }

    func member(email: String) throws -> JSONValue? { try sink.member(email: email) }

    func children(of entity: String, child: String, parentKey: String) throws -> [Record] {
        try index.children(entity: entity, child: child, parentKey: parentKey)
    }
}
