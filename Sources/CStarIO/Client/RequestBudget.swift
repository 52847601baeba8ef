import Foundation

/// Spends the hourly request quota without running into it: follows the `X-RateLimit-*` headers of every
/// answer, waits for the window to reset when it is used up, and keeps under an optional cap of our own
/// (`--max-requests-per-hour`, to leave room for other integrations).
public actor RequestBudget {
    private var remaining: Int?
    private var resetAt: Double?
    private let cap: Int?
    private var capWindowStart: Double?
    private var capUsed = 0
    private let sleep: @Sendable (Duration) async throws -> Void
    private let now: @Sendable () -> Double
    public private(set) var waits = 0
    public private(set) var waitedSeconds = 0.0

    public init(maxRequestsPerHour: Int? = nil, sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
                now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.cap = maxRequestsPerHour
        self.sleep = sleep
        self.now = now
    }

    /// Waits until one more request fits, then counts it.
    public func acquire() async throws {
        while true {
            let t = now()
            if let cap {
                if capWindowStart == nil || t - capWindowStart! >= 3600 { capWindowStart = t; capUsed = 0 }
                if capUsed >= cap {
                    try await wait(capWindowStart! + 3600 - t)
                    continue
                }
            }
            if let r = remaining, r <= 0, let reset = resetAt {
                // The reset header is whole seconds; one more second covers the rounding.
                if t < reset + 1 {
                    try await wait(reset + 1 - t)
                    continue
                }
                remaining = nil
            }
            if let r = remaining { remaining = r - 1 }
            capUsed += 1
            return
        }
    }

    /// Takes the server's view from an answer's headers.
    public func update(limit: String?, remaining: String?, reset: String?) {
        if let r = remaining.flatMap(Int.init) { self.remaining = r }
        if let s = reset.flatMap(Double.init) { resetAt = s }
    }

    private func wait(_ seconds: Double) async throws {
        waits += 1
        waitedSeconds += max(0, seconds)
        try await sleep(.milliseconds(Int64(max(0, seconds) * 1000)))
    }
}
