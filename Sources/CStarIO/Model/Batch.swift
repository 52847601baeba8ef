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
    /// Set by a delta delivery, which knows each record's children: those cStar already held (counted skipped) and
    /// those appended now (delivered). Nil for other deliveries, whose children share their parent's fate.
    public var childrenExisting: Int?
    public var childrenAppended = 0
    /// Records a delta delivery updated with a `PATCH`.
    public var patched = 0
    /// Records skipped because nothing changed since the last run (part of `skipped`).
    public var unchanged = 0
    /// Counted notes (`N tickets: status changed`), for the summary.
    public var notes: [String: Int] = [:]

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
        if let e = other.childrenExisting { childrenExisting = (childrenExisting ?? 0) + e }
        childrenAppended += other.childrenAppended
        patched += other.patched
        unchanged += other.unchanged
        for (k, v) in other.notes { notes[k, default: 0] += v }
    }
}
