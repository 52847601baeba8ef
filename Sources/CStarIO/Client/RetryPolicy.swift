import Foundation

/// When and how long to wait before re-sending a request. Waits go through `sleep`, so tests need not sleep.
public struct RetryPolicy: Sendable {
    /// Attempts for 5xx answers, timeouts and dropped connections (the first try included).
    public var maxAttempts = 6
    /// Attempts when no connection can be made at all (refused, unknown host, connect timeout).
    public var maxConnectAttempts = 3
    /// Extra waits allowed for 429 answers before giving up (a full hour window is waited out at most this often).
    public var maxRateLimitWaits = 20
    public var baseDelay: Duration = .milliseconds(500)
    public var maxDelay: Duration = .seconds(8)
    public var maxJitter: Duration = .milliseconds(200)
    public var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }

    public init() {}

    /// Exponential backoff with jitter for the `attempt`-th retry (1-based).
    public func backoff(attempt: Int) -> Duration {
        let exp = baseDelay * (1 << min(attempt - 1, 16))
        let capped = min(exp, maxDelay)
        let jitterMs = Int64(maxJitter.components.seconds * 1000 + maxJitter.components.attoseconds / 1_000_000_000_000_000)
        return capped + .milliseconds(jitterMs > 0 ? Int64.random(in: 0...jitterMs) : 0)
    }

    /// How long a 429 asks us to wait: `Retry-After`, then `error.retryAfter`, then `X-RateLimit-Reset`, then 60 s.
    public static func rateLimitDelay(retryAfterHeader: String?, bodyRetryAfter: Int64?, resetHeader: String?, now: Date = Date()) -> Duration {
        if let h = retryAfterHeader?.trimmingCharacters(in: .whitespaces), let s = Double(h), s >= 0 { return .milliseconds(Int64(s * 1000)) }
        if let b = bodyRetryAfter, b >= 0 { return .seconds(b) }
        if let r = resetHeader, let reset = Double(r) {
            let wait = reset - now.timeIntervalSince1970
            if wait > 0 { return .milliseconds(Int64(wait * 1000) + 1) }
            return .zero
        }
        return .seconds(60)
    }
}
