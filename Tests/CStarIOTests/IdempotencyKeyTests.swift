import CStarHash
import CStarIO
import Testing

/// The one idempotency-key recipe (Client/IdempotencyKey.swift).
@Suite("Idempotency keys")
struct IdempotencyKeyTests {
    /// The key texts are part of resuming: a run started by an older binary must send the same keys.
    @Test func idempotencyKeysAreStableAndDistinct() {
        let body = Array(#"{"resource":"customers"}"#.utf8)
        let batch = IdempotencyKey.batch(runId: "0123456789abcdef0123", entity: "customers", index: 7, body: body)
        #expect(batch.value == "cstario-0123456789ab-customers-7-\(SHA256.hex(body).prefix(16))")
        #expect(batch == IdempotencyKey.batch(runId: "0123456789abcdef0123", entity: "customers", index: 7, body: body))
        #expect(batch != IdempotencyKey.batch(runId: "0123456789abcdef0123", entity: "customers", index: 8, body: body))
        #expect(batch != IdempotencyKey.batch(runId: "0123456789abcdef0123", entity: "customers", index: 7, body: body + [32]))
        #expect(batch.derived("m3").value == batch.value + "-m3")
        #expect(batch.derived("a") != batch.derived("b"))
        let call = IdempotencyKey.bulkCall(prefix: "bulk", runId: "r1", index: 2, body: "{}")
        #expect(call.value == "cstar-io_bulk_r1_2_\(SHA256.hex("{}").prefix(16))")
        #expect(call != IdempotencyKey.bulkCall(prefix: "undo", runId: "r1", index: 2, body: "{}"))
        #expect(IdempotencyKey.item(runId: "0123456789abcdef", kind: "tag", name: "vip").value == "cstario-0123456789ab-tag-\(SHA256.hex("vip").prefix(16))")
    }
}
