import Foundation
import Logging

/// One bulk run (`bulk update`, `bulk delete`, `bulk undo`) as a sequence of decisions the caller makes between
/// steps: `prepare` (select, form the calls, capture a sample of before-images; or find the unfinished run of the
/// same command and continue it), then the caller shows the preview and either `discard`s, `cancel`s or
/// `confirm`s, then `execute`. The journal holds every step, so each is safe to repeat after a crash. The caller
/// owns the state-folder lock, the target, prompts and rendering.
public struct BulkSession {
    public static let journalFile = "bulk.sqlite"

    public let journal: BulkJournal
    public let client: CStarClient
    public let logger: Logger

    public init(journal: BulkJournal, client: CStarClient, logger: Logger) {
        self.journal = journal
        self.client = client
        self.logger = logger
    }

    /// What a run will do, before anything is changed (or, when resumed, what it is doing).
    public struct Preview: Sendable {
        public var runId: String
        /// An unfinished run of the same command, continued (its description and start time).
        public var resumed: (description: String, createdAt: String)?
        public var items: Int
        public var calls: Int
        public var sample: [BulkJournal.Item]
        public var warnings: [String]
        /// Nothing was sent yet: the run waits for `confirm` (a resumed run past confirmation does not).
        public var awaitsConfirmation: Bool
    }

    /// Plans the run of `spec` into the journal, or finds the unfinished run of the same command and target.
    /// Throws `BulkSpecError` for a selection that cannot be read.
    public func prepare(_ spec: BulkSpec, targetIdentity: String, sample: Int) async throws -> Preview {
        let planner = BulkPlanner(client: client, journal: journal, logger: logger)
        let fingerprint = try spec.fingerprint(target: targetIdentity)
        var existing = try journal.unfinishedRun(fingerprint: fingerprint)
        if let open = existing, open.state == .planning {
            // Planning never finished: nothing was sent; plan again from scratch.
            try journal.discardPlanning(open.id)
            existing = nil
        }
        let runId: String
        var warnings: [String] = []
        var resumed: (String, String)?
        if let open = existing {
            runId = open.id
            resumed = (open.description, open.createdAt)
        } else {
            runId = try journal.startRun(kind: spec.action == .update ? .update : .delete, resource: spec.resource.rawValue,
                                         fingerprint: fingerprint, target: targetIdentity, description: spec.description)
            warnings = try await planner.select(runId: runId, spec: spec)
            try planner.formCalls(runId: runId, resource: spec.resource, action: spec.action)
            try await planner.captureBefore(runId: runId, resource: spec.resource, threads: spec.action == .delete, limit: sample)
        }
        return Preview(runId: runId, resumed: resumed, items: try journal.itemCount(runId), calls: try journal.callCount(runId),
                       sample: try journal.items(runId, limit: sample), warnings: warnings,
                       awaitsConfirmation: try journal.run(id: runId)?.state == .planning)
    }

    /// Plans the undo of a finished run, or continues an unfinished undo of it.
    public func prepareUndo(of original: BulkJournal.Run, targetIdentity: String, sample: Int) throws -> UndoPreview {
        switch try BulkUndoPlanner(journal: journal).plan(originalRunId: original.id, target: targetIdentity) {
        case .alreadyUndone(let done):
            return .alreadyUndone(by: done)
        case .run(let id, let resumed, let warnings):
            let awaits = try journal.callCount(id, state: "planned") > 0 && (try journal.run(id: id))?.state == .planned
            return .run(Preview(runId: id, resumed: resumed ? (original.description, original.createdAt) : nil, items: try journal.itemCount(id),
                                calls: try journal.callCount(id), sample: try journal.items(id, limit: sample), warnings: warnings,
                                awaitsConfirmation: awaits))
        }
    }

    public enum UndoPreview: Sendable {
        case alreadyUndone(by: String)
        case run(Preview)
    }

    /// A run that was never confirmed: removed, so that nothing is journaled that `bulk runs` or `bulk undo` would offer.
    public func discard(_ runId: String) throws { try journal.deleteUnsentRun(runId) }

    /// A run the person declined (or that needed an explicit yes): kept as cancelled.
    public func cancel(_ runId: String) throws { try journal.setState(runId, .cancelled) }

    /// Confirmed: captures every record as it is now, before the first call (tickets with their thread when
    /// deleting), and marks the run ready to send.
    public func confirm(_ runId: String, spec: BulkSpec) async throws {
        let planner = BulkPlanner(client: client, journal: journal, logger: logger)
        try await planner.captureBefore(runId: runId, resource: spec.resource, threads: spec.action == .delete)
        try journal.setState(runId, .planned)
    }

    /// Sends the run's remaining calls, writes the failures file and finishes the run with its summary.
    public func execute(_ runId: String, failuresPath: String, resumed: Bool, configure: (inout BulkRunner) -> Void = { _ in },
                        progress: (BulkCallProgress) -> Void) async throws -> BulkSummary {
        var runner = BulkRunner(client: client, journal: journal, logger: logger)
        configure(&runner)
        let done = try await runner.execute(runId: runId, progress: progress)
        var summary = try runner.summarize(runId: runId, failuresPath: failuresPath)
        summary.callsSent = done.sent
        summary.callsReplayed = done.replayed
        summary.requests = client.stats.requests
        summary.resumed = resumed
        try journal.setState(runId, .finished, summary: JSONSerializer.string(summary.json))
        return summary
    }
}
