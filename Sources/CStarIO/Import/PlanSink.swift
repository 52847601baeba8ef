import Foundation
import Synchronization

/// The offline sink of `plan` and `validate`: nothing is sent. Every mapped record counts as "would create",
/// references become readable placeholders (`@customers:36100000007`, `@member:alex@example.com`), and with
/// an output folder each batch is written exactly as it would be sent.
public final class PlanSink: BatchSink {
    public let batchSize: Int
    public let outputDirectory: String?
    private let written = Mutex<[String]>([])
    public var filesWritten: [String] { written.withLock { $0 } }

    public init(batchSize: Int = CStarAPI.maxImportRecords, outputDirectory: String? = nil) {
        self.batchSize = batchSize
        self.outputDirectory = outputDirectory
    }

    public func unsupportedReason(_ mapping: EntityMapping) -> String? { nil }

    public func deliver(_ batch: Batch, mapping: EntityMapping) async throws -> BatchOutcome {
        if let dir = outputDirectory {
            let folder = (dir as NSString).appendingPathComponent(mapping.entity)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let path = (folder as NSString).appendingPathComponent(String(format: "batch-%05d.json", batch.index + 1))
            let out = try LineWriter(path: path)
            try out.write(JSONSerializer.bytes(Self.request(batch, mapping: mapping)) + [10])
            try out.commit()
            written.withLock { $0.append(path) }
        }
        return BatchOutcome(created: batch.records.count)
    }

    /// The request a batch becomes: one `POST /import` body, or for other targets the list of per-record
    /// requests (method, path, body).
    public static func request(_ batch: Batch, mapping: EntityMapping) -> JSONValue {
        switch mapping.target {
        case .customers, .tickets, .articles:
            return .object(JSONObject([
                ("method", .string("POST")), ("path", .string(CStarAPI.importPath)),
                ("body", .object(JSONObject([
                    ("resource", .string(mapping.target.rawValue)),
                    ("records", .array(batch.records.map { .object($0.payload) })),
                    ("mergeStrategy", .string("skip")),
                ]))),
            ]))
        case .groupMemberships:
            return .array(batch.records.map { r in
                .object(JSONObject([
                    ("method", .string("POST")),
                    ("path", .string(CStarAPI.groupMembersPath(groupId: r.payload["groupId"]?.scalarText ?? "?"))),
                    ("body", .object(JSONObject([("customerIds", .array([r.payload["customerId"] ?? .null]))]))),
                ]))
            })
        case .settings:
            // Statuses replace the whole list in one call; other sections are patched record by record.
            var calls: [JSONValue] = []
            let statuses = batch.records.filter { $0.payload["section"]?.stringValue == "statuses" }
            if !statuses.isEmpty {
                let items: [JSONValue] = statuses.map { var p = $0.payload; p["section"] = nil; return .object(p) }
                calls.append(.object(JSONObject([("method", .string("PATCH")), ("path", .string(CStarAPI.settingsPath(section: "statuses"))),
                                                 ("body", .object(JSONObject([("statuses", .array(items))])))])))
            }
            for r in batch.records where r.payload["section"]?.stringValue != "statuses" {
                var body = r.payload
                let section = body["section"]?.stringValue ?? ""
                body["section"] = nil
                calls.append(.object(JSONObject([("method", .string("PATCH")), ("path", .string(section.isEmpty ? CStarAPI.settingsPath : CStarAPI.settingsPath(section: section))),
                                                 ("body", .object(body))])))
            }
            return .array(calls)
        case .customerGroups, .categories, .customFields:
            return .array(batch.records.map { r in
                .object(JSONObject([("method", .string("POST")), ("path", .string(CStarAPI.listPath(mapping.target))), ("body", .object(r.payload))]))
            })
        }
    }

    public func reference(entity: String, key: String) throws -> JSONValue? { .string("@\(entity):\(key)") }
    public func member(email: String) throws -> JSONValue? { .string("@member:\(email.lowercased())") }
}
