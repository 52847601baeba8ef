import CStarHash
import Foundation
import Logging

/// Something worth telling the person running the import while it runs.
public enum ImportProgress: Sendable {
    case entityStarted(entity: String, files: [String])
    case batchSent(entity: String, batch: Int, records: Int, read: Int)
    case entityFinished(EntitySummary)
    case entitySkipped(entity: String, reason: String)
}

/// Streams each entity's source files through its mapping and into cStar via `POST /import`, in full batches.
public final class Importer {
    public let client: CStarClient
    public let exportDirectory: String
    public let batchSize: Int
    public let mergeStrategy: CStarAPI.MergeStrategy
    let rejects: RejectsWriter
    let logger: Logger
    /// Distinguishes this run's idempotency keys from another run's.
    let runId: String

    public init(client: CStarClient, exportDirectory: String, rejectsPath: String, batchSize: Int = CStarAPI.maxImportRecords,
                mergeStrategy: CStarAPI.MergeStrategy = .skip, runId: String = UUID().uuidString.lowercased(), logger: Logger) {
        self.client = client
        self.exportDirectory = exportDirectory
        self.batchSize = min(max(1, batchSize), CStarAPI.maxImportRecords)
        self.mergeStrategy = mergeStrategy
        self.rejects = RejectsWriter(path: rejectsPath)
        self.runId = runId
        self.logger = logger
    }

    public var rejectsPath: String? { rejects.count > 0 ? rejects.path : nil }

    /// Runs every mapping in order and returns the summary. Throws only for problems that stop the run
    /// (unreadable input, an API failure that retries could not overcome).
    public func run(_ mappings: [EntityMapping], progress: @escaping @Sendable (ImportProgress) -> Void = { _ in }) async throws -> MigrationSummary {
        let start = Date()
        var summaries: [EntitySummary] = []
        var minimumRequests = 0
        defer { try? rejects.close() }
        for mapping in mappings {
            guard Self.importable.contains(mapping.target) else {
                progress(.entitySkipped(entity: mapping.entity, reason: "target '\(mapping.target.rawValue)' is not imported by this version"))
                continue
            }
            let files = SourceFiles.resolve(mapping.source.files, in: exportDirectory)
            guard !files.isEmpty else {
                progress(.entitySkipped(entity: mapping.entity, reason: "no source file matches \(mapping.source.files.joined(separator: ", "))"))
                continue
            }
            progress(.entityStarted(entity: mapping.entity, files: files))
            let (summary, sent) = try await importEntity(mapping, files: files, progress: progress)
            minimumRequests += (sent + batchSize - 1) / batchSize
            summaries.append(summary)
            progress(.entityFinished(summary))
        }
        let stats = client.stats
        try rejects.close()
        return MigrationSummary(entities: summaries, requests: stats.requests, retries: stats.retries, minimumRequests: minimumRequests,
                                elapsedSeconds: Date().timeIntervalSince(start), rejectsFile: rejectsPath)
    }

    static let importable: Set<TargetResource> = [.customers, .tickets, .articles]

    func importEntity(_ mapping: EntityMapping, files: [String], progress: @escaping @Sendable (ImportProgress) -> Void) async throws -> (EntitySummary, sent: Int) {
        var summary = EntitySummary(entity: mapping.entity, target: mapping.target.rawValue)
        summary.files = files
        var mapper = Mapper(mapping: mapping)
        var reader = MultiFileReader(paths: files, options: ReaderOptions(records: mapping.source.records))
        var batch: [MappedRecord] = []
        var batchIndex = 0
        var sent = 0
        while let item = try reader.next() {
            let record: Record
            switch item {
            case .record(let r): record = r
            case .warning(let w):
                logger.warning("\(w)")
                continue
            case .problem(let p):
                summary.read += 1
                summary.rejected += 1
                try rejects.write(Diagnostic(location: SourceLocation(file: p.file, line: p.line, index: 0), entity: mapping.entity,
                                             field: nil, code: "unreadable", message: p.message), record: nil)
                continue
            }
            summary.read += 1
            switch mapper.map(record) {
            case .mapped(let m):
                batch.append(m)
                sent += 1
                if batch.count == batchSize {
                    try await send(batch, index: batchIndex, mapping: mapping, summary: &summary)
                    progress(.batchSent(entity: mapping.entity, batch: batchIndex, records: batch.count, read: summary.read))
                    batchIndex += 1
                    batch.removeAll(keepingCapacity: true)
                }
            case .skipped(let d):
                summary.skipped += 1
                summary.skippedBy[d.code, default: 0] += 1
                logger.debug("skipped", metadata: ["reason": "\(d)"])
            case .rejected(let d):
                summary.rejected += 1
                try rejects.write(d, record: .object(record.fields))
            }
        }
        if !batch.isEmpty {
            try await send(batch, index: batchIndex, mapping: mapping, summary: &summary)
            progress(.batchSent(entity: mapping.entity, batch: batchIndex, records: batch.count, read: summary.read))
        }
        return (summary, sent)
    }

    /// Idempotency key of a batch: the same records in the same run always get the same key.
    func idempotencyKey(entity: String, index: Int, body: [UInt8]) -> String {
        "cstario-\(runId.prefix(12))-\(entity)-\(index)-\(SHA256.hex(body).prefix(16))"
    }

    func send(_ batch: [MappedRecord], index: Int, mapping: EntityMapping, summary: inout EntitySummary) async throws {
        let body: JSONValue = .object(JSONObject([
            ("resource", .string(mapping.target.rawValue)),
            ("records", .array(batch.map { .object($0.payload) })),
            ("mergeStrategy", .string(mergeStrategy.rawValue)),
        ]))
        let key = idempotencyKey(entity: mapping.entity, index: index, body: JSONSerializer.bytes(body))
        let response: APIResponse
        do {
            response = try await client.send(.POST, CStarAPI.importPath, body: body, idempotencyKey: key)
        } catch let e as CStarAPIError where e.status == 400 || e.status == 422 {
            // The whole batch was refused: record every record with the API's reason rather than lose them.
            for m in batch {
                summary.rejected += 1
                try rejects.write(Diagnostic(location: m.location, entity: mapping.entity, field: e.param, code: e.code, message: e.message),
                                  record: .object(m.payload))
            }
            return
        }
        let result = response.data
        let created = Int(result["created"]?.intValue ?? 0)
        let updated = Int(result["updated"]?.intValue ?? 0)
        let skipped = Int(result["skipped"]?.intValue ?? 0)
        summary.created += created
        summary.updated += updated
        summary.skipped += skipped
        if skipped > 0 { summary.skippedBy["exists", default: 0] += skipped }
        let errors = result["errors"]?.arrayValue ?? []
        for e in errors {
            let i = Int(e["index"]?.intValue ?? -1)
            let m = batch.indices.contains(i) ? batch[i] : nil
            summary.rejected += 1
            try rejects.write(Diagnostic(location: m?.location, entity: mapping.entity, field: e["param"]?.stringValue,
                                         code: e["code"]?.stringValue ?? "import_error",
                                         message: "cStar refused the record: \(e["message"]?.stringValue ?? "no reason given")"),
                              record: m.map { .object($0.payload) })
        }
        let accounted = created + updated + skipped + errors.count
        if accounted != batch.count {
            logger.warning("import result does not add up", metadata: ["batch": "\(index)", "sent": "\(batch.count)", "accounted": "\(accounted)"])
            summary.failed += max(0, batch.count - accounted)
        }
    }
}
