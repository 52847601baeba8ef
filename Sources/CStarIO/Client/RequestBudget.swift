import Foundation
import Synchronization

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
    /// Every wait: when it began (seconds since 1970) and how long it was.
    public private(set) var waitLog: [(start: Double, seconds: Double)] = []
    /// The last known requests left in the window, readable without awaiting (for progress lines); -1: unknown.
    private nonisolated let remainingMirror = Atomic<Int>(-1)
    public nonisolated var remainingSnapshot: Int? {
        let r = remainingMirror.load(ordering: .relaxed)
        return r < 0 ? nil : r
    }

    /// What progress lines need of the quota, readable without awaiting.
    public struct Snapshot: Sendable, Equatable {
        /// Requests a window allows (the server's `X-RateLimit-Limit`, or our own cap when it is the tighter).
        public var limit: Int?
        public var remaining: Int?
        /// When the current window ends (seconds since 1970).
        public var resetAt: Double?
        /// Seconds from one window's end to the next as this client meets them (the window's length, plus the
        /// second waited past each reset); measured once two windows were seen.
        public var period: Double?
        /// Set while the client waits for a window: when the wait ends.
        public var waitingUntil: Double?
        /// When the current wait began, and the seconds of the waits already over: the time the client was
        /// working is the time that passed minus these (its own speed, free of the quota's waits).
        public var waitingSince: Double?
        public var waitedSeconds = 0.0

        /// Seconds since 1970 minus every second spent waiting for the quota up to `now`.
        public func workingClock(_ now: Double) -> Double {
            now - waitedSeconds - (waitingSince.map { max(0, now - $0) } ?? 0)
        }
    }
    private nonisolated let snapshotBox = Mutex(Snapshot())
    public nonisolated var snapshot: Snapshot { snapshotBox.withLock { $0 } }

    /// Told when a wait for the window begins (the time it ends, as seconds since 1970), so a person sees why
    /// nothing moves.
    private let onWait: @Sendable (Double) -> Void

    public init(maxRequestsPerHour: Int? = nil, sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
                now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }, onWait: @escaping @Sendable (Double) -> Void = { _ in }) {
        self.cap = maxRequestsPerHour
        self.sleep = sleep
        self.now = now
        self.onWait = onWait
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
            mirror()
            return
        }
    }

    /// Takes the server's view from an answer's headers.
    /// With several requests in flight, answers arrive out of order: within one window the lowest count seen is
    /// the server's latest word, so an older answer never raises it.
    public func update(limit: String?, remaining: String?, reset: String?, window: String? = nil) {
        let newReset = reset.flatMap(Double.init)
        let previousReset = resetAt
        snapshotBox.withLock { s in
            if let l = limit.flatMap(Int.init) { s.limit = l }
            if let w = window.flatMap(Double.init), s.period == nil { s.period = w + 1 }
            if let n = newReset, let p = previousReset, n > p { s.period = n - p }
        }
        if let r = remaining.flatMap(Int.init) {
            if let current = self.remaining, newReset == nil || newReset == resetAt {
                self.remaining = min(current, r)
            } else {
                self.remaining = r
            }
        }
        if let s = newReset { resetAt = s }
        mirror()
    }

    private func mirror() {
        var left = remaining ?? -1
        if let cap { left = left < 0 ? cap - capUsed : min(left, cap - capUsed) }
        remainingMirror.store(left, ordering: .relaxed)
        let (cap, capStart, serverRemaining, serverReset) = (cap, capWindowStart, remaining, resetAt)
        snapshotBox.withLock { s in
            s.remaining = left < 0 ? nil : left
            s.resetAt = serverReset
            // Our own cap binds when it leaves fewer requests than the server's window does.
            if let cap, let start = capStart, serverRemaining.map({ cap - capUsed < $0 }) ?? true {
                s.limit = cap
                s.resetAt = start + 3600
                s.period = 3600
            }
        }
    }

    private func wait(_ seconds: Double) async throws {
        if seconds > 0 { onWait(now() + seconds) }
        waits += 1
        waitedSeconds += max(0, seconds)
        if waitLog.count < 1000 { waitLog.append((now(), max(0, seconds))) }
        let began = now()
        let until = began + max(0, seconds)
        snapshotBox.withLock { $0.waitingUntil = until; $0.waitingSince = began }
        defer {
            let ended = now()
            snapshotBox.withLock { $0.waitingUntil = nil; $0.waitingSince = nil; $0.waitedSeconds += max(0, ended - began) }
        }
        try await sleep(.milliseconds(Int64(max(0, seconds) * 1000)))
    }
}
