import CStarHash
import Foundation
import Logging

/// Something worth telling the person running the pipeline while it runs.
public enum PipelineProgress: Sendable {
    case entityStarted(entity: String, files: [String])
    /// `delivered`: records of this entity delivered so far; `fraction`: share of the source bytes read (nil if unknown).
    case batchDelivered(entity: String, batch: Int, records: Int, read: Int, delivered: Int, fraction: Double?)
    case entityFinished(EntitySummary)
    case entitySkipped(entity: String, reason: String)
}

/// Up to 500 mapped records of one entity, formed deterministically from the source order.
public struct Batch: Sendable {
    public var entity: String
    public var target: TargetResource
    public var index: Int
    public var records: [MappedRecord]
}

/// What the receiver did with a batch: counts, and per-record errors by position in the batch.
public struct BatchOutcome: Sendable {
    public struct RecordError: Sendable {
        public var index: Int
        public var code: String
        public var message: String
        public var param: String?
        /// Refused before sending (a check cStar would fail the whole request on), not by cStar.
        public var notSent = false
    }
    public var created = 0
    public var updated = 0
    public var skipped = 0
    public var errors: [RecordError] = []
    /// Records cStar holds without all their children (a ticket whose thread could not be completed): they
    /// count as delivered, and their missing children as rejected.
    public struct Partial: Sendable {
        public var index: Int
        /// Children cStar holds (the thread's first `present` messages) and children it does not.
        public var present: Int
        public var missing: Int
        public var code: String
        public var message: String
    }
    public var partial: [Partial] = []

    public init(created: Int = 0, updated: Int = 0, skipped: Int = 0, errors: [RecordError] = []) {
        self.created = created
        self.updated = updated
        self.skipped = skipped
        self.errors = errors
    }

    /// Adds the outcome of another part of the same batch.
    public mutating func add(_ other: BatchOutcome) {
        created += other.created
        updated += other.updated
        skipped += other.skipped
        errors += other.errors
        partial += other.partial
    }
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
}

extension BatchSink {
    public var maxRequestBytes: Int { CStarAPI.maxRequestBytes }
    public func batchSize(for mapping: EntityMapping) -> Int { batchSize }
    public func formedBatch(entity: String, index: Int) throws -> Int? { nil }
    public func concurrency(for mapping: EntityMapping) -> Int { 1 }
    public func entityStarting(_ mapping: EntityMapping) async throws {}
    public func entityFinished(_ mapping: EntityMapping) async throws -> Reconciliation? { nil }
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
    private var builtIndexes: Set<String> = []
    /// Stand-ins whose keys count as an entity's own for `ref` (set by `run`).
    private var refAliases: [String: [String]] = [:]
    private var builtChildren: Set<String> = []

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

    func files(for source: SourceSpec) -> [String] { SourceFiles.resolve(source, in: exportDirectory) }

