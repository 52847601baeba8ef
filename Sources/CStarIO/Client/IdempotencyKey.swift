import CStarHash

/// The one recipe for idempotency keys. A key is derived from what identifies a write — the run, the step, and
/// the bytes sent — never drawn at random: a retry or a resumed run sends the same key for the same request (cStar
/// replays its first answer), and a changed request gets a new key. The texts are stable across versions, so a run
/// started by an older binary resumes with the same keys.
public struct IdempotencyKey: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    /// A key read back from a journal or checkpoint that stored it.
    public init(stored value: String) { self.value = value }

    public var description: String { value }

    /// An import batch (`POST /import`, or the per-record writes a batch of another target makes):
    /// run, entity, batch index and the SHA-256 of the request body as sent.
    public static func batch(runId: String, entity: String, index: Int, body: [UInt8]) -> IdempotencyKey {
        IdempotencyKey(stored: "cstario-\(runId.prefix(12))-\(entity)-\(index)-\(SHA256.hex(body).prefix(16))")
    }

    /// A journaled bulk call (`prefix` is `bulk` for edits, `undo` for undo runs): run, call index, body hash.
    public static func bulkCall(prefix: String, runId: String, index: Int, body: String) -> IdempotencyKey {
        var h = SHA256()
        h.update(body)
        return IdempotencyKey(stored: "cstar-io_\(prefix)_\(runId)_\(index)_\(h.hexDigest().prefix(16))")
    }

    /// One named item a run writes outside its batches (restore's tags): run, kind of item, hash of its name.
    public static func item(runId: String, kind: String, name: String) -> IdempotencyKey {
        IdempotencyKey(stored: "cstario-\(runId.prefix(12))-\(kind)-\(SHA256.hex(name).prefix(16))")
    }

    /// A narrower request derived from this one: half of a split batch (`a`, `b`), one record of a per-record
    /// batch (`r3`), one message of a split thread (`m7`). Distinct suffixes give distinct keys.
    public func derived(_ suffix: String) -> IdempotencyKey { IdempotencyKey(stored: "\(value)-\(suffix)") }
}
