import Foundation
import Logging

/// `plan` and `validate`: read everything, map it, send nothing. With `delta`, compare with what earlier
/// migrate runs from the same state folder delivered (`plan --delta`).
public struct PlanSession {
    public let exportDirectory: String
    public let stateDirectory: String
    public let entities: [EntityMapping]
    /// Write every batch that would be sent into this folder, one file per batch.
    public var outputDirectory: String?
    public var delta = false
    /// How many rejects the result carries (all of them are in the rejects file).
    public var rejectsShown = 10
    public let logger: Logger

    public init(exportDirectory: String, stateDirectory: String, entities: [EntityMapping], logger: Logger) {
        self.exportDirectory = exportDirectory
        self.stateDirectory = stateDirectory
        self.entities = entities
        self.logger = logger
    }

    /// `plan --delta` without an earlier run to compare with.
    public struct NoEarlierRuns: Error, CustomStringConvertible {
        public let description: String
    }

    public struct Result: Sendable {
        public var summary: MigrationSummary
        public var delta: Bool
        public var rejectsPath: String
        /// The first rejects, without their source records.
        public var rejects: [JSONValue]
        public var filesWritten: [String]

        /// How the plan ends, in the order the exit codes rank them.
        public var verdict: PlanVerdict {
            if !summary.entities.allSatisfy(\.reconciles) { return .countsDoNotReconcile }
            // A rule reading a field no record has is a mapping mistake (a typo, or a column this export lacks).
            if summary.entities.contains(where: { !($0.coverage?.missing.isEmpty ?? true) }) { return .fieldsMissing }
            // Export files that look like records no mapping reads are records a migration would not carry: a problem.
            if summary.leftSomethingBehind { return .rejects }
            return .clean
        }
    }

    public enum PlanVerdict: Sendable, Equatable { case clean, rejects, fieldsMissing, countsDoNotReconcile }

    /// The checkpoint store of earlier runs, and the team of the latest one.
    func deltaBase() throws -> (PlanSink.DeltaBase, CheckpointStore.Run) {
        let path = (stateDirectory as NSString).appendingPathComponent(CheckpointStore.fileName)
        guard FileManager.default.fileExists(atPath: path) else {
            throw NoEarlierRuns(description: "no earlier runs in \(stateDirectory)/: plan --delta compares an export with what earlier migrate runs from this state folder delivered.")
        }
        let store = try CheckpointStore(path: path)
        guard let last = try store.runs().last else { throw NoEarlierRuns(description: "no earlier runs in \(path): nothing to compare with.") }
        return (PlanSink.DeltaBase(store: store, target: last.target), last)
    }

    /// `comparing` is told the run a delta plan compares with, before the export is read.
    public func run(comparing: (CheckpointStore.Run) -> Void = { _ in },
                    onProgress: @escaping @Sendable (PipelineProgress) -> Void = { _ in }) async throws -> Result {
        let base = delta ? try deltaBase() : nil
        if let run = base?.1 { comparing(run) }
        let sink = PlanSink(outputDirectory: outputDirectory, delta: base?.0)
        // Plans keep their rejects apart, so a plan never replaces (or shows) the rejects of a migration.
        let pipeline = try Pipeline(exportDirectory: exportDirectory, stateDirectory: stateDirectory, sink: sink, logger: logger,
                                    rejectsFile: "plan-rejects.ndjson", indexFile: "plan-run-index.sqlite")
        pipeline.collectsCoverage = true
        let summary = try await pipeline.run(entities, progress: onProgress)
        return Result(summary: summary, delta: delta, rejectsPath: pipeline.rejectsPath,
                      rejects: Self.firstRejects(pipeline.rejectsPath, limit: rejectsShown), filesWritten: sink.filesWritten)
    }

    static func firstRejects(_ path: String, limit: Int) -> [JSONValue] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").prefix(limit).compactMap { line in
            guard var o = (try? JSONParser.parse(String(line)))?.objectValue else { return nil }
            o["record"] = nil
            return .object(o)
        }
    }
}
