import Foundation

/// How long the rest of an entity takes, from what is known: the records left (counted before the run), the
/// records one request carries, the recent speed, and the quota. When the requests left do not fit in what the
/// window has left, the estimate is the quota's: the waits for the next windows, not the local speed.
public struct ProgressEstimate: Sendable, Equatable {
    public enum Basis: Sendable, Equatable {
        /// From the recent speed: the quota is not in the way.
        case speed
        /// From the quota: `limit` requests per `period` seconds.
        case quota(limit: Int, period: Double)
    }
    public var seconds: Double
    public var basis: Basis

    /// `recordsPerSecond`: the client's own recent speed, the quota's waits left out (a sliding window over
    /// `RequestBudget.Snapshot.workingClock`), nil when not yet known. With the quota in the way, each window
    /// takes its period or the time the client needs for its requests, whichever is longer.
    public static func estimate(recordsLeft: Int, recordsPerRequest: Int, recordsPerSecond: Double?,
                                quota: RequestBudget.Snapshot?, now: Double) -> ProgressEstimate? {
        guard recordsLeft > 0 else { return ProgressEstimate(seconds: 0, basis: .speed) }
        let perRequest = Double(max(1, recordsPerRequest))
        let requestsLeft = (Double(recordsLeft) / perRequest).rounded(.up)
        let local: (Double) -> Double? = { requests in recordsPerSecond.flatMap { $0 > 0 ? requests * perRequest / $0 : nil } }
        if let q = quota, let limit = q.limit, limit > 0, let reset = q.resetAt {
            let left = Double(q.remaining ?? 0)
            if requestsLeft > left {
                let period = q.period ?? max(1, reset - now)
                let beyond = requestsLeft - left
                let windows = (beyond / Double(limit)).rounded(.up)
                // This window's requests, then the wait to a second past its reset (RequestBudget); each later
                // window a period, or longer when the client is slower than the quota; the last one's requests.
                let lastWindow = beyond - (windows - 1) * Double(limit)
                let perWindow = max(period, local(Double(limit)) ?? 0)
                let seconds = max(local(left) ?? 0, max(0, (q.waitingUntil ?? reset + 1) - now)) + (windows - 1) * perWindow + (local(lastWindow) ?? 0)
                // Slower than the quota allows: it is the client's speed that decides, and the line says so.
                let basis: Basis = perWindow > period ? .speed : .quota(limit: limit, period: period)
                return ProgressEstimate(seconds: seconds, basis: basis)
            }
        }
        return local(requestsLeft).map { ProgressEstimate(seconds: $0, basis: .speed) }
    }
}

/// Delivery speed over the last `span` seconds (so that a slow start or a wait long ago does not skew it).
public struct SlidingRate: Sendable {
    private var samples: [(time: Double, count: Int)] = []
    public let span: Double

    public init(span: Double = 15) { self.span = span }

    public mutating func record(total: Int, at time: Double) {
        samples.append((time, total))
        while let first = samples.first, time - first.time > span, samples.count > 2 { samples.removeFirst() }
    }

    /// Per second between the oldest sample kept and `now`.
    public func perSecond(now: Double) -> Double? {
        guard let first = samples.first, let last = samples.last, now - first.time > 0.2, last.count > first.count else { return nil }
        return Double(last.count - first.count) / (now - first.time)
    }
}
