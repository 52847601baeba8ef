import CStarSandbox
import Foundation
import Testing

@Suite("Sandbox: rate limits, idempotency, fault injection")
struct RateLimitIdempotencyFaultTests {
    @Test func everyResponseCarriesRateLimitHeadersAnd429HasRetryAfter() async throws {
        // A long window, so a slow machine cannot roll it over between the requests.
        let h = try await SandboxHarness.start({ $0.secretKeyLimit = 3; $0.rateLimitWindowSeconds = 600 }, http: true)
        defer { Task { await h.stop() } }
        var remaining: [String?] = []
        for _ in 0..<3 {
            let a = try await h.request(.GET, "/customers")
            #expect(a.status == 200)
            #expect(a.header("X-RateLimit-Limit") == "3")
            #expect(a.header("X-RateLimit-Window") == "600")
            #expect(a.header("X-RateLimit-Reset").flatMap(Int.init) != nil)
            remaining.append(a.header("X-RateLimit-Remaining"))
        }
        #expect(remaining == ["2", "1", "0"])
        let limited = try await h.request(.GET, "/customers")
        #expect(limited.status == 429)
        #expect(limited.error["type"] as? String == "rate_limit_error")
        #expect(limited.errorCode == "rate_limit_exceeded")
        let retryAfter = try #require(limited.header("Retry-After").flatMap(Int.init))
        #expect((1...600).contains(retryAfter))
        #expect(limited.error["retryAfter"] as? Int == retryAfter)
        #expect(limited.header("X-RateLimit-Remaining") == "0")
        let reset = try #require(limited.header("X-RateLimit-Reset").flatMap(Int.init))
        #expect(abs(reset - Int(Date().timeIntervalSince1970) - retryAfter) <= 2)
        // Publishable keys have their own, lower limit.
        #expect(try await h.request(.GET, "/customers", key: h.team.publishableKey).header("X-RateLimit-Limit") == "100")
    }

    @Test func theWindowResetsAfterItsLength() {
        // The limiter takes the time as an argument: no sleeping, no dependence on machine speed.
        let limiter = RateLimiter(windowSeconds: 60, secretLimit: 2, publishableLimit: 1)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(limiter.consume(key: "k", secret: true, now: t0).allowed)
        #expect(limiter.consume(key: "k", secret: true, now: t0.addingTimeInterval(10)).remaining == 0)
        let refused = limiter.consume(key: "k", secret: true, now: t0.addingTimeInterval(20))
        #expect(!refused.allowed)
        #expect(refused.retryAfter(now: t0.addingTimeInterval(20)) == 40)
        #expect(refused.reset == 1_800_000_060)
        #expect(limiter.consume(key: "other", secret: true, now: t0.addingTimeInterval(20)).allowed, "per key")
        let next = limiter.consume(key: "k", secret: true, now: t0.addingTimeInterval(60))
        #expect(next.allowed && next.remaining == 1, "a new window")
        #expect(limiter.consume(key: "p", secret: false, now: t0).limit == 1)
    }

    @Test func idempotentReplayAndConflictSurviveARestart() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("idem-\(UUID().uuidString).sqlite").path
        let h = try await SandboxHarness.start(dataPath: path)
        let body: [String: Any] = ["resource": "customers", "records": SandboxHarness.customers(3)]
        let first = try await h.request(.POST, "/import", json: body, headers: [("Idempotency-Key", "batch-1")])
        #expect(first.dataObject["created"] as? Int == 3)
        let replay = try await h.request(.POST, "/import", json: body, headers: [("Idempotency-Key", "batch-1")])
        #expect(replay.status == 200)
        #expect(replay.dataObject["created"] as? Int == 3, "the first answer is replayed, not a new 'skipped 3'")
        #expect(replay.header("Idempotent-Replayed") == "true")
        #expect(replay.text == first.text)
        await h.stop()

        let again = try await SandboxHarness.start(dataPath: path)
        defer { Task { await again.stop() } }
        let afterRestart = try await again.request(.POST, "/import", json: body, headers: [("Idempotency-Key", "batch-1")])
        #expect(afterRestart.text == first.text)
        var other = body
        other["records"] = SandboxHarness.customers(4)
        let conflict = try await again.request(.POST, "/import", json: other, headers: [("Idempotency-Key", "batch-1")])
        #expect(conflict.status == 409)
        #expect(conflict.errorCode == "idempotency_key_reused")
        let list = try await again.request(.GET, "/customers")
        #expect(((list.json["meta"] as? [String: Any])?["pagination"] as? [String: Any])?["total"] as? Int == 3)
    }

    @Test func sameSeedGivesTheSameFaults() {
        let config = FaultConfiguration(seed: 42, serverErrorRate: 0.1, rateLimitRate: 0.05, dropRate: 0.05, latencyMs: 5, jitterMs: 10)
        let a = FaultInjector(config), b = FaultInjector(config)
        let seqA = (0..<500).map { _ in a.next() }
        let seqB = (0..<500).map { _ in b.next() }
        #expect(seqA == seqB)
        let other = FaultInjector(FaultConfiguration(seed: 43, serverErrorRate: 0.1, rateLimitRate: 0.05, dropRate: 0.05))
        #expect((0..<500).map { _ in other.next().fault } != seqA.map(\.fault))
        let errors = seqA.filter { if case .serverError = $0.fault { return true } else { return false } }.count
        #expect((25...80).contains(errors), "about 10% of 500")
        #expect(seqA.allSatisfy { (5...15).contains($0.delayMs) })
    }

    @Test func injectedFaultsOverHTTPFollowTheSeed() async throws {
        func statuses(seed: UInt64) async throws -> [Int] {
            let h = try await SandboxHarness.start({ $0.faults = FaultConfiguration(seed: seed, serverErrorRate: 0.3, rateLimitRate: 0.2) }, http: true)
            defer { Task { await h.stop() } }
            var out: [Int] = []
            for _ in 0..<30 { out.append(try await h.request(.GET, "/customers").status) }
            return out
        }
        let first = try await statuses(seed: 7)
        let second = try await statuses(seed: 7)
        #expect(first == second)
        #expect(first.contains(429))
        #expect(first.contains { $0 >= 500 })
        #expect(first.contains(200))
    }

    @Test func droppedConnectionsStillDoTheWork() async throws {
        let h = try await SandboxHarness.start({ $0.faults = FaultConfiguration(seed: 3, dropRate: 1.0) }, http: true)
        defer { Task { await h.stop() } }
        await #expect(throws: (any Error).self) {
            _ = try await h.request(.POST, "/customers", json: ["name": "Dropped", "email": "dropped@example.com"])
        }
        // The request was processed before the connection was closed: the record exists.
        let store = h.api.store
        #expect(try store.count(resource: "customers", teamId: h.team.id) == 1)
    }
}
