import Foundation
import Logging

/// What a finished (or resumed) bulk run did, from the journal.
public struct BulkSummary: Sendable {
    public var runId: String
    public var kind: String
    public var resource: String
    public var items = 0
    public var calls = 0
    /// Calls this invocation sent (a resumed run sends only the unfinished ones).
    public var callsSent = 0
    /// Calls cStar answered from its idempotency cache (sent before a crash; not applied twice).
    public var callsReplayed = 0
    public var succeeded = 0
    public var failed = 0
    /// Items no call has reported on (a run stopped early).
    public var pending = 0
    public var failuresFile: String?
    public var requests = 0
    public var resumed = false

    public init(runId: String, kind: String, resource: String) {
        self.runId = runId
        self.kind = kind
        self.resource = resource
    }

    public var json: JSONValue {
        .object(JSONObject([
            ("runId", .string(runId)), ("action", .string(kind)), ("resource", .string(resource)),
            ("items", .int(Int64(items))), ("calls", .int(Int64(calls))), ("callsSent", .int(Int64(callsSent))),
            ("callsReplayed", .int(Int64(callsReplayed))), ("succeeded", .int(Int64(succeeded))), ("failed", .int(Int64(failed))),
            ("pending", .int(Int64(pending))), ("failuresFile", failuresFile.map { .string($0) } ?? .null),
            ("requests", .int(Int64(requests))), ("resumed", .bool(resumed)),
        ]))
    }
}

extension BulkSummary {
    /// The run in the shape `RunReportHTML` reads (a `MigrationSummary`'s JSON): one entity, the records changed as
    /// updated (deleted as skipped), failures as rejected and grouped by their code with examples from the failures file.
    public func reportSummary(elapsedSeconds: Double) -> JSONValue {
        var groups: [String: (count: Int, examples: [JSONValue])] = [:]
        if let path = failuresFile, let text = try? String(contentsOfFile: path, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                guard let f = (try? JSONParser.parse(String(line)))?.objectValue else { continue }
                let code = f["code"]?.stringValue ?? "failed"
                var g = groups[code] ?? (0, [])
                g.count += 1
                if g.examples.count < 3 {
                    g.examples.append(.object(JSONObject([("location", .string("id \(f["id"]?.scalarText ?? "?")")),
                                                          ("reason", f["message"] ?? .string(code))])))
                }
                groups[code] = g
            }
        }
        let changed = succeeded
        let entity = JSONObject([
            ("entity", .string(resource)), ("target", .string(resource)), ("read", .int(Int64(items))),
            ("created", .int(0)), ("updated", .int(Int64(kind == "delete" ? 0 : changed))),
            ("skipped", .int(Int64(kind == "delete" ? changed : 0) + Int64(pending))), ("rejected", .int(Int64(failed))),
        ])
        return .object(JSONObject([
            ("entities", .array([.object(entity)])), ("requests", .int(Int64(requests))), ("minimumRequests", .int(Int64(calls))),
            ("lookupRequests", .int(Int64(max(0, requests - callsSent)))), ("retries", .int(0)), ("elapsedSeconds", .double(elapsedSeconds)),
            ("rejectsFile", failuresFile.map { .string($0) } ?? .null),
            ("rejectGroups", .array(groups.sorted { $0.key < $1.key }.map { code, g in
                .object(JSONObject([("entity", .string(resource)), ("code", .string(code)), ("count", .int(Int64(g.count))), ("examples", .array(g.examples))]))
            })),
        ]))
    }
}

/// Progress of one call, for the terminal.
public struct BulkCallProgress: Sendable {
    public let index: Int
    public let total: Int
    public let items: Int
    public let failed: Int
    public let replayed: Bool
}

/// Sends a planned run's calls in order, each with its stored body and idempotency key, and commits each
/// call's answer and per-item outcomes to the journal only after cStar answered. A run stopped at any point
/// continues from the first call not committed; a call that was sent but not committed is sent again with the
/// same key, so cStar replays its answer instead of applying it twice.
public struct BulkRunner: Sendable {
    public let client: CStarClient
    public let journal: BulkJournal
    public let logger: Logger
    /// Test hooks: called after cStar answered a call (before the commit) and after the commit.
    public var afterAnswer: @Sendable (Int) async -> Void = { _ in }
    public var afterCommit: @Sendable (Int) async -> Void = { _ in }

    public init(client: CStarClient, journal: BulkJournal, logger: Logger) {
        self.client = client
        self.journal = journal
        self.logger = logger
    }

