/// After an entity: what cStar holds compared with what the run put there, and what learning ids cost.
public struct Reconciliation: Sendable, Equatable {
    /// Records this run delivered that cStar must now hold (created, updated, or matched as existing).
    public var expected: Int
    /// Of those, found in cStar when read back.
    public var found: Int
    /// Tickets found whose message count differs from the thread sent.
    public var messageMismatches = 0
    /// A few source keys of records not found, for the report.
    public var missingSample: [String] = []
    /// Requests spent reading what cStar holds (existing records, ids of created ones, the check itself).
    public var lookupRequests = 0
    /// Delta runs: records earlier runs delivered that this export does not hold, a few of their source keys, and
    /// how many of them were deleted from cStar (`--delete-missing`).
    public var absentFromExport = 0
    public var absentSample: [String] = []
    public var deletedAbsent = 0

    public init(expected: Int, found: Int, messageMismatches: Int = 0, missingSample: [String] = [], lookupRequests: Int = 0) {
        self.expected = expected
        self.found = found
        self.messageMismatches = messageMismatches
        self.missingSample = missingSample
        self.lookupRequests = lookupRequests
    }

    public var matches: Bool { expected == found && messageMismatches == 0 }

    public var json: JSONValue {
        .object(JSONObject([
            ("expected", .int(Int64(expected))), ("found", .int(Int64(found))), ("missing", .int(Int64(expected - found))),
            ("messageMismatches", .int(Int64(messageMismatches))), ("missingSample", .array(missingSample.map { .string($0) })),
            ("lookupRequests", .int(Int64(lookupRequests))), ("matches", .bool(matches)),
            ("absentFromExport", .int(Int64(absentFromExport))), ("absentSample", .array(absentSample.map { .string($0) })),
            ("deletedAbsent", .int(Int64(deletedAbsent))),
        ]))
    }
}

/// Per-entity counts of a run. They always reconcile: read = created + updated + skipped + rejected + failed.
public struct EntitySummary: Sendable, Equatable {
    public var entity: String
    public var target: String
    public var files: [String] = []
    public var read = 0
    public var created = 0
    public var updated = 0
    public var skipped = 0
    public var rejected = 0
    /// Records in batches that could not be delivered (the run stopped); a re-run sends them.
    public var failed = 0
    /// Why records were skipped, by reason code (filtered, duplicate, exists).
    public var skippedBy: [String: Int] = [:]
    /// Child records (ticket messages) left out of their parent, each in the rejects file with its reason.
    public var childRejected = 0
    /// Child records read (inline, joined from separate files, or standing in, as a description does), and those
    /// skipped (met twice, or their parent was skipped). read = delivered + rejected + skipped, as for records.
    public var childRead = 0
    public var childSkipped = 0
    /// Delta runs: the writes the changes needed (one `PATCH` per changed record, one `POST` per appended message);
    /// nil when the entity was not delivered as a delta.
    public var deltaWrites: Int?
    /// Things the summary must tell that are not records: attachments kept as links, values not migrated.
    public var notes: [String: Int] = [:]
    /// Files skipped or looking incomplete, read warnings.
    public var warnings: [String] = []
    /// Source fields left behind and fields read that no record has (collected by `plan` and `validate`).
    public var coverage: Coverage?
    /// The first payloads, as they would be sent.
    public var samples: [JSONValue] = []
    /// cStar's contents checked against this entity's delivery (nil when the sink does not check, as in `plan`).
    public var reconciliation: Reconciliation?

    public init(entity: String, target: String) {
        self.entity = entity
        self.target = target
    }

    public var reconciles: Bool { read == created + updated + skipped + rejected + failed }
    /// Children in parents cStar took (or already held).
    public var childDelivered: Int { childRead - childRejected - childSkipped }

