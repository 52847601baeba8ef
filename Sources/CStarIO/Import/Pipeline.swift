import CStarHash
import Foundation
import Logging

/// Something worth telling the person running the pipeline while it runs.
public enum PipelineProgress: Sendable {
    case entityStarted(entity: String, files: [String])
    /// The records the entity's files hold (counted before it is sent, `Pipeline.countsRecordsFirst`), and how many
    /// one request carries: what progress and its ETA are measured against.
    case entityCounted(entity: String, records: Int, recordsPerRequest: Int)
    /// `delivered`: records of this entity delivered so far; `settled`: records done with (delivered, or skipped or
    /// rejected without a request); `fraction`: share of the source bytes read (nil if unknown).
    case batchDelivered(entity: String, batch: Int, records: Int, read: Int, delivered: Int, settled: Int, fraction: Double?)
    case entityFinished(EntitySummary)
    case entitySkipped(entity: String, reason: String)
}

/// Where batches go: cStar's API, or (for `plan`) nowhere but a folder. Several batches of one entity may be
/// delivered at once (see `concurrency(for:)`), so a sink is `Sendable`.
public protocol BatchSink: AnyObject, Sendable {
    var batchSize: Int { get }
    /// A batch is closed before its request body would pass this many bytes.
    var maxRequestBytes: Int { get }
    /// Records per batch for this entity (default `batchSize`).
    func batchSize(for mapping: EntityMapping) -> Int
    /// How many records batch `index` of `entity` held when a previous attempt of this run formed it, if one did:
    /// a resumed run cuts its batches at the same places even if payload sizes changed in between.
    func formedBatch(entity: String, index: Int) throws -> Int?
    /// Batches of this entity that may be in flight at once.
    func concurrency(for mapping: EntityMapping) -> Int
    /// nil when this sink can deliver the mapping's records; otherwise why not.
    func unsupportedReason(_ mapping: EntityMapping) -> String?
    func deliver(_ batch: Batch, mapping: EntityMapping) async throws -> BatchOutcome
    /// Stands for the record `entity` mapped from source key `key` in references (a cStar id, or a placeholder).
    func reference(entity: String, key: String) throws -> JSONValue?
    func member(email: String) throws -> JSONValue?
    /// Before an entity's first batch (load what the target already holds).
    func entityStarting(_ mapping: EntityMapping) async throws
    /// After an entity's last batch: learn the ids cStar gave its records, and check cStar holds them.
    func entityFinished(_ mapping: EntityMapping) async throws -> Reconciliation?
    /// A delta run: the fewest requests are those its changes need.
    var isDelta: Bool { get }
}

extension BatchSink {
    public var maxRequestBytes: Int { CStarAPI.maxRequestBytes }
    public func batchSize(for mapping: EntityMapping) -> Int { batchSize }
    public func formedBatch(entity: String, index: Int) throws -> Int? { nil }
    public func concurrency(for mapping: EntityMapping) -> Int { 1 }
    public func entityStarting(_ mapping: EntityMapping) async throws {}
    public func entityFinished(_ mapping: EntityMapping) async throws -> Reconciliation? { nil }
    public var isDelta: Bool { false }
}

/// What a batch's delivery came to: the receiver's answer, or the whole batch refused with a reason.
enum Delivery: Sendable {
    case outcome(BatchOutcome)
    case refused(CStarAPIError)
}

/// Streams each entity's source files through its mapping into a sink, in dependency order, and accounts for
/// every record: read = created + updated + skipped + rejected + failed, per entity.
public final class Pipeline {
    public let exportDirectory: String
    public let sink: any BatchSink
    let rejects: RejectsWriter
    let index: RunIndex
    let logger: Logger
    var builtIndexes: Set<String> = []
    /// Stand-ins whose keys count as an entity's own for `ref` (set by `run`).
    var refAliases: [String: [String]] = [:]
    var builtChildren: Set<String> = []

    /// - Parameter rejectsFile: the file name, in `stateDirectory`, that receives this run's rejects; whatever an
    ///   earlier run left there is removed first, so no command reports another run's rejects.
    ///   `indexFile` likewise names the run's scratch index (a plan beside a running migration uses its own).
    public init(exportDirectory: String, stateDirectory: String, sink: any BatchSink, logger: Logger, rejectsFile: String = "rejects.ndjson",
                indexFile: String = "run-index.sqlite") throws {
        self.exportDirectory = exportDirectory
        self.sink = sink
        self.logger = logger
        try PrivateFiles.prepareFolder(stateDirectory)
        let rejectsPath = (stateDirectory as NSString).appendingPathComponent(rejectsFile)
        if FileManager.default.fileExists(atPath: rejectsPath) { try FileManager.default.removeItem(atPath: rejectsPath) }
        rejects = RejectsWriter(path: rejectsPath)
        index = try RunIndex(path: (stateDirectory as NSString).appendingPathComponent(indexFile))
    }