    public func run(_ mappings: [EntityMapping], progress: @escaping @Sendable (PipelineProgress) -> Void = { _ in }) async throws -> MigrationSummary {
        let start = Date()
        var summaries: [EntitySummary] = []
        var minimumRequests = 0
        defer { try? rejects.close() }
        let withFiles = Set(mappings.filter { !files(for: $0.source).isEmpty }.map(\.entity))
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
            var prepared = EntitySummary(entity: mapping.entity, target: mapping.target.rawValue)
            try buildIndexes(for: mapping, summary: &prepared)
            try await sink.entityStarting(mapping)
            var (summary, sent) = try await runEntity(mapping, files: files, prepared: prepared, progress: progress)
            try accountUnclaimedChildren(of: mapping, summary: &summary)
            summary.reconciliation = try await sink.entityFinished(mapping)
            minimumRequests += Self.minimumRequests(mapping.target, records: sent)
            summaries.append(summary)
            progress(.entityFinished(summary))
        }
        try rejects.close()
        return MigrationSummary(entities: summaries, requests: 0, retries: 0, minimumRequests: minimumRequests,
                                elapsedSeconds: Date().timeIntervalSince(start), rejectsFile: rejects.count > 0 ? rejects.path : nil)
    }

    /// Throws `NoSourceFilesError` when no mapping finds a file in `directory` (checked before a run is recorded).
    public static func requireFiles(_ mappings: [EntityMapping], in directory: String) throws {
        guard !mappings.isEmpty, !mappings.contains(where: { !SourceFiles.resolve($0.source, in: directory).isEmpty }) else { return }
        throw NoSourceFilesError(directory: directory, mappings: mappings)
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

    func buildIndexes(for mapping: EntityMapping, summary: inout EntitySummary) throws {
        for spec in mapping.indexes where !builtIndexes.contains(spec.name) {
            var reader = MultiFileReader(files: SourceFiles.matches(spec.source, in: exportDirectory), options: ReaderOptions(records: spec.source.records))
            let n = try index.buildSourceIndex(name: spec.name, reader: &reader, keyPath: spec.key)
            logger.debug("index built", metadata: ["index": "\(spec.name)", "records": "\(n)"])
            builtIndexes.insert(spec.name)
        }
        for child in mapping.children {
            let id = "\(mapping.entity).\(child.target)"
            guard !builtChildren.contains(id) else { continue }
            builtChildren.insert(id)
            for source in child.sources {
                var reader = MultiFileReader(files: SourceFiles.matches(source.spec, in: exportDirectory), options: ReaderOptions(records: source.spec.records))
                let result = try index.buildChildIndex(entity: mapping.entity, child: child.target, reader: &reader, source: source,
                                                       childKey: child.key, order: child.order, conditions: child.conditions)
                summary.childRead += result.indexed + result.duplicates + result.problems.count
                summary.childSkipped += result.duplicates
                summary.childRejected += result.problems.count
                if result.duplicates > 0 { summary.notes["\(child.target) met twice (same \(child.key ?? "key")), kept once", default: 0] += result.duplicates }
                for p in result.problems {
                    try rejects.write(Diagnostic(location: SourceLocation(file: p.file, line: p.line, index: 0), entity: id, field: nil,
                                                 code: "unreadable", message: p.message), record: nil)
                }
                logger.debug("child index built", metadata: ["children": "\(id)", "records": "\(result.indexed)"])
            }
        }
        if let version = mapping.latestBy {
            var reader = MultiFileReader(files: SourceFiles.matches(mapping.source, in: exportDirectory), options: ReaderOptions(records: mapping.source.records))
            let (records, keys) = try index.buildLatest(entity: mapping.entity, reader: &reader, keyPath: mapping.key, versionPaths: [version] + mapping.latestTieBreak)
            if records > keys { logger.info("\(mapping.entity): \(records - keys) records met again in later pages; the latest '\(version)' of each is kept") }
        }
    }

    /// Children no mapped parent took: those of skipped parents are skipped, of rejected parents rejected with them,
    /// and those whose parent is not in the export are rejected (one rejects-file entry per parent).
    func accountUnclaimedChildren(of mapping: EntityMapping, summary: inout EntitySummary) throws {
        for child in mapping.children where !child.sources.isEmpty {
            for group in try index.unclaimedChildren(entity: mapping.entity, child: child.target) {
                switch group.outcome {
                case "skipped"?: summary.childSkipped += group.count
                case "rejected"?: summary.childRejected += group.count
                default:
                    summary.childRejected += group.count
                    try rejects.write(Diagnostic(location: SourceLocation(file: group.file, line: group.line, index: 0), entity: "\(mapping.entity).\(child.target)",
                                                 field: child.sources.first?.parentKey, code: "no_parent",
                                                 message: "\(group.count) \(child.target) of \(mapping.entity) '\(group.parentKey)', which is not in the export: not migrated"),
                                      record: nil)
                }
            }
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
                                         delivered: delivered, fraction: readProgress.fraction(consumed: summary.read)))
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

    /// Children a mapped record carries in its payload (they share the fate of their parent).
    static func childCount(_ m: MappedRecord, _ mapping: EntityMapping) -> Int {
        mapping.children.reduce(0) { $0 + (m.payload[$1.target]?.arrayValue?.count ?? 0) }
    }

    /// Adds a delivered batch to the entity's counts; refused and per-record errors go to the rejects file.
    func account(_ batch: Batch, _ delivery: Delivery, mapping: EntityMapping, summary: inout EntitySummary) throws {
        let outcome: BatchOutcome
        switch delivery {
        case .refused(let e):
            // The whole batch was refused: record every record with the API's reason rather than lose them.
            for m in batch.records {
                summary.rejected += 1
                summary.childRejected += Self.childCount(m, mapping)
                try rejects.write(Diagnostic(location: m.location, entity: mapping.entity, field: e.param, code: e.code, message: e.message),
                                  record: .object(m.payload))
            }
            return
        case .outcome(let o): outcome = o
        }
        summary.created += outcome.created
        summary.updated += outcome.updated
        summary.skipped += outcome.skipped
        if outcome.skipped > 0 { summary.skippedBy["exists", default: 0] += outcome.skipped }
        // A rejects-file entry for the batch record at `index`, with its source location and payload.
        func reject(_ index: Int, field: String?, code: String, message: String) throws {
            let m = batch.records.indices.contains(index) ? batch.records[index] : nil
            try rejects.write(Diagnostic(location: m?.location, entity: mapping.entity, field: field, code: code, message: message),
                              record: m.map { .object($0.payload) })
        }
        for e in outcome.errors {
            summary.rejected += 1
            if batch.records.indices.contains(e.index) { summary.childRejected += Self.childCount(batch.records[e.index], mapping) }
            try reject(e.index, field: e.param, code: e.code, message: e.notSent ? "not sent: \(e.message)" : "cStar refused the record: \(e.message)")
        }
        // Records cStar already had keep what they have there: the children sent with them are not delivered. cStar
        // answers with counts only, so this is exact when a whole batch was skipped, and a note otherwise.
        // (Updated ones too: an update changes the record's fields, not the thread cStar holds.)
        let existed = outcome.skipped + outcome.updated
        if existed > 0, !mapping.children.isEmpty {
            let what = mapping.children.map(\.target).joined(separator: "/")
            let refused = Set(outcome.errors.map(\.index))
            let carried = batch.records.indices.filter { !refused.contains($0) }.reduce(0) { sum, i in sum + Self.childCount(batch.records[i], mapping) }
            if outcome.created == 0 {
                summary.childSkipped += carried
                if carried > 0 { summary.notes["\(what) of \(mapping.entity) already in cStar: kept as cStar has them, none added", default: 0] += carried }
            } else {
                summary.notes["\(mapping.entity) already in cStar, in batches with new ones: their \(what) are kept as cStar has them, none added", default: 0] += existed
            }
        }
        for p in outcome.partial {
            summary.childRejected += p.missing
            try reject(p.index, field: "messages", code: p.code, message: p.message)
        }
        let accounted = outcome.created + outcome.updated + outcome.skipped + outcome.errors.count
        if accounted != batch.records.count {
            logger.warning("the answer does not account for every record", metadata: ["batch": "\(batch.index)", "sent": "\(batch.records.count)", "accounted": "\(accounted)"])
            summary.failed += max(0, batch.records.count - accounted)
        }
    }
}

/// An export folder in which no mapping finds a file: the wrong folder, or an export of another shape.
public struct NoSourceFilesError: Error, CustomStringConvertible, Sendable {
    public let directory: String
    public let found: [String]
    public let lookedFor: [String]

    init(directory: String, mappings: [EntityMapping]) {
        self.directory = directory
        found = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        // Per entity, its first few patterns: enough to recognise the layout expected.
        lookedFor = mappings.map { m in
            "\(m.entity): " + m.source.files.prefix(3).joined(separator: ", ") + (m.source.files.count > 3 ? ", …" : "")
        }
    }

    public var description: String {
        let shown = found.prefix(20).joined(separator: ", ") + (found.count > 20 ? ", … \(found.count - 20) more" : "")
        return """
            no file in '\(directory)' matches the mapping: nothing to read.
              found there: \(found.isEmpty ? "(nothing)" : shown)
              the mapping reads:
            \(lookedFor.map { "    " + $0 }.joined(separator: "\n"))
              check the folder (the export itself, not its parent), or the mapping set (--from / --mapping)
            """
    }
}

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
