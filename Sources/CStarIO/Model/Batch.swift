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