    public var rejectsPath: String { rejects.path }
    /// Count what of the export each mapping reads and leaves behind (`plan`, `validate`).
    public var collectsCoverage = false
    /// Delta runs over a full export (`--since`): records whose update time (`latestBy`, else `updated_at`,
    /// `updatedAt` or `updated`) is before this ISO 8601 instant are skipped without mapping.
    public var since: String?

    /// A record's update time as ISO 8601 UTC, from the mapping's `latestBy` field or the usual names.
    static func updatedAt(_ record: Record, _ mapping: EntityMapping) -> String? {
        for field in (mapping.latestBy.map { [$0] } ?? []) + ["updated_at", "updatedAt", "updated"] {
            if let v = record.value(at: field), !v.isNull { return DateParsing.normalise(v, format: .auto) }
        }
        return nil
    }

    /// Count each entity's records before sending them (a read without mapping), for honest progress.
    public var countsRecordsFirst = false

    func files(for source: SourceSpec) -> [String] { SourceFiles.resolve(source, in: exportDirectory) }

    public func run(_ mappings: [EntityMapping], progress: @escaping @Sendable (PipelineProgress) -> Void = { _ in }) async throws -> MigrationSummary {
        let start = Date()
        var summaries: [EntitySummary] = []
        var minimumRequests = 0
        defer { try? rejects.close() }
        let withFiles = Set(mappings.filter { !SourceFiles.ownMatches($0.source, in: exportDirectory).isEmpty }.map(\.entity))
        refAliases = EntityMapping.refAliases(mappings)
        try Self.requireFiles(mappings, in: exportDirectory)
        for mapping in mappings {
            if let primary = mapping.supersededBy(withFiles: withFiles, in: mappings) {
                progress(.entitySkipped(entity: mapping.entity, reason: "not needed: '\(primary)' found its files"))
                continue
            }
            let files = files(for: mapping.source)
            guard !files.isEmpty else {
                progress(.entitySkipped(entity: mapping.entity, reason: "no source file matches \(mapping.source.files.joined(separator: ", "))"))
                continue
            }
            if let reason = sink.unsupportedReason(mapping) {
                progress(.entitySkipped(entity: mapping.entity, reason: reason))
                continue
            }
            progress(.entityStarted(entity: mapping.entity, files: files))
            if countsRecordsFirst {
                progress(.entityCounted(entity: mapping.entity, records: try countRecords(mapping),
                                        recordsPerRequest: Self.recordsPerRequest(mapping.target, batchSize: sink.batchSize(for: mapping))))
            }
            var prepared = EntitySummary(entity: mapping.entity, target: mapping.target.rawValue)
            try buildIndexes(for: mapping, summary: &prepared)
            try await sink.entityStarting(mapping)
            var (summary, sent) = try await runEntity(mapping, files: files, prepared: prepared, progress: progress)
            try accountUnclaimedChildren(of: mapping, summary: &summary)
            summary.reconciliation = try await sink.entityFinished(mapping)
            if let r = summary.reconciliation, r.absentFromExport > 0 {
                let sample = r.absentSample.prefix(5).joined(separator: ", ")
                if r.deletedAbsent > 0 {
                    summary.notes["\(mapping.entity) migrated earlier and no longer in this export, deleted from cStar (--delete-missing; source keys \(sample)…)", default: 0] += r.deletedAbsent
                } else {
                    summary.notes["\(mapping.entity) migrated earlier are not in this export (deleted in the source, or an incremental export): kept in cStar; --delete-missing removes them (source keys \(sample)…)", default: 0] += r.absentFromExport
                }
            }
            // A delta needs a request per change, and imports for the new records only.
            if let writes = summary.deltaWrites {
                minimumRequests += writes + Self.minimumRequests(mapping.target, records: summary.created)
            } else if sink.isDelta {
                minimumRequests += Self.minimumRequests(mapping.target, records: summary.created + summary.updated)
            } else {
                minimumRequests += Self.minimumRequests(mapping.target, records: sent)
            }
            summaries.append(summary)
            progress(.entityFinished(summary))
        }
        try rejects.close()
        var summary = MigrationSummary(entities: summaries, requests: 0, retries: 0, minimumRequests: minimumRequests,
                                       elapsedSeconds: Date().timeIntervalSince(start), rejectsFile: rejects.count > 0 ? rejects.path : nil)
        summary.unclaimedFiles = UnclaimedFiles.find(mappings, in: exportDirectory)
        return summary
    }