    public var json: JSONValue {
        .object(JSONObject([
            ("entity", .string(entity)), ("target", .string(target)), ("files", .array(files.map { .string($0) })),
            ("read", .int(Int64(read))), ("created", .int(Int64(created))), ("updated", .int(Int64(updated))),
            ("skipped", .int(Int64(skipped))), ("rejected", .int(Int64(rejected))), ("failed", .int(Int64(failed))),
            ("skippedBy", .object(JSONObject(skippedBy.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) }))),
            ("childRejected", .int(Int64(childRejected))),
            ("children", .object(JSONObject([("read", .int(Int64(childRead))), ("delivered", .int(Int64(childDelivered))),
                                             ("rejected", .int(Int64(childRejected))), ("skipped", .int(Int64(childSkipped)))]))),
            ("notes", .object(JSONObject(notes.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) }))),
            ("warnings", .array(warnings.map { .string($0) })),
            ("coverage", coverage?.json ?? .null),
            ("reconciliation", reconciliation?.json ?? .null),
        ]))
    }
}

public struct MigrationSummary: Sendable {
    public var entities: [EntitySummary]
    public var requests: Int
    public var retries: Int
    /// The fewest requests that could have carried the same records.
    public var minimumRequests: Int
    public var elapsedSeconds: Double
    public var rejectsFile: String?
    /// Times the client paused to stay within the hourly quota, and for how long in all.
    public var quotaWaits = 0
    public var quotaWaitSeconds = 0.0
    /// What a report draws: records done over time and the quota waits (migrate, restore).
    public var timeline: RunTimeline?
    /// The rejects grouped by entity and reason, with examples (`RejectGroups`).
    public var rejectGroups: JSONValue?
    /// Requests the quota window allows, as the answers said.
    public var quotaLimit: Int?

    /// Data files of the export folder no mapping reads (each named in a warning).
    public var unclaimedFiles: [UnclaimedFile] = []
    /// Of those, the ones that look like records of a mapped entity: records this run does not migrate.
    public var unclaimedRecordFiles: [UnclaimedFile] { unclaimedFiles.filter { $0.probableEntity != nil && !$0.sameRecords } }

    /// Values of delivered records the run could not carry, counted in the entities' notes (custom-field values
    /// without a definition): data left behind, so the run ends "with problems" like a rejected record.
    public var valuesNotMigrated: Int {
        entities.reduce(0) { sum, e in sum + e.notes.filter { Self.isLoss($0.key) }.reduce(0) { $0 + $1.value } }
    }

    /// Something of the export did not arrive: rejected records or children, files of records no mapping reads,
    /// values left behind. Both `migrate`'s and `plan`'s verdicts end "with problems" on it.
    public var leftSomethingBehind: Bool {
        totalRejected > 0 || totalChildRejected > 0 || !unclaimedRecordFiles.isEmpty || valuesNotMigrated > 0
    }

    /// A note that tells of values left behind says "(not migrated" (the wording the mapper's notes keep to).
    public static func isLoss(_ note: String) -> Bool { note.contains("(not migrated") }

    public var totalRejected: Int { entities.reduce(0) { $0 + $1.rejected } }
    /// Children (messages) rejected while their parent was delivered; they are in the rejects file too.
    public var totalChildRejected: Int { entities.reduce(0) { $0 + $1.childRejected } }
    public var totalFailed: Int { entities.reduce(0) { $0 + $1.failed } }
    /// Entities whose read-back does not match what the run delivered.
    public var mismatched: [EntitySummary] { entities.filter { $0.reconciliation.map { !$0.matches } ?? false } }
    public var lookupRequests: Int { entities.reduce(0) { $0 + ($1.reconciliation?.lookupRequests ?? 0) } }

    public var json: JSONValue {
        .object(JSONObject([
            ("entities", .array(entities.map(\.json))),
            ("requests", .int(Int64(requests))), ("retries", .int(Int64(retries))), ("minimumRequests", .int(Int64(minimumRequests))),
            ("elapsedSeconds", .double((elapsedSeconds * 1000).rounded() / 1000)),
            ("rejectsFile", rejectsFile.map { .string($0) } ?? .null),
            ("lookupRequests", .int(Int64(lookupRequests))), ("reconciled", .bool(mismatched.isEmpty)),
            ("quotaWaits", .int(Int64(quotaWaits))), ("quotaWaitSeconds", .double((quotaWaitSeconds * 10).rounded() / 10)),
            ("unclaimedFiles", .array(unclaimedFiles.map(\.json))),
            ("timeline", timeline?.json ?? .null), ("rejectGroups", rejectGroups ?? .null),
            ("quotaLimit", quotaLimit.map { .int(Int64($0)) } ?? .null),
        ]))
    }
}