    /// Sends every call not yet committed. Throws on errors that stop the run (authentication, permissions,
    /// transport failures after retries); the run stays resumable.
    public func execute(runId: String, progress: (BulkCallProgress) -> Void = { _ in }) async throws -> (sent: Int, replayed: Int) {
        try journal.setState(runId, .running)
        let total = try journal.callCount(runId)
        var sent = 0, replayed = 0
        for index in try journal.uncommittedCallIndexes(runId) {
            guard let call = try journal.call(runId, index: index) else { continue }
            try journal.markSent(runId, index: call.index)
            let items = try journal.callItems(runId, index: call.index)
            let body = try JSONParser.parse(call.body)
            let answer: String
            let outcomes: [BulkJournal.ItemOutcome]
            var wasReplayed = false
            do {
                let response = try await client.send(.POST, call.path, body: body, idempotencyKey: IdempotencyKey(stored: call.idempotencyKey))
                wasReplayed = response.replayed
                answer = JSONSerializer.string(response.data)
                outcomes = call.path == CStarAPI.importPath
                    ? Self.importOutcomes(response.data, items: items)
                    : Self.bulkOutcomes(response.data, items: items, logger: logger)
            } catch let e as CStarAPIError where e.kind == .refused || e.kind == .conflict {
                // (A reused key means this call's stored body no longer matches what was sent under it: that stops
                // the run rather than marking ids failed that cStar may have changed.)
                // The whole call was refused (e.g. a value cStar does not accept): every id of it failed.
                answer = JSONSerializer.string(.object(JSONObject([
                    ("status", .int(Int64(e.status))), ("code", .string(e.code)), ("message", .string(e.message)),
                    ("param", e.param.map { .string($0) } ?? .null), ("requestId", e.requestId.map { .string($0) } ?? .null),
                ])))
                let message = e.param.map { "\(e.message) (param: \($0))" } ?? e.message
                outcomes = items.map { BulkJournal.ItemOutcome(seq: $0.seq, ok: false, code: e.code, message: message) }
            }
            await afterAnswer(call.index)
            try journal.commit(runId, index: call.index, answer: answer, replayed: wasReplayed, outcomes: outcomes)
            sent += 1
            if wasReplayed { replayed += 1 }
            progress(BulkCallProgress(index: call.index, total: total, items: items.count,
                                      failed: outcomes.filter { !$0.ok }.count, replayed: wasReplayed))
            await afterCommit(call.index)
        }
        return (sent, replayed)
    }

    /// `bulk_result`: ids named in `errors[]` failed; the others succeeded.
    static func bulkOutcomes(_ data: JSONValue, items: [BulkJournal.Item], logger: Logger) -> [BulkJournal.ItemOutcome] {
        var errors: [String: (code: String?, message: String?)] = [:]
        for e in data["errors"]?.arrayValue ?? [] {
            guard let id = e[CStarAPI.bulkErrorIdField]?.scalarText else { continue }
            errors[BulkPlanner.normalizedId(id)] = (e["code"]?.stringValue, e["message"]?.stringValue)
        }
        // When cStar counts more failures than it names ids for, the unnamed ids cannot be told apart: none of them
        // is reported as done. They are failures with the code `unconfirmed` (undo still restores them: setting
        // back prior values is harmless if the change did not happen).
        let unconfirmed = (data["failed"]?.intValue).map { Int($0) > errors.count } ?? false
        if unconfirmed {
            logger.warning("cStar reported more failures than it named ids for", metadata: ["failed": "\(data["failed"]?.intValue ?? 0)", "named": "\(errors.count)"])
        }
        return items.map { item in
            if let e = errors[BulkPlanner.normalizedId(item.recordId)] {
                return BulkJournal.ItemOutcome(seq: item.seq, ok: false, code: e.code ?? "failed", message: e.message ?? "cStar refused this id")
            }
            if unconfirmed {
                return BulkJournal.ItemOutcome(seq: item.seq, ok: false, code: BulkJournal.unconfirmedCode,
                                               message: "cStar counted more failures in this call than it named; whether this id changed is unknown")
            }
            return BulkJournal.ItemOutcome(seq: item.seq, ok: true)
        }
    }

    /// `import_result`: `errors[].index` names the failed record of the call.
    static func importOutcomes(_ data: JSONValue, items: [BulkJournal.Item]) -> [BulkJournal.ItemOutcome] {
        var errors: [Int: (code: String?, message: String?)] = [:]
        for e in data["errors"]?.arrayValue ?? [] {
            guard let i = e["index"]?.intValue else { continue }
            errors[Int(i)] = (e["code"]?.stringValue, e["message"]?.stringValue)
        }
        return items.enumerated().map { i, item in
            if let e = errors[i] { return BulkJournal.ItemOutcome(seq: item.seq, ok: false, code: e.code ?? "failed", message: e.message ?? "cStar refused this record") }
            return BulkJournal.ItemOutcome(seq: item.seq, ok: true)
        }
    }

    /// Counts from the journal, and the failures file (NDJSON: id, code, message, call) when anything failed.
    public func summarize(runId: String, failuresPath: String) throws -> BulkSummary {
        guard let run = try journal.run(id: runId) else { throw BulkSpecError("no bulk run \(runId)") }
        var s = BulkSummary(runId: runId, kind: run.kind.rawValue, resource: run.resource)
        (s.items, s.succeeded, s.failed, s.pending) = try journal.itemCounts(runId)
        s.calls = try journal.callCount(runId)
        try? FileManager.default.removeItem(atPath: failuresPath)
        if s.failed > 0 {
            let out = try LineWriter(path: failuresPath)
            try journal.forEachItemPage(runId, where: "outcome = 'failed'") { page in
                for item in page {
                    var o = JSONObject()
                    o["id"] = .string(item.recordId)
                    o["code"] = .string(item.errorCode ?? "failed")
                    o["message"] = .string(item.errorMessage ?? "")
                    o["call"] = item.callIndex.map { .int(Int64($0)) } ?? .null
                    try out.write(JSONSerializer.bytes(.object(o)) + [10])
                }
            }
            try out.commit()
            s.failuresFile = failuresPath
        }
        return s
    }
}