    /// Throws `NoSourceFilesError` when no mapping finds a file in `directory` (checked before a run is recorded).
    public static func requireFiles(_ mappings: [EntityMapping], in directory: String) throws {
        guard !mappings.isEmpty, !mappings.contains(where: { !SourceFiles.resolve($0.source, in: directory).isEmpty }) else { return }
        throw NoSourceFilesError(directory: directory, mappings: mappings)
    }

    /// Records (and unreadable ones, which count as read) of the entity's files.
    func countRecords(_ mapping: EntityMapping) throws -> Int {
        var reader = MultiFileReader(files: SourceFiles.matches(mapping.source, in: exportDirectory), options: ReaderOptions(records: mapping.source.records))
        var n = 0
        while let item = try reader.next() {
            switch item {
            case .record, .problem: n += 1
            case .warning: break
            }
        }
        return n
    }

    static func recordsPerRequest(_ target: TargetResource, batchSize: Int) -> Int {
        switch target {
        case .customers, .tickets, .articles: return max(1, batchSize)
        case .groupMemberships: return CStarAPI.maxBulkIds
        case .customerGroups, .categories, .customFields, .settings: return 1
        }
    }

    /// The fewest requests that can carry `records` of a target: 500 per import, 100 members per call, and one
    /// per record where cStar has no bulk create.
    static func minimumRequests(_ target: TargetResource, records: Int) -> Int {
        switch target {
        case .customers, .tickets, .articles: return (records + CStarAPI.maxImportRecords - 1) / CStarAPI.maxImportRecords
        case .groupMemberships: return (records + CStarAPI.maxBulkIds - 1) / CStarAPI.maxBulkIds
        case .customerGroups, .categories, .customFields, .settings: return records
        }
    }

