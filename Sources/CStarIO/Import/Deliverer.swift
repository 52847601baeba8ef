/// Sends one batch of one target family to cStar (`ImportDeliverer`, `PerRecordDeliverer`, `MembershipDeliverer`,
/// `SettingsDeliverer`). A deliverer knows requests and answers only; `CStarSink.deliver` wraps every one in the same
/// checkpointing (mark sent with the key, commit the outcome, the ids and the natural keys).
protocol Deliverer: Sendable {
    /// The request body the batch's idempotency key hashes (imports send exactly these bytes).
    func body(_ batch: Batch, mapping: EntityMapping) -> [UInt8]
    func deliver(_ batch: Batch, mapping: EntityMapping, body: [UInt8], key: IdempotencyKey) async throws -> Delivered
}

extension Deliverer {
    func body(_ batch: Batch, mapping: EntityMapping) -> [UInt8] {
        JSONSerializer.bytes(.array(batch.records.map { .object($0.payload) }))
    }
}

/// What a deliverer did: the outcome, and the ids cStar gave records created one at a time (source key, id).
struct Delivered: Sendable {
    var outcome: BatchOutcome
    var ids: [(String, String)] = []
    /// What cStar now holds of the records this delivery put there (nil: derive it from the outcome).
    var states: [(String, RecordState)]?
}
