import CStarHash
import CStarIO
import Foundation
import Testing

/// The rules Client/ owns: error kinds, the idempotency-key recipe, retry timing.
@Suite("Client rules")
struct ClientRulesTests {
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

    @Test func backoffGrowsAndIsCapped() {
        var p = RetryPolicy()
        p.maxJitter = .zero
        #expect(p.backoff(attempt: 1) == .milliseconds(500))
        #expect(p.backoff(attempt: 2) == .seconds(1))
        #expect(p.backoff(attempt: 4) == .seconds(4))
        #expect(p.backoff(attempt: 30) == p.maxDelay)
        p.maxJitter = .milliseconds(200)
        for _ in 0..<50 {
            let d = p.backoff(attempt: 1)
            #expect(d >= .milliseconds(500) && d <= .milliseconds(700))
        }
    }

    @Test func aRateLimitWaitFollowsTheFirstHintGiven() {
        let now = Date(timeIntervalSince1970: 1_000)
        #expect(RetryPolicy.rateLimitDelay(retryAfterHeader: "3", bodyRetryAfter: 9, resetHeader: "2000", now: now) == .seconds(3))
        #expect(RetryPolicy.rateLimitDelay(retryAfterHeader: nil, bodyRetryAfter: 9, resetHeader: "2000", now: now) == .seconds(9))
        #expect(RetryPolicy.rateLimitDelay(retryAfterHeader: "soon", bodyRetryAfter: nil, resetHeader: "1010", now: now) == .milliseconds(10_001))
        #expect(RetryPolicy.rateLimitDelay(retryAfterHeader: nil, bodyRetryAfter: nil, resetHeader: "900", now: now) == .zero)
        #expect(RetryPolicy.rateLimitDelay(retryAfterHeader: nil, bodyRetryAfter: nil, resetHeader: nil, now: now) == .seconds(60))
    }

    @Test func teamIdsComeFromTeamBaseURLs() {
        #expect(CStarAPI.teamId(baseURL: CStarAPI.teamBase(origin: "https://x.test", teamId: "tm_1")) == "tm_1")
        #expect(CStarAPI.teamId(baseURL: "https://x.test/api/v1/teams/tm_2/customers") == "tm_2")
        #expect(CStarAPI.teamId(baseURL: "https://x.test/api/v1/teams/") == nil)
        #expect(CStarAPI.teamId(baseURL: "https://x.test") == nil)
    }
}

@Suite("HTML converter")
struct HTMLConverterTests {
    @Test func plainTextKeepsStructureAndDropsMarkup() {
        let text = HTMLConverter.plainText("<p>Hello <b>there</b>,</p><ul><li>one</li><li>two &amp; three</li></ul><script>x()</script><p>Bye<br>now</p>")
        #expect(text.contains("Hello there,"))
        #expect(text.contains("- one"))
        #expect(text.contains("- two & three"))
        #expect(!text.contains("x()") && !text.contains("<"))
        #expect(text.contains("Bye\nnow"))
    }

    @Test func imagesStayAsTheirLinks() {
        #expect(HTMLConverter.plainText(#"<img src="https://a.test/1.png" alt="logo">"#).contains("[image: logo https://a.test/1.png]"))
        #expect(HTMLConverter.plainText(#"<img src="https://a.test/2.png">"#).contains("[image: https://a.test/2.png]"))
    }

    @Test func markdownKeepsLinksHeadingsAndEmphasis() {
        let md = HTMLConverter.markdown(#"<h2>Returns</h2><p>See <a href="https://a.test/r">the policy</a> and <em>keep</em> the <strong>receipt</strong>.</p>"#)
        #expect(md.contains("## Returns"))
        #expect(md.contains("[the policy](https://a.test/r)"))
        #expect(md.contains("*keep*") || md.contains("_keep_"))
        #expect(md.contains("**receipt**"))
    }
}
