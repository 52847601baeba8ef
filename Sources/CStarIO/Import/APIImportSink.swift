import CStarHash
import Foundation

/// Delivers batches to cStar with `POST /import` (customers, tickets, articles), each with an idempotency key
/// derived from the run, the entity, the batch index and the payload, so a re-sent batch is replayed, not
/// applied twice.
public final class APIImportSink: BatchSink {
    public let client: CStarClient
    public let batchSize: Int
    public let mergeStrategy: CStarAPI.MergeStrategy
    let runId: String

    public init(client: CStarClient, batchSize: Int = CStarAPI.maxImportRecords, mergeStrategy: CStarAPI.MergeStrategy = .skip,
                runId: String = UUID().uuidString.lowercased()) {
        self.client = client
        self.batchSize = min(max(1, batchSize), CStarAPI.maxImportRecords)
        self.mergeStrategy = mergeStrategy
        self.runId = runId
    }

    static let importable: Set<TargetResource> = [.customers, .tickets, .articles]

    public func unsupportedReason(_ mapping: EntityMapping) -> String? {
        guard Self.importable.contains(mapping.target) else {
            return "target '\(mapping.target.rawValue)' is not imported by this version (see `cstar-io plan`)"
        }
        let usesRefs = (mapping.fields + mapping.children.flatMap(\.fields)).contains { rule in
            rule.transforms.contains { if case .ref = $0 { return true }; if case .member = $0 { return true }; return false }
        }
        if usesRefs { return "it refers to other entities' cStar ids, which this version does not resolve yet (see `cstar-io plan`)" }
        return nil
    }

    /// Idempotency key of a batch: the same records in the same run always get the same key.
    func idempotencyKey(entity: String, index: Int, body: [UInt8]) -> String {
        "cstario-\(runId.prefix(12))-\(entity)-\(index)-\(SHA256.hex(body).prefix(16))"
    }

    public func deliver(_ batch: Batch, mapping: EntityMapping) async throws -> BatchOutcome {
        let body: JSONValue = .object(JSONObject([
            ("resource", .string(mapping.target.rawValue)),
            ("records", .array(batch.records.map { .object($0.payload) })),
            ("mergeStrategy", .string(mergeStrategy.rawValue)),
        ]))
        let key = idempotencyKey(entity: mapping.entity, index: batch.index, body: JSONSerializer.bytes(body))
        let result = try await client.send(.POST, CStarAPI.importPath, body: body, idempotencyKey: key).data
        return BatchOutcome(
            created: Int(result["created"]?.intValue ?? 0), updated: Int(result["updated"]?.intValue ?? 0),
            skipped: Int(result["skipped"]?.intValue ?? 0),
            errors: (result["errors"]?.arrayValue ?? []).map { e in
                BatchOutcome.RecordError(index: Int(e["index"]?.intValue ?? -1), code: e["code"]?.stringValue ?? "import_error",
                                         message: e["message"]?.stringValue ?? "no reason given", param: e["param"]?.stringValue)
            })
    }

    public func reference(entity: String, key: String) throws -> JSONValue? { nil }
    public func member(email: String) throws -> JSONValue? { nil }
}