    func runEntity(_ mapping: EntityMapping, files: [String], prepared: EntitySummary,
                   progress: @escaping @Sendable (PipelineProgress) -> Void) async throws -> (EntitySummary, sent: Int) {
        var summary = prepared
        summary.files = files
        var mapper = Mapper(mapping: mapping, dedupe: index)
        // A class box: the mapper's observer and the loop below both count into it.
        final class CoverageBox: @unchecked Sendable { var counter: CoverageCounter; init(_ c: CoverageCounter) { counter = c } }
        let coverage = collectsCoverage ? CoverageBox(CoverageCounter(mapping)) : nil
        if let coverage { mapper.childObserver = { coverage.counter.countChild($0, $1) } }
        let readProgress = ReadProgress(files: files)
        // A short read-ahead (4 × 128 records): enough to keep the reader thread busy while batches are mapped and
        // sent, small enough that a ticket with a long thread per record does not hold tens of MB in waiting.
        let matched = SourceFiles.matches(mapping.source, in: exportDirectory)
        let reader = PrefetchingReader(MultiFileReader(files: matched, options: ReaderOptions(records: mapping.source.records, progress: readProgress)),
                                       batchSize: 128, maxBatches: 4)
        let resolver = PipelineResolver(index: index, sink: sink, refAliases: refAliases)
        let tracksParents = mapping.children.contains { !$0.sources.isEmpty }
        var parents: [(key: String, outcome: String)] = []
        let sink = self.sink
        let width = max(1, sink.concurrency(for: mapping))
        let recordsPerBatch = max(1, sink.batchSize(for: mapping))
        // Room for the request envelope around the records.
        let byteBudget = max(1, sink.maxRequestBytes - 4096)
        let measureBytes = [.customers, .tickets, .articles].contains(mapping.target)
        var batch: [MappedRecord] = []
        var batchBytes = 0
        var keys: [(key: String, canonical: String)] = []
        var batchIndex = 0
        // Where the previous attempt of this run cut the batch being formed (nil: a new batch, cut by count and size).
        var formed = try sink.formedBatch(entity: mapping.entity, index: 0)
        var sent = 0
        var delivered = 0
        try await withThrowingTaskGroup(of: (Batch, Delivery).self) { group in
            var inFlight = 0
            // Takes one finished delivery and accounts for it.
            func collect() async throws {
                guard let (done, result) = try await group.next() else { return }
                inFlight -= 1
                try account(done, result, mapping: mapping, summary: &summary)
                delivered += done.records.count
                progress(.batchDelivered(entity: mapping.entity, batch: done.index, records: done.records.count, read: summary.read,
                                         delivered: delivered, settled: delivered + summary.read - sent,
                                         fraction: readProgress.fraction(consumed: summary.read)))
            }
            func flush() async throws {
                try index.registerKeys(entity: mapping.entity, keys)
                keys.removeAll(keepingCapacity: true)
                try index.registerParents(entity: mapping.entity, parents)
                parents.removeAll(keepingCapacity: true)
                guard !batch.isEmpty else { return }
                let next = Batch(entity: mapping.entity, target: mapping.target, index: batchIndex, records: batch)
                batchIndex += 1
                formed = try sink.formedBatch(entity: mapping.entity, index: batchIndex)
                batch.removeAll(keepingCapacity: true)
                batchBytes = 0
                while inFlight >= width { try await collect() }
                group.addTask {
                    do {
                        return (next, .outcome(try await sink.deliver(next, mapping: mapping)))
                    } catch let e as CStarAPIError where e.isRefusal {
                        return (next, .refused(e))
                    }
                }
                inFlight += 1
            }
            while let item = try reader.next() {
                let record: Record
                switch item {
                case .record(let r): record = r
                case .warning(let w):
                    logger.warning("\(w)")
                    if summary.warnings.count < 100 { summary.warnings.append(w.description) }
                    continue
                case .problem(let p):
                    summary.read += 1
                    summary.rejected += 1
                    try rejects.write(Diagnostic(location: SourceLocation(file: p.file, line: p.line, index: 0), entity: mapping.entity,
                                                 field: nil, code: "unreadable", message: p.message), record: nil)
                    continue
                }
                summary.read += 1
                coverage?.counter.count(record)
                // `--since`: a record not updated since then is as an earlier run delivered it; its key still resolves.
                if let since, let at = Self.updatedAt(record, mapping), at < since {
                    summary.skipped += 1
                    summary.skippedBy["not updated since \(since)", default: 0] += 1
                    if let key = record.value(at: mapping.key)?.scalarText {
                        keys.append((key, key))
                        if tracksParents { parents.append((key, "skipped")) }
                    }
                    continue
                }
                let outcome = try mapper.map(record, resolver: resolver)
                if tracksParents, let key = record.value(at: mapping.key)?.scalarText {
                    switch outcome {
                    case .mapped: parents.append((key, "mapped"))
                    case .skipped: parents.append((key, "skipped"))
                    case .rejected: parents.append((key, "rejected"))
                    }
                }
                switch outcome {
                case .mapped(let m, let children):
                    for d in children.problems { try rejects.write(d, record: nil) }
                    summary.childRejected += children.problems.count
                    summary.childSkipped += children.skipped
                    // Children joined from separate files were counted when indexed; inline ones and stand-ins now.
                    summary.childRead += children.read
                    if summary.samples.count < 3 { summary.samples.append(.object(m.payload)) }
                    // New batches are cut by count and request size; a batch an earlier attempt already formed is cut
                    // where it was then (sizes can change between attempts as references resolve differently).
                    let size = measureBytes && formed == nil ? JSONSerializer.bytes(.object(m.payload)).count + 1 : 0
                    if formed == nil, !batch.isEmpty, batchBytes + size > byteBudget { try await flush() }
                    batch.append(m)
                    batchBytes += size
                    keys.append((m.sourceKey, m.sourceKey))
                    sent += 1
                    if batch.count == (formed ?? recordsPerBatch) { try await flush() }
                case .skipped(let d, let duplicateOf):
                    summary.skipped += 1
                    summary.skippedBy[d.code, default: 0] += 1
                    if let first = duplicateOf, let key = record.value(at: mapping.key)?.scalarText { keys.append((key, first)) }
                    logger.debug("skipped", metadata: ["reason": "\(d)"])
                case .rejected(let d):
                    summary.rejected += 1
                    try rejects.write(d, record: .object(record.fields))
                }
            }
            try await flush()
            while inFlight > 0 { try await collect() }
        }
        for (k, v) in resolver.notes { summary.notes[k, default: 0] += v }
        summary.coverage = coverage?.counter.result
        if let w = mapping.conditions.first, summary.read > 0, summary.skippedBy.values.reduce(0, +) == summary.read,
           summary.skippedBy.keys.allSatisfy({ $0 != "duplicate" && $0 != "exists" && $0 != "superseded" }) {
            summary.warnings.append("\(mapping.file): the where conditions skipped every one of the \(summary.read) records read (first condition on '\(w.field)'); check the field names and values against the export")
        }
        return (summary, sent)
    }

}
