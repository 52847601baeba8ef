import CStarIO
import Foundation
import Testing

/// When and how long the client waits before re-sending (Client/RetryPolicy.swift).
@Suite("Retry policy")
struct RetryPolicyTests {
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
}
