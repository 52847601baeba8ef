import CStarIO
import Testing

/// How an answer's status and code become the kind the client acts on (Client/CStarAPIError.swift).
@Suite("API errors: kinds")
struct CStarAPIErrorTests {
    static func error(_ status: Int, _ code: String = "c") -> CStarAPIError {
        CStarAPIError(status: status, type: "t", code: code, message: "m", param: nil, requestId: nil, method: "POST", path: "/import")
    }

    @Test func statusesMapToKinds() {
        #expect(Self.error(400).kind == .refused)
        #expect(Self.error(422).kind == .refused)
        #expect(Self.error(409).kind == .conflict)
        #expect(Self.error(409, "idempotency_key_reused").kind == .idempotencyKeyReused)
        #expect(Self.error(413).kind == .tooLarge)
        #expect(Self.error(404).kind == .notFound)
        #expect(Self.error(401).kind == .unauthorized)
        #expect(Self.error(403).kind == .forbidden)
        #expect(Self.error(429).kind == .rateLimited)
        #expect(Self.error(503).kind == .server)
        #expect(Self.error(418).kind == .other)
        #expect(Self.error(400).isRefusal && !Self.error(409).isRefusal)
        #expect(Self.error(429).isRetryable && Self.error(500).isRetryable && !Self.error(400).isRetryable)
        // A rejected record, not a failed run: refusals, conflicts, size, missing records. Never auth or quota.
        #expect(Self.error(400).concernsTheRequest && Self.error(409).concernsTheRequest && Self.error(413).concernsTheRequest)
        #expect(!Self.error(401).concernsTheRequest && !Self.error(403).concernsTheRequest && !Self.error(429).concernsTheRequest && !Self.error(500).concernsTheRequest)
    }
}
