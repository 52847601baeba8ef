import Synchronization

/// Counts the requests the sandbox answered, per method and resource (`POST /bulk`), and how many of them were
/// idempotent replays, so tests can observe how many calls a client really made. Bounded: one counter per
/// route kind, not a log.
public final class RequestCounter: Sendable {
    public struct Count: Sendable, Equatable {
        /// Every answer (any status).
        public var total = 0
        /// Answers replayed from the idempotency cache (the work was not done again).
        public var replayed = 0
        /// Answers with a status below 300.
        public var succeeded = 0
        /// Successful answers that did the work: not replays.
        public var applied: Int { succeeded - replayed }
    }

    private let counts = Mutex<[String: Count]>([:])

    public init() {}

    /// Counts of `method` on the team resource `resource` (e.g. `("POST", "bulk")`, `("GET", "tickets")`).
    public func count(_ method: String, _ resource: String) -> Count {
        counts.withLock { $0["\(method) /\(resource)"] ?? Count() }
    }

    public func reset() { counts.withLock { $0.removeAll() } }

    func record(method: String, path: String, status: Int, replayed: Bool) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count >= 5, parts[0] == "api", parts[2] == "teams" else { return }
        let key = "\(method) /\(parts[4])"
        counts.withLock { all in
            var c = all[key] ?? Count()
            c.total += 1
            if replayed { c.replayed += 1 }
            if status < 300 { c.succeeded += 1 }
            all[key] = c
        }
    }
}
