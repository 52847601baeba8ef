import Foundation
import Synchronization

/// Rate limit state reported in the `X-RateLimit-*` headers.
public struct RateLimitStatus: Sendable {
    public let limit: Int
    public let remaining: Int
    public let reset: Int  // Unix seconds
    public let window: Int
    public let allowed: Bool

    var headers: [(String, String)] {
        [("X-RateLimit-Limit", String(limit)), ("X-RateLimit-Remaining", String(remaining)),
         ("X-RateLimit-Reset", String(reset)), ("X-RateLimit-Window", String(window))]
    }

    /// Whole seconds until the window resets, at least 1.
    public func retryAfter(now: Date) -> Int { max(1, reset - Int(now.timeIntervalSince1970.rounded(.down))) }
}

/// Fixed-window request counter per API key (cStar counts requests per key per hour).
public final class RateLimiter: Sendable {
    private struct Window { var start: Date; var count: Int }
    private let windows = Mutex<[String: Window]>([:])
    let windowSeconds: Int
    let secretLimit: Int
    let publishableLimit: Int

    public init(windowSeconds: Int, secretLimit: Int, publishableLimit: Int) {
        self.windowSeconds = windowSeconds
        self.secretLimit = secretLimit
        self.publishableLimit = publishableLimit
    }

    /// Counts one request for `key` if the window has room; the status says whether it was allowed.
    public func consume(key: String, secret: Bool, now: Date) -> RateLimitStatus {
        let limit = secret ? secretLimit : publishableLimit
        return windows.withLock { all in
            var w = all[key] ?? Window(start: now, count: 0)
            if now.timeIntervalSince(w.start) >= Double(windowSeconds) { w = Window(start: now, count: 0) }
            let allowed = w.count < limit
            if allowed { w.count += 1 }
            all[key] = w
            let reset = Int(w.start.timeIntervalSince1970.rounded(.down)) + windowSeconds
            return RateLimitStatus(limit: limit, remaining: max(0, limit - w.count), reset: reset, window: windowSeconds, allowed: allowed)
        }
    }
}
